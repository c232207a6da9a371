"""One promise per service and endpoint, wherever it was written: the one view every check reads.

A promise may be written in three places, from the least to the most specific to this run:

1. published by the service at `GET /promise` (what it tells every consumer);
2. declared in system.yaml under the service's `promises:` (what the team wrote down for testing
   this system);
3. given in the scenario's `expect.promises` (what this experiment holds the service to, in the
   phases its `during` names, or in all).

The more specific wins, at these grains:

- an endpoint (method and route) that system.yaml declares replaces the one `/promise` publishes
  for it, as a whole: its limits and its answers under dependency failure. This merge happens at
  bring-up (`harness.observe.promises`) into the journal's `observations.promises`, each endpoint
  with its source; an endpoint only one of the two names is kept from that one;
- a scenario promise names a service, not an endpoint: in each phase it holds in, each limit it
  gives (p99, availability) replaces that limit on every endpoint the service promises; a limit
  it does not give, and the answers under dependency failure, stay as written;
- a scenario promise for a service that promises no endpoint of its own: for the entrypoint it
  holds for every endpoint the load called, each judged at the front door; for another service,
  for the service as a whole.

A service judged as a whole (any but the entrypoint in the promise check; every service in
containment's and recovery's latency bound) is held to the loosest of its endpoints' limits in
that phase: the highest p99 and the lowest availability, since a route promised 1200 ms may take
that long without the service having moved.

`resolve_promises` builds the view once per evaluation. Each limit carries its source; the
journal records the view (`evidence.promises`) and the reports say which was used. No other
module reads `observations.promises`, a scenario's `expect.promises` or a system's `promises:`
(tests/checks/test_promise_view.py greps for it): two copies of a fact give two verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.observe.prometheus_text import ADMIN_ROUTE_PREFIXES
from harness.observe.promises import SOURCE_DECLARED, SOURCE_PUBLISHED
from harness.observe.series import Observations
from harness.service_contract import EndpointPromise, published_endpoints

if TYPE_CHECKING:
    from harness.scenario import PromiseOverride

SOURCE_SCENARIO = "scenario"
# a journal's endpoint that does not say where it was written (hand-made observations)
SOURCE_UNRECORDED = "not recorded"
__all__ = [
    "SOURCE_DECLARED",
    "SOURCE_PUBLISHED",
    "SOURCE_SCENARIO",
    "EndpointView",
    "Limit",
    "Limits",
    "PromiseView",
    "ScenarioPromise",
    "ServicePromises",
    "resolve_promises",
]

# the phases a scenario's `during` may name, for a view built before any phase ran
DEFAULT_PHASES = ("baseline", "faults", "recovery")
EVERY_LOAD_ENDPOINT = "every endpoint the load called"
AS_A_WHOLE = "all routes"


@dataclass(frozen=True)
class Limit:
    """One promised figure and where it was written."""

    value: float
    source: str


@dataclass(frozen=True)
class Limits:
    """What a service or endpoint is held to in one phase; None: nothing promised."""

    latency_p99_ms: Limit | None = None
    availability: Limit | None = None

    @property
    def empty(self) -> bool:
        return self.latency_p99_ms is None and self.availability is None

    @property
    def p99_ms(self) -> float | None:
        return self.latency_p99_ms.value if self.latency_p99_ms else None

    @property
    def availability_share(self) -> float | None:
        return self.availability.value if self.availability else None

    def to_json(self) -> dict[str, Any]:
        """The figures and, beside each, where it came from (`..._from`)."""
        data: dict[str, Any] = {}
        for name in ("latency_p99_ms", "availability"):
            limit: Limit | None = getattr(self, name)
            data[name] = limit.value if limit else None
            if limit is not None:
                data[f"{name}_from"] = limit.source
        return data


@dataclass(frozen=True)
class ScenarioPromise:
    """A scenario's `expect.promises.<service>`: limits for every endpoint of the service, in
    the phases `during` names (None: every phase)."""

    latency_p99_ms: float | None = None
    availability: float | None = None
    during: tuple[str, ...] | None = None

    def holds_in(self, phase: str) -> bool:
        return self.during is None or phase in self.during

    def over(self, written: Limits, phase: str) -> Limits:
        """`written`, with each limit this promise gives replacing it where it holds."""
        if not self.holds_in(phase):
            return written
        return Limits(
            latency_p99_ms=Limit(self.latency_p99_ms, SOURCE_SCENARIO)
            if self.latency_p99_ms is not None
            else written.latency_p99_ms,
            availability=Limit(self.availability, SOURCE_SCENARIO)
            if self.availability is not None
            else written.availability,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "latency_p99_ms": self.latency_p99_ms,
            "availability": self.availability,
            "during": list(self.during) if self.during is not None else None,
        }


@dataclass(frozen=True)
class EndpointView:
    """One endpoint's promise as written (with its source), and the scenario's over it."""

    promise: EndpointPromise
    source: str
    scenario: ScenarioPromise | None = None

    @property
    def label(self) -> str:
        return self.promise.label

    @property
    def written(self) -> Limits:
        latency, availability = self.promise.latency_p99_ms, self.promise.availability
        return Limits(
            Limit(latency, self.source) if latency is not None else None,
            Limit(availability, self.source) if availability is not None else None,
        )

    def limits(self, phase: str) -> Limits:
        return self.scenario.over(self.written, phase) if self.scenario else self.written


@dataclass(frozen=True)
class ServicePromises:
    """Everything one service is held to: its traffic endpoints (health, metrics, promise and
    integrity routes are not traffic) and the scenario's promise for it."""

    service: str
    is_entrypoint: bool
    endpoints: tuple[EndpointView, ...] = ()
    scenario: ScenarioPromise | None = None
    problems: tuple[str, ...] = ()

    @property
    def judged(self) -> bool:
        return bool(self.endpoints) or self.scenario is not None

    @property
    def scope(self) -> str:
        """What a promise of this service is judged over (see the module docstring)."""
        if self.is_entrypoint:
            if self.endpoints:
                return "each promised endpoint, at the front door"
            return f"{EVERY_LOAD_ENDPOINT}, at the front door"
        return "the service as a whole (the loosest of its endpoints' limits)"

    def as_a_whole(self, phase: str) -> Limits:
        """The loosest of its endpoints' limits in `phase` (the highest p99, the lowest
        availability), or the scenario's where it promises no endpoint."""
        if not self.endpoints:
            return self.scenario.over(Limits(), phase) if self.scenario else Limits()
        each = [endpoint.limits(phase) for endpoint in self.endpoints]
        latencies = [limits.latency_p99_ms for limits in each if limits.latency_p99_ms]
        availabilities = [limits.availability for limits in each if limits.availability]
        return Limits(
            max(latencies, key=lambda limit: limit.value) if latencies else None,
            min(availabilities, key=lambda limit: limit.value) if availabilities else None,
        )

    def to_json(self, phases: tuple[str, ...]) -> dict[str, Any]:
        rows = [
            {
                "endpoint": e.label,
                "promised_in": e.source,
                "limits": _by_phase({p: e.limits(p).to_json() for p in phases}),
                "on_dependency_failure": {
                    dependency: fallback.model_dump(exclude_none=True)
                    for dependency, fallback in e.promise.on_dependency_failure.items()
                },
            }
            for e in self.endpoints
        ]
        if not self.endpoints and self.scenario is not None:
            rows.append(
                {
                    "endpoint": EVERY_LOAD_ENDPOINT if self.is_entrypoint else AS_A_WHOLE,
                    "promised_in": SOURCE_SCENARIO,
                    "limits": _by_phase({p: self.as_a_whole(p).to_json() for p in phases}),
                    "on_dependency_failure": {},
                }
            )
        return {
            "judged_over": self.scope,
            "endpoints": rows,
            "scenario": self.scenario.to_json() if self.scenario else None,
            "problems": list(self.problems),
        }


