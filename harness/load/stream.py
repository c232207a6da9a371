"""The per-second load stream: what the Locust child writes and what the driver reads.

One JSON object per line. Per-second lines (one per wall-clock second, also when nothing
completed, so that an outage shows as seconds with zero requests rather than as a gap)::

    {"t": 1718000000, "users": 5,
     "endpoints": {"GET /products/{id}": {"requests": 120, "failures": 2, "degraded": 7,
                                          "histogram": {"13": 40, "14": 80},
                                          "markers": {"recommendations": 7},
                                          "statuses": {"200": 118, "503": 1, "none": 1},
                                          "whole_ok": 111}},
     "load": {"cpu": 0.42, "lag_ms": 3.1}}

``markers`` counts the degraded answers by the fallback each names (`harness.load.answers`),
``statuses`` every answer by its status (``none``: no answer came; ``unknown``: a locustfile
reported a request without a response), ``whole_ok`` the 2xx and 3xx answers that carried no
degraded marker (what a promised failure answer must not be: `harness.checks.failure_answers`);
both are absent from streams written before they existed. ``load`` is the load generator's own
health that second: the CPU share of one core its busiest process used and the longest its event
loop was late, so a saturated generator can be told apart from a slow system. ``t`` is the unix
second in which the requests *completed* (a slow request lands in the second it finished, so a
closed second never changes afterwards). ``histogram`` is `LatencyHistogram.to_json()`. Event
lines carry ``"event"``: ``started`` once users are spawning, ``error`` with a ``message`` before a
failed child exits, and ``done`` last, with totals.

This module is pure: the child (which runs Locust) and the driver (which must never import
Locust) both use it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.latency_histogram import LatencyHistogram

STREAM_VERSION = 1


# ---- child side: mutable accumulation -------------------------------------------------------


class EndpointCounts:
    """Mutable per-endpoint counters for one second (child side)."""

    __slots__ = (
        "degraded",
        "failures",
        "histogram",
        "markers",
        "requests",
        "servers",
        "statuses",
        "whole_ok",
    )

    def __init__(self) -> None:
        self.requests = 0
        self.failures = 0
        self.degraded = 0
        self.histogram = LatencyHistogram()
        self.markers: dict[str, int] = {}
        # answers by status: a second holds a handful of keys whatever the request rate
        self.statuses: dict[str, int] = {}
        self.whole_ok = 0  # 2xx and 3xx answers without a degraded marker
        # this endpoint's answers again, by the replica the front door said served them (a
        # split run's arms: what one arm answered while only its dependency was cut)
        self.servers: dict[str, EndpointCounts] = {}

    def server(self, name: str) -> EndpointCounts:
        counts = self.servers.get(name)
        if counts is None:
            counts = self.servers[name] = EndpointCounts()
        return counts

    def merge(self, other: EndpointCounts) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.degraded += other.degraded
        self.histogram.merge(other.histogram)
        for marker, count in other.markers.items():
            self.markers[marker] = self.markers.get(marker, 0) + count
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.whole_ok += other.whole_ok
        for name, counts in other.servers.items():
            self.server(name).merge(counts)

    def to_json(self) -> dict[str, Any]:
        data = {
            "requests": self.requests,
            "failures": self.failures,
            "degraded": self.degraded,
            "histogram": self.histogram.to_json(),
        }
        if self.markers:
            data["markers"] = dict(sorted(self.markers.items()))
        if self.statuses:
            data["statuses"] = dict(sorted(self.statuses.items()))
            data["whole_ok"] = self.whole_ok
        if self.servers:
            data["servers"] = {name: c.to_json() for name, c in sorted(self.servers.items())}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EndpointCounts:
        counts = cls()
        counts.requests = int(data["requests"])
        counts.failures = int(data["failures"])
        counts.degraded = int(data["degraded"])
        counts.histogram = LatencyHistogram.from_json(data["histogram"])
        counts.markers = {str(k): int(v) for k, v in (data.get("markers") or {}).items()}
        counts.statuses = {str(k): int(v) for k, v in (data.get("statuses") or {}).items()}
        counts.whole_ok = int(data.get("whole_ok") or 0)
        counts.servers = {
            str(name): cls.from_json(c) for name, c in (data.get("servers") or {}).items()
        }
        return counts


class SecondBucket:
    """Everything that completed in one unix second, per endpoint (child side)."""

    __slots__ = ("cpu", "endpoints", "lag_ms", "servers", "t_s", "users")

    def __init__(self, t_s: int, users: int = 0) -> None:
        self.t_s = t_s
        self.endpoints: dict[str, EndpointCounts] = {}
        # every endpoint's answers again, by the replica the front door says served them (a
        # split run's arms); empty when the balancer does not say
        self.servers: dict[str, EndpointCounts] = {}
        self.users = users
        self.cpu: float | None = None  # share of one core, the busiest load process
        self.lag_ms: float | None = None  # the event loop's longest lateness

    def endpoint(self, name: str) -> EndpointCounts:
        counts = self.endpoints.get(name)
        if counts is None:
            counts = self.endpoints[name] = EndpointCounts()
        return counts

    def server(self, name: str) -> EndpointCounts:
        counts = self.servers.get(name)
        if counts is None:
            counts = self.servers[name] = EndpointCounts()
        return counts

    def merge(self, other: SecondBucket) -> None:
        """Add another process's counts for the same second; user counts add up too."""
        for name, counts in other.endpoints.items():
            self.endpoint(name).merge(counts)
        for name, counts in other.servers.items():
            self.server(name).merge(counts)
        self.users += other.users
        self.note_health(other.cpu, other.lag_ms)

    def note_health(self, cpu: float | None, lag_ms: float | None) -> None:
        """Keep the worst: one saturated process is enough to distort what it measures."""
        if cpu is not None:
            self.cpu = cpu if self.cpu is None else max(self.cpu, cpu)
        if lag_ms is not None:
            self.lag_ms = lag_ms if self.lag_ms is None else max(self.lag_ms, lag_ms)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "t": self.t_s,
            "endpoints": {name: c.to_json() for name, c in sorted(self.endpoints.items())},
            "users": self.users,
        }
        if self.servers:
            data["servers"] = {name: c.to_json() for name, c in sorted(self.servers.items())}
        if self.cpu is not None or self.lag_ms is not None:
            data["load"] = {
                "cpu": None if self.cpu is None else round(self.cpu, 3),
                "lag_ms": None if self.lag_ms is None else round(self.lag_ms, 1),
            }
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SecondBucket:
        bucket = cls(int(data["t"]), int(data.get("users", 0)))
        for name, counts in data["endpoints"].items():
            bucket.endpoints[str(name)] = EndpointCounts.from_json(counts)
        for name, counts in (data.get("servers") or {}).items():
            bucket.servers[str(name)] = EndpointCounts.from_json(counts)
        health = data.get("load") or {}
        bucket.note_health(health.get("cpu"), health.get("lag_ms"))
        return bucket


