"""Traces in the JSON Jaeger's query API answers (`/api/traces`), built by hand for pure-logic
tests of reading them; the real store's answers are read in tests/traces/test_traced_runs.py."""

from __future__ import annotations

import itertools
from typing import Any

LOAD_PARENT = "00000000000000aa"  # the load generator's traceparent: a parent not in the trace
_ids = itertools.count(1)


def span_id() -> str:
    return f"{next(_ids):016x}"


class TraceBuilder:
    def __init__(self, trace_id: str, start_s: float) -> None:
        self.trace_id = trace_id
        self.start_us = int(start_s * 1e6)
        self.spans: list[dict[str, Any]] = []
        self.processes: dict[str, dict[str, Any]] = {}

    def span(
        self,
        service: str,
        kind: str,
        parent: str | None,
        name: str = "op",
        *,
        status: int | None = None,
        error: bool = False,
        peer: str | None = None,
        peer_service: str | None = None,
        events: tuple[tuple[str, dict[str, Any]], ...] = (),
        offset_ms: int = 0,
    ) -> str:
        process = f"p-{service}"
        self.processes[process] = {"serviceName": service, "tags": []}
        tags = [{"key": "span.kind", "type": "string", "value": kind}]
        if status is not None:
            tags.append({"key": "http.response.status_code", "type": "int64", "value": status})
        if error:
            tags.append({"key": "otel.status_code", "type": "string", "value": "ERROR"})
        if peer:
            host, port = peer.rsplit(":", 1)
            tags += [
                {"key": "server.address", "type": "string", "value": host},
                {"key": "server.port", "type": "int64", "value": int(port)},
            ]
        if peer_service:
            tags.append({"key": "peer.service", "type": "string", "value": peer_service})
        new_id = span_id()
        self.spans.append(
            {
                "traceID": self.trace_id,
                "spanID": new_id,
                "operationName": name,
                "references": [{"refType": "CHILD_OF", "traceID": self.trace_id, "spanID": parent}]
                if parent
                else [],
                "startTime": self.start_us + offset_ms * 1000,
                "duration": 1000,
                "tags": tags,
                "logs": [
                    {
                        "timestamp": self.start_us,
                        "fields": [{"key": "event", "type": "string", "value": event_name}]
                        + [{"key": k, "type": "string", "value": v} for k, v in attrs.items()],
                    }
                    for event_name, attrs in events
                ],
                "processID": process,
            }
        )
        return new_id

    def to_json(self) -> dict[str, Any]:
        return {"traceID": self.trace_id, "spans": self.spans, "processes": self.processes}
