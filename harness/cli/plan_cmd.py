"""`firebreak plan SCENARIO`: print the resolved timeline of a run without touching anything."""

from __future__ import annotations

import argparse

from rich.markup import escape

from harness.cli import console
from harness.cli.options import add_run_shape_options
from harness.durations import format_duration
from harness.errors import InputError
from harness.scenario import load_scenario_and_system
from harness.timeline import Timeline, TimelineEvent, plan


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "plan", help="print the phases and fault events a run would follow, touching nothing"
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario YAML file")
    add_run_shape_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        scenario, system = load_scenario_and_system(args.scenario)
        scenario = scenario.scaled(args.time_scale)
    except InputError as exc:
        # messages quote patterns like `[a-z]`, which rich would read as markup
        console.error(str(exc))
        return exc.exit_code
    timeline = plan(scenario, system, args.seed)
    console.info(
        escape(
            f"{scenario.name} on {system.name} ({scenario.platform}): seed {timeline.seed}, "
            f"time scale {args.time_scale:g}, {format_duration(timeline.total_s)} in all"
        )
    )
    print_timeline(timeline)
    return 0


def print_timeline(timeline: Timeline) -> None:
    console.table(
        "Phases",
        ["phase", "start", "end", "length"],
        [
            [w.name, _clock(w.start_s), _clock(w.end_s), format_duration(w.duration_s)]
            for w in timeline.phases
        ],
    )
    console.table(
        "Fault events",
        ["time", "action", "fault", "type", "targets", "what"],
        [
            [
                _clock(e.at_s),
                e.action,
                escape(e.fault_name),
                e.fault_type,
                escape(e.targets.describe()),
                escape(_parameters(e)),
            ]
            for e in timeline.events
        ],
    )


def _clock(offset_s: float) -> str:
    # offsets from the start of the run, to the millisecond
    return f"+{round(offset_s, 3):g}s"


def _parameters(event: TimelineEvent) -> str:
    if event.action != "apply":
        return ""
    skipped = {"name", "type", "target", "at_s", "duration_s"}
    # defaults (downstream, toxicity 1.0, replace: true) would only crowd the table
    fields = event.fault.model_dump(exclude=skipped, exclude_defaults=True)
    return ", ".join(f"{key}={value}" for key, value in fields.items())
