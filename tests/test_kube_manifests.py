"""The objects a system becomes on Kubernetes, checked on the sample and on the Node.js example
(built differently: no metrics, its own health paths and dependency variables)."""

from __future__ import annotations

import pytest

from harness.errors import PlatformError
from harness.platforms.kubernetes.manifests import (
    ACCEPTED_ORDERS_ENV,
    FRONT_DOOR_PORT,
    LABEL_RUN,
    LoadPlan,
    ManifestPlan,
    edge_ports,
    edge_urls,
    load_objects,
    system_objects,
)
from harness.platforms.kubernetes.target import ALLOWLIST_ENV, CONTEXT_ENV, target_from_env
from harness.system import load_system
from tests.conftest import REPO_ROOT, SAMPLE_SYSTEM

SYSTEMS = [SAMPLE_SYSTEM, REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"]


def plan_for(system) -> ManifestPlan:
    return ManifestPlan(
        namespace="fb-test-abc123",
        run_label="test-abc123",
        owner="1-2.00",
        images={s: f"docker.io/firebreak/{s}:fb-1" for s in system.services},
        toxiproxy_image="docker.io/firebreak/toxiproxy:fb-1",
    )


def by_kind(objects, kind):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.mark.parametrize("path", SYSTEMS, ids=["sample", "fx-quotes"])
def test_every_service_gets_a_deployment_and_a_service_with_its_probes(path):
    system = load_system(path)
    objects = system_objects(system, plan_for(system))
    deployments = by_kind(objects, "Deployment")
    services = by_kind(objects, "Service")
    assert set(deployments) == {*system.services, "toxiproxy"}
    assert set(services) == {*(f"svc-{s}" for s in system.services), "toxiproxy"}
    for name, spec in system.services.items():
        deployment = deployments[name]
        assert deployment["spec"]["replicas"] == spec.replicas
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"] == {
            "path": spec.health.ready,
            "port": spec.port,
        }
        assert container["livenessProbe"]["httpGet"] == {
            "path": spec.health.live,
            "port": spec.port,
        }
        assert container["imagePullPolicy"] == "Never"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app"] == name
        assert labels[LABEL_RUN] == "test-abc123"
        assert labels["app.kubernetes.io/part-of"] == system.name
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items()
    assert all(
        o["metadata"].get("namespace", "fb-test-abc123") == "fb-test-abc123" for o in objects
    )


