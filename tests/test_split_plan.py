"""Which replicas a split run divides into arms (harness/split_plan.py), on the shipped
scenarios, and the faults it refuses to split."""

from __future__ import annotations

import pytest

from harness.errors import ScenarioError
from harness.scenario import load_scenario_and_system
from harness.split_plan import CONTROL, EXPERIMENT, plan_split
from harness.timeline import plan
from tests.conftest import REPO_ROOT


def _split(name: str):
    scenario, system = load_scenario_and_system(REPO_ROOT / "scenarios" / f"{name}.yaml")
    return plan_split(system, plan(scenario, system))


def test_an_edge_fault_of_the_entrypoint_divides_its_replicas_and_the_front_door_sees_the_arms():
    split = _split("default")  # latency on gateway->recommendations
    assert (split.service, split.experiment, split.control) == (
        "gateway",
        ("gateway-0",),
        ("gateway-1",),
    )
    assert split.edges == ("gateway->recommendations",)
    assert split.attributable and not split.added_replica
    assert split.arm_of("gateway-0") == EXPERIMENT and split.arm_of("gateway-1") == CONTROL


def test_a_deeper_edge_is_split_but_judged_over_time_at_the_front_door():
    split = _split("payments-down")  # orders->payments
    assert split.service == "orders" and not split.attributable
    assert "judged over time, not by arm" in split.describe()


def test_an_instance_fault_makes_the_killed_replica_the_experiment():
    split = _split("inventory-replica-killed")
    assert split.experiment == ("inventory-1",) and split.control == ("inventory-0",)
    assert split.edges == ()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("recommendations-all-killed", "reach every replica of `recommendations`"),
        ("game-day", "divides one service's replicas"),
    ],
)
def test_faults_that_leave_no_control_or_span_services_are_refused(name, said):
    with pytest.raises(ScenarioError, match=said):
        _split(name)


def test_kubernetes_splits_edge_faults_and_refuses_instance_faults_before_anything_starts():
    from harness.split_plan import refuse_split_on

    scenario, system = load_scenario_and_system(REPO_ROOT / "scenarios" / "default.yaml")
    split = plan_split(system, plan(scenario, system))
    for platform in ("local", "docker", "kubernetes"):
        refuse_split_on(platform, system, split)
    killed = _split("inventory-replica-killed")
    assert killed.by_instance and not split.by_instance
    refuse_split_on("docker", system, killed)
    with pytest.raises(ScenarioError, match="the cluster picks which of its pods"):
        refuse_split_on("kubernetes", system, killed)


def test_errors_answered_by_the_balancer_are_refused_for_the_control_would_get_them_too():
    with pytest.raises(
        ScenarioError, match="the errors of `recommendations-answer-500` are answered"
    ):
        _split("recommendations-500s")


def test_a_kubernetes_split_makes_two_deployments_and_a_service_per_arm():
    from harness.platforms.container_env import CONTROL_PORT_SHIFT, edge_ports
    from harness.platforms.kubernetes.manifests import (
        ManifestPlan,
        replica_objects,
        toxiproxy_objects,
    )
    from harness.platforms.kubernetes.split_arms import (
        LABEL_ARM,
        front_door_servers,
        with_arms,
        with_control_ports,
    )

    scenario, system = load_scenario_and_system(REPO_ROOT / "scenarios" / "default.yaml")
    split = plan_split(system, plan(scenario, system))
    manifest = ManifestPlan("fb-x", "x", "me", {s: f"{s}:1" for s in system.services}, "tp:1")
    objects = with_arms(replica_objects(system, manifest), system, split, {})
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    experiment, control = deployments["gateway"], deployments["gateway-control"]
    assert experiment["spec"]["replicas"] == 1 and control["spec"]["replicas"] == 1
    for arm, deployment in (("experiment", experiment), ("control", control)):
        assert deployment["spec"]["selector"]["matchLabels"][LABEL_ARM] == arm
        assert deployment["spec"]["template"]["metadata"]["labels"]["app"] == "gateway"

    def env(deployment):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        return {e["name"]: e.get("value") for e in container["env"]}

    port = edge_ports(system)["gateway->recommendations"]
    assert env(experiment)["RECOMMENDATIONS_URL"].endswith(f":{port}")
    assert env(control)["RECOMMENDATIONS_URL"].endswith(f":{port + CONTROL_PORT_SHIFT}")
    assert env(control)["CATALOG_URL"] == env(experiment)["CATALOG_URL"]  # no fault: one proxy
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    assert services["svc-gateway-control"]["spec"]["selector"][LABEL_ARM] == "control"
    assert LABEL_ARM not in services["svc-gateway"]["spec"]["selector"]  # both arms
    proxies = with_control_ports(toxiproxy_objects(system, manifest), system, split)
    service_ports = {
        p["port"] for o in proxies if o["kind"] == "Service" for p in o["spec"]["ports"]
    }
    assert port + CONTROL_PORT_SHIFT in service_ports
    ips = {"svc-gateway-experiment": "10.0.0.1", "svc-gateway-control": "10.0.0.2"}
    assert front_door_servers(split, ips) == (("experiment", "10.0.0.1"), ("control", "10.0.0.2"))
    assert split.served_by("control") == ("gateway-1", "control")


def test_an_edge_dialed_by_a_written_host_name_has_no_control_proxy_on_docker():
    from harness.split_plan import refuse_split_on

    path = REPO_ROOT / "examples" / "bookshop" / "scenarios" / "redis-slow.yaml"
    scenario, system = load_scenario_and_system(path)
    storefront = system.services["storefront"]
    dialed = storefront.dependencies["redis"].model_copy(update={"host_name": "redis"})
    services = {
        **system.services,
        "storefront": storefront.model_copy(
            update={"dependencies": {**storefront.dependencies, "redis": dialed}}
        ),
    }
    system = system.model_copy(update={"services": services})
    split = plan_split(system, plan(scenario, system))
    assert split.edges == ("storefront->redis",)
    refuse_split_on("local", system, split)
    with pytest.raises(ScenarioError, match="dials storefront->redis by a host name"):
        refuse_split_on("docker", system, split)


def test_the_control_replicas_environment_points_at_the_control_proxies():
    from harness.platforms.container_env import CONTROL_PORT_SHIFT, container_env, edge_ports

    _, system = load_scenario_and_system(REPO_ROOT / "scenarios" / "default.yaml")
    ports = edge_ports(system)
    edge = "gateway->recommendations"
    plain = container_env(system, "gateway", "toxiproxy", {})
    control = container_env(system, "gateway", "toxiproxy", {}, control_edges=(edge,))
    changed = {k for k in plain if plain[k] != control[k]}
    assert changed == {"RECOMMENDATIONS_URL"}
    assert control["RECOMMENDATIONS_URL"].endswith(f":{ports[edge] + CONTROL_PORT_SHIFT}")


def test_the_front_door_of_a_docker_split_names_each_replica_and_says_who_answered():
    from harness.balancer.dns_config import DnsEdge, render_dns_config

    edge = DnsEdge(
        "load->gateway", 20000, "svc-gateway", 8000, 4,
        servers=(("gateway-0", "fb-run-gateway-0"), ("gateway-1", "fb-run-gateway-1")),
        says_server=True,
    )  # fmt: skip
    config = render_dns_config([edge], 9999, "/lua", "127.0.0.11:53")
    assert "server gateway-0 fb-run-gateway-0:8000 resolvers engine" in config
    assert "server gateway-1 fb-run-gateway-1:8000 resolvers engine" in config
    assert "server-template" not in config
    assert "http-response set-header X-Firebreak-Served-By %[srv_name]" in config
