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
    parser.add_argument(
        "--platform",
        choices=["local", "docker", "kubernetes"],
        default=None,
        help="say what each kill or pause does on this platform (default: the scenario's)",
    )
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
    platform = args.platform or scenario.platform
    console.info(
        escape(
            f"{scenario.name} on {system.name} ({platform}): seed {timeline.seed}, "
            f"time scale {args.time_scale:g}, {format_duration(timeline.total_s)} in all"
        )
    )
    print_timeline(timeline)
    if platform == "kubernetes":
        print_pod_actions(timeline)
    return 0


def print_pod_actions(timeline: Timeline) -> None:
    """Which pods each instance fault acts on: the pods exist only once the run has made its
    namespace, so they are named by the instance each fills and the selector that finds it."""
    rows = []
    for event in timeline.events:
        if event.fault_type not in ("kill", "pause") or event.action != "apply":
            continue
        for instance in event.targets.instances:
            service, _, replica = instance.rpartition("-")
            what = {"kill": "delete (grace 0)", "pause": "freeze its container"}[event.fault_type]
            if event.fault_type == "kill" and not getattr(event.fault, "replace", True):
                what += ", Deployment scaled down by one"
            rows.append(
                [
                    _clock(event.at_s),
                    escape(event.fault_name),
                    f"the pod filling {instance}",
                    escape(f"app={service}, io.firebreak/run=<this run> (slot {replica})"),
                    what,
                ]
            )
    if rows:
        console.table(
            "Pods on Kubernetes (in the run's own namespace; nothing is touched by `plan`)",
            ["time", "fault", "pod", "selector", "action"],
            rows,
        )


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
