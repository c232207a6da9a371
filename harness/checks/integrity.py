"""Data integrity, system-wide: every service that offers an integrity path (`integrity:` in
system.yaml) is asked about the writes the load saw accepted, and every violation it reports
fails the check: an order lost or doubled at orders, a payment taken twice at payments.

An integrity answer is a JSON object with `violations` (name → count, every count must be 0) and
optionally `pending` (writes still settling; the runner waits for them first); the sample's
older figures (`missing`, `duplicate_keys`, `pending_payment`) are read the same way. A service
that did not answer is no evidence, and fails.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult

LEGACY_VIOLATIONS = ("missing", "duplicate_keys", "pending_payment")


def violations_of(answer: dict[str, Any]) -> dict[str, int]:
    if isinstance(answer.get("violations"), dict):
        return {str(k): int(v) for k, v in answer["violations"].items()}
    return {name: int(answer.get(name, 0)) for name in LEGACY_VIOLATIONS if name in answer}


def _answers(report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Service → its answer; an older journal held one answer naming its service."""
    if not report:
        return {}
    if "service" in report or "error" in report:  # an older journal: one answer
        return {str(report.get("service", "?")): report}
    return {service: answer for service, answer in report.items() if isinstance(answer, dict)}


def check_integrity(report: dict[str, Any] | None) -> CheckResult:
    answers = _answers(report)
    problems: list[str] = []
    numbers: dict[str, Any] = {}
    if not answers:
        problems.append(
            "no evidence: no service of the system offers an `integrity:` path (system.yaml)"
        )
    for service, answer in sorted(answers.items()):
        if "error" in answer:
            problems.append(f"no evidence from `{service}`: {answer['error']}")
            numbers[service] = {"error": answer["error"]}
            continue
        violations = violations_of(answer)
        numbers[service] = {
            "violations": violations,
            **{k: v for k, v in answer.items() if isinstance(v, int | float) and k != "pending"},
        }
        problems += [
            f"`{service}` reports {count} {name.replace('_', ' ')}"
            for name, count in violations.items()
            if count
        ]
        if not violations:
            problems.append(f"no evidence from `{service}`: its answer lists no `violations`")
    asked = ", ".join(f"`{s}`" for s in sorted(answers)) or "no service"
    accepted = max((int(a.get("accepted", 0)) for a in answers.values()), default=0)
    return CheckResult(
        name="data integrity",
        kind="integrity",
        passed=not problems,
        summary=(
            f"Data integrity held: {asked} found no violation over {accepted} accepted writes."
            if not problems
            else "Data integrity broken: " + "; ".join(problems) + "."
        ),
        numbers=numbers,
        tolerance={"violations": 0},
        judged_from=f"the integrity paths of {asked}, asked about the writes the load saw accepted",
    )
