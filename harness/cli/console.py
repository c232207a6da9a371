"""All terminal output of the command line goes through here."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def info(message: str) -> None:
    out.print(message, soft_wrap=True)


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*row)
    out.print(grid)


def compact_table(title: str, columns: list[str], rows: list[list[str]], legend: str) -> None:
    """A dense grid (the resilience map): never wrapped or cut, wider than a log's 80 columns
    when it needs to be, with its legend under it."""
    grid = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        grid.add_column(column, no_wrap=True)
    for row in rows:
        grid.add_row(*row)
    # drawn at its natural width: a map squeezed to 80 columns is all ellipses
    wide = Console(
        file=out.file, width=1000, highlight=False, force_terminal=out.is_terminal or None
    )
    wide.print(grid, crop=False)
    out.print(escape(legend), soft_wrap=True)


def plain(message: str) -> None:
    """Text that may hold brackets (paths, patterns): printed as is, never read as markup."""
    out.print(escape(message), soft_wrap=True)


def progress_text(progress) -> str:
    faults = ", ".join(progress.active_faults) or "none"
    return (
        f"[bold]{progress.phase:<9}[/] {progress.elapsed_s:5.1f}/{progress.total_s:.0f} s  "
        f"{progress.requests_per_s:6.0f} req/s  errors {progress.error_rate:6.2%}  "
        f"degraded {progress.degraded_rate:6.2%}  faults: {escape(faults)}"
    )


def checks_table(checks) -> None:
    grid = Table(title="checks", title_justify="left")
    grid.add_column("")
    grid.add_column("check")
    grid.add_column("what was measured")
    for check in checks:
        if check.set_aside:  # a split run's check that does not count, and why
            mark, said = "[dim]set aside[/]", f"{check.summary} Set aside: {check.set_aside}."
        else:
            mark = "[green]pass[/]" if check.passed else "[bold red]FAIL[/]"
            said = check.summary
        grid.add_row(mark, escape(check.name), escape(said))
    out.print(grid)


def verdict(outcome: str, sentence: str) -> None:
    colour = {
        "passed": "green",
        "failed": "red",
        "aborted": "yellow",
        "inconclusive": "magenta",
    }.get(outcome, "red")
    out.print(f"[bold {colour}]{outcome.upper()}[/] {escape(sentence)}", soft_wrap=True)
