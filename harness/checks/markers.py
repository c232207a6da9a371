"""Degraded markers: while a fallback serves, do the answers say so?

A promise names the marker an answer carries while a fallback stands in for a dependency ("a
default best-seller list, marked `recommendations`"). The load generator counts the markers on
the answers it got, so for the entrypoint's fallbacks the answers can be compared with what the
service says it served: a fallback that serves unmarked answers hides a failure from every
consumer, and fails here with the numbers. Without the service's own fallback counter the
comparison cannot be made; the run then says so rather than passing it.
"""

from __future__ import annotations

from harness.checks.base import CheckResult
from harness.checks.windows import dependency_total, front_door_stats
from harness.observe.series import Observations
from harness.service_contract import EndpointPromise

# Scrapes and answers are counted in slightly different seconds; this many unmarked answers (or
# this share of the fallbacks) is timing, not a defect.
UNMARKED_SLACK = 3
UNMARKED_SLACK_SHARE = 0.1


def promised_markers(promises: list[EndpointPromise]) -> dict[str, set[str]]:
    """Dependency → the markers the entrypoint's promises name for its fallback."""
    markers: dict[str, set[str]] = {}
    for promise in promises:
        for dependency, fallback in promise.on_dependency_failure.items():
            if fallback.degraded_marker:
                markers.setdefault(dependency, set()).add(fallback.degraded_marker)
    return markers


def counts_fallbacks(obs: Observations, caller: str, callee: str) -> bool:
    """The caller exports a fallback counter for this dependency."""
    return any(callee in p.dependencies for p in obs.services.get(caller, []))


def marked_answers(obs: Observations, markers: set[str], start: float, end: float) -> int:
    stats = front_door_stats(obs, start, end)
    return sum(count for marker, count in stats.markers.items() if marker in markers)


def check_markers(
    obs: Observations, entrypoint: str, promises: list[EndpointPromise], faulted_edges: set[str]
) -> tuple[list[CheckResult], list[str]]:
    """One check per dependency whose fallback the entrypoint promises to mark and that served
    (or was faulted); plus notes for what could not be judged. `promises` are the entrypoint's,
    from the run's one promise view (`PromiseView.endpoint_promises_of`)."""
    results: list[CheckResult] = []
    notes: list[str] = []
    phases = [p for p in obs.phases if p.name != "warmup"]
    for dependency, markers in sorted(promised_markers(promises).items()):
        edge = f"{entrypoint}->{dependency}"
        names = " or ".join(f"`{m}`" for m in sorted(markers))
        if not counts_fallbacks(obs, entrypoint, dependency):
            if edge in faulted_edges:
                notes.append(
                    f"Whether `{entrypoint}`'s fallback for `{dependency}` marks its answers "
                    f"{names} could not be judged: `{entrypoint}` exports no fallback counter, "
                    "so unmarked fallback answers cannot be told from whole ones."
                )
            continue
        numbers: dict[str, dict[str, int]] = {}
        for phase in phases:
            numbers[phase.name] = {
                "fallbacks": int(
                    dependency_total(
                        obs, entrypoint, dependency, "fallbacks", phase.start, phase.end
                    )
                ),
                "marked": marked_answers(obs, markers, phase.start, phase.end),
                "failed": int(front_door_stats(obs, phase.start, phase.end).failures),
            }
        # judged over the whole run, not per phase: a scrape and the answers it counted can
        # fall on either side of a phase boundary
        served, marked, failed = (
            sum(n[key] for n in numbers.values()) for key in ("fallbacks", "marked", "failed")
        )
        if not served and edge not in faulted_edges:
            continue  # the fallback never served and nothing tried to make it: nothing to judge
        # a fallback served on a page that then failed for another reason carries no marker
        unmarked = served - marked - failed
        broken = unmarked > max(UNMARKED_SLACK, UNMARKED_SLACK_SHARE * served)
        results.append(
            CheckResult(
                name=f"degraded marker {edge}",
                kind="marker",
                passed=not broken,
                summary=(
                    f"`{entrypoint}`'s fallback for `{dependency}` served answers without the "
                    f"promised marker: it served {served} fallbacks but only {marked} answers "
                    f"carried {names} ({failed} answers failed)."
                    if broken
                    else f"`{entrypoint}`'s fallback for `{dependency}` marked its answers "
                    f"{names}: {served} fallbacks served, {marked} marked answers seen."
                ),
                numbers=numbers,
                judged_from=f"front door answers' markers against `{entrypoint}`'s own "
                "fallback counter",
                tolerance={
                    "markers": sorted(markers),
                    "unmarked_max": UNMARKED_SLACK,
                    "unmarked_share_max": UNMARKED_SLACK_SHARE,
                },
            )
        )
    return results, notes
