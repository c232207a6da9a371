"""Fallback fired: the fallbacks the scenario expects actually served during the faults.

The caller's own fallback counter says so from the inside; for the entrypoint, answers the load
got carrying the marker its promise names say so from the outside. Where the caller counts its
fallbacks, its counter decides: a marked answer may carry a degradation from further down (the
sample's gateway marks `recommendations` both when it serves its own fallback and when
recommendations answered without names), so a few marked answers must not pass a caller whose
counter says it never served (seen: a Docker run with the gateway's fallbacks switched off passed
on one such answer). With neither a counter nor a promised marker there is nothing to judge by,
and the check fails as "no evidence" instead of passing.

In a split run the caller's counter is read by arm (checks/split_view.py): the experiment's
fallbacks, against the share of the control's calls that fell back in the same seconds.
"""

from __future__ import annotations

from dataclasses import replace

from harness.checks.arm_difference import WITHIN, WORSE, ArmCounts, fixed_verdict
from harness.checks.base import CheckResult
from harness.checks.markers import counts_fallbacks, marked_answers, promised_markers
from harness.checks.split_view import arm_views
from harness.checks.trace_evidence import fallback_from_traces
from harness.checks.windows import dependency_total
from harness.observe.series import Observations
from harness.service_contract import EndpointPromise


def check_fallback_fired(
    obs: Observations,
    edge_name: str,
    entrypoint: str | None = None,
    entrypoint_promises: list[EndpointPromise] | None = None,
) -> CheckResult:
    """Judged from the experiment arm's own counter in a split run that kept the caller's
    metrics by arm (checks/split_view.py), with the control's beside it; else as below."""
    caller, callee = edge_name.split("->", 1)
    views = arm_views(obs, caller)
    if views is not None and counts_fallbacks(views[0], caller, callee):
        return _fired_by_arm(*views, edge_name, entrypoint, entrypoint_promises)
    return _with_traces(obs, edge_name, _fired(obs, edge_name, entrypoint, entrypoint_promises))


def _with_traces(obs: Observations, edge_name: str, counted: CheckResult) -> CheckResult:
    """Where the run's traces hold the edge's calls, they judge (checks/trace_evidence.py); a
    verdict the counts do not share fails, saying both."""
    reading = fallback_from_traces(obs, edge_name, counted, *fallback_window(obs))
    if reading is None:
        return counted
    caller, callee = edge_name.split("->", 1)
    no_counts = counted.judged_from.startswith("nothing")
    told = (
        f"Traces: {reading['calls']} calls on `{edge_name}` during the faults, "
        f"{reading['failed_calls']} failed; {reading['fallbacks']} met `{caller}`'s fallback"
        + (
            f", {reading['answered_anyway_unmarked']} more were answered anyway by `{caller}` "
            "with no fallback mark in its spans"
            if reading["answered_anyway_unmarked"]
            else ""
        )
        + "."
    )
    disagreement = None if no_counts else reading.get("disagreement")
    if disagreement:
        summary = f"Traces and counts disagree on `{caller}`'s fallback for `{callee}`: "
        summary += f"{disagreement}. {told} {counted.summary}"
    else:
        summary = told + ("" if no_counts else f" {counted.summary}")
    return replace(
        counted,
        passed=reading["fired"] and not disagreement,
        summary=summary,
        numbers={**counted.numbers, "traces": reading},
        judged_from="traces" + ("" if no_counts else f", with {counted.judged_from} beside them"),
    )


def fallback_window(obs: Observations) -> tuple[float, float]:
    """The faults phase, and the first second after it: a fallback served then still belongs
    to the fault."""
    faults = obs.phase("faults")
    start, end = (faults.start, faults.end) if faults else (0.0, 0.0)
    recovery = obs.phase("recovery")
    return start, min(end + 1.0, recovery.end) if recovery else end


