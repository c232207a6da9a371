"""Total cuts of a dependency, and the answers a promise names for them.

A fault *cuts* an edge when no answer can come through it while it holds (`cuts` on the fault
classes, recorded as `FaultWindow.cut_edges`). A promise may say what its endpoint answers then
(`on_dependency_failure.<callee>.status`, e.g. 503). Two checks read these answers, and must
read them alike: the failure-answer check (were they given?) and the promise check (an answer
that carries the promised failure status while that dependency is cut is the promise kept, so it
is not counted against `availability`). Both go through this module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

from harness.checks.windows import WindowStats
from harness.observe.series import FaultWindow, FrontDoorPoint, Observations
from harness.service_contract import EndpointPromise

# Answers that complete in the first second after a cut took hold may belong to requests that
# were already past the dependency: the failure-answer check leaves that second out.
IN_FLIGHT_S = 1.0


@dataclass(frozen=True)
class Cut:
    """One edge a fault cut, and when the cut surely held: from Toxiproxy's or the platform's
    confirmation to the moment its revert began."""

    window: FaultWindow
    caller: str
    callee: str
    held_from: float  # unix time
    held_until: float  # unix time; the last observed second's end when it was never reverted


def _fault_event_t(obs: Observations, window: FaultWindow, kind: str) -> float | None:
    """When the fault's own `kind` event (applied, reverted) was acted on, the first after the
    window opened; for `applied`, plus its confirmation delay (measured from the schedule, which
    is not later than the action: a late confirmation is assumed, never an early one)."""
    for event in obs.events:
        if (
            event.source == "fault"
            and event.kind == kind
            and event.name == window.name
            and event.t >= window.applied_at - 0.001
        ):
            delay_s = (event.confirm_delay_ms or 0.0) / 1000 if kind == "applied" else 0.0
            return event.t + delay_s
    return None


def _observed_end(obs: Observations) -> float:
    return max((p.t + 1.0 for p in obs.front_door), default=0.0)


def cuts_of(obs: Observations) -> Iterator[Cut]:
    for window in obs.faults:
        if not window.cut_edges:
            continue
        held_from = max(window.applied_at, _fault_event_t(obs, window, "applied") or 0.0)
        held_until = _fault_event_t(obs, window, "reverted") or window.reverted_at
        if held_until is None:
            held_until = _observed_end(obs)
        for edge in window.cut_edges:
            caller, _, callee = edge.partition("->")
            yield Cut(window, caller, callee, held_from, held_until)


def seconds_within(
    obs: Observations, key: str, start: float, end: float
) -> list[tuple[int, dict[str, object]]]:
    """The load's figures for endpoint `key` in every second lying wholly in [start, end)."""
    first = math.ceil(start)
    return [
        (p.t, p.endpoints[key])
        for p in obs.front_door
        if p.t >= first and p.t + 1 <= end and key in p.endpoints
    ]


def _overlaps(point: FrontDoorPoint, start: float, end: float) -> bool:
    return point.t + 1 > start and point.t < end


def kept_failure_answers(
    obs: Observations,
    entrypoint: str,
    promise: EndpointPromise,
    key: str,
    start: float,
    end: float,
    after_revert_s: float = 0.0,
) -> int:
    """How many answers of `key` in the seconds of [start, end) (by their middle, as every
    window) carried the status `promise` names for a dependency of the entrypoint that was cut
    then. Generous at the edges (from the moment the fault was asked for to a second after its
    revert ended, or `after_revert_s` after it): here the question is only whether a failure was
    the promised one. A breaker still open after the link came back keeps answering the promised
    status until its probe succeeds; how long that may last is the recovery check's to judge, so
    the caller passes the recovery it allows."""
    grace_s = max(IN_FLIGHT_S, after_revert_s)
    spans = [
        (cut.window.applied_at, (cut.window.reverted_at or math.inf) + grace_s, str(status))
        for cut in cuts_of(obs)
        if cut.caller == entrypoint and (status := promise.status_for(cut.callee)) is not None
    ]
    if not spans:
        return 0
    kept = 0
    for point in obs.front_door:
        if not start <= point.t + 0.5 < end or key not in point.endpoints:
            continue
        statuses = point.endpoints[key].get("statuses") or {}
        promised = {status for low, high, status in spans if _overlaps(point, low, high)}
        kept += sum(int(statuses.get(status, 0)) for status in promised)
    return kept


def set_aside_kept_failures(
    obs: Observations,
    service: str,
    entrypoint: str,
    promise: EndpointPromise | None,
    key: str | None,
    stats: WindowStats | None,
    start: float,
    end: float,
    after_revert_s: float = 0.0,
) -> tuple[WindowStats | None, int]:
    """The entrypoint's window stats to judge its availability on, with the promised failure
    answers given during cuts no longer counted as failures, and how many those were (0, and
    the stats unchanged, for any other service or when nothing was cut)."""
    if stats is None or service != entrypoint or promise is None or key is None:
        return stats, 0
    kept = kept_failure_answers(obs, entrypoint, promise, key, start, end, after_revert_s)
    if not kept:
        return stats, 0
    return dataclasses.replace(stats, failures=max(0.0, stats.failures - kept)), kept
