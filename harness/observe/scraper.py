"""Scrapes every instance's metrics once a second and turns the counters into per-second
indicators per service.

Each service is read under its own `metrics:` mapping (system.yaml); a service that says it
exports none is not scraped. Every scrape's outcome is kept per service (`MetricsEvidence`), so a
verdict can say which services it saw from the inside and why it could not see the others.
A paused instance does not answer: its scrape times out (well inside the second) and its counts
land in the second after it resumes. A restarted instance starts its counters from zero; the
pid tells the scraper to count them from zero too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from harness.observe.every_second import every_second
from harness.observe.prometheus_text import (
    Samples,
    ServiceIndicators,
    counter_delta,
    indicators_from,
    parse_prometheus_text,
)
from harness.platforms.base import Instance, Platform
from harness.service_contract import MetricNames
from harness.system import SystemSpec

SCRAPE_TIMEOUT_S = 0.4


@dataclass
class MetricsEvidence:
    """What one service's metrics gave over a run."""

    declared: bool  # False: system.yaml says `metrics: false`
    path: str | None = None
    scrapes_ok: int = 0
    scrapes_failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # reason → count
    requests_series_seen: bool = False
    duration_series_seen: bool = False

    def note_failure(self, reason: str) -> None:
        self.scrapes_failed += 1
        self.failures[reason] = self.failures.get(reason, 0) + 1

    def to_json(self) -> dict[str, object]:
        return {
            "declared": self.declared,
            "path": self.path,
            "scrapes_ok": self.scrapes_ok,
            "scrapes_failed": self.scrapes_failed,
            "failures": dict(self.failures),
            "requests_series_seen": self.requests_series_seen,
            "duration_series_seen": self.duration_series_seen,
        }


@dataclass
class ScrapeSecond:
    t_s: int  # the unix second whose increments the scrape found (the one before it ran)
    services: dict[str, ServiceIndicators] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)  # instance ids that did not answer
    # a split run's divided service again, by arm: arm → service → its replicas' sum there
    arms: dict[str, dict[str, ServiceIndicators]] = field(default_factory=dict)


class MetricsScraper:
    def __init__(
        self,
        platform: Platform,
        system: SystemSpec,
        on_second: Callable[[ScrapeSecond], None],
        arm_of: Callable[[Instance], str | None] | None = None,
    ) -> None:
        self.platform = platform
        self.arm_of = arm_of  # a split run's: which arm a replica serves in (None: no arm)
        self.on_second = on_second
        self.names: dict[str, MetricNames | None] = {
            service: spec.metric_names() for service, spec in system.services.items()
        }
        self.health_routes = {
            service: (spec.health.live, spec.health.ready)
            for service, spec in system.services.items()
        }
        self.evidence = {
            service: MetricsEvidence(declared=names is not None, path=names and names.path)
            for service, names in self.names.items()
        }
        self._previous: dict[str, tuple[tuple[int | None, int], Samples]] = {}
        self._http = httpx.Client(timeout=SCRAPE_TIMEOUT_S)
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="scrape")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _fetch(self, instance: Instance) -> Samples | str:
        """The instance's samples, or why there are none."""
        names = self.names[instance.service]
        assert names is not None  # services without metrics are not scraped
        try:
            response = self._http.get(instance.url + names.path)
        except httpx.TimeoutException:
            return "timed out"
        except httpx.HTTPError as exc:
            return f"unreachable ({type(exc).__name__})"
        if response.status_code != 200:
            return f"answered {response.status_code}"
        try:
            return parse_prometheus_text(response.text)
        except ValueError:
            return "not Prometheus text"

    def scrape_once(self, t_s: int | None = None) -> ScrapeSecond:
        instances = [
            i
            for i in self.platform.instances()
            # a pod on a cluster has no pid here: running is enough to be asked
            if (i.pid is not None or i.state == "running") and self.names.get(i.service) is not None
        ]
        second = ScrapeSecond(t_s=int(t_s if t_s is not None else time.time()))
        results = list(self._pool.map(self._fetch, instances))
        for instance, samples in zip(instances, results, strict=True):
            service = second.services.setdefault(instance.service, ServiceIndicators())
            evidence = self.evidence[instance.service]
            if isinstance(samples, str):
                second.unreachable.append(instance.id)
                evidence.note_failure(samples)
                continue
            evidence.scrapes_ok += 1
            # the same process, as far as this machine can tell (a pod has no pid here, but a
            # replacement counts as a restart)
            generation = (instance.pid, instance.restarts)
            previous_generation, previous = self._previous.get(instance.id, (None, None))
            if previous is not None and previous_generation != generation:
                previous = {}  # a new process: every count it has is new
            self._previous[instance.id] = (generation, samples)
            gauges = {k: v for k, v in samples.items() if k[0] == "dependency_breaker_state"}
            indicators = indicators_from(
                counter_delta(samples, previous),
                gauges,
                self.names[instance.service],  # type: ignore[arg-type]
                self.health_routes[instance.service],
            )
            evidence.requests_series_seen |= indicators.has_requests
            evidence.duration_series_seen |= indicators.has_duration
            service.add(indicators)
            arm = self.arm_of(instance) if self.arm_of is not None else None
            if arm is not None:
                by_arm = second.arms.setdefault(arm, {})
                by_arm.setdefault(instance.service, ServiceIndicators()).add(indicators)
        return second

    def evidence_json(self) -> dict[str, object]:
        return {service: evidence.to_json() for service, evidence in self.evidence.items()}

    def start(self) -> None:
        self.scrape_once()  # the first scrape only sets the starting counts
        self._thread = threading.Thread(target=self._run, name="metrics-scraper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # the counts a scrape finds grew during the second that just ended: label them with it,
        # as the load stream labels a request with the second it completed in
        every_second(self._stop, lambda t_s, _late_ms: self.on_second(self.scrape_once(t_s)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()
