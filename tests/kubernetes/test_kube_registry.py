"""Images through a registry, as for a cluster that cannot see this machine's Docker engine: the
run's images are pushed to a real registry (distribution's, on loopback) and the node's
containerd pulls them from there; a bad registry address is refused before anything starts."""

from __future__ import annotations

import subprocess
import sys

from kubernetes import client as k8s

from harness.cluster.registry import LocalRegistry
from harness.platforms.kubernetes.images import REGISTRY_ENV
from harness.platforms.kubernetes.platform import KubernetesPlatform
from harness.ports import free_port
from harness.system import load_system
from tests.conftest import REPO_ROOT

FX_QUOTES = REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"


def test_pushed_images_are_pulled_by_the_node_from_the_registry(tmp_path, kube_api, monkeypatch):
    registry = LocalRegistry(free_port(), tmp_path / "registry")
    try:  # its stop is registered before the wait for it to answer
        registry.start()
        monkeypatch.setenv(REGISTRY_ENV, registry.address)
        platform = KubernetesPlatform(load_system(FX_QUOTES), tmp_path / "run", on_message=print)
        try:
            platform.deploy()
            platform.wait_ready(120)
            pods = k8s.CoreV1Api(kube_api).list_namespaced_pod(platform.namespace).items
            images = {c.image for p in pods for c in p.spec.containers}
            pulled = {s.image for p in pods for s in p.status.container_statuses or [] if s.ready}
        finally:
            platform.teardown()
        repositories = registry.repositories()
    finally:
        registry.stop()
    # every container of the run names the registry, and ran
    assert images and all(i.startswith(f"{registry.address}/") for i in images), images
    assert {i.split("/", 1)[1].rsplit(":", 1)[0] for i in images} <= set(repositories)
    assert "firebreak/toxiproxy" in repositories
    assert len(pulled) == len(images), (images, pulled)


def test_a_registry_with_a_scheme_is_refused_before_anything_starts(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli.main",
            "run",
            str(REPO_ROOT / "scenarios" / "default.yaml"),
            "--platform",
            "kubernetes",
            "--registry",
            "https://registry.example.com",
            "--out",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "--registry" in done.stderr and "without a scheme" in done.stderr
    assert not (tmp_path / "run").exists()
