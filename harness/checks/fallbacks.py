"""Fallback fired: the fallbacks the scenario expects actually served during the faults.

The caller's own fallback counter says so from the inside; for the entrypoint, answers the load
got carrying the marker its promise names say so from the outside. Where the caller counts its
fallbacks, its counter decides: a marked answer may carry a degradation from further down (the
sample's gateway marks `recommendations` both when it serves its own fallback and when
recommendations answered without names), so a few marked answers must not pass a caller whose
counter says it never served (seen: a Docker run with the gateway's fallbacks switched off passed
on one such answer). With neither a counter nor a promised marker there is nothing to judge by,
and the check fails as "no evidence" instead of passing.
"""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.checks.markers import counts_fallbacks, marked_answers, promised_markers
from harness.checks.windows import dependency_total
from harness.observe.series import Observations
from harness.service_contract import EndpointPromise


def check_fallback_fired(
    obs: Observations,
    edge_name: str,
    entrypoint: str | None = None,
    entrypoint_promises: list[EndpointPromise] | None = None,
) -> CheckResult:
    caller, callee = edge_name.split("->", 1)
    faults = obs.phase("faults")
    start, end = (faults.start, faults.end) if faults else (0.0, 0.0)
    recovery = obs.phase("recovery")
    # a fallback served in the first second after the window still belongs to the fault
    end = min(end + 1.0, recovery.end) if recovery else end
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
