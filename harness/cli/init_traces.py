"""`firebreak init --from-traces SYSTEM`: the edges a short traced run of the system shows,
drafted into a copy of its system.yaml (harness/init/from_traces.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml
from rich.markup import escape

from harness.cli import console
from harness.durations import parse_duration_s
from harness.errors import InputError
from harness.init.from_traces import drafted_source, require_traceable, trace_system
from harness.run_files import new_run_dir
from harness.system import load_system


def run_from_traces(args: argparse.Namespace) -> int:
    path: Path = args.traced_system
    system = load_system(path)  # bad input: exit 2, nothing started
    try:
        duration_s = parse_duration_s(args.duration)
    except ValueError as exc:
        raise InputError(f"{exc}; expected a duration such as `15s`.", field="--duration") from None
    if duration_s < 2:
        raise InputError(
            "Two seconds at least: a shorter run traces too little.", field="--duration"
        )
    out: Path = args.out or path.parent / "system.from-traces.yaml"
    if out.exists() and not args.force:
        raise InputError(
            "This file exists already; expected a new path (`--out`), or `--force` to replace it.",
            path=str(out),
        )
    require_traceable(system)
    run_dir = new_run_dir("init-traces")
    traced = trace_system(system, run_dir, duration_s, lambda m: console.info(escape(m)))
    source = yaml.safe_load(path.read_text(encoding="utf-8"))
    drafted, notes = drafted_source(system, source, traced)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"# Drafted by `firebreak init --from-traces` from {path.name} and {duration_s:g} s of "
        "its traces; confirm the notes it printed.\n"
        + yaml.safe_dump(drafted, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    written = load_system(out)  # what `firebreak validate` would say, said now
    rows = [
        [edge.name, str(traced.observed.get(edge.name, 0)), _before(system, edge)]
        for edge in written.edges()
    ]
    console.table("edges", ["edge", "calls traced", "declared before"], rows)
    if notes:
        console.table("confirm what was guessed", ["what"], [[note] for note in notes])
    console.info(
        escape(
            f"Wrote {out}: {len(written.edges()) - 1} dependency edges from "
            f"{traced.front_door_traces} traced front-door requests (the run: {run_dir})."
        )
    )
    return 0


def _before(system: Any, edge: Any) -> str:
    if edge.is_front_door or edge.callee in system.services[edge.caller].dependencies:
        return "yes"
    return "drafted"
