"""Where a check's numbers for a service come from, and why there are none.

Outside-in first: the entrypoint is seen through the load generator's own measurements at the
front door. A service is seen from the inside through its own metrics when it exports them (under
its `metrics:` mapping); failing that, through what its callers' metrics say of their calls to it
(availability only: callers count calls and failures, not its latency). A service seen by none of
these has no evidence, and a check that needed it says so instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.checks.windows import (
    WindowStats,
    front_door_stats,
    service_points,
    service_stats,
)
from harness.observe.series import Observations

OWN_METRICS = "own metrics"
CALLERS = "callers' metrics"
FRONT_DOOR = "front door"


@dataclass(frozen=True)
class View:
    """One service in one window, as seen from one place."""

    stats: WindowStats
    source: str  # OWN_METRICS | CALLERS | FRONT_DOOR


def exports_metrics(obs: Observations, service: str) -> bool:
    """The service's own metrics were scraped and had its request counter in them."""
    evidence = obs.metrics_evidence.get(service)
    if evidence is not None:
        return bool(evidence.get("declared")) and bool(evidence.get("requests_series_seen"))
    # observations made without the scraper's record (hand-made, older journals): points say it
    return any(p.instances_scraped > 0 for p in obs.services.get(service, []))


def own_view(obs: Observations, service: str, start: float, end: float) -> View | None:
    if not exports_metrics(obs, service):
        return None
    points = service_points(obs, service, start, end)
    if not any(p.instances_scraped > 0 for p in points):
        return None  # every scrape in the window failed: nothing seen from the inside
    return View(service_stats(obs, service, start, end), OWN_METRICS)


def callers_view(obs: Observations, service: str, start: float, end: float) -> View | None:
    """The calls and failures other services' metrics count for `service`."""
    calls = failures = 0.0
    seen = False
    for caller in obs.services:
        for point in service_points(obs, caller, start, end):
            dependency = point.dependencies.get(service)
            if dependency is not None:
                seen = True
                calls += dependency.calls
                failures += dependency.failures
    if not seen:
        return None
    stats = WindowStats(int(end - start), calls, failures, 0, None, None, None)
    return View(stats, CALLERS)


def front_door_view(obs: Observations, start: float, end: float) -> View:
    return View(front_door_stats(obs, start, end), FRONT_DOOR)


def best_view(
    obs: Observations, service: str, entrypoint: str, start: float, end: float
) -> View | None:
    """The entrypoint at the front door; any other service from the inside, else its callers."""
    if service == entrypoint:
        return front_door_view(obs, start, end)
    return own_view(obs, service, start, end) or callers_view(obs, service, start, end)


def why_unseen(obs: Observations, service: str) -> str:
    """Why `service` cannot be seen from the inside, and how to change that."""
    evidence = obs.metrics_evidence.get(service)
    if evidence is None:
        return f"`{service}` has no metrics in this run"
    if not evidence.get("declared"):
        return f"`{service}` exports no metrics (system.yaml: `metrics: false`)"
    failures = evidence.get("failures") or {}
    if not evidence.get("scrapes_ok"):
        reasons = ", ".join(f"{reason} ×{count}" for reason, count in failures.items())
        return (
            f"every scrape of `{service}`'s {evidence.get('path')} failed "
            f"({reasons or 'none ran'}); give it a `metrics:` mapping in system.yaml, or "
            "`metrics: false`"
        )
    return (
        f"`{service}`'s metrics have no request counter under the names its `metrics:` mapping "
        "gives (see docs/contracts.md)"
    )


def seen_only_from_outside(obs: Observations) -> list[str]:
    """Services judged only by what their callers and the front door saw."""
    return sorted(s for s in all_services(obs) if not exports_metrics(obs, s))


def all_services(obs: Observations) -> set[str]:
    """Every service of the run: those scraped, and those the scraper was told not to."""
    return set(obs.services) | set(obs.metrics_evidence)