class SecondAccumulator:
    """Sorts completed requests into per-second buckets and hands out closed seconds in order.

    Every second from `start_s` on is handed out exactly once, empty or not, so the stream has
    no gaps. Counts that arrive for a second already handed out (a clock step, a late worker
    report) go into the oldest open second instead of being lost.
    """

    def __init__(self, start_s: int) -> None:
        self._open: dict[int, SecondBucket] = {}
        self._users_at: dict[int, int] = {}
        self._last_users = 0
        self._next_s = start_s
        self.totals = EndpointCounts()

    @property
    def next_s(self) -> int:
        """The first second not yet handed out."""
        return self._next_s

    def _bucket(self, t_s: int) -> SecondBucket:
        t_s = max(t_s, self._next_s)
        bucket = self._open.get(t_s)
        if bucket is None:
            bucket = self._open[t_s] = SecondBucket(t_s)
        return bucket

    def record(
        self,
        endpoint: str,
        latency_ms: float,
        failed: bool,
        markers: list[str],
        now_s: float,
        status: str | None = None,
        server: str | None = None,
    ) -> None:
        """Count one answer; `markers` are the fallbacks a degraded answer names (empty: whole),
        `status` what it was answered (`harness.load.answers.answer_status`; None: not read),
        `server` the replica the front door says served it (None: not said).
        A failed answer is never counted as degraded: it did not answer at all."""
        bucket = self._bucket(math.floor(now_s))
        degraded = bool(markers) and not failed
        whole_ok = status is not None and status[:1] in ("2", "3") and not degraded
        into = [bucket.endpoint(endpoint), self.totals]
        if server:
            into += [bucket.server(server), bucket.endpoint(endpoint).server(server)]
        for counts in into:
            counts.requests += 1
            counts.failures += failed
            counts.degraded += degraded
            counts.histogram.record(latency_ms)
            if status is not None:
                counts.statuses[status] = counts.statuses.get(status, 0) + 1
                counts.whole_ok += whole_ok
            if degraded:
                for marker in markers:
                    counts.markers[marker] = counts.markers.get(marker, 0) + 1

    def note_health(self, t_s: int, cpu: float | None, lag_ms: float | None) -> None:
        """The load process's own health during second `t_s` (see the module docstring)."""
        self._bucket(t_s).note_health(cpu, lag_ms)

    def add(self, other: SecondBucket) -> None:
        """Merge a bucket closed elsewhere (a worker's) into the matching open second."""
        self._bucket(other.t_s).merge(other)
        for counts in other.endpoints.values():
            self.totals.merge(counts)

    def note_users(self, t_s: int, users: int) -> None:
        """Remember how many users ran in second `t_s` (sampled as it ends)."""
        if t_s >= self._next_s:
            self._users_at[t_s] = users
        self._last_users = users

    def close_before(self, t_s: int, users: int | None = None) -> list[SecondBucket]:
        """Remove and return the buckets of every second before `t_s`, empty ones included.

        Each bucket's user count is the one noted for its second, else `users` if given, else
        the last one noted.
        """
        if users is not None:
            self._last_users = users
        buckets = []
        for second in range(self._next_s, t_s):
            bucket = self._open.pop(second, None) or SecondBucket(second)
            bucket.users = self._users_at.pop(second, self._last_users)
            buckets.append(bucket)
        self._next_s = max(self._next_s, t_s)
        return buckets

    def close_all(self, now_s: float, users: int | None = None) -> list[SecondBucket]:
        """Remove and return every bucket, the current partial second included."""
        end_s = max([math.floor(now_s) + 1, self._next_s, *(t + 1 for t in self._open)])
        return self.close_before(end_s, users)