@pytest.mark.parametrize("path", SYSTEMS, ids=["sample", "fx-quotes"])
def test_callers_reach_each_dependency_through_its_edge_proxy(path):
    system = load_system(path)
    objects = system_objects(system, plan_for(system))
    deployments = by_kind(objects, "Deployment")
    ports = edge_ports(system)
    assert ports[system.edges()[0].name] == FRONT_DOOR_PORT
    toxiproxy_ports = {p["port"] for p in by_kind(objects, "Service")["toxiproxy"]["spec"]["ports"]}
    assert set(ports.values()) <= toxiproxy_ports
    for name, spec in system.services.items():
        env = {
            e["name"]: e.get("value")
            for e in deployments[name]["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        for dependency, dep in spec.dependencies.items():
            assert env[dep.env] == f"http://toxiproxy:{ports[f'{name}->{dependency}']}"
        assert env[spec.port_env] == str(spec.port)


IMAGE_ONLY = """\
name: boutique
entrypoint: frontend
services:
  frontend:
    image: frontend:v1
    port: 8080
    dependencies:
      cart: {env: CART_SERVICE_ADDR, address: "{host}:{port}"}
      quotes: {env: QUOTES_URL}
  cart:
    image: cartservice:v1
    port: 8080
  quotes:
    command: ["{python}", "-m", "quotes"]
    image: shop/quotes:1
    port: 9000
"""


def test_an_image_only_service_s_pods_run_its_image_s_own_entrypoint_on_its_own_port(tmp_path):
    """No `command` or `args` in its container (the image's ENTRYPOINT and CMD run), the
    environment every replica gets, and its port, which another service shares, everywhere."""
    path = tmp_path / "system.yaml"
    path.write_text(IMAGE_ONLY)
    system = load_system(path)
    objects = system_objects(system, plan_for(system))
    deployments = by_kind(objects, "Deployment")
    containers = {
        name: deployments[name]["spec"]["template"]["spec"]["containers"][0]
        for name in system.services
    }
    for name in ("frontend", "cart"):
        container = containers[name]
        assert "command" not in container and "args" not in container
        assert container["image"] == f"docker.io/firebreak/{name}:fb-1"
        assert container["ports"] == [{"name": "http", "containerPort": 8080}]
        assert container["readinessProbe"]["httpGet"]["port"] == 8080
        service = by_kind(objects, "Service")[f"svc-{name}"]
        assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": 8080}]
    assert containers["quotes"]["command"] == ["python3", "-m", "quotes"]
    env = {e["name"]: e.get("value") for e in containers["frontend"]["env"]}
    ports = edge_ports(system)
    assert env["PORT"] == "8080" and env["HOST"] == "0.0.0.0"
    assert env["CART_SERVICE_ADDR"] == f"toxiproxy:{ports['frontend->cart']}"
    assert env["QUOTES_URL"] == f"http://toxiproxy:{ports['frontend->quotes']}"


def test_the_toxiproxy_pod_asks_for_short_syn_retries_only_where_the_plan_says():
    """Where the cluster allows it (the local node), Toxiproxy's dials give up in seconds; on
    any other cluster the pod asks for no unsafe sysctl, which a kubelet would refuse."""
    from dataclasses import replace

    system = load_system(SAMPLE_SYSTEM)

    def toxiproxy_pod(plan):
        deployment = by_kind(system_objects(system, plan), "Deployment")["toxiproxy"]
        return deployment["spec"]["template"]["spec"]

    assert "securityContext" not in toxiproxy_pod(plan_for(system))
    short = toxiproxy_pod(replace(plan_for(system), toxiproxy_syn_retries=1))
    assert short["securityContext"]["sysctls"] == [
        {"name": "net.ipv4.tcp_syn_retries", "value": "1"}
    ]


def test_a_context_off_the_allowlist_is_refused(monkeypatch):
    monkeypatch.setenv(CONTEXT_ENV, "prod-eu-1")
    monkeypatch.delenv(ALLOWLIST_ENV, raising=False)
    with pytest.raises(PlatformError, match=r"prod-eu-1.*not on Firebreak.s allowlist"):
        target_from_env()
    monkeypatch.setenv(ALLOWLIST_ENV, "staging, prod-eu-1")
    assert target_from_env().context == "prod-eu-1"
    assert not target_from_env().is_local_node


def test_plan_names_the_pods_a_kill_would_delete_without_touching_anything():
    import os
    import subprocess
    import sys

    scenario = str(REPO_ROOT / "scenarios" / "inventory-replica-killed.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "plan", scenario, "--platform", "kubernetes"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "the pod filling inventory-1" in result.stdout
    assert "app=inventory" in result.stdout and "delete (grace 0)" in result.stdout


@pytest.mark.parametrize("path", SYSTEMS, ids=["sample", "fx-quotes"])
def test_load_in_the_cluster_is_a_held_master_its_service_and_a_pod_per_worker(path):
    system = load_system(path)
    load = LoadPlan(
        image="docker.io/firebreak/load:fb-1",
        locustfile_text=system.locustfile_path().read_text(),
        users=20,
        spawn_rate=5,
        workers=3,
        seed=7,
        env={"FIREBREAK_TASK_WEIGHTS": "{}", ACCEPTED_ORDERS_ENV: "/host/run/accepted-orders.txt"},
    )
    objects = load_objects(system, plan_for(system), load)
    pods = by_kind(objects, "Pod")
    assert sorted(pods) == ["load-master", "load-worker-0", "load-worker-1", "load-worker-2"]
    assert by_kind(objects, "ConfigMap")["locustfile"]["data"]["locustfile.py"] == (
        load.locustfile_text
    )
    master = pods["load-master"]["spec"]["containers"][0]
    args = master["args"]
    # the master waits for its three workers to connect and holds until the harness says go
    assert args[args.index("--workers") + 1] == "3" and "--remote-workers" in args
    assert "--hold" in args and "--go-file" in args
    assert args[args.index("--host") + 1] == f"http://toxiproxy:{FRONT_DOOR_PORT}"
    service = by_kind(objects, "Service")["load-master"]
    assert service["spec"]["selector"] == {"app": "load-master", LABEL_RUN: "test-abc123"}
    seeds = []
    for name, pod in pods.items():
        assert pod["spec"]["restartPolicy"] == "Never"  # a dead generator is reported
        assert pod["metadata"]["labels"]["io.firebreak/role"] == "load"
        container = pod["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"]}
        # the harness's path means nothing in a pod: each writes its own, read back at the end
        assert env[ACCEPTED_ORDERS_ENV] == "/tmp/accepted-orders.txt"
        if name != "load-master":
            worker_args = container["args"]
            assert worker_args[worker_args.index("--master-host") + 1] == "load-master"
            seeds.append(worker_args[worker_args.index("--seed") + 1])
    assert sorted(seeds) == ["10", "8", "9"]  # one seed each, none the master's


def test_without_workers_the_load_is_one_pod_running_locust_s_local_runner():
    system = load_system(SAMPLE_SYSTEM)
    load = LoadPlan("docker.io/firebreak/load:fb-1", "x", 10, 10, 0, None, {})
    objects = load_objects(system, plan_for(system), load)
    assert sorted(by_kind(objects, "Pod")) == ["load-master"]
    assert "load-master" not in by_kind(objects, "Service")  # no worker connects to it
    args = by_kind(objects, "Pod")["load-master"]["spec"]["containers"][0]["args"]
    assert "--workers" not in args and "--hold" in args


HOST_NAMED = """\
name: shop
entrypoint: web
services:
  web:
    image: web:v1
    port: 8080
    dependencies:
      cache: {host_name: redis}
      db: {host_name: db, optional: true}
      api: {env: API_URL}
  worker:
    image: worker:v1
    port: 8081
    dependencies:
      cache: {host_name: redis}
  cache: {image: redis:7, port: 6379}
  db: {image: postgres:15, port: 5432}
  api: {image: api:v1, port: 9000}
"""
DIAL_IPS = {"web->cache": "10.96.0.21", "web->db": "10.96.0.22", "worker->cache": "10.96.0.23"}


def host_named_system(tmp_path):
    path = tmp_path / "system.yaml"
    path.write_text(HOST_NAMED)
    return load_system(path)


def pod_spec(objects, name):
    return by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]


def test_each_host_named_edge_gets_a_service_from_the_callee_s_port_to_its_edge_s_proxy(
    tmp_path,
):
    system = host_named_system(tmp_path)
    objects = system_objects(system, plan_for(system))
    services = by_kind(objects, "Service")
    ports = edge_ports(system)
    toxiproxy = services["toxiproxy"]
    dials = {name: s for name, s in services.items() if name.startswith("dial-")}
    assert sorted(dials) == ["dial-web-cache", "dial-web-db", "dial-worker-cache"]
    for name, callee_port, edge in [
        ("dial-web-cache", 6379, "web->cache"),
        ("dial-web-db", 5432, "web->db"),
        ("dial-worker-cache", 6379, "worker->cache"),
    ]:
        spec = dials[name]["spec"]
        # the name is dialed at the callee's port, and lands on that edge's own proxy
        assert spec["ports"] == [{"name": "edge", "port": callee_port, "targetPort": ports[edge]}]
        assert spec["selector"] == toxiproxy["spec"]["selector"]
        assert dials[name]["metadata"]["labels"][LABEL_RUN] == "test-abc123"
        assert dials[name]["metadata"]["namespace"] == "fb-test-abc123"
        assert dials[name]["metadata"]["annotations"]["io.firebreak/edge"] == edge
    # two callers dialing `redis:6379` reach two different proxies
    assert ports["web->cache"] != ports["worker->cache"]
    pod_ports = {
        p["containerPort"] for p in pod_spec(objects, "toxiproxy")["containers"][0]["ports"]
    }
    assert {ports[e] for e in DIAL_IPS} <= pod_ports
    # the Services come before the Deployments that name their addresses
    kinds = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert kinds.index(("Service", "dial-web-db")) < kinds.index(("Deployment", "web"))


def test_only_a_caller_s_pods_resolve_its_host_names_to_its_own_edges(tmp_path):
    from dataclasses import replace

    system = host_named_system(tmp_path)
    objects = system_objects(system, replace(plan_for(system), dial_ips=DIAL_IPS))
    assert pod_spec(objects, "web")["hostAliases"] == [
        {"ip": "10.96.0.21", "hostnames": ["redis"]},
        {"ip": "10.96.0.22", "hostnames": ["db"]},
    ]
    assert pod_spec(objects, "worker")["hostAliases"] == [
        {"ip": "10.96.0.23", "hostnames": ["redis"]}
    ]
    for name in ("cache", "db", "api", "toxiproxy"):
        assert "hostAliases" not in pod_spec(objects, name), name
    env = {e["name"]: e.get("value") for e in pod_spec(objects, "web")["containers"][0]["env"]}
    # a host-named dependency gets no variable; the variable one still names Toxiproxy's port
    assert env["API_URL"] == f"http://toxiproxy:{edge_ports(system)['web->api']}"
    assert not any("redis" in (value or "") for value in env.values())
    assert edge_urls(system)["web->cache"] == "http://redis:6379"
    # before the Services exist (`firebreak manifests`) no pod names an address
    unknown = system_objects(system, plan_for(system))
    assert all("hostAliases" not in pod_spec(unknown, name) for name in system.services)


def test_manifests_write_the_dial_services_and_say_the_aliases_come_at_deploy(tmp_path):
    from harness.cli.manifests_cmd import render

    system = host_named_system(tmp_path)
    text = render(system.path)
    assert "# `worker` dials `redis:6379`: its pods get hostAliases naming Service " in text
    assert "`dial-worker-cache`'s ClusterIP, filled in at deploy." in text
    objects_text = text[text.index("apiVersion") :]  # the header's notes are comments
    assert "name: dial-web-db" in objects_text and "hostAliases" not in objects_text


def test_a_dial_service_s_name_is_a_dns_label_unique_in_its_system(tmp_path):
    from harness.platforms.kubernetes.dial import dial_service_names

    long_a, long_b = "a" * 40, "b" * 40
    path = tmp_path / "system.yaml"
    path.write_text(
        "name: names\nentrypoint: a\nservices:\n"
        "  a: {image: a, port: 1, dependencies: {b-c: {host_name: x}}}\n"
        "  a-b: {image: ab, port: 2, dependencies: {c: {host_name: y}}}\n"
        f"  {long_a}: {{image: l, port: 3, dependencies: {{{long_b}: {{host_name: z}}}}}}\n"
        "  b-c: {image: bc, port: 4}\n  c: {image: c, port: 5}\n"
        f"  {long_b}: {{image: lb, port: 6}}\n"
    )
    names = dial_service_names(load_system(path))
    # `a->b-c` and `a-b->c` would both read dial-a-b-c; a name too long is shortened
    assert len(set(names.values())) == 3
    for name in names.values():
        assert len(name) <= 63 and name.startswith("dial-") and name[-1].isalnum(), name
    assert names["a->b-c"] != "dial-a-b-c" and names["a-b->c"] != "dial-a-b-c"
