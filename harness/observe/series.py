"""The per-second record of a run: front door, every service, every event, the phases.

Everything here is a per-second aggregate (counts, a sparse latency histogram), so memory grows
by a few kilobytes per second of run whatever the request rate, and the journal, the checks and
the reports all read the same plain records.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from harness.latency_histogram import LatencyHistogram
from harness.load.stream import EndpointSecond, LoadSecond
from harness.observe.edge_traffic import TrafficPoint, TrafficSecond
from harness.observe.prometheus_text import ServiceIndicators
from harness.observe.scraper import ScrapeSecond

if TYPE_CHECKING:  # only for the types: the faults and the platforms import this module
    from harness.faults.base import FaultEvent
    from harness.platforms.base import Instance, PlatformEvent
    from harness.split_plan import SplitPlan


def _interned_keys(counts: dict[str, Any], drop_zeros: bool = False) -> dict[str, Any]:
    """The same mapping with its keys interned and whole floats made ints. A run holds one point
    per second with the same few bucket and endpoint names in each, and counts that are mostly
    small (Python shares small ints, not floats): this halves what a long run's points take
    (bench/run_figures.py memory)."""
    return {sys.intern(k): _count(v) for k, v in counts.items() if v or not drop_zeros}


def _endpoint_figures(figures: dict[str, Any]) -> dict[str, Any]:
    compact = _interned_keys(figures)
    for nested in ("histogram", "markers", "statuses"):
        if isinstance(compact.get(nested), dict):
            compact[nested] = _interned_keys(compact[nested])
    if isinstance(compact.get("servers"), dict):
        compact["servers"] = {
            sys.intern(name): _endpoint_figures(f) for name, f in compact["servers"].items()
        }
    return compact


def _answer_figures(e: EndpointSecond) -> dict[str, Any]:
    """An endpoint's answers by count, without their latencies."""
    return {
        "requests": e.requests,
        "failures": e.failures,
        "degraded": e.degraded,
        **({"markers": dict(e.markers)} if e.markers else {}),
        # absent, not empty, when the stream did not record statuses (an older child)
        **({"statuses": dict(e.statuses), "whole_ok": e.whole_ok} if e.statuses else {}),
    }


