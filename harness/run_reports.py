"""A run's reports, drawn after its verdict: the report's modules are imported in the background
while the run goes on (matplotlib takes a second), and a report that fails to draw is said, never
allowed to change the verdict."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.reports.journal import Journal


def import_reports_in_background() -> None:
    threading.Thread(target=_import_reports, daemon=True).start()


def _import_reports() -> None:
    importlib.import_module("harness.reports.render")


def render_reports(
    journal_path: Path, journal: Journal, on_message: Callable[[str], None]
) -> dict[str, str]:
    """The files drawn, by name; none when the report's modules are missing or fail."""
    try:
        from harness.reports.render import render_run
    except ImportError:
        return {}
    try:
        rendered = render_run(journal_path, journal=journal)
    except Exception as exc:  # a report that fails to draw must not change the verdict
        on_message(f"The reports could not be rendered: {type(exc).__name__}: {exc}")
        return {}
    return {name: str(path) for name, path in rendered.items()}
