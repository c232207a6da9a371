"""The objects a system becomes on Kubernetes, checked on the sample and on the Node.js example
(built differently: no metrics, its own health paths and dependency variables)."""

from __future__ import annotations

import pytest

from harness.errors import PlatformError
from harness.platforms.kube_manifests import (
    FRONT_DOOR_PORT,
    LABEL_RUN,
    ManifestPlan,
    edge_ports,
    system_objects,
)
from harness.platforms.kube_target import ALLOWLIST_ENV, CONTEXT_ENV, target_from_env
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
