"""A gRPC edge on a real HAProxy in HTTP/2 mode, seen by a real grpcio client (issue 22 §5): the
test calls `pricing` (a grpcio server) through the `shop->pricing` edge, Toxiproxy then the edge's
h2 frontend, as `shop` would with the `host:port` in PRICING_ADDR. One deployment for every
check: calls pass and are counted by status, `grpc_error` answers UNAVAILABLE to every call, half
of one method's calls and none of the other's, `http_delay` holds answers, `http_abort` resets
the stream."""

from __future__ import annotations

import math
import time
from pathlib import Path

import grpc
import pytest

from harness.balancer.config import edge_frontend_name, render_config
from harness.balancer.stats import StatsSession
from harness.dependency_address import split_listen
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system
from tests.integration.http_fault_checks import edge_fault

SYSTEM = Path(__file__).parent.parent / "fixtures" / "grpc_pair" / "system.yaml"
EDGE = "shop->pricing"
FRONTEND = edge_frontend_name(EDGE)
PORT_OFFSET = 3100
QUOTE, STOCK = "/shop.Pricing/Quote", "/shop.Pricing/Stock"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("grpc-edge")
    platform = LocalPlatform(
        load_system(SYSTEM), run_dir, http_edges=frozenset({EDGE}), port_offset=PORT_OFFSET
    )
    try:
        platform.deploy()
        platform.wait_ready(20)
        yield platform
    finally:
        platform.teardown()


def outcomes(channel: grpc.Channel, method: str, count: int) -> list[tuple[str, str, float]]:
    """(status name, details, seconds) of `count` unary calls, one after another."""
    call = channel.unary_unary(method)
    found = []
    for _ in range(count):
        started = time.monotonic()
        try:
            call(b"eur", timeout=5)
            found.append(("OK", "", time.monotonic() - started))
        except grpc.RpcError as error:
            found.append((error.code().name, error.details() or "", time.monotonic() - started))
    return found


def statuses(found: list[tuple[str, str, float]]) -> list[str]:
    return [status for status, _, _ in found]


def edge_counts(platform) -> tuple[int, dict[str, int]]:
    """The edge frontend's HTTP requests so far, and its gRPC answers by status."""
    session = StatsSession(platform.balancer_api)
    try:
        requests = session.read()[(FRONTEND, "FRONTEND")].requests_total
        return requests or 0, session.read_grpc().get(FRONTEND, {})
    finally:
        session.close()


def test_a_grpc_edge_carries_calls_over_h2_and_its_faults_speak_grpc(platform):
    plan = platform.balancer.plan
    config = render_config(plan)
    edge_port = next(edge.port for edge in plan.edges if edge.edge_name == EDGE)
    assert f"bind 127.0.0.1:{edge_port} proto h2" in config
    assert "proto h2" in next(line for line in config.splitlines() if " track svc_pricing/" in line)
    host, port = split_listen(platform.edge_proxies[EDGE].proxy.listen)
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        # healthy: every call answered by pricing, counted by the h2 frontend
        requests_before, _ = edge_counts(platform)
        healthy = outcomes(channel, QUOTE, 30)
        assert statuses(healthy) == ["OK"] * 30
        requests, by_status = edge_counts(platform)
        assert requests - requests_before == 30
        # a successful answer's status is in its trailers, which HAProxy's rules do not see
        assert by_status.get("trailers", 0) >= 30 and "0" not in by_status

        unavailable = edge_fault(
            platform, EDGE, "grpc_error", code="UNAVAILABLE", message="pricing down (test)"
        )
        unavailable.apply()
        try:
            assert unavailable.cuts
            cut = outcomes(channel, QUOTE, 40) + outcomes(channel, STOCK, 10)
        finally:
            unavailable.revert()
        assert {(status, details) for status, details, _ in cut} == {
            ("UNAVAILABLE", "pricing down (test)")
        }
        assert unavailable.rule_hits[FRONTEND] == {"matched": 50, "hits": 50}
        assert edge_counts(platform)[1].get("14") == 50
        assert statuses(outcomes(channel, QUOTE, 5)) == ["OK"] * 5  # reverted

        half = edge_fault(
            platform, EDGE, "grpc_error", code="RESOURCE_EXHAUSTED", percent=50, grpc_method=QUOTE
        )
        half.apply()
        try:
            quotes = statuses(outcomes(channel, QUOTE, 300))
            stocks = statuses(outcomes(channel, STOCK, 60))
        finally:
            half.revert()
        failed = quotes.count("RESOURCE_EXHAUSTED")
        assert set(quotes) == {"OK", "RESOURCE_EXHAUSTED"}
        assert abs(failed - 150) <= 4.5 * math.sqrt(300 * 0.25)  # binomial, 4.5 sigmas
        assert stocks == ["OK"] * 60  # the other method is not matched
        assert half.rule_hits[FRONTEND] == {"matched": 300, "hits": failed}
        assert edge_counts(platform)[1].get("8") == failed

        delay = edge_fault(platform, EDGE, "http_delay", delay_ms=300, path_prefix=QUOTE)
        delay.apply()
        try:
            held = outcomes(channel, QUOTE, 5)
            not_held = outcomes(channel, STOCK, 5)
        finally:
            delay.revert()
        assert statuses(held) == ["OK"] * 5 and min(s for _, _, s in held) >= 0.3
        assert statuses(not_held) == ["OK"] * 5 and max(s for _, _, s in not_held) < 0.2

        abort = edge_fault(platform, EDGE, "http_abort")
        abort.apply()
        try:
            aborted = outcomes(channel, QUOTE, 5)
        finally:
            abort.revert()
        # HAProxy's `reject` on an h2 stream: RST_STREAM(ENHANCE_YOUR_CALM) and a GOAWAY, which
        # grpcio reads as RESOURCE_EXHAUSTED; no answer reached the client
        assert statuses(aborted) == ["RESOURCE_EXHAUSTED"] * 5
        assert all("RST_STREAM" in details for _, details, _ in aborted)
        assert statuses(outcomes(channel, QUOTE, 5)) == ["OK"] * 5
