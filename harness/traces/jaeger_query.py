"""Reading a run's traces back through Jaeger's query API (the one its UI uses)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from harness.errors import PlatformError
from harness.traces.spans import Span, spans_of_trace

# one query asks for every trace in its window: a run's traces, bounded by the store's own size
QUERY_LIMIT = 200_000
# the other services' traces read to find work that does not pass the front door
SAMPLE_LIMIT = 100
QUERY_TIMEOUT_S = 60.0
# the services' exporters send every 0.5 s and Jaeger batches for 0.2 s: after the load stops,
# this long and every span of the run is in the store
SETTLE_S = 1.5


@dataclass
class TraceRead:
    """What a run's traces were read as, and what reading them cost."""

    traces: dict[str, list[Span]] = field(default_factory=dict)  # trace id → its spans
    services: list[str] = field(default_factory=list)
    read_s: float = 0.0
    json_bytes: int = 0

    @property
    def span_count(self) -> int:
        return sum(len(spans) for spans in self.traces.values())


def _get(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> httpx.Response:
    try:
        answer = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise PlatformError(f"Jaeger's query API did not answer `{path}`: {exc}.") from exc
    if answer.status_code != 200:
        raise PlatformError(
            f"Jaeger's query API answered `{path}` with {answer.status_code}: {answer.text[:200]}"
        )
    return answer


def read_traces(
    query_url: str, start_s: float, end_s: float, entrypoint: str, sample_limit: int = SAMPLE_LIMIT
) -> TraceRead:
    """Every trace through the entrypoint with a span in [start_s, end_s] (each front-door
    request's), and up to `sample_limit` traces of each other service: a front-door trace holds
    every service it crossed, so asking each service for all of its traces would read the same
    ones again (six times over on the sample); the sample finds the background work (a job
    that calls another service on its own) for the observed dependency graph."""
    started = time.monotonic()
    read = TraceRead()
    with httpx.Client(base_url=query_url, timeout=QUERY_TIMEOUT_S) as client:
        read.services = sorted(_get(client, "/api/services").json().get("data") or [])
        for service in sorted(read.services, key=lambda name: name != entrypoint):
            limit = QUERY_LIMIT if service == entrypoint else sample_limit
            answer = _get(
                client,
                "/api/traces",
                {
                    "service": service,
                    "start": str(int(start_s * 1e6)),
                    "end": str(int(end_s * 1e6)),
                    "limit": str(limit),
                },
            )
            read.json_bytes += len(answer.content)
            for trace in answer.json().get("data") or []:
                trace_id = trace.get("traceID")
                if trace_id and trace_id not in read.traces:
                    read.traces[trace_id] = spans_of_trace(trace)
    read.read_s = time.monotonic() - started
    return read
