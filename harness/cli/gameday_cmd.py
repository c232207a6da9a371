"""`firebreak gameday [SYSTEM]`: bring a system up under steady load and break it by hand from a
console in the browser; `--replay journal.json` turns a past exercise into a scenario file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.cli import console
from harness.cli.options import add_cluster_options, apply_cluster_options
from harness.cli.run_cmd import show_result
from harness.durations import parse_duration_s
from harness.errors import InputError
from harness.run_model import RunOptions
from harness.scenario import Guardrail, Scenario, load_scenario_and_system
from harness.stop_signals import EXIT_INTERRUPTED
from harness.system import SystemSpec, default_system_path, load_system

DEFAULT_WARMUP, DEFAULT_BASELINE = "5s", "15s"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "gameday", help="a live exercise: break the system by hand from a browser console"
    )
    parser.add_argument("system", type=Path, nargs="?", default=None, metavar="SYSTEM")
    parser.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help="take the load, warm-up and baseline, expectations and guardrails from a scenario",
    )
    parser.add_argument("--platform", choices=["local", "docker", "kubernetes"], default=None)
    parser.add_argument("--users", type=int, default=None, help="steady load: Locust users")
    parser.add_argument(
        "--warmup", default=None, help=f"load before the baseline ({DEFAULT_WARMUP})"
    )
    parser.add_argument(
        "--baseline",
        default=None,
        help=f"measured before the first fault may go in ({DEFAULT_BASELINE})",
    )
    parser.add_argument(
        "--guardrail",
        action="append",
        default=[],
        metavar="METRIC:ABOVE:FOR",
        help="end the exercise when e.g. front_door_error_rate:0.5:10s holds",
    )
    parser.add_argument("--port", type=int, default=0, help="the console's port (0: any free)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--port-offset", type=int, default=0, metavar="N")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="the run's folder")
    parser.add_argument(
        "--replay",
        type=Path,
        default=None,
        metavar="JOURNAL",
        help="write a past game day as a scenario file (to --write) and exit",
    )
    parser.add_argument(
        "--write", type=Path, default=None, metavar="FILE", help="with --replay: the file"
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="a control arm beside the experiment: the entrypoint's replicas halved, and each "
        "step on one of its edges judged as the difference too (docs/gameday.md)",
    )
    add_cluster_options(parser)
    parser.set_defaults(handler=gameday)


def gameday(args: argparse.Namespace) -> int:
    if args.replay is not None:
        return replay(args)
    apply_cluster_options(args)
    scenario, system = starting_scenario(args)  # bad input: exit 2, nothing started
    options = RunOptions(
        seed=args.seed,
        out_dir=args.out,
        platform=args.platform,
        port_offset=args.port_offset,
        split=args.split,
    )
    from harness.gameday.finish import finish_exercise
    from harness.gameday.server import ConsoleServer
    from harness.gameday.session import GameDay

    def start_console(session: GameDay) -> ConsoleServer:
        server = ConsoleServer(session, args.port)
        url = server.start()
        session.console_url = url
        console.plain(f"console: {url}  (Ctrl-C or the console's End button ends the exercise)")
        if not args.no_browser and _has_display():
            import webbrowser

            webbrowser.open(url)
        return server

    session = GameDay(scenario, system, options, on_message=console.plain)
    result = session.run(start_console, finish_exercise)
    show_result(result)
    console.plain(f"scenario: {session.run_dir / 'gameday-scenario.yaml'}")
    if (session.state.end_requested or "").startswith("interrupted"):
        return EXIT_INTERRUPTED  # as `run`: torn down and reported, then told it was stopped
    return result.exit_code


def starting_scenario(args: argparse.Namespace) -> tuple[Scenario, SystemSpec]:
    """The scenario a game day starts from: the one given, or one made from the flags."""
    if args.scenario is not None:
        scenario, system = load_scenario_and_system(args.scenario)
        if args.system is not None and args.system.resolve() != system.path:
            raise InputError(
                f"The scenario names the system {system.path}, not {args.system}; expected "
                "one of the two.",
                field="SYSTEM",
            )
    else:
        system = load_system(args.system or default_system_path())
        scenario = None
    data = (
        scenario.model_dump(mode="json", by_alias=True)
        if scenario is not None
        else {
            "name": f"gameday-{system.name}",
            "description": f"A game day on {system.name}.",
            "system": system.path.name,
            "phases": {"warmup": DEFAULT_WARMUP, "baseline": DEFAULT_BASELINE, "faults": "1s"},
        }
    )
    data["faults"] = []  # people choose them
    data["system"] = system.path.name  # the scenario is placed beside the system file
    if args.users is not None:
        data["load"] = {**data.get("load", {}), "users": args.users}
    # the flags win over the scenario's phases, whenever they are given
    if args.warmup is not None:
        data["phases"]["warmup"] = args.warmup
    if args.baseline is not None:
        data["phases"]["baseline"] = args.baseline
    data["guardrails"] = [*data.get("guardrails", []), *map(_guardrail, args.guardrail)]
    try:
        built = Scenario.model_validate(data)
    except ValueError as exc:
        raise InputError(f"The game day's options are not valid: {exc}") from None
    built._path = system.path.parent / "gameday.yaml"
    return built, system


def _guardrail(text: str) -> dict:
    metric, _, rest = text.partition(":")
    above, _, for_text = rest.partition(":")
    try:
        guardrail = Guardrail.model_validate(
            {"metric": metric, "above": float(above), "for": parse_duration_s(for_text or "0s")}
        )
    except ValueError:
        raise InputError(
            f"`--guardrail {text}` is not METRIC:ABOVE:FOR; expected e.g. "
            "front_door_error_rate:0.5:10s or front_door_p99_ms:2000:5s.",
            field="--guardrail",
        ) from None
    return guardrail.model_dump(mode="json", by_alias=True)


def replay(args: argparse.Namespace) -> int:
    from harness.gameday.replay import replay_scenario

    out = args.write or Path(f"gameday-{args.replay.resolve().parent.name}.yaml")
    written = replay_scenario(args.replay, out)
    console.plain(f"scenario: {written} (check it: firebreak validate {written})")
    return 0


def _has_display() -> bool:
    return sys.platform == "darwin" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
