"""Writes reconciled across services: the writes the load saw accepted against what each service
that took part recorded for them (the relations of `reconcile:` in system.yaml,
harness/reconcile_spec.py).

Each service can be internally consistent while the system took money twice: orders holds one
order per key, payments one charge per *its* key, and a caller that sends a new key per attempt
still leaves two charges for one order. Only the records' reference to the write (the order key a
charge keeps, as a payment API keeps a reference) shows it. Per relation:

- **missing**: a write that exists has fewer live records than the relation's `count` (an
  accepted order without its charge, a line without its reservation);
- **multiple**: more than `count` (two charges for one order, stock reserved twice on a retry);
- **orphan**: a live record whose write exists nowhere: not accepted by the load, and not held by
  the system of record (a reservation for an order that failed and was never released);
- **pending**: a record still settling after the settle wait.

A write *exists* when the load saw it accepted or the system of record holds a live record of it.
The second covers a write whose answer was lost (a timeout at the front door): the system may
have taken it, and then it must be whole everywhere, exactly as an accepted one; if it did not,
nothing may remain of it downstream. A record in a `void` state (released, refunded) counts as
none. A relation whose path did not answer is no evidence, and fails.

`reconcile` is pure: the observer (harness/observe/reconcile.py) calls it on the records it read
and keeps its findings in the journal; `check_reconciliation` judges them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.checks.base import CheckResult
from harness.checks.integrity import check_integrity
from harness.reconcile_spec import Record, Relations, system_of_record

EXAMPLES = 3  # example keys kept per kind of finding
FINDINGS = ("missing", "multiple", "orphans", "pending")
CHECK_NAME = "writes reconciled across services"


def _ids(records: list[Record]) -> str:
    ids = [str(r.id) for r in records if r.id is not None]
    return f" ({', '.join(ids[:4])})" if ids else ""


def _line_key(record: Record) -> str:
    return "" if record.line is None else str(record.line)


def _expected_lines(anchor_records: list[Record]) -> set[str] | None:
    """The lines the system of record lists for a write, when it lists them."""
    listed = [r.lines for r in anchor_records if r.lines is not None]
    if not listed:
        return None
    return {str(line) for lines in listed for line in lines}


def reconcile_relation(
    relation_name: str,
    records: list[Record],
    relations: Relations,
    existing: set[str],
    anchor_by_ref: dict[str, list[Record]],
) -> dict[str, Any]:
    """One relation's findings against the writes that exist."""
    relation = relations[relation_name]
    void = set(relation.void)
    live = [r for r in records if r.state not in void]
    by_ref: dict[str, list[Record]] = defaultdict(list)
    for record in live:
        by_ref[record.ref].append(record)
    found: dict[str, list[str]] = {kind: [] for kind in FINDINGS}
    is_anchor = relation_name == system_of_record(relations)
    for ref in sorted(existing):
        mine = by_ref.get(ref, [])
        if relation.per == "write":
            if len(mine) < relation.count:
                found["missing"].append(ref)
            elif len(mine) > relation.count:
                found["multiple"].append(f"{ref}: {len(mine)} records{_ids(mine)}")
            continue
        lines: dict[str, list[Record]] = defaultdict(list)
        for record in mine:
            lines[_line_key(record)].append(record)
        expected = None if is_anchor else _expected_lines(anchor_by_ref.get(ref, []))
        if not mine and not expected:
            found["missing"].append(ref)
        # the lines the system of record lists, else the ones this relation holds records for
        for line in sorted(expected if expected is not None else set(lines)):
            if len(lines.get(line, [])) < relation.count:
                found["missing"].append(f"{ref} line {line}")
        for line, on_line in sorted(lines.items()):
            if expected is not None and line not in expected:
                found["orphans"].append(f"{ref} line {line}: not a line of the write")
            elif len(on_line) > relation.count:
                found["multiple"].append(
                    f"{ref} line {line}: {len(on_line)} records{_ids(on_line)}"
                )
    for ref, mine in sorted(by_ref.items()):
        if ref not in existing:
            found["orphans"].append(f"{ref}{_ids(mine)}")
    pending = set(relation.pending)
    found["pending"] = [f"{r.ref} ({r.state})" for r in records if r.state in pending]
    return {
        "service": relation.service,
        "path": relation.path,
        "count": relation.count,
        "per": relation.per,
        "records": len(records),
        "live": len(live),
        **{kind: len(items) for kind, items in found.items()},
        "examples": {kind: items[:EXAMPLES] for kind, items in found.items() if items},
    }