def _fired_by_arm(
    experiment: Observations,
    control: Observations,
    edge_name: str,
    entrypoint: str | None,
    entrypoint_promises: list[EndpointPromise] | None,
) -> CheckResult:
    """The experiment arm's fallbacks, and whether the fault made them: the share of calls that
    fell back in the experiment against the control's in the same seconds (Newcombe's interval
    at 95%). A control that fell back as often, with no fault, says the fallbacks came from
    something else, and fails the check."""
    caller, callee = edge_name.split("->", 1)
    result = _fired(experiment, edge_name, entrypoint, entrypoint_promises)
    start, end = fallback_window(control)
    fallbacks = int(dependency_total(control, caller, callee, "fallbacks", start, end))
    calls = int(dependency_total(control, caller, callee, "calls", start, end))
    # the experiment's as `_fired` counted them over the same window; a fallback a breaker
    # served may not count as a call
    fell_back = result.numbers["fallbacks"]
    ours = ArmCounts(max(result.numbers["calls"], fell_back), fell_back)
    theirs = ArmCounts(max(calls, fallbacks), fallbacks)
    difference = fixed_verdict(ours, theirs, 0.0)
    as_often = result.passed and theirs.rate >= ours.rate
    more = {WORSE: "more", WITHIN: "less", None: "undecided"}[difference.verdict]
    said = (
        f"the control arm, which no fault touched, fell back on {theirs.bad} of its "
        f"{theirs.requests} calls in the same seconds (experiment − control "
        f"{difference.estimate:+.1%}, interval {difference.low:+.1%} … {difference.high:+.1%} "
        "at 95%" + ("; the fault made it fire" if more == "more" else "") + ")"
    )
    if as_often:
        said += ": as often as the experiment, so these fallbacks are not the fault's doing"
    return replace(
        result,
        passed=result.passed and not as_often,
        summary=f"In the experiment arm: {result.summary.rstrip('.')}; {said}.",
        numbers={
            **result.numbers,
            "control_fallbacks": theirs.bad,
            "control_calls": theirs.requests,
            "difference": round(difference.estimate, 4),
            "difference_low": round(difference.low, 4),
            "difference_high": round(difference.high, 4),
            "verdict": more,  # did the experiment fall back more than the control, decided
        },
        judged_from=f"`{caller}`'s own fallback counter, its experiment arm against its control "
        "arm in the same seconds",
    )


def _fired(
    obs: Observations,
    edge_name: str,
    entrypoint: str | None = None,
    entrypoint_promises: list[EndpointPromise] | None = None,
) -> CheckResult:
    caller, callee = edge_name.split("->", 1)
    start, end = fallback_window(obs)
    inside = counts_fallbacks(obs, caller, callee)
    fallbacks = dependency_total(obs, caller, callee, "fallbacks", start, end)
    failures = dependency_total(obs, caller, callee, "failures", start, end)
    calls = dependency_total(obs, caller, callee, "calls", start, end)
    markers = (
        promised_markers(entrypoint_promises or []).get(callee, set())
        if caller == entrypoint
        else set()
    )
    marked = marked_answers(obs, markers, start, end) if markers else 0
    numbers = {"fallbacks": int(fallbacks), "failures": int(failures), "calls": int(calls)}
    if markers:
        numbers["marked_answers"] = marked
    passed = fallbacks > 0 if inside else marked > 0
    if passed:
        seen = []
        if fallbacks > 0:
            seen.append(
                f"it served it {int(fallbacks)} times during the faults ({int(failures)} failed "
                f"calls of {int(calls)})"
            )
        if marked > 0:
            names = " or ".join(f"`{m}`" for m in sorted(markers))
            seen.append(f"{marked} answers at the front door carried {names}")
        summary = f"`{caller}`'s fallback for `{callee}` fired: " + "; ".join(seen) + "."
    elif inside or markers:
        carried = ", ".join(sorted(markers))
        summary = (
            f"`{caller}` never served its fallback for `{callee}` during the faults "
            f"({int(failures)} failed calls of {int(calls)}"
            + (f"; no answer carried {carried}" if markers and not marked else "")
            + ")."
        )
        if marked:
            summary += (
                f" {marked} answers at the front door carried {carried}, but `{caller}`'s own "
                "counter says it served none: they carried a degradation from further down."
            )
    else:
        summary = (
            f"No evidence that `{caller}`'s fallback for `{callee}` served: `{caller}` exports no "
            f"fallback counter for it, and no promise names the degraded marker its answers "
            f"would carry (system.yaml: `promises: ... on_dependency_failure: {callee}: "
            "{degraded_marker: ...}`)."
        )
    return CheckResult(
        name=f"fallback fired {edge_name}",
        kind="fallback",
        passed=passed,
        summary=summary,
        numbers=numbers,
        tolerance={"fallbacks_min": 1},
        judged_from="; ".join(
            [f"`{caller}`'s own fallback counter"] * inside
            + [f"front door answers carrying {', '.join(sorted(markers))}"] * bool(markers)
        )
        or "nothing: no counter, no promised marker",
    )