# ---- driver side: immutable, typed ----------------------------------------------------------


@dataclass(frozen=True)
class EndpointSecond:
    """One endpoint's figures for one second. Treat `histogram` as read-only."""

    requests: int
    failures: int
    degraded: int
    histogram: LatencyHistogram = field(compare=False)
    markers: Mapping[str, int] = field(default_factory=dict)
    statuses: Mapping[str, int] = field(default_factory=dict)  # empty: not recorded
    whole_ok: int = 0
    # the same figures by the replica that served them (empty: the front door did not say)
    servers: Mapping[str, EndpointSecond] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadSecond:
    """One second of load, as written by the child."""

    t_s: int
    endpoints: Mapping[str, EndpointSecond]
    users: int
    load_cpu: float | None = None
    load_lag_ms: float | None = None
    # every endpoint's answers together, by the replica that served them (empty: not said)
    servers: Mapping[str, EndpointSecond] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints.values())

    @property
    def failures(self) -> int:
        return sum(e.failures for e in self.endpoints.values())

    @property
    def degraded(self) -> int:
        return sum(e.degraded for e in self.endpoints.values())


def parse_line(line: str) -> LoadSecond | dict[str, Any]:
    """Parse one stream line: a `LoadSecond`, or the raw dict of an event line.

    Raises ValueError for a line that is not part of the stream.
    """
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"Not a JSON line: {line[:200]!r}") from error
    if not isinstance(data, dict):
        raise ValueError(f"A stream line must be a JSON object: {line[:200]!r}")
    if "event" in data:
        return data
    try:
        endpoints = {str(name): _endpoint_second(e) for name, e in data["endpoints"].items()}
        servers = {
            str(name): _endpoint_second(e) for name, e in (data.get("servers") or {}).items()
        }
        health = data.get("load") or {}
        return LoadSecond(
            t_s=int(data["t"]),
            endpoints=endpoints,
            users=int(data["users"]),
            load_cpu=health.get("cpu"),
            load_lag_ms=health.get("lag_ms"),
            servers=servers,
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"A per-second line lacks {error}: {line[:200]!r}") from error


def _endpoint_second(e: Mapping[str, Any]) -> EndpointSecond:
    return EndpointSecond(
        requests=int(e["requests"]),
        failures=int(e["failures"]),
        degraded=int(e["degraded"]),
        histogram=LatencyHistogram.from_json(e["histogram"]),
        markers={str(k): int(v) for k, v in (e.get("markers") or {}).items()},
        statuses={str(k): int(v) for k, v in (e.get("statuses") or {}).items()},
        whole_ok=int(e.get("whole_ok") or 0),
        servers={str(k): _endpoint_second(v) for k, v in (e.get("servers") or {}).items()},
    )
