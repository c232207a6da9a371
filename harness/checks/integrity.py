"""Data integrity: every order the load saw accepted exists exactly once, none pending forever.

The system offers the check (`integrity_path` on a service in system.yaml); the runner collects
its answer after the recovery phase, and this check judges it.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult


def check_integrity(report: dict[str, Any] | None) -> CheckResult:
    if report is None or "error" in (report or {}):
        reason = (report or {}).get("error", "the system offered no integrity answer")
        return CheckResult(
            name="data integrity",
            kind="integrity",
            passed=False,
            summary=f"Data integrity could not be checked: {reason}.",
            numbers=dict(report or {}),
        )
    accepted = int(report.get("accepted", 0))
    missing = int(report.get("missing", 0))
    duplicates = int(report.get("duplicate_keys", 0))
    pending = int(report.get("pending_payment", 0))
    problems = []
    if missing:
        problems.append(f"{missing} of {accepted} accepted orders are missing")
    if duplicates:
        problems.append(f"{duplicates} keys have more than one order")
    if pending:
        problems.append(f"{pending} orders are still pending payment after recovery")
    return CheckResult(
        name="data integrity",
        kind="integrity",
        passed=not problems,
        summary=(
            f"All {accepted} accepted orders exist exactly once; none pending."
            if not problems
            else "Data integrity broken: " + "; ".join(problems) + "."
        ),
        numbers={
            "accepted": accepted,
            "missing": missing,
            "duplicate_keys": duplicates,
            "pending_payment": pending,
            "orders": report.get("orders"),
        },
        tolerance={"missing": 0, "duplicate_keys": 0, "pending_payment": 0},
    )
