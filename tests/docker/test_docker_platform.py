"""The Docker platform on the real engine: the sample system from its images, a pause that
really freezes, a kill the engine reports, and nothing labelled left behind."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.balancer.stats import StatsSession
from harness.ledger import Ledger
from harness.platforms.container_env import edge_ports
from harness.platforms.docker.engine import LABEL_RUN, LABEL_SERVICE, count_by_label
from harness.platforms.docker.platform import DockerPlatform
from harness.platforms.factory import image_plan_from_env
from harness.system import load_system
from tests.conftest import SAMPLE_SYSTEM
from tests.integration.address_forms import EXTRA_FORMS, expected_forms, with_address_forms
from tests.integration.http_fault_checks import (
    assert_http_faults_act_through_the_balancer,
    sample_degraded,
)
from tests.integration.image_only import as_image_only
from tests.integration.sample_stack import wait_for


@contextlib.contextmanager
def docker_sample(run_dir: Path, system=None, **options) -> Iterator[DockerPlatform]:
    ledger = Ledger(f"test-{run_dir.name}", run_dir)
    platform = DockerPlatform(
        system or load_system(SAMPLE_SYSTEM),
        run_dir,
        ledger=ledger,
        images=image_plan_from_env(),
        **options,
    )
    try:  # teardown registered before any wait
        platform.deploy()
        platform.wait_ready(60)
        yield platform
    finally:
        platform.teardown()
        ledger.close()


def pages(front_door: str, count: int, timeout_s: float = 3.0) -> list[httpx.Response]:
    with httpx.Client(timeout=timeout_s) as client:
        return [client.get(f"{front_door}/products/{n % 50 + 1}") for n in range(count)]


def test_the_sample_runs_from_its_images_behind_toxiproxy(tmp_path, sample_images, docker_client):
    edge = "gateway->recommendations"
    # gateway->catalog also hands gateway its proxy as `host:port` and as a connection string
    system = with_address_forms(load_system(SAMPLE_SYSTEM), "gateway", "catalog")
    # and gateway has no command: its image's own CMD (sample_system/Dockerfile's) runs it
    system = as_image_only(system, "gateway", sample_images["gateway"])
    with docker_sample(tmp_path / "run", system, http_edges=frozenset({edge})) as platform:
        assert len(platform.instances()) == 12
        assert_gateway_runs_its_image_s_own_command(platform, docker_client)
        assert all(i.state == "running" and i.pid for i in platform.instances())
        front_door = platform.endpoints()["load"]
        # on the run's own bridge, reached from this machine only; nothing published
        toxiproxy = docker_client.containers.get(f"fb-{platform.run_label}-toxiproxy")
        assert front_door.startswith(f"http://{platform.toxiproxy.host}:")
        assert not any(toxiproxy.attrs["NetworkSettings"]["Ports"].values())
        answers = pages(front_door, 20)
        assert [a.status_code for a in answers] == [200] * 20
        # each replica runs the image named by its inputs' hash, and is labelled as the run's
        containers = docker_client.containers.list(filters={"label": f"{LABEL_RUN}"})
        images = {c.attrs["Config"]["Image"] for c in containers if "svc" not in c.name}
        assert set(sample_images.values()) <= images
        # the network has no route off the machine
        network = docker_client.networks.get(platform.network.id)
        assert network.attrs["Internal"] is True
        # every edge is a proxy in the one Toxiproxy container
        names = set(platform.toxiproxy.proxies())
        assert {e.proxy_name for e in platform.system.edges()} <= names
        # every edge's proxy dials the balancer container, which forwards to the callee's alias
        # and counts the edge's traffic: requests on the HTTP edge, connections on a TCP one
        for each in platform.system.edges():
            assert platform.toxiproxy.proxy(each.proxy_name).upstream.startswith("http-balancer:")
        counters = StatsSession(platform.balancer_api).read()
        assert counters[("edge_gateway_to_recommendations", "FRONTEND")].requests_total >= 20
        catalog = counters[("edge_gateway_to_catalog", "FRONTEND")]
        assert catalog.requests_total is None and catalog.connections_total > 0
        assert_http_faults_act_through_the_balancer(platform, edge, sample_degraded)
        assert_gateway_got_catalog_in_every_form(platform, docker_client)
    assert count_by_label(docker_client, f"{LABEL_RUN}={platform.run_label}").total == 0


def assert_gateway_runs_its_image_s_own_command(platform, docker_client) -> None:
    """Each gateway container was created with no command of Firebreak's: it runs the image's
    ENTRYPOINT and CMD, with the port the platform gives every replica."""
    image = docker_client.images.get(platform.system.services["gateway"].image)
    assert image.attrs["Config"]["Cmd"] == ["python3", "-m", "sample_system.gateway"]
    filters = {"label": [f"{LABEL_RUN}={platform.run_label}", f"{LABEL_SERVICE}=gateway"]}
    containers = docker_client.containers.list(filters=filters)
    assert len(containers) == 2
    for container in containers:
        config = container.attrs["Config"]
        assert (config["Cmd"], config["Entrypoint"]) == (
            image.attrs["Config"]["Cmd"],
            image.attrs["Config"]["Entrypoint"],
        )
        env = dict(item.split("=", 1) for item in config["Env"])
        assert env["PORT"] == str(platform.system.services["gateway"].port)


def assert_gateway_got_catalog_in_every_form(platform, docker_client) -> None:
    """Each gateway container's environment names catalog's edge proxy in every form its edge
    declares, and the `host:port` one, dialled from inside the container, reaches catalog."""
    port = edge_ports(platform.system)["gateway->catalog"]
    filters = {"label": [f"{LABEL_RUN}={platform.run_label}", f"{LABEL_SERVICE}=gateway"]}
    containers = docker_client.containers.list(filters=filters)
    assert len(containers) == platform.system.services["gateway"].replicas
    probe = (
        "import os, urllib.request; "
        "print(urllib.request.urlopen('http://' + os.environ['EDGE_ADDR'] + '/health/ready', "
        "timeout=3).status)"
    )
    for container in containers:
        env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
        assert env["CATALOG_URL"] == f"http://toxiproxy:{port}"
        assert {k: env[k] for k in EXTRA_FORMS} == expected_forms("toxiproxy", port)
        code, output = container.exec_run(["python3", "-c", probe])
        assert (code, output.decode().strip()) == (0, "200"), output


def test_a_pause_freezes_the_container_and_the_fallback_serves(tmp_path, sample_images):
    with docker_sample(tmp_path / "run") as platform:
        frozen = platform.instances("inventory")[0]
        platform.pause(frozen.id)
        state = platform.client.api.inspect_container(f"fb-{platform.run_label}-inventory-0")
        assert state["State"]["Paused"] is True
        with pytest.raises(httpx.TimeoutException):  # it holds the socket and answers nothing
            httpx.get(frozen.url + "/health/live", timeout=0.5)
        # callers' attempts that land on it time out at their deadline; pages still answer
        answers = pages(platform.endpoints()["load"], 30)
        assert [a.status_code for a in answers] == [200] * 30
        platform.resume(frozen.id)
        assert httpx.get(frozen.url + "/health/live", timeout=2).status_code == 200
        kinds = [e.kind for e in platform.events if e.instance == frozen.id]
        assert kinds == ["paused", "resumed"]


def test_a_kill_shows_in_the_engine_events_and_a_replacement_comes_back(tmp_path, sample_images):
    with docker_sample(tmp_path / "run", restart_delay_s=0.5) as platform:
        victim = platform.instances("inventory")[1]
        since = int(time.time()) - 1
        killed_at = time.monotonic()
        platform.kill(victim.id)
        events = platform.client.events(
            since=since,
            until=int(time.time()) + 1,
            filters={"container": f"fb-{platform.run_label}-inventory-1", "event": "die"},
            decode=True,
        )
        died = list(events)
        assert died and died[0]["Actor"]["Attributes"]["exitCode"] == "137"  # SIGKILL
        assert wait_for(lambda: platform.instances("inventory")[1].state == "running", 30)
        back_s = time.monotonic() - killed_at
        replaced = platform.instances("inventory")[1]
        assert replaced.restarts == 1
        kinds = [e.kind for e in platform.events if e.instance == victim.id]
        assert kinds == ["killed", "restarted", "ready"]
        assert back_s < 30
        answers = pages(platform.endpoints()["load"], 10)
        assert [a.status_code for a in answers] == [200] * 10