def _count(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass(slots=True)
class FrontDoorPoint:
    """What the load saw in one second, over all endpoints."""

    t: int  # unix second
    requests: int
    failures: int
    degraded: int
    users: int
    histogram: dict[str, int]  # LatencyHistogram.to_json()
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # same fields, per name
    markers: dict[str, int] = field(default_factory=dict)  # degraded answers by the marker named
    load_cpu: float | None = None  # the load generator's busiest process, share of one core
    load_lag_ms: float | None = None  # its event loop's worst lateness that second
    # every endpoint's answers together, by the replica the front door said served them (a
    # split run's arms); empty when it did not say
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.histogram = _interned_keys(self.histogram)
        self.markers = _interned_keys(self.markers)
        self.endpoints = {
            sys.intern(name): _endpoint_figures(figures) for name, figures in self.endpoints.items()
        }
        self.servers = {
            sys.intern(name): _endpoint_figures(figures) for name, figures in self.servers.items()
        }

    def latency_ms(self, q: float) -> float | None:
        histogram = LatencyHistogram.from_json(self.histogram)
        return histogram.percentile(q) if histogram.count else None


@dataclass(slots=True)
class DependencyPoint:
    calls: float
    failures: float
    fallbacks: float
    retries: float
    attempts: float
    breaker_state: int
    breakers_open: int

    def __post_init__(self) -> None:
        self.calls = _count(self.calls)
        self.failures = _count(self.failures)
        self.fallbacks = _count(self.fallbacks)
        self.retries = _count(self.retries)
        self.attempts = _count(self.attempts)


@dataclass(slots=True)
class ServicePoint:
    """One service in one second, summed over its instances."""

    t: int
    requests: float
    errors: float
    degraded: float
    p99_ms: float | None
    instances_scraped: int
    unreachable: int
    dependencies: dict[str, DependencyPoint] = field(default_factory=dict)
    # cumulative Prometheus buckets of this second: "le" in seconds → count; merged for windows
    latency_buckets: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.requests = _count(self.requests)
        self.errors = _count(self.errors)
        self.degraded = _count(self.degraded)
        self.dependencies = _interned_keys(self.dependencies)
        # cumulative buckets: an empty one only says that no request was that fast
        self.latency_buckets = _interned_keys(self.latency_buckets, drop_zeros=True)


@dataclass
class RunEvent:
    t: float  # unix time
    source: str  # "fault" | "platform" | "runner" | "guardrail"
    kind: str  # applied, reverted, killed, restarted, ready, paused, resumed, exited, phase...
    name: str  # the fault's name, or the instance id
    targets: list[str] = field(default_factory=list)
    detail: str = ""
    confirm_delay_ms: float | None = None  # faults: scheduled → confirmed by Toxiproxy/platform


@dataclass
class PhaseSpan:
    name: str
    start: float  # unix time
    end: float


@dataclass
class FaultWindow:
    """One fault as it actually ran: applied and reverted times and what it hit."""

    name: str
    fault_type: str
    targets: list[str]
    target_services: list[str]
    applied_at: float
    reverted_at: float | None
    description: str = ""
    # a kill the platform replaces at once: the fault is the moment of the kill, and its record
    # stays open only to the end of the faults phase, so recovery is timed from `applied_at`
    replaced: bool = False
    # the dependency edges this fault cut totally (no answer could come through them), decided
    # from its type and parameters when it was applied (`cuts` on the fault classes); journals
    # written before it existed read as cutting nothing
    cut_edges: list[str] = field(default_factory=list)
    # an HTTP fault's rules at revert: frontend → requests each matched, and acted on ("hits")
    rule_hits: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class HostPoint:
    """The machine in one second, as the harness saw it: is anything else competing?"""

    t: int
    busy_cores: float  # every process on the machine
    ours_cores: float  # the harness, the system's replicas, Toxiproxy, the load generator
    psi_cpu_some_pct: float | None  # /proc/pressure/cpu "some" avg10, where the kernel has it
    tick_lag_ms: float  # how late the harness's own once-a-second timer woke

    @property
    def foreign_cores(self) -> float:
        return max(0.0, self.busy_cores - self.ours_cores)


@dataclass
class Observations:
    front_door: list[FrontDoorPoint] = field(default_factory=list)
    services: dict[str, list[ServicePoint]] = field(default_factory=dict)
    events: list[RunEvent] = field(default_factory=list)
    phases: list[PhaseSpan] = field(default_factory=list)
    faults: list[FaultWindow] = field(default_factory=list)
    # service → {"endpoints": [promise with its "source"], "problems": [...]}, published and
    # declared merged (harness.observe.promises)
    promises: dict[str, Any] = field(default_factory=dict)
    # service → its integrity answer (harness.observe.integrity)
    integrity: dict[str, Any] | None = None
    # the relations' findings, writes reconciled across services (harness.observe.reconcile)
    reconciliation: dict[str, Any] | None = None
    host: list[HostPoint] = field(default_factory=list)
    # service → what its metrics gave: declared, scrapes that answered or failed and why
    metrics_evidence: dict[str, Any] = field(default_factory=dict)
    # edge name, and replica id → per-second traffic the balancer counted (observe/edge_traffic)
    edges: dict[str, list[TrafficPoint]] = field(default_factory=dict)
    replicas: dict[str, list[TrafficPoint]] = field(default_factory=dict)
    # where that traffic was counted, each edge's mode, samples read; empty: not measured
    edge_evidence: dict[str, Any] = field(default_factory=dict)
    # a split run's divided service by arm, from its replicas' own metrics: arm → service →
    # points as in `services` (checks/split_view.py reads an arm as if it were the service)
    arms: dict[str, dict[str, list[ServicePoint]]] = field(default_factory=dict)
    # what the run's traces said, each fault's request paths (harness/traces/collect.py); empty:
    # no traces were collected
    traces: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> PhaseSpan | None:
        return next((p for p in self.phases if p.name == name), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for point in data["front_door"]:
            if not point["servers"]:
                del point["servers"]  # said only by a split run's front door
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Observations:
        return cls(
            front_door=[FrontDoorPoint(**p) for p in data.get("front_door", [])],
            services=_services_from_json(data.get("services", {})),
            events=[RunEvent(**e) for e in data.get("events", [])],
            phases=[PhaseSpan(**p) for p in data.get("phases", [])],
            faults=[FaultWindow(**f) for f in data.get("faults", [])],
            promises=dict(data.get("promises", {})),
            integrity=data.get("integrity"),
            reconciliation=data.get("reconciliation"),
            host=[HostPoint(**h) for h in data.get("host", [])],
            metrics_evidence=dict(data.get("metrics_evidence", {})),
            edges=_traffic_from_json(data.get("edges", {})),
            replicas=_traffic_from_json(data.get("replicas", {})),
            edge_evidence=dict(data.get("edge_evidence", {})),
            arms={arm: _services_from_json(by) for arm, by in data.get("arms", {}).items()},
            traces=dict(data.get("traces", {})),
        )


def _services_from_json(data: dict[str, Any]) -> dict[str, list[ServicePoint]]:
    return {
        name: [
            ServicePoint(
                **{
                    **p,
                    "dependencies": {d: DependencyPoint(**v) for d, v in p["dependencies"].items()},
                }
            )
            for p in points
        ]
        for name, points in data.items()
    }


def _traffic_from_json(data: dict[str, Any]) -> dict[str, list[TrafficPoint]]:
    return {name: [TrafficPoint(**p) for p in points] for name, points in data.items()}


def front_door_point(second: LoadSecond) -> FrontDoorPoint:
    histogram = LatencyHistogram()
    markers: dict[str, int] = {}
    for endpoint in second.endpoints.values():
        histogram.merge(endpoint.histogram)
        for marker, count in endpoint.markers.items():
            markers[marker] = markers.get(marker, 0) + count
    return FrontDoorPoint(
        t=second.t_s,
        requests=second.requests,
        failures=second.failures,
        degraded=second.degraded,
        users=second.users,
        histogram=histogram.to_json(),
        endpoints={
            name: {
                **_answer_figures(e),
                "histogram": e.histogram.to_json(),
                # a split run's arms: what each replica answered (the failure-answer check
                # reads the experiment's alone)
                **(
                    {"servers": {s: _answer_figures(f) for s, f in e.servers.items()}}
                    if e.servers
                    else {}
                ),
            }
            for name, e in second.endpoints.items()
        },
        markers=markers,
        load_cpu=second.load_cpu,
        load_lag_ms=second.load_lag_ms,
        servers={
            name: {
                "requests": e.requests,
                "failures": e.failures,
                "degraded": e.degraded,
                "histogram": e.histogram.to_json(),
            }
            for name, e in second.servers.items()
        },
    )


def service_point(t_s: int, indicators: ServiceIndicators, unreachable: int) -> ServicePoint:
    return ServicePoint(
        t=t_s,
        requests=indicators.requests,
        errors=indicators.errors,
        degraded=indicators.degraded,
        p99_ms=indicators.latency_percentile_ms(99),
        instances_scraped=indicators.instances_scraped,
        unreachable=unreachable,
        dependencies={
            name: DependencyPoint(
                calls=d.calls,
                failures=d.failures,
                fallbacks=d.fallbacks,
                retries=d.retries,
                attempts=d.attempts,
                breaker_state=d.breaker_state,
                breakers_open=d.breakers_open,
            )
            for name, d in indicators.dependencies.items()
        },
        latency_buckets={repr(le): count for le, count in indicators.latency_buckets.items()},
    )


class RunRecorder:
    """Thread-safe sink for the load stream, the scraper and the events of one run."""

    def __init__(self, arm_of: Callable[[Instance], str | None] | None = None) -> None:
        self.observations = Observations()
        self._lock = threading.Lock()
        # a split run's: which arm a replica serves in, so its metrics are also kept by arm
        self.arm_of = arm_of

    @classmethod
    def for_split(cls, split: SplitPlan | None) -> RunRecorder:
        """A recorder that keeps a split run's divided service by arm too (plain: none)."""
        if split is None:
            return cls()
        return cls(lambda instance: split.arm_of_instance(instance.id, instance.labels))

    def on_load_second(self, second: LoadSecond) -> None:
        point = front_door_point(second)
        with self._lock:
            self.observations.front_door.append(point)

    def on_scrape(self, scrape: ScrapeSecond) -> None:
        with self._lock:
            for service, indicators in scrape.services.items():
                unreachable = sum(1 for i in scrape.unreachable if i.rsplit("-", 1)[0] == service)
                self.observations.services.setdefault(service, []).append(
                    service_point(scrape.t_s, indicators, unreachable)
                )
            for arm, services in scrape.arms.items():
                by_service = self.observations.arms.setdefault(arm, {})
                for service, indicators in services.items():
                    by_service.setdefault(service, []).append(
                        service_point(scrape.t_s, indicators, 0)
                    )

    def on_traffic_second(self, second: TrafficSecond) -> None:
        # a quiet second is the absence of a point: an edge's journal holds its busy seconds
        with self._lock:
            for into, points in (
                (self.observations.edges, second.edges),
                (self.observations.replicas, second.replicas),
            ):
                for name, point in points.items():
                    if point.busy:
                        into.setdefault(name, []).append(point)

    def on_host_second(self, point: HostPoint) -> None:
        with self._lock:
            self.observations.host.append(point)

    def on_event(self, event: RunEvent) -> None:
        with self._lock:
            self.observations.events.append(event)

    def on_fault_event(self, event: FaultEvent, scheduled_t: float) -> None:
        """A fault's own account of an apply or revert, with how late Toxiproxy or the platform
        confirmed it after the moment it was asked for (`scheduled_t`)."""
        delay_ms = max(0.0, (event.confirmed_t_s - scheduled_t) * 1000)
        self.on_event(
            RunEvent(
                event.t_s,
                "fault",
                event.kind,
                event.fault,
                list(event.targets),
                event.detail,
                round(delay_ms, 3),
            )
        )

    def on_platform_event(self, event: PlatformEvent) -> None:
        self.on_event(
            RunEvent(
                event.t_s, "platform", event.kind, event.instance, [event.service], event.detail
            )
        )

    def latest_front_door(self) -> FrontDoorPoint | None:
        with self._lock:
            return self.observations.front_door[-1] if self.observations.front_door else None
