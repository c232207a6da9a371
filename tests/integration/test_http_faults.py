"""HTTP faults on a real HAProxy, seen from the caller's side (issue 14): the tiny system's
`front` calls `back` through its edge (Toxiproxy, then the edge's HTTP frontend) and reports what
came back; `back` counts what reached it."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from harness.balancer.http_rules import active_rules
from harness.errors import PlatformError
from harness.ledger import Ledger, read_ledgers
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system
from tests.conftest import TINY_SYSTEM
from tests.integration.http_fault_checks import edge_fault

EDGE = "front->back"
CALLS = 400


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("http-faults")
    platform = LocalPlatform(
        load_system(TINY_SYSTEM), run_dir, restart_delay_s=0.3, http_edges=frozenset({EDGE})
    )
    try:
        platform.deploy()
        platform.wait_ready(15)
        yield platform
    finally:
        platform.teardown()


@pytest.fixture
def ledger(tmp_path: Path):
    ledger = Ledger("http-faults-test", tmp_path)
    yield ledger
    ledger.close()


def fault(platform, ledger, fault_type: str, **parameters):
    return edge_fault(platform, EDGE, fault_type, ledger, **parameters)


def calls(platform, count: int, query: str = "") -> list[dict]:
    """`count` calls front → back, eight at a time, as front reports them."""
    url = platform.endpoints()["front"] + "/call?x=1" + query
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: client.get(url).json(), range(count)))


def received_by_back(platform) -> int:
    return sum(
        httpx.get(instance.url + "/received", timeout=2).json()["received"]
        for instance in platform.instances("back")
    )


def binomial_tolerance(n: int, p: float, sigmas: float = 4.5) -> float:
    return sigmas * math.sqrt(n * p * (1 - p))


def test_an_http_error_answers_its_share_and_never_reaches_the_callee(platform, ledger):
    error = fault(
        platform, ledger, "http_error", status=503, percent=30, headers={"Retry-After": "2"}
    )
    before = received_by_back(platform)
    error.apply()
    try:
        assert [f.kind for f in read_ledgers()[0].faults] == ["http"]
        (rule,) = active_rules(platform.http_faults.api_address)["edge_front_to_back"]
        assert (rule.kind, rule.percent, rule.status) == ("error", 30, 503)
        outcomes = calls(platform, CALLS)
    finally:
        error.revert()
    reached = received_by_back(platform) - before
    errors = [o for o in outcomes if o["status"] == 503]
    assert {o["status"] for o in outcomes} == {200, 503}
    assert abs(len(errors) - 0.3 * CALLS) <= binomial_tolerance(CALLS, 0.3), len(errors)
    assert errors[0]["headers"]["retry-after"] == "2"
    # every 200 reached back; no 503 did
    assert reached == CALLS - len(errors)
    assert read_ledgers()[0].faults == []
    assert active_rules(platform.http_faults.api_address) == {}
    assert {o["status"] for o in calls(platform, 40)} == {200}  # reverted: all through again


def test_a_path_matched_error_hits_its_method_and_path_and_spares_the_rest(platform, ledger):
    error = fault(
        platform, ledger, "http_error", status=503, percent=100, method="POST", path_prefix="/ch"
    )
    error.apply()
    try:
        posts = calls(platform, 30, "&method=POST&path=/charges")
        other_posts = calls(platform, 30, "&method=POST&path=/refunds")
        reads = calls(platform, 30, "&path=/whoami")
    finally:
        error.revert()
    assert {o["status"] for o in posts} == {503}
    assert {o["status"] for o in other_posts} == {201}
    assert {o["status"] for o in reads} == {200}
    assert "POST /ch*" in error.describe()


def test_an_abort_is_a_connection_error_for_the_caller(platform, ledger):
    abort = fault(platform, ledger, "http_abort", percent=50)
    abort.apply()
    try:
        outcomes = calls(platform, 200)
    finally:
        abort.revert()
    failed = [o for o in outcomes if o["error"]]
    assert abs(len(failed) - 100) <= binomial_tolerance(200, 0.5)
    # no status at all: the connection closed with no answer
    assert {o["error"] for o in failed} <= {
        "RemoteDisconnected",
        "ConnectionResetError",
        "URLError",
    }
    assert all(o["status"] is None for o in failed)
    assert {o["status"] for o in outcomes if not o["error"]} == {200}


def test_a_delay_shows_in_the_callers_latency_and_a_revert_ends_it_at_once(platform, ledger):
    delay = fault(platform, ledger, "http_delay", delay_ms=300, percent=100)
    quick = [o["elapsed_ms"] for o in calls(platform, 20)]
    delay.apply()
    try:
        held = calls(platform, 24)
    finally:
        delay.revert()
    reverted_at = time.monotonic()
    after = calls(platform, 8)
    assert max(quick) < 150
    assert all(o["status"] == 200 and o["elapsed_ms"] >= 300 for o in held)
    # the next request after the revert is not held
    assert time.monotonic() - reverted_at < 1.0
    assert max(o["elapsed_ms"] for o in after) < 150


def test_an_edge_deployed_without_http_mode_refuses_an_http_fault(platform, ledger):
    error = fault(platform, ledger, "http_error", status=500)
    error.targets = ("load->front",)
    with pytest.raises(PlatformError, match="without an HTTP frontend"):
        error.apply()
    assert read_ledgers()[0].faults == []
