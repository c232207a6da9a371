"""Reading every relation's records after the run (`reconcile:` in system.yaml) and reconciling
them against the writes the load saw accepted (harness/checks/reconciliation.py).

Each relation's path is read on the platform's own instances, as the integrity paths are, so it
works wherever the system runs. Records still pending get the same settle wait as integrity's.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from harness.checks.reconciliation import reconcile
from harness.observe.integrity import (
    SETTLE_POLL_S,
    SETTLE_TIMEOUT_S,
    accepted_keys,
    collect_integrity,
)
from harness.platforms.base import Platform
from harness.reconcile_spec import Record, Relation, parse_records
from harness.system import SystemSpec

ASK_TIMEOUT_S = 10.0  # a store of a few thousand records answers in well under a second


def _read_instance(url: str, relation: Relation) -> list[Record] | str:
    where = f"{relation.service}{relation.path}"
    try:
        response = httpx.get(url + relation.path, timeout=ASK_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return f"{where} did not answer: {type(exc).__name__}"
    if response.status_code != 200:
        return f"{where} answered {response.status_code}"
    try:
        answer = response.json()
    except ValueError:
        return f"{where} did not answer JSON"
    records, problem = parse_records(answer)
    if records is None:
        return f'{where} did not answer {{"records": [...]}}: {problem}'
    return records


def read_relation(platform: Platform, relation: Relation) -> list[Record] | str:
    """The relation's records, or why there are none to read."""
    running = [i for i in platform.instances(relation.service) if i.state == "running"]
    if not running:
        return f"no instance of `{relation.service}` was running to ask"
    if relation.store == "shared":
        return _read_instance(running[0].url, relation)
    records: list[Record] = []
    for instance in running:
        answer = _read_instance(instance.url, relation)
        if isinstance(answer, str):
            return f"{answer} (replica `{instance.id}`)"
        records += answer
    return records


def _pending(relation: Relation, answer: list[Record] | str) -> int:
    if isinstance(answer, str):
        return 1  # not answering yet is worth waiting for too
    states = set(relation.pending)
    return sum(1 for record in answer if record.state in states)


def collect_reconciliation(
    platform: Platform, system: SystemSpec, accepted_keys_file: Path
) -> dict[str, Any] | None:
    """The findings of every relation (None when the system declares none), read once nothing
    is pending any more, or after `SETTLE_TIMEOUT_S`."""
    relations = system.reconcile
    if not relations:
        return None
    started = time.monotonic()
    deadline = started + SETTLE_TIMEOUT_S
    while True:
        answers = {name: read_relation(platform, r) for name, r in relations.items()}
        pending = sum(_pending(relations[name], answer) for name, answer in answers.items())
        if pending == 0 or time.monotonic() >= deadline:
            break
        time.sleep(SETTLE_POLL_S)
    findings = reconcile(accepted_keys(accepted_keys_file), answers, relations)
    findings["settle_s"] = round(time.monotonic() - started, 2)
    return findings


def integrity_wanted(wanted: bool | None, system: SystemSpec) -> bool:
    """Whether a run asks about its writes: `expect.integrity`, or (unset) whenever the system
    declares an integrity path or a relation, since what is declared is judged."""
    if wanted is not None:
        return wanted
    return bool(system.reconcile) or any(spec.integrity for spec in system.services.values())


def collect_writes(
    platform: Platform, system: SystemSpec, accepted_keys_file: Path
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Each integrity path's answer (service → answer) and the relations' findings; the
    integrity paths first, so their settle wait is over before the records are read."""
    integrity = collect_integrity(platform, system, accepted_keys_file)
    return integrity, collect_reconciliation(platform, system, accepted_keys_file)
