"""Scrapes every instance's `/metrics` once a second and turns the counters into per-second
indicators per service.

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

from harness.observe.prometheus_text import (
    Samples,
    ServiceIndicators,
    counter_delta,
    indicators_from,
    parse_prometheus_text,
)
from harness.platforms.base import Instance, Platform

SCRAPE_TIMEOUT_S = 0.4


@dataclass
class ScrapeSecond:
    t_s: int  # the unix second the scrape started in
    services: dict[str, ServiceIndicators] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)  # instance ids that did not answer


class MetricsScraper:
    def __init__(
        self,
        platform: Platform,
        on_second: Callable[[ScrapeSecond], None],
        interval_s: float = 1.0,
    ) -> None:
        self.platform = platform
        self.on_second = on_second
        self.interval_s = interval_s
        self._previous: dict[str, tuple[int | None, Samples]] = {}
        self._http = httpx.Client(timeout=SCRAPE_TIMEOUT_S)
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="scrape")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _fetch(self, instance: Instance) -> Samples | None:
        try:
            response = self._http.get(instance.admin_url + "/metrics")
            if response.status_code != 200:
                return None
            return parse_prometheus_text(response.text)
        except (httpx.HTTPError, ValueError):
            return None

    def scrape_once(self, t_s: int | None = None) -> ScrapeSecond:
        instances = [i for i in self.platform.instances() if i.pid is not None]
        second = ScrapeSecond(t_s=int(t_s if t_s is not None else time.time()))
        results = list(self._pool.map(self._fetch, instances))
        for instance, samples in zip(instances, results, strict=True):
            service = second.services.setdefault(instance.service, ServiceIndicators())
            if samples is None:
                second.unreachable.append(instance.id)
                continue
            previous_pid, previous = self._previous.get(instance.id, (None, None))
            if previous is not None and previous_pid != instance.pid:
                previous = {}  # a new process: every count it has is new
            self._previous[instance.id] = (instance.pid, samples)
            gauges = {k: v for k, v in samples.items() if k[0] == "dependency_breaker_state"}
            service.add(indicators_from(counter_delta(samples, previous), gauges))
        return second

    def start(self) -> None:
        self.scrape_once()  # the first scrape only sets the starting counts
        self._thread = threading.Thread(target=self._run, name="metrics-scraper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        next_tick = float(int(time.time()) + 1)
        while not self._stop.is_set():
            if self._stop.wait(max(0.0, next_tick - time.time())):
                break
            self.on_second(self.scrape_once(int(next_tick)))
            next_tick += self.interval_s
            if next_tick < time.time():  # fell behind (a very slow scrape): skip, don't bunch up
                next_tick = float(int(time.time()) + 1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()
