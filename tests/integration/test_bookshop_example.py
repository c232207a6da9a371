"""A system with a gRPC edge and a data store, written as its team would (examples/bookshop):
storefront (aiohttp) calls pricing over gRPC through `PRICING_ADDR=host:port` and keeps reading
lists in Debian's redis-server through `REDIS_URL=redis://host:port/0`; pricing and Redis answer
no HTTP, so both are ready once they accept a connection (`health: {tcp: true}`). Each edge's
fault bites through the variable in its own form, and storefront's deadline and timeout hold its
promise. One run per scenario, at CI's time scale; the Docker run is in tests/docker/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run

BOOKSHOP = REPO_ROOT / "examples" / "bookshop"
PORT_OFFSET = 3000  # engineer E's range; away from the other tests and the example's 8400+
CI_TIME_SCALE = 0.3


@pytest.fixture(scope="module")
def redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        pytest.fail(
            "Debian's redis-server is a real part these tests need: `redis-server` is not on "
            "PATH (scripts/setup-system-packages.sh test installs it)."
        )
    return found


def run_bookshop(name: str, out: Path, platform: str | None = None):
    scenario, system = load_scenario_and_system(BOOKSHOP / "scenarios" / f"{name}.yaml")

    def run_once(out_dir: Path):
        options = RunOptions(
            time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET, platform=platform
        )
        return ScenarioRunner(scenario, system, options).run()

    return judged_run(run_once, out)


def assert_redis_slow_held(result) -> dict:
    """The checks of `redis-slow` as they must read on any platform; the journal, for more."""
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == "passed", f"{result.verdict}\n{failed}\n{result.error or ''}"
    checks = {c.name: c for c in result.checks}
    fired = checks["fallback fired storefront->redis"]
    assert fired.numbers["marked_answers"] > 20  # answered without the list, marked
    # Redis is a TCP edge: connections are seen crossing it, requests are not counted
    touched = checks["fault touched redis-slowed"]
    assert touched.passed and touched.numbers["storefront->redis"]["requests"] is None
    assert touched.numbers["storefront->redis"]["open_connections_max"] > 0
    # so its retries cannot be judged, and the run says so rather than passing in silence
    retries = checks["amplification redis-slowed"]
    assert "could not be judged" in retries.summary
    assert "TCP edge" in retries.numbers["storefront->redis"]["not_judged"]
    journal = json.loads(result.journal_path.read_text())
    assert any("storefront->redis" in note for note in journal["evidence"]["not_judged"])
    # a data store is never asked for /metrics
    assert journal["evidence"]["metrics"]["redis"]["scrapes_failed"] == 0
    return journal


def test_a_slow_redis_costs_only_the_reading_list_and_its_retries_are_said_unjudged(
    tmp_path, redis_server, toxiproxy_server_binary
):
    assert_redis_slow_held(run_bookshop("redis-slow", tmp_path / "run"))


def test_pricing_answering_unavailable_over_grpc_is_met_by_the_list_price(
    tmp_path, redis_server, toxiproxy_server_binary
):
    result = run_bookshop("pricing-unavailable", tmp_path / "run")
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == "passed", f"{result.verdict}\n{failed}\n{result.error or ''}"
    checks = {c.name: c for c in result.checks}
    assert checks["fallback fired storefront->pricing"].numbers["marked_answers"] > 20
    touched = checks["fault touched pricing-unavailable"]
    assert "its rule on `storefront->pricing` acted on" in touched.summary
    # a gRPC edge in HTTP/2 mode counts requests: its retries are judged, not left unjudged
    retries = checks["amplification pricing-unavailable"].numbers["storefront->pricing"]
    assert retries["ratio"] is not None and "not_judged" not in retries