def _by_phase(limits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One set of limits when every phase shares it; per phase when a scenario's `during`
    loosened or tightened only some."""
    values = list(limits.values())
    if values and all(each == values[0] for each in values):
        return values[0]
    return limits


@dataclass(frozen=True)
class PromiseView:
    """Every service's promises, merged (see the module docstring)."""

    entrypoint: str
    services: Mapping[str, ServicePromises] = field(default_factory=dict)
    # the phases a run judges promises in (every one but the warm-up), for the journal
    phases: tuple[str, ...] = DEFAULT_PHASES

    def of(self, service: str) -> ServicePromises:
        return self.services.get(service) or ServicePromises(
            service, is_entrypoint=service == self.entrypoint
        )

    def judged_services(self) -> list[str]:
        """Services with something promised to judge, in name order."""
        return sorted(name for name, promised in self.services.items() if promised.judged)

    def promised_p99(self, service: str, phase: str) -> Limit | None:
        """The latency `service` promises in `phase`, for a bound on the whole service (the
        loosest of its endpoints', with its source); None when it promises none."""
        return self.of(service).as_a_whole(phase).latency_p99_ms

    def endpoint_promises_of(self, service: str, phase: str = "faults") -> list[EndpointPromise]:
        """`service`'s promised traffic endpoints as the contract's type, with the limits that
        hold in `phase` (for checks that read its answers under dependency failure)."""
        return [
            e.promise.model_copy(
                update={
                    "latency_p99_ms": e.limits(phase).p99_ms,
                    "availability": e.limits(phase).availability_share,
                }
            )
            for e in self.of(service).endpoints
        ]

    def problems(self) -> list[str]:
        """Why a published promise could not be read, as sentences for "not judged"."""
        return [
            f"`{name}`'s published promise: {problem}"
            for name, promised in sorted(self.services.items())
            for problem in promised.problems
        ]

    def to_json(self) -> dict[str, Any]:
        """The view as the journal records it: per service, each endpoint's limits per phase
        (one set when every phase shares it) and the source of each limit."""
        return {
            name: promised.to_json(self.phases)
            for name, promised in sorted(self.services.items())
            if promised.judged or promised.problems
        }


def _scenario_promise(override: PromiseOverride | None) -> ScenarioPromise | None:
    if override is None:
        return None
    return ScenarioPromise(
        latency_p99_ms=override.latency_p99_ms,
        availability=override.availability,
        during=tuple(override.during) if override.during is not None else None,
    )


def _written_endpoints(entry: Any) -> tuple[list[EndpointView], list[str]]:
    """The traffic endpoints of one service's entry in `observations.promises`, each with the
    source the bring-up recorded for it."""
    views: list[EndpointView] = []
    raw_endpoints = entry.get("endpoints") if isinstance(entry, dict) else None
    for raw in raw_endpoints if isinstance(raw_endpoints, list) else []:
        # one at a time, so each keeps its own source; what could not be read was said at
        # bring-up (the entry's `problems`)
        found, _unreadable = published_endpoints({"endpoints": [raw]})
        if not found or found[0].route.startswith(ADMIN_ROUTE_PREFIXES):
            continue
        promise = found[0]
        source = raw.get("source") if isinstance(raw, dict) else None
        views.append(EndpointView(promise, str(source or SOURCE_UNRECORDED)))
    problems = entry.get("problems") if isinstance(entry, dict) else None
    return views, [str(p) for p in problems] if isinstance(problems, list) else []


def resolve_promises(
    obs: Observations, scenario_promises: Mapping[str, PromiseOverride], entrypoint: str
) -> PromiseView:
    """The one view of every promise: what the bring-up merged from `/promise` and system.yaml
    (`obs.promises`), with the scenario's `expect.promises` over it."""
    services: dict[str, ServicePromises] = {}
    for name in sorted(set(obs.promises) | set(scenario_promises)):
        endpoints, problems = _written_endpoints(obs.promises.get(name) or {})
        scenario = _scenario_promise(scenario_promises.get(name))
        services[name] = ServicePromises(
            service=name,
            is_entrypoint=name == entrypoint,
            endpoints=tuple(EndpointView(e.promise, e.source, scenario) for e in endpoints),
            scenario=scenario,
            problems=tuple(problems),
        )
    phases = tuple(p.name for p in obs.phases if p.name != "warmup")
    return PromiseView(entrypoint, services, phases or DEFAULT_PHASES)
