"""One trace as the calls it made between services: which edge each crossed, its attempts,
whether it failed, and the resilience marks around it (docs/traces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.traces.spans import CLIENT, INTERNAL, SERVER, Span

FALLBACK_EVENT = "fallback"
BREAKER_EVENT = "breaker.rejected"
RETRY_EVENT = "retry"


@dataclass
class Call:
    """One logical call on an edge: a call span (`peer.service`) with its attempts as children,
    or a plain client span, which is its own single attempt."""

    edge: str | None  # `caller->callee`, None where nothing tells the callee
    span: Span
    attempts: list[Span] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.span.failed

    @property
    def failed_attempts(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.failed)

    @property
    def breaker_rejected(self) -> bool:
        return self.span.has_event(BREAKER_EVENT)

    def around_proxy(self, addresses: dict[str, str]) -> bool:
        """Whether an attempt dialled somewhere that is not the edge's proxy: a caller that
        reaches its callee directly, where no fault on the edge can touch it."""
        return bool(addresses) and any(
            a.peer_address is not None and addresses.get(a.peer_address) != self.edge
            for a in self.attempts
        )


@dataclass
class TraceView:
    """A trace's spans, its front-door span and its calls."""

    trace_id: str
    spans: dict[str, Span]
    children: dict[str, list[Span]]
    root: Span | None  # the entrypoint's server span with no parent in the trace
    calls: list[Call]

    def ancestors(self, span: Span) -> list[Span]:
        """From the span's parent up to the trace's top."""
        chain = []
        current = self.spans.get(span.parent_id or "")
        while current is not None and len(chain) < 200:
            chain.append(current)
            current = self.spans.get(current.parent_id or "")
        return chain

    def has_fallback(self, edge: str) -> bool:
        caller, callee = edge.split("->", 1)
        return any(
            s.service == caller and s.has_event(FALLBACK_EVENT, callee) for s in self.spans.values()
        )

    @property
    def front_door_failed(self) -> bool:
        return self.root is not None and self.root.failed


def _edge_of(span: Span, children: dict[str, list[Span]], addresses: dict[str, str]) -> str | None:
    """The edge a client span crossed: the proxy it dialled, else (a caller that went around
    the proxies) its caller and the service that served it."""
    edge = addresses.get(span.peer_address or "")
    if edge and edge.startswith(f"{span.service}->"):
        return edge
    for child in children.get(span.span_id, []):
        if child.kind == SERVER:
            return f"{span.service}->{child.service}"
    return None


def view_trace(
    trace_id: str, spans: list[Span], entrypoint: str, addresses: dict[str, str]
) -> TraceView:
    """`addresses`: `host:port` → the edge whose proxy listens there (how a caller's client span
    names an edge when its callee never answered)."""
    by_id = {span.span_id: span for span in spans}
    children: dict[str, list[Span]] = {}
    for span in spans:
        if span.parent_id:
            children.setdefault(span.parent_id, []).append(span)
    root = next(
        (
            s
            for s in sorted(spans, key=lambda s: s.start_us)
            if s.service == entrypoint
            and s.kind == SERVER
            # a load request's parent is the load generator's traceparent; a health check
            # or a background job has none
            and s.parent_id is not None
            and s.parent_id not in by_id
        ),
        None,
    )
    calls: list[Call] = []
    under_call: set[str] = set()
    for span in spans:
        if span.kind == INTERNAL and span.peer_service:
            attempts = [c for c in children.get(span.span_id, []) if c.kind == CLIENT]
            under_call.update(a.span_id for a in attempts)
            edge = f"{span.service}->{span.peer_service}"
            # a split run's control arm called through the edge's control proxy
            marked = {addresses.get(a.peer_address or "", "") for a in attempts}
            calls.append(
                Call(next((m for m in marked if m.startswith(edge + " ")), edge), span, attempts)
            )
    # client spans outside a call span: one call per parent and edge, its client spans the
    # attempts (a retry without a call span of its own shows as a second span under one parent)
    grouped: dict[tuple[str | None, str | None], Call] = {}
    for span in sorted(spans, key=lambda s: s.start_us):
        if span.kind != CLIENT or span.span_id in under_call:
            continue
        edge = _edge_of(span, children, addresses)
        key = (span.parent_id, edge) if edge else (span.span_id, None)
        if key in grouped:
            grouped[key].attempts.append(span)
            grouped[key].span = span  # the call's outcome is its last attempt's
        else:
            grouped[key] = Call(edge, span, [span])
    calls.extend(grouped.values())
    calls.sort(key=lambda call: call.span.start_us)
    return TraceView(trace_id, by_id, children, root, calls)
