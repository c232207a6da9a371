"""`firebreak status`: what systems and runs are up, and whether each replica answers."""

from __future__ import annotations

import argparse

import httpx

from harness.cli import console
from harness.ledger import ledger_owner_alive, process_is_ours, read_ledgers


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("status", help="show the systems and runs that are up")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ledgers = read_ledgers()
    if not ledgers:
        console.info("Nothing is up.")
        return 0
    for data in ledgers:
        alive = ledger_owner_alive(data)
        state = "up" if alive else "[red]owner gone: run `firebreak cleanup`[/]"
        console.info(f"[bold]{data.run_id}[/] ({data.kind}, pid {data.owner_pid}): {state}")
        endpoints = data.info.get("endpoints", {})
        rows = []
        for service, url in endpoints.items():
            rows.append([service, url, _probe(url)])
        if rows:
            console.table("endpoints", ["service", "url", "answers"], rows)
        live = sum(process_is_ours(p.pid, p.create_time) for p in data.processes)
        console.info(
            f"  processes: {live}/{len(data.processes)} alive; proxies: {len(data.proxies)}; "
            f"faults active: {len(data.faults)}; folder: {data.run_dir}"
        )
    return 0


def _probe(base_url: str) -> str:
    try:
        response = httpx.get(base_url + "/health/ready", timeout=1.0)
    except httpx.HTTPError as exc:
        return f"no ({type(exc).__name__})"
    return "yes" if response.status_code == 200 else f"no ({response.status_code})"
