"""The local platform with real processes and a real Toxiproxy, on a stdlib-only tiny system."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil
import pytest

from harness.faults.toxiproxy import ToxicInfo
from harness.ledger import Ledger, read_ledgers
from harness.platforms.local import LocalPlatform
from harness.system import load_system
from tests.conftest import TINY_SYSTEM


@pytest.fixture
def platform(tmp_path: Path, toxiproxy_server_binary: Path):
    system = load_system(TINY_SYSTEM)
    ledger = Ledger("test-run", tmp_path)
    platform = LocalPlatform(system, tmp_path, ledger=ledger, restart_delay_s=0.5)
    try:
        platform.deploy()
        platform.wait_ready(15)
        yield platform
    finally:
        platform.teardown()
        ledger.close()


def whoami(url: str, timeout_s: float = 1.0) -> str:
    # a new connection per request, so the kernel picks a replica each time
    with httpx.Client(timeout=timeout_s) as client:
        return client.get(url + "/whoami", headers={"Connection": "close"}).json()["instance"]


def test_connections_spread_over_the_replicas(platform):
    seen = Counter(whoami(platform.endpoints()["front"]) for _ in range(60))
    assert set(seen) == {"front-0", "front-1"}
    assert min(seen.values()) >= 10  # roughly even, as a Service address would spread them


def test_each_caller_reaches_its_dependency_through_its_own_edge_proxy(platform):
    answer = httpx.get(platform.endpoints()["load"] + "/call", timeout=3).json()
    assert answer["downstream"]["instance"].startswith("back-")
    proxy = platform.toxiproxy.proxy("front_to_back")
    assert proxy.upstream == f"127.0.0.1:{platform.service_port('back')}"


def test_a_toxic_on_one_edge_spares_the_other_edges(platform):
    confirmed = platform.toxiproxy.add_toxic(
        "front_to_back", ToxicInfo("slow", "latency", attributes={"latency": 2000})
    )
    assert confirmed.attributes["latency"] == 2000
    front_door = platform.endpoints()["load"]
    started = time.monotonic()
    answer = httpx.get(front_door + "/call", timeout=5)
    assert answer.status_code == 502 and answer.json()["error"] in ("TimeoutError", "URLError")
    assert time.monotonic() - started < 1.9  # the caller's own 1 s timeout cut it short
    started = time.monotonic()
    assert httpx.get(front_door + "/whoami", timeout=5).status_code == 200
    assert time.monotonic() - started < 0.5  # load->front has no toxic
    platform.toxiproxy.remove_toxic("front_to_back", "slow")
    assert httpx.get(front_door + "/call", timeout=5).status_code == 200


def test_a_killed_replica_is_replaced_and_both_are_recorded(platform):
    victim = platform.instances("back")[0]
    platform.kill(victim.id)
    assert not psutil.pid_exists(victim.pid) or psutil.Process(victim.pid).status() == "zombie"
    # the survivor takes every connection at once
    assert {whoami(platform.endpoints()["back"]) for _ in range(10)} == {"back-1"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replaced = platform.supervisor.slot(victim.id)
        if replaced.state == "running" and replaced.process.pid != victim.pid:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the supervisor did not restore the killed replica within 10 s")
    kinds = [(e.kind, e.instance) for e in platform.events]
    assert ("killed", victim.id) in kinds and ("restarted", victim.id) in kinds
    killed_at = next(e.t_s for e in platform.events if e.kind == "killed")
    restarted_at = next(e.t_s for e in platform.events if e.kind == "restarted")
    assert 0.4 <= restarted_at - killed_at < 2.0  # the configured restart delay, 0.5 s
    assert platform.instances("back")[0].restarts == 1


def test_a_paused_replica_keeps_its_share_of_connections_and_answers_none(platform):
    frozen = platform.instances("back")[0]
    platform.pause(frozen.id)
    outcomes = Counter()
    for _ in range(20):
        try:
            outcomes[whoami(platform.endpoints()["back"], timeout_s=0.3)] += 1
        except httpx.TimeoutException:
            outcomes["timeout"] += 1
    platform.resume(frozen.id)
    assert outcomes["timeout"] >= 3  # about half the new connections land on the frozen one
    assert outcomes["back-1"] >= 3
    assert "back-0" not in outcomes
    assert whoami(platform.instances("back")[0].admin_url) == "back-0"  # thawed: answers again


def test_teardown_leaves_no_process_and_no_ledger(tmp_path, toxiproxy_server_binary):
    system = load_system(TINY_SYSTEM)
    ledger = Ledger("teardown-run", tmp_path)
    platform = LocalPlatform(system, tmp_path, ledger=ledger)
    platform.deploy()
    platform.wait_ready(15)
    pids = [i.pid for i in platform.instances()] + [platform.toxiproxy_server.pid]
    platform.pause(platform.instances("front")[0].id)  # a frozen one must go too
    platform.teardown()
    ledger.close()
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == []
    assert read_ledgers() == []
    assert os.listdir(tmp_path / "logs")  # per-instance logs stay in the run folder
