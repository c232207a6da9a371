"""Jaeger's trace JSON (its query API's `/api/traces`) read into plain spans: who made each, its
parent, its kind, whether it failed, whom it called and the marks it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

SERVER, CLIENT, INTERNAL = "server", "client", "internal"


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    instance: str | None
    name: str
    kind: str  # server, client, internal, producer, consumer
    start_us: int
    duration_us: int
    error: bool  # the span's status is an error
    http_status: int | None
    peer_address: str | None  # `host:port` a client span dialled
    peer_service: str | None  # `peer.service`: the callee a call span names
    events: tuple[tuple[str, dict[str, Any]], ...] = field(default=())

    @property
    def end_us(self) -> int:
        return self.start_us + self.duration_us

    @property
    def failed(self) -> bool:
        """A failed answer or no answer: 5xx, or an error without a status (a refused or cut
        connection, a timeout). A 4xx is an answer: the callee worked and said no."""
        if self.http_status is not None:
            return self.http_status >= 500
        return self.error

    def has_event(self, name: str, peer_service: str | None = None) -> bool:
        return any(
            event == name and (peer_service is None or attrs.get("peer.service") == peer_service)
            for event, attrs in self.events
        )


def _tags(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["key"]: item.get("value") for item in items or []}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def peer_address(tags: dict[str, Any]) -> str | None:
    """Where a client span went: `server.address`:`server.port` (current conventions), the older
    `net.peer.*`, else the host and port of its URL."""
    for host_key, port_key in (
        ("server.address", "server.port"),
        ("net.peer.name", "net.peer.port"),
    ):
        if tags.get(host_key) and tags.get(port_key):
            return f"{tags[host_key]}:{tags[port_key]}"
    url = tags.get("url.full") or tags.get("http.url")
    if url:
        parts = urlsplit(str(url))
        if parts.hostname and parts.port:
            return f"{parts.hostname}:{parts.port}"
    return None


def spans_of_trace(trace: dict[str, Any]) -> list[Span]:
    """One trace of Jaeger's JSON as spans."""
    processes = {
        key: (process.get("serviceName", "?"), _tags(process.get("tags")))
        for key, process in (trace.get("processes") or {}).items()
    }
    found = []
    for raw in trace.get("spans") or []:
        tags = _tags(raw.get("tags"))
        service, process_tags = processes.get(raw.get("processID"), ("?", {}))
        parent = next(
            (r["spanID"] for r in raw.get("references") or [] if r.get("refType") == "CHILD_OF"),
            None,
        )
        status = _int_or_none(tags.get("http.response.status_code") or tags.get("http.status_code"))
        events = tuple(
            (str(fields.pop("event", "")), fields)
            for fields in (_tags(log.get("fields")) for log in raw.get("logs") or [])
        )
        found.append(
            Span(
                trace_id=raw["traceID"],
                span_id=raw["spanID"],
                parent_id=parent,
                service=service,
                instance=process_tags.get("service.instance.id"),
                name=raw.get("operationName", ""),
                kind=str(tags.get("span.kind", INTERNAL)),
                start_us=int(raw.get("startTime", 0)),
                duration_us=int(raw.get("duration", 0)),
                error=tags.get("otel.status_code") == "ERROR" or tags.get("error") is True,
                http_status=status,
                peer_address=peer_address(tags),
                peer_service=tags.get("peer.service"),
                events=events,
            )
        )
    return found
