"""The verdict sentence, the figures every report shares, and `summary.md` for CI job summaries.

The HTML report, the JUnit file, the summary and `firebreak compare` all quote the same numbers,
so they are computed here once, from the journal alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harness.checks.base import CheckResult
from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, FrontDoorPoint
from harness.reports.journal import Journal
from harness.reports.promise_rows import promises_markdown

PHASE_ORDER = ("warmup", "baseline", "faults", "recovery", "verify")


@dataclass
class PhaseFigures:
    """What the front door saw during one phase."""

    phase: str
    duration_s: float
    requests: int
    requests_per_s: float
    error_rate: float
    degraded_rate: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def figures_of(phase: str, points: list[FrontDoorPoint], duration_s: float) -> PhaseFigures:
    histogram = LatencyHistogram()
    requests = failures = degraded = 0
    for point in points:
        requests += point.requests
        failures += point.failures
        degraded += point.degraded
        histogram.merge(LatencyHistogram.from_json(point.histogram))

    def percentile(q: float) -> float | None:
        return histogram.percentile(q) if histogram.count else None

    return PhaseFigures(
        phase=phase,
        duration_s=duration_s,
        requests=requests,
        requests_per_s=requests / duration_s if duration_s > 0 else 0.0,
        error_rate=failures / requests if requests else 0.0,
        degraded_rate=degraded / requests if requests else 0.0,
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
    )


def phase_figures(journal: Journal) -> list[PhaseFigures]:
    """Front-door figures per phase, in the order the phases ran."""
    front_door = journal.observations.front_door
    result = []
    for span in journal.observations.phases:
        # a point stands for the second that starts at `t`
        points = [p for p in front_door if span.start <= p.t < span.end]
        result.append(figures_of(span.name, points, max(span.end - span.start, 1e-9)))
    return result


def recovery_times_s(journal: Journal) -> dict[str, float]:
    """Each recovery check's `recovery_s`, by check name."""
    return {
        check.name: float(check.numbers["recovery_s"])
        for check in journal.checks
        if check.kind == "recovery" and isinstance(check.numbers.get("recovery_s"), int | float)
    }


def spread_services(journal: Journal) -> list[str]:
    """Services the failure spread to, over every fault of the run (the blast radius)."""
    spread = {
        service
        for entry in journal.propagation
        for service, state in entry.get("services", {}).items()
        if state == "spread"
    }
    return sorted(spread)


def _fault_phrase(window: FaultWindow) -> str:
    what = window.description or f"{window.fault_type} on {', '.join(window.targets)}"
    if window.reverted_at is None or window.fault_type in ("kill",):
        return what
    return f"{what} for {window.reverted_at - window.applied_at:.0f} s"


def _number_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def flat_numbers(numbers: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """Nested numbers (per route and phase, per service) as `(dotted key, value)` pairs."""
    pairs: list[tuple[str, object]] = []
    for key, value in numbers.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            pairs += flat_numbers(value, name)
        else:
            pairs.append((name, value))
    return pairs


def numbers_lines(numbers: dict[str, object]) -> list[str]:
    return [f"{key}={_number_text(value)}" for key, value in flat_numbers(numbers)]


def numbers_text(numbers: dict[str, object], limit: int | None = None) -> str:
    """`p99_ms=912, availability=0.941`: a check's numbers, compact, units in the keys.

    With `limit`, at most that many are shown and the rest counted, for places with no room.
    """
    lines = numbers_lines(numbers)
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"… {len(lines) - limit} more"]
    return ", ".join(lines)


# a failed check's numbers go into the verdict only when they are few enough to read in a line
VERDICT_NUMBERS_MAX = 8


def _failed_sentence(check: CheckResult) -> str:
    said = check.summary.rstrip(". ")
    if len(flat_numbers(check.numbers)) > VERDICT_NUMBERS_MAX:
        return f"Failed: {check.name} — {said}."
    bounds = f"; tolerance {numbers_text(check.tolerance)}" if check.tolerance else ""
    return f"Failed: {check.name} — {said} ({numbers_text(check.numbers)}{bounds})."


def _passed_clauses(journal: Journal) -> list[str]:
    clauses = []
    promises = [c for c in journal.checks if c.kind == "promise"]
    if promises:
        services = sorted({c.name.split()[1] for c in promises if len(c.name.split()) > 1})
        plural = "promises" if len(promises) > 1 else "promise"
        if len(services) == 1:
            clauses.append(f"the {services[0]} kept its {plural}")
        elif len(services) == 2:
            clauses.append(f"the {services[0]} and the {services[1]} kept their {plural}")
        else:
            clauses.append(f"all {len(services)} services kept their {plural}")
    if any(c.kind == "containment" for c in journal.checks):
        injected = sorted(
            {
                service
                for entry in journal.propagation
                for service, state in entry.get("services", {}).items()
                if state == "injected"
            }
        )
        where = " and ".join(injected) if injected else "where it was injected"
        clauses.append(f"the failure stayed within {where}")
    recoveries = recovery_times_s(journal)
    if recoveries:
        clauses.append(f"recovery took {max(recoveries.values()):.1f} s")
    return clauses


def _inconclusive_sentence(journal: Journal, failed: list[CheckResult]) -> str:
    reasons = journal.evidence.get("interference", {}).get("reasons") or ["the machine interfered"]
    would = (
        f" The checks would have failed on: {', '.join(c.name for c in failed)}."
        if failed
        else " Every check passed, but on a measurement that cannot be trusted."
    )
    return (
        f"No verdict: the machine interfered with the measurement ({'; '.join(reasons)}).{would}"
        " Rerun on a quieter machine."
    )


