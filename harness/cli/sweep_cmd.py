"""`firebreak sweep [SYSTEM]`: every edge × every fault (and every service × every instance
fault) as a short experiment on one deployment, drawn as the resilience map."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.checks.base import OUTCOME_EXIT_CODES
from harness.cli import console
from harness.cli.options import add_cluster_options, apply_cluster_options
from harness.durations import parse_duration_s
from harness.errors import InputError
from harness.run_model import RunOptions
from harness.scenario import Scenario
from harness.source_revision import SourceRevision, source_json
from harness.stop_signals import EXIT_INTERRUPTED
from harness.sweep.cells import (
    DEFAULT_KINDS,
    check_kinds,
    informative_order,
    plan_cells,
    within_budget,
)
from harness.sweep.resilience_map import ResilienceMap, got_worse, read_map
from harness.system import SystemSpec, default_system_path, load_system

# a cell's time beyond its fault: the steady baseline before it and the settling after it
CELL_OVERHEAD_S = 9.0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sweep", help="every edge × every fault, one deployment: the resilience map"
    )
    parser.add_argument("system", type=Path, nargs="?", default=None, metavar="SYSTEM")
    parser.add_argument("--platform", choices=["local", "docker", "kubernetes"], default="local")
    parser.add_argument(
        "--faults",
        default=",".join(DEFAULT_KINDS),
        help=f"the fault kinds, comma-separated (default: {','.join(DEFAULT_KINDS)})",
    )
    parser.add_argument(
        "--only",
        default=None,
        metavar="ROWS",
        help="sweep only these edges (caller->callee) and services, comma-separated",
    )
    parser.add_argument("--budget", default=None, help="e.g. 10m: the most telling cells first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=8, help="steady load: Locust users")
    parser.add_argument("--fault-s", type=float, default=8.0, help="how long each fault holds")
    parser.add_argument("--latency-ms", type=int, default=None, help="the latency cells' delay")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.add_argument(
        "--resume", type=Path, default=None, metavar="DIR", help="continue an interrupted sweep"
    )
    parser.add_argument("--write-scenarios", type=Path, default=None, metavar="DIR")
    parser.add_argument("--baseline", type=Path, default=None, metavar="MAP_JSON")
    parser.add_argument("--port-offset", type=int, default=0, metavar="N")
    parser.add_argument(
        "--split",
        action="store_true",
        help="a control arm beside the experiment: the entrypoint's replicas halved, and each "
        "cell on one of its edges judged as the difference (docs/sweep.md)",
    )
    add_cluster_options(parser)
    parser.set_defaults(handler=sweep)


def sweep(args: argparse.Namespace) -> int:
    from harness.sweep.journal import render_sweep_reports, sweep_outcome, write_sweep_journal
    from harness.sweep.render import (
        TERMINAL_LEGEND,
        render_map_html,
        terminal_rows,
        write_junit,
        write_scenarios,
    )
    from harness.sweep.runner import SweepRunner, SweepSettings

    apply_cluster_options(args)
    system = load_system(args.system or default_system_path())
    kinds = check_kinds([k.strip() for k in args.faults.split(",") if k.strip()])
    baseline_map = read_map(args.baseline) if args.baseline else None
    only = [r.strip() for r in args.only.split(",") if r.strip()] if args.only else None
    planned = plan_cells(system, kinds, only)  # the map's rows keep the system's order
    cells = informative_order(planned, args.seed)
    settings = SweepSettings(fault_s=args.fault_s, latency_ms=args.latency_ms)
    budget_s = parse_duration_s(args.budget) if args.budget else None
    todo, skipped = within_budget(cells, budget_s, args.fault_s + CELL_OVERHEAD_S)
    out = args.resume or args.out
    resilience_map = ResilienceMap.planned(system.name, args.platform, args.seed, kinds, planned)
    # read before the sweep: a checkout that moves during it must not relabel what ran
    resilience_map.source = source_json(system.folder)
    if args.resume is not None:
        resilience_map = _resumed(args.resume / "map.json", resilience_map)
        todo = [c for c in todo if c.id not in resilience_map.cells]
        console.plain(f"Resuming: {len(resilience_map.cells)} cells done, {len(todo)} to go.")
    resilience_map.skipped = [c.id for c in skipped]
    if skipped:
        console.plain(
            f"The budget of {args.budget} fits {len(todo)} of {len(cells)} cells; skipped: "
            + ", ".join(c.id for c in skipped)
        )
    options = RunOptions(
        seed=args.seed,
        out_dir=out,
        platform=args.platform,
        port_offset=args.port_offset,
        split=args.split,
    )
    runner = SweepRunner(
        _load_scenario(system, args.users),
        system,
        todo,
        resilience_map,
        options,
        settings,
        on_message=console.plain,
        on_cell=lambda r: console.plain(f"  {r.cell}: {r.verdict}. {r.summary}"),
    )
    outcome = runner.run()
    columns, rows = terminal_rows(outcome.map)
    console.compact_table(f"resilience map: {system.name}", columns, rows, TERMINAL_LEGEND)
    worse = got_worse(baseline_map, outcome.map) if baseline_map else []
    verdict = sweep_outcome(outcome.map, worse, outcome.error, outcome.interrupted)
    html = outcome.run_dir / "map.html"
    html.write_text(render_map_html(outcome.map, system, worse), encoding="utf-8")
    journal_path, journal = write_sweep_journal(
        run_dir=outcome.run_dir,
        started_at=runner.bring_up_at,
        swept_from=runner.started_at,
        scenario=runner.scenario,
        system=system,
        seed=args.seed,
        platform=args.platform,
        toxiproxy_version=runner.toxiproxy_version,
        observations=runner.recorder.observations,
        resilience_map=outcome.map,
        worse=worse,
        outcome=verdict,
        error=outcome.error,
        interrupted=outcome.interrupted,
    )
    try:
        reports = render_sweep_reports(journal_path, journal)
        report = reports["html"]
    except Exception as exc:  # a report that fails to draw must not lose the map
        console.error(f"The reports could not be rendered: {type(exc).__name__}: {exc}")
        write_junit(outcome.map, outcome.run_dir / "junit.xml")
        report = html
    console.plain(
        f"{journal.verdict}\nmap:     {outcome.run_dir / 'map.json'} ({html.name} beside it)\n"
        f"journal: {journal_path}\nreport:  {report}"
    )
    if args.write_scenarios is not None:
        for path in write_scenarios(outcome.map, system, args.write_scenarios, args.fault_s):
            console.plain(f"scenario: {path}")
    for cell_id, was, now in worse:
        console.error(f"worse than the baseline: {cell_id}: {was} → {now}")
    if outcome.interrupted:
        console.plain(f"Interrupted; resume with: firebreak sweep --resume {outcome.run_dir}")
        return EXIT_INTERRUPTED
    if outcome.error:
        console.error(outcome.error)
    return OUTCOME_EXIT_CODES[verdict]


def _resumed(path: Path, planned: ResilienceMap) -> ResilienceMap:
    earlier = read_map(path)
    if (earlier.system, earlier.seed, earlier.kinds) != (
        planned.system,
        planned.seed,
        planned.kinds,
    ):
        raise InputError(
            f"This sweep was of `{earlier.system}` with seed {earlier.seed} and faults "
            f"{','.join(earlier.kinds)}; expected the same system, `--seed` and `--faults` to "
            "resume it.",
            path=str(path),
        )
    _same_revision(path, earlier.source, planned.source)
    planned.cells = earlier.cells
    planned.source = earlier.source or planned.source
    return planned


def _same_revision(path: Path, then: dict | None, now: dict | None) -> None:
    """One map is one revision of the system: cells swept before and after a checkout moved
    would be charted by `firebreak history` as if one commit had given them all."""
    if then is None or now is None:
        return
    earlier, current = SourceRevision.from_json(then), SourceRevision.from_json(now)
    if (earlier.commit, earlier.dirty) == (current.commit, current.dirty):
        return
    raise InputError(
        f"This sweep was started at commit {earlier.label}; the system's folder is now at "
        f"{current.label}. Its cells would mix two revisions: check out "
        f"{earlier.commit[:10]} to resume it, or start a new sweep.",
        path=str(path),
    )


def _load_scenario(system: SystemSpec, users: int) -> Scenario:
    scenario = Scenario.model_validate(
        {
            "name": f"sweep-{system.name}",
            "description": f"A sweep of {system.name}.",
            "system": system.path.name,
            "load": {"users": users},
            "phases": {"warmup": "5s", "baseline": "5s", "faults": "1s"},
        }
    )
    scenario._path = system.path.parent / "sweep.yaml"
    return scenario
