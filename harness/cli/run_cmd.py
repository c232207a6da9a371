"""`firebreak run SCENARIO`: deploy, drive load, inject faults on schedule, judge, report."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.live import Live

from harness.cli import console
from harness.cli.options import add_cluster_options, add_run_shape_options, apply_cluster_options
from harness.reports.repeat import RepeatSummary, summarize, write_summary
from harness.run_files import new_run_dir
from harness.runner import Progress, RunInterrupted, RunOptions, RunResult, ScenarioRunner
from harness.scenario import Scenario, load_scenario_and_system
from harness.stop_signals import EXIT_INTERRUPTED
from harness.system import SystemSpec


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("run", help="run a scenario and judge it (exit 0 passed)")
    parser.add_argument("scenario", type=Path, metavar="SCENARIO")
    parser.add_argument("--platform", choices=["local", "docker", "kubernetes"], default=None)
    add_run_shape_options(parser)
    add_cluster_options(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="the run's folder")
    parser.add_argument(
        "--split",
        action="store_true",
        help="fault an experiment arm beside an untouched control arm (local and Docker)",
    )
    parser.add_argument(
        "--traces",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="collect the OpenTelemetry traces of the services that declare `traces: otlp` "
        "in a Jaeger of the run's own (default: on where declared, unless FIREBREAK_TRACES=off)",
    )
    parser.add_argument(
        "--full-length",
        action="store_true",
        help="in a split run, keep the faults on for the scenario's whole duration even once "
        "the arms' difference is decided",
    )
    parser.add_argument(
        "--port-offset",
        type=int,
        default=0,
        metavar="N",
        help="shift every service port by N (to run beside a system that is up)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the scenario N times and report how often each check failed (its flip rate)",
    )
    parser.add_argument(
        "--set-env",
        action="append",
        default=[],
        metavar="SERVICE:NAME=VALUE",
        help="extra environment for one service, e.g. gateway:FIREBREAK_DISABLE=fallbacks",
    )
    parser.set_defaults(handler=run)


def parse_env_overrides(items: list[str]) -> dict[str, dict[str, str]]:
    from harness.errors import InputError

    overrides: dict[str, dict[str, str]] = {}
    for item in items:
        service, _, assignment = item.partition(":")
        name, equals, value = assignment.partition("=")
        if not service or not name or not equals:
            raise InputError(
                f"`--set-env {item}` is not of the form SERVICE:NAME=VALUE "
                "(e.g. gateway:FIREBREAK_DISABLE=fallbacks).",
                field="--set-env",
            )
        overrides.setdefault(service, {})[name] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    apply_cluster_options(args)
    scenario, system = load_scenario_and_system(args.scenario)  # bad input: exit 2, nothing runs
    overrides = parse_env_overrides(args.set_env)
    unknown = set(overrides) - set(system.services)
    if unknown:
        from harness.errors import InputError

        raise InputError(
            f"`--set-env` names unknown service(s) {sorted(unknown)}; expected one of "
            f"{sorted(system.services)}.",
            field="--set-env",
        )
    if args.repeat < 1:
        from harness.errors import InputError

        raise InputError(f"`--repeat {args.repeat}` runs nothing; expected 1 or more.")
    options = RunOptions(
        time_scale=args.time_scale,
        seed=args.seed,
        out_dir=args.out,
        platform=args.platform,
        env_overrides=overrides,
        port_offset=args.port_offset,
        split=args.split,
        stop_when_decided=not args.full_length,
        traces=args.traces,
    )
    console.plain(f"{scenario.name}: {scenario.description.strip()}")
    try:
        if args.repeat == 1:
            result = run_once(scenario, system, options)
            show_result(result)
            return result.exit_code
        return run_repeated(scenario, system, options, args.repeat)
    except RunInterrupted as interrupted:
        # torn down already; say what the run saw before it was stopped
        show_result(interrupted.result)
        return EXIT_INTERRUPTED


def run_once(scenario: Scenario, system: SystemSpec, options: RunOptions) -> RunResult:
    with Live(console=console.out, refresh_per_second=4, transient=True) as live:

        def show(progress: Progress) -> None:
            live.update(console.progress_text(progress))

        runner = ScenarioRunner(
            scenario, system, options, on_progress=show, on_message=live.console.print
        )
        return runner.run()


def show_result(result: RunResult) -> None:
    if result.checks:
        console.checks_table(result.checks)
    console.verdict(result.outcome, result.verdict)
    console.plain(f"journal: {result.journal_path}")
    report = result.files.get("html")
    if report:
        console.plain(f"report:  {report}")


def run_repeated(scenario: Scenario, system: SystemSpec, options: RunOptions, times: int) -> int:
    """The same scenario `times` times, one folder each under one parent; then the flip rate."""
    parent = options.out_dir or new_run_dir(f"repeat-{scenario.name}")
    parent.mkdir(parents=True, exist_ok=True)
    results = []
    for index in range(1, times + 1):
        options.out_dir = parent / f"run-{index:02d}"
        result = run_once(scenario, system, options)
        console.verdict(result.outcome, f"run {index} of {times}: {result.verdict}")
        results.append(result)
        if result.outcome == "error":
            break  # a harness error repeats itself; the runs that did finish are reported
    summary = summarize(results)
    show_repeat(summary)
    console.plain(f"summary: {write_summary(summary, parent)}")
    return summary.exit_code


def show_repeat(summary: RepeatSummary) -> None:
    flipped = set(summary.flipped_checks)
    rows = [
        [
            name,
            f"{failed}/{summary.judged_runs}",
            "flipped" if name in flipped else ("always failed" if failed else "always passed"),
        ]
        for name, failed in summary.failures_by_check.items()
    ]
    console.table("checks over the runs", ["check", "failed", "verdict"], rows)
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items()))
    console.plain(
        f"{summary.runs} runs: {outcomes}; {len(flipped)} of {len(summary.failures_by_check)} "
        f"checks flipped (flip rate {summary.flip_rate:.0%})."
    )