def outside_sentence(journal: Journal) -> str:
    """Which services were judged only from the outside, for the reports (empty when none)."""
    outside = journal.evidence.get("seen_only_from_outside") or {}
    if not outside:
        return ""
    return (
        "Judged only from the outside (front door and callers): "
        + "; ".join(f"{service}: {why}" for service, why in sorted(outside.items()))
        + "."
    )


def verdict_sentence(journal: Journal) -> str:
    """The run in a sentence or two; a failing run names its failed check and numbers first."""
    faults = "; ".join(_fault_phrase(w) for w in journal.observations.faults)
    lead = (faults[0].upper() + faults[1:]) if faults else "No faults were injected"
    if journal.outcome == "error":
        return f"The run ended in a harness error: {journal.error or journal.verdict}"
    if journal.sweep is not None:  # a sweep's verdicts are its cells' (harness/sweep/journal.py)
        return journal.verdict
    failed = [c for c in journal.checks if c.counted_failure]
    if journal.outcome == "aborted":
        reason = journal.abort_reason or journal.verdict
        first = f" {_failed_sentence(failed[0])}" if failed else ""
        return f"The run was aborted: {reason}{first}"
    split = journal.evidence.get("split")
    if split is not None:
        return _split_sentence(journal, split, failed, lead)
    if journal.outcome == "inconclusive":
        return _inconclusive_sentence(journal, failed)
    return _judged_sentence(journal, failed, lead)


def _judged_sentence(journal: Journal, failed: list[CheckResult], lead: str) -> str:
    if failed:
        also = ", ".join(c.name for c in failed[1:])
        others = f" Also failed: {also}." if also else ""
        return f"{_failed_sentence(failed[0])}{others} Faults: {lead[0].lower()}{lead[1:]}."
    clauses = _passed_clauses(journal)
    outside = sorted(journal.evidence.get("seen_only_from_outside") or {})
    tail = f" Seen only from the outside: {', '.join(outside)}." if outside else ""
    if not clauses:
        return f"{lead}: every check passed.{tail}"
    return f"{lead}: {'; '.join(clauses)}.{tail}"


def _split_sentence(journal: Journal, split: dict, failed: list[CheckResult], lead: str) -> str:
    """A split run's verdict says what it was compared with, and what a busy machine set aside."""
    if split.get("arms_unlike"):
        return f"No verdict: {split['arms_unlike']}. Rerun; the arms should serve alike."
    if not any(c.kind == "split" for c in journal.checks):  # arms the front door cannot tell
        plain = (
            _inconclusive_sentence(journal, failed)
            if journal.outcome == "inconclusive"
            else _judged_sentence(journal, failed, lead)
        )
        return f"Judged over time (the front door cannot tell this split run's arms apart): {plain}"
    aside = [c for c in journal.checks if c.set_aside and c.kind != "split"]
    busy = (
        f" The machine was busy, so {len(aside)} time-based "
        f"check{'s were' if len(aside) != 1 else ' was'} set aside."
        if aside
        else ""
    )
    if journal.outcome == "inconclusive":
        undecided = ", ".join(
            f"`{c.name}`" for c in journal.checks if c.kind == "split" and not c.passed
        )
        return (
            f"No verdict: compared with a control arm under the same load, {undecided} stayed "
            f"undecided.{busy} Run the faults longer, or with more users."
        )
    said = _judged_sentence(journal, failed, lead)
    return f"Compared with a control arm under the same load: {said}{busy}"


def _cell(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def render_summary_markdown(journal: Journal) -> str:
    """`summary.md`: the verdict, the checks and the front door per phase, in GitHub markdown."""
    mark = {
        "passed": "✅",
        "failed": "❌",
        "aborted": "🛑",
        "error": "⚠️",
        "inconclusive": "❔",
    }.get(journal.outcome, "")
    lines = [
        f"## {mark} Firebreak: {journal.scenario.get('name', journal.run_id)} — {journal.outcome}",
        "",
        verdict_sentence(journal),
        "",
        *[f"> {note}" for note in journal.evidence.get("not_judged", [])],
        *([f"> {outside_sentence(journal)}", ""] if outside_sentence(journal) else []),
        "| check | kind | result | judged from | numbers | tolerance |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for check in journal.checks:
        result = "set aside" if check.set_aside else "pass" if check.passed else "**FAIL**"
        lines.append(
            f"| {_md(check.name)} | {check.kind} | {result} | {_md(check.judged_from or '–')} "
            f"| {_md(numbers_text(check.numbers, limit=6))} "
            f"| {_md(numbers_text(check.tolerance, limit=6))} |"
        )
    promised = promises_markdown(journal.evidence)  # none in a journal from before the view
    lines += ["", *promised] if promised else []
    lines += [
        "",
        "| phase | requests/s | error rate | degraded rate | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for figures in phase_figures(journal):
        lines.append(
            f"| {figures.phase} | {figures.requests_per_s:.1f} | {figures.error_rate:.2%} "
            f"| {figures.degraded_rate:.2%} | {_cell(figures.p50_ms, '{:.0f}')} "
            f"| {_cell(figures.p95_ms, '{:.0f}')} | {_cell(figures.p99_ms, '{:.0f}')} |"
        )
    lines += ["", f"Run `{journal.run_id}`, seed {journal.seed}, platform {journal.platform}.", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    # a pipe would end the table cell
    return text.replace("|", "\\|")


def write_summary(journal: Journal, path: Path, step_summary: Path | None = None) -> Path:
    """Write `summary.md`; also append it to GitHub's job summary when `GITHUB_STEP_SUMMARY` is set.

    `step_summary` overrides the environment (tests pass a temporary file).
    """
    text = render_summary_markdown(journal)
    path.write_text(text, encoding="utf-8")
    target = step_summary or (
        Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None
    )
    if target is not None:
        with target.open("a", encoding="utf-8") as summary:
            summary.write(text + "\n")
    return path
