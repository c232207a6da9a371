"""The local platform with real processes, a real Toxiproxy and a real HAProxy, on a stdlib-only
tiny system that knows nothing of Firebreak (it only listens on PORT)."""

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
from harness.platforms.local.platform import LocalPlatform
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
    # a new connection per request, so the balancer picks a replica each time
    with httpx.Client(timeout=timeout_s) as client:
        return client.get(url + "/whoami", headers={"Connection": "close"}).json()["instance"]


def test_connections_spread_over_the_replicas(platform):
    seen = Counter(whoami(platform.endpoints()["front"]) for _ in range(60))
    assert set(seen) == {"front-0", "front-1"}
    assert min(seen.values()) >= 25  # round-robin over new connections, as a Service spreads
    assert platform.in_rotation()["front"] == {"front-0": "UP", "front-1": "UP"}


def test_each_caller_reaches_its_dependency_through_its_own_edge_proxy(platform):
    answer = httpx.get(platform.endpoints()["load"] + "/call", timeout=3).json()
    assert answer["downstream"]["instance"].startswith("back-")
    proxy = platform.toxiproxy.proxy("front_to_back")
    # the edge's own frontend on back's balancer, not back's shared address
    (edge,) = [e for e in platform.balancer.plan.edges if e.edge_name == "front->back"]
    assert (
        proxy.upstream == f"127.0.0.1:{edge.port}" != f"127.0.0.1:{platform.service_port('back')}"
    )
    config = platform.balancer.config_path.read_text()
    assert f"bind 127.0.0.1:{edge.port}" in config
    # every variable of the edge names the proxy in its own form (issue 22): what the replica
    # process really got, and a call made through the `host:port` one reaches `back`
    listen = proxy.listen
    for replica in platform.instances("front"):
        environ = dict(
            item.split("=", 1)
            for item in Path(f"/proc/{replica.pid}/environ").read_text().split("\0")
            if "=" in item
        )
        assert environ["DOWNSTREAM_URL"] == f"http://{listen}"
        assert environ["DOWNSTREAM_ADDR"] == listen
        assert environ["DOWNSTREAM_DSN"] == f"redis://:pw@{listen}/0"
    via_addr = httpx.get(platform.endpoints()["load"] + "/call?via=addr", timeout=3).json()
    assert via_addr["status"] == 200 and via_addr["downstream"]["instance"].startswith("back-")


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
    # the survivor takes every connection at once: the first refused connection takes the dead
    # one out of rotation, and that connection is redispatched to the survivor
    assert [whoami(platform.endpoints()["back"]) for _ in range(10)] == ["back-1"] * 10
    assert platform.in_rotation()["back"]["back-0"].startswith("DOWN")
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
    # the replacement joins the rotation once its readiness check passes
    deadline = time.monotonic() + 5
    while platform.in_rotation()["back"]["back-0"] != "UP" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert platform.in_rotation()["back"]["back-0"] == "UP"
    assert {whoami(platform.endpoints()["back"]) for _ in range(10)} == {"back-0", "back-1"}


def test_a_paused_replica_keeps_its_share_until_its_checks_fail_then_leaves_the_rotation(
    platform,
):
    frozen = platform.instances("back")[0]
    platform.pause(frozen.id)
    paused_at = time.monotonic()
    early = Counter()
    for _ in range(4):
        try:
            early[whoami(platform.endpoints()["back"], timeout_s=0.2)] += 1
        except httpx.TimeoutException:
            early["timeout"] += 1
    # like an unready pod: half the new connections land on it until its checks fail...
    assert early["timeout"] >= 1 and "back-0" not in early
    deadline = paused_at + 5
    while not platform.in_rotation()["back"]["back-0"].startswith("DOWN"):
        assert time.monotonic() < deadline, "the frozen replica never left the rotation"
        time.sleep(0.05)
    out_after_s = time.monotonic() - paused_at
    assert out_after_s < 3.0  # two failed checks, 0.5 s apart, each given 0.4 s
    # ...then it gets none, and every answer comes from the survivor
    assert [whoami(platform.endpoints()["back"]) for _ in range(10)] == ["back-1"] * 10
    platform.resume(frozen.id)
    assert whoami(platform.instances("back")[0].url) == "back-0"  # thawed: answers again
    deadline = time.monotonic() + 5
    while platform.in_rotation()["back"]["back-0"] != "UP":
        assert time.monotonic() < deadline, "the thawed replica never rejoined the rotation"
        time.sleep(0.05)


def test_teardown_leaves_no_process_and_no_ledger(tmp_path, toxiproxy_server_binary):
    system = load_system(TINY_SYSTEM)
    ledger = Ledger("teardown-run", tmp_path)
    platform = LocalPlatform(system, tmp_path, ledger=ledger)
    platform.deploy()
    platform.wait_ready(15)
    pids = [i.pid for i in platform.instances()] + [platform.toxiproxy_server.pid]
    pids.append(platform.balancer.pid)
    platform.pause(platform.instances("front")[0].id)  # a frozen one must go too
    platform.teardown()
    ledger.close()
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == []
    assert read_ledgers() == []
    assert os.listdir(tmp_path / "logs")  # per-instance logs stay in the run folder
