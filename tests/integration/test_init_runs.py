"""A system.yaml drafted by `firebreak init` from two Compose files and a manifests folder runs:
every replica comes up behind its balancer and the front door answers through the edges."""

from __future__ import annotations

import shutil

import httpx
import pytest

from harness.cli.init_cmd import draft
from harness.init.draft import render
from harness.ledger import Ledger
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system
from tests.conftest import REPO_ROOT

FX = REPO_ROOT / "examples" / "fx-quotes"
SOURCES = {
    "fx-quotes compose": (FX / "docker-compose.yml", "/quotes/EURUSD"),
    "sample store compose": (REPO_ROOT / "sample_system" / "docker-compose.yml", "/products/7"),
    "fx-quotes manifests": (FX / "k8s", "/quotes/GBPUSD"),
}


@pytest.mark.parametrize("label", list(SOURCES))
def test_a_drafted_system_comes_up_and_answers_at_the_front_door(
    label, tmp_path, toxiproxy_server_binary
):
    source, path = SOURCES[label]
    if source.name == "k8s" and shutil.which("node") is None:
        pytest.fail("Node.js is a real part this test needs: `node` is not on PATH.")
    out = tmp_path / "system.yaml"
    drafted, out = draft(source, out, None)
    out.write_text(render(drafted))
    system = load_system(out)
    ledger = Ledger(f"init-{tmp_path.name}", tmp_path)
    platform = LocalPlatform(system, tmp_path / "run", ledger=ledger, port_offset=1900)
    try:
        platform.deploy()
        platform.wait_ready(60)
        answer = httpx.get(platform.endpoints()["load"] + path, timeout=5)
        assert answer.status_code == 200, answer.text
        states = platform.in_rotation()
        assert all(s == "UP" for each in states.values() for s in each.values()), states
    finally:
        platform.teardown()
        ledger.close()
