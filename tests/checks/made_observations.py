"""Hand-made observations for the checks' unit tests: a few services over four phases, with
errors, slow seconds and dependency counters where a test puts them."""

from __future__ import annotations

from collections.abc import Callable

from harness.latency_histogram import LatencyHistogram
from harness.observe.series import DependencyPoint, FrontDoorPoint, PhaseSpan, ServicePoint

PHASES = [
    PhaseSpan("warmup", 0, 10),
    PhaseSpan("baseline", 10, 20),
    PhaseSpan("faults", 20, 30),
    PhaseSpan("recovery", 30, 40),
]


def buckets(requests: int, slow: int = 0) -> dict[str, float]:
    """Cumulative Prometheus buckets: `requests - slow` under 50 ms, `slow` near 2 s."""
    fast = float(requests - slow)
    return {"0.01": 0.0, "0.05": fast, "0.5": fast, "5.0": float(requests), "+Inf": float(requests)}


def service_series(
    requests_per_s: int = 10,
    errors: Callable[[int], int] = lambda t: 0,
    slow: Callable[[int], int] = lambda t: 0,
    dependencies: Callable[[int], dict[str, DependencyPoint]] = lambda t: {},
) -> list[ServicePoint]:
    """One point a second for the 40 s of PHASES; the callables give each second's figures."""
    return [
        ServicePoint(
            t=t,
            requests=requests_per_s,
            errors=errors(t),
            degraded=0,
            p99_ms=None,
            instances_scraped=2,
            unreachable=0,
            dependencies=dependencies(t),
            latency_buckets=buckets(requests_per_s, slow(t)),
        )
        for t in range(40)
    ]


def dependency(
    calls: int = 10, failures: int = 0, fallbacks: int = 0, breaker_state: int = 0
) -> DependencyPoint:
    return DependencyPoint(
        calls=calls,
        failures=failures,
        fallbacks=fallbacks,
        retries=0,
        attempts=calls,
        breaker_state=breaker_state,
        breakers_open=1 if breaker_state == 2 else 0,
    )


def in_faults(t: int) -> bool:
    return 20 <= t < 30


def front_door_series(
    requests_per_s: int = 20,
    failures: Callable[[int], int] = lambda t: 0,
    markers: Callable[[int], dict[str, int]] = lambda t: {},
    latency_ms: Callable[[int], float] = lambda t: 10.0,
    endpoint: str = "GET /quotes/{pair}",
) -> list[FrontDoorPoint]:
    """What the load saw, one point a second for the 40 s of PHASES, all on one endpoint;
    `markers` are the degraded answers of that second by the marker they carried."""
    points = []
    for t in range(40):
        histogram = LatencyHistogram()
        histogram.record(latency_ms(t), requests_per_s)
        marked = markers(t)
        degraded = max(marked.values(), default=0)
        figures = {
            "requests": requests_per_s,
            "failures": failures(t),
            "degraded": degraded,
            "histogram": histogram.to_json(),
            "markers": marked,
        }
        points.append(
            FrontDoorPoint(
                t=t,
                requests=requests_per_s,
                failures=failures(t),
                degraded=degraded,
                users=10,
                histogram=histogram.to_json(),
                endpoints={endpoint: figures},
                markers=marked,
            )
        )
    return points