def reconcile(
    accepted: list[str],
    answers: dict[str, list[Record] | str],
    relations: Relations,
) -> dict[str, Any]:
    """Findings per relation. `answers`: relation name → its records, or why it gave none."""
    accepted_refs = set(accepted)
    anchor = system_of_record(relations)
    anchor_by_ref: dict[str, list[Record]] = defaultdict(list)
    anchor_answer = answers.get(anchor) if anchor else None
    if isinstance(anchor_answer, list):
        void = set(relations[anchor].void) if anchor else set()
        for record in anchor_answer:
            if record.state not in void:
                anchor_by_ref[record.ref].append(record)
    existing = accepted_refs | set(anchor_by_ref)
    findings: dict[str, Any] = {}
    for name, relation in relations.items():
        answer = answers.get(name, "it was not asked")
        if isinstance(answer, str):
            findings[name] = {"service": relation.service, "path": relation.path, "error": answer}
            continue
        findings[name] = reconcile_relation(name, answer, relations, existing, anchor_by_ref)
    return {
        "accepted": len(accepted_refs),
        "system_of_record": anchor,
        # writes the load never saw accepted that the system took all the same (lost answers)
        "taken_unconfirmed": len(set(anchor_by_ref) - accepted_refs),
        "relations": findings,
    }


# --- the check -------------------------------------------------------------------------------

_SAID = {
    "missing": "{n} write(s) without their record",
    "multiple": "{n} write(s) with more than {count} record(s) {per}",
    "orphans": "{n} orphan record(s) of no write",
    "pending": "{n} record(s) still pending after the settle wait",
}


def _relation_problems(name: str, found: dict[str, Any]) -> list[str]:
    where = f"`{name}` at `{found['service']}`"
    if "error" in found:
        return [f"no evidence from {where} {found['path']}: {found['error']}"]
    problems = []
    for kind in FINDINGS:
        n = int(found.get(kind, 0))
        if n:
            examples = "; ".join(found.get("examples", {}).get(kind, []))
            per = "per line" if found.get("per") == "line" else "each"
            said = _SAID[kind].format(n=n, count=found.get("count", 1), per=per)
            problems.append(f"{where}: {said} (e.g. {examples})")
    return problems


def check_reconciliation(findings: dict[str, Any] | None) -> CheckResult:
    """The verdict on `reconcile`'s findings; a relation that did not answer fails."""
    relations = (findings or {}).get("relations", {})
    problems: list[str] = []
    if not relations:
        problems.append("no evidence: the system declares no relation to reconcile")
    for name, found in relations.items():
        problems += _relation_problems(name, found)
    read = ", ".join(
        f"`{found['service']}` {found['path']}"
        + ("" if "error" in found else f" ({found['records']} records)")
        for found in relations.values()
    )
    accepted = int((findings or {}).get("accepted", 0))
    unconfirmed = int((findings or {}).get("taken_unconfirmed", 0))
    also = f" and {unconfirmed} taken without the load seeing it" if unconfirmed else ""
    summary = (
        f"Writes reconciled: {accepted} accepted writes{also} each left exactly what every "
        f"relation expects, no orphan and nothing pending (judged from: {read or 'nothing'})."
        if not problems
        else "Writes not reconciled across services: "
        + "; ".join(problems)
        + f" (judged from: {read or 'nothing'}; {accepted} accepted writes)."
    )
    return CheckResult(
        name=CHECK_NAME,
        kind="integrity",
        passed=not problems,
        summary=summary,
        numbers={"judged_from": read, **(findings or {})},
        tolerance={kind: 0 for kind in FINDINGS},
        judged_from=f"{read or 'nothing'}; the writes the load saw accepted",
    )


def integrity_checks(
    integrity: dict[str, Any] | None,
    reconciliation: dict[str, Any] | None,
    wanted: bool | None,
) -> list[CheckResult]:
    """Per-service integrity and the reconciliation, for what the run collected. `wanted`: the
    scenario's `expect.integrity` (None: judged wherever the system declares something; True
    with nothing declared or collected fails as no evidence; False: not judged)."""
    if wanted is False:
        return []
    results = []
    if integrity:
        results.append(check_integrity(integrity))
    if reconciliation is not None:
        results.append(check_reconciliation(reconciliation))
    if not results and wanted:
        results.append(check_integrity(integrity))
    return results
