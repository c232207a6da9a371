"""Reading traces into calls and request paths (pure logic on Jaeger's JSON)."""

from __future__ import annotations

from harness.traces.calls import view_trace
from harness.traces.collect import edge_addresses
from harness.traces.request_paths import (
    FaultSpan,
    edge_seconds,
    graph_against_declared,
    observed_edges,
    paths_for_fault,
)
from harness.traces.spans import spans_of_trace
from tests.traces.jaeger_json import LOAD_PARENT, TraceBuilder

T0 = 1_800_000_000.0
PROXIES = {"127.0.0.1:9001": "gateway->recommendations", "127.0.0.1:9002": "gateway->catalog"}
FAULT = FaultSpan("slow-recs", ("gateway->recommendations",), T0, T0 + 10)


def _view(builder: TraceBuilder, entrypoint: str = "gateway"):
    return view_trace(builder.trace_id, spans_of_trace(builder.to_json()), entrypoint, PROXIES)


def fallback_trace(trace_id: str, breaker: bool) -> TraceBuilder:
    """The sample's gateway: its call to recommendations failed (or its breaker refused it),
    and it served its fallback (an event on its server span)."""
    trace = TraceBuilder(trace_id, T0 + 1)
    root = trace.span(
        "gateway",
        "server",
        LOAD_PARENT,
        status=200,
        events=(("fallback", {"peer.service": "recommendations"}),),
    )
    call = trace.span(
        "gateway",
        "internal",
        root,
        "call recommendations",
        error=True,
        peer_service="recommendations",
        events=(("breaker.rejected", {}),) if breaker else (),
    )
    if not breaker:
        trace.span("gateway", "client", call, error=True, peer="127.0.0.1:9001")
    return trace


def test_fallbacks_and_breakers_are_absorbed_at_the_caller_that_served_them():
    views = [_view(fallback_trace("a1", breaker=False)), _view(fallback_trace("a2", breaker=True))]
    paths = paths_for_fault(views, FAULT)
    assert (paths["touched"], paths["harmed"], paths["absorbed"], paths["surfaced"]) == (2, 2, 2, 0)
    assert paths["absorbed_at"] == {
        "fallback at `gateway`": 1,
        "breaker open, fallback at `gateway`": 1,
    }
    calls = paths["edge_calls"]["gateway->recommendations"]
    assert calls == {
        "calls": 2,
        "attempts": 1,  # the breaker's refusal made no attempt
        "failed_calls": 2,
        "breaker_rejected": 1,
        "fallbacks": 2,
    }
    assert paths["examples"]["fallback at `gateway`"] == ["a1"]


def test_a_retry_that_succeeded_absorbed_the_failure_and_counts_two_attempts():
    trace = TraceBuilder("r1", T0 + 2)
    root = trace.span("gateway", "server", LOAD_PARENT, status=200)
    call = trace.span("gateway", "internal", root, peer_service="recommendations")
    trace.span("gateway", "client", call, error=True, peer="127.0.0.1:9001")
    trace.span("gateway", "client", call, status=200, peer="127.0.0.1:9001", offset_ms=20)
    paths = paths_for_fault([_view(trace)], FAULT)
    assert paths["absorbed_at"] == {"retry at `gateway`": 1}
    assert paths["edge_calls"]["gateway->recommendations"]["attempts"] == 2


def test_a_failure_that_reached_the_front_door_names_its_path():
    """Three services deep: gateway → orders → payments, each answering 503."""
    fault = FaultSpan("payments-down", ("orders->payments",), T0, T0 + 10)
    trace = TraceBuilder("s1", T0 + 3)
    root = trace.span("gateway", "server", LOAD_PARENT, status=503)
    to_orders = trace.span("gateway", "client", root, status=503)
    orders = trace.span("orders", "server", to_orders, status=503)
    call = trace.span("orders", "internal", orders, error=True, peer_service="payments")
    trace.span("orders", "client", call, error=True, peer="127.0.0.1:9100")
    paths = paths_for_fault([_view(trace)], fault)
    assert paths["surfaced"] == 1
    assert paths["surfaced_via"] == {"gateway → orders → payments": 1}


def test_plain_client_spans_name_their_edge_by_the_proxy_they_dialled():
    """fx-quotes: auto-instrumented client spans, no call span, no mark; the callee never
    answered, so only the address says which edge; quotes answered anyway."""
    proxies = {"127.0.0.1:9301": "quotes->news"}
    fault = FaultSpan("news-down", ("quotes->news",), T0, T0 + 10)
    trace = TraceBuilder("q1", T0 + 1)
    root = trace.span("quotes", "server", LOAD_PARENT, status=200)
    trace.span("quotes", "client", root, error=True, peer="127.0.0.1:9301")
    view = view_trace("q1", spans_of_trace(trace.to_json()), "quotes", proxies)
    paths = paths_for_fault([view], fault)
    assert paths["absorbed_at"] == {"answered anyway at `quotes` (no mark)": 1}


def test_requests_outside_the_window_and_without_a_load_parent_are_not_front_door_requests():
    late = TraceBuilder("late", T0 + 30)
    late.span("gateway", "server", LOAD_PARENT, status=200)
    health = TraceBuilder("h1", T0 + 1)
    health.span("gateway", "server", None, status=200)  # a health check: no parent at all
    views = [_view(late), _view(health)]
    assert views[1].root is None
    assert paths_for_fault(views, FAULT)["front_door_requests"] == 0


def test_the_observed_graph_names_edges_never_traced_and_calls_around_a_proxy():
    trace = TraceBuilder("g1", T0 + 1)
    root = trace.span("gateway", "server", LOAD_PARENT, status=200)
    # catalog reached straight, not through its proxy: its server span says who answered
    direct = trace.span("gateway", "client", root, status=200, peer="127.0.0.1:8101")
    trace.span("catalog", "server", direct, status=200)
    observed, around = observed_edges([_view(trace)], "gateway", PROXIES)
    graph = graph_against_declared(
        observed, ["load->gateway", "gateway->catalog", "gateway->inventory"], around
    )
    assert graph["declared_not_traced"] == ["gateway->inventory"]
    assert graph["around_proxy"] == {"gateway->catalog": 1}
    assert graph["traced_not_declared"] == []


def test_edge_seconds_count_each_call_in_the_second_it_began():
    rows = edge_seconds([_view(fallback_trace("e1", breaker=True))])
    second = int(T0 + 1)
    assert rows == {"gateway->recommendations": [[second, 1, 0, 1, 1, 1]]}


def test_edge_addresses_read_each_url_a_caller_is_given():
    found = edge_addresses(
        [("a->b", "http://127.0.0.1:9001"), ("a->c", "toxiproxy:9002"), ("load->a", "x")]
    )
    assert found == {"127.0.0.1:9001": "a->b", "toxiproxy:9002": "a->c"}
