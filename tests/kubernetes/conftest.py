"""The Kubernetes tests run on a real single-node cluster built from source (`make test` builds
its binaries; the first test starts it). A cluster that cannot start fails them, it does not skip
them. A cluster these tests started is stopped when they end (`cluster down`); one that was
already up (a developer's) is left as it was. After every test no Firebreak namespace may remain."""

from __future__ import annotations

import os

import pytest

from harness.cluster.layout import CONTEXT_NAME, default_layout
from harness.cluster.node import LocalCluster
from harness.errors import FirebreakError
from harness.platforms.factory import DOCKER_BASE_ENV
from harness.platforms.kubernetes.api import api_client
from harness.platforms.kubernetes.manifests import LABEL_RUN


# package scope: the node runs while tests/kubernetes runs, and is stopped before the rest of
# the suite, whose verdicts would otherwise share two cores with an idle control plane
@pytest.fixture(scope="package")
def local_cluster(toxiproxy_server_binary):
    os.environ.setdefault(DOCKER_BASE_ENV, "offline")
    cluster = LocalCluster(default_layout())
    started_here = not cluster.status().up
    try:
        # the teardown is registered (this fixture's finally) before the wait for Ready
        seconds = cluster.up(owner_pid=os.getpid())
        print(f"\nlocal cluster Ready in {seconds:.1f} s")
        yield cluster
    except FirebreakError as exc:
        pytest.fail(f"The local Kubernetes cluster is a real part these tests need: {exc}")
    finally:
        if started_here:
            cluster.down()


@pytest.fixture(scope="package")
def kube_api(local_cluster):
    return api_client(local_cluster.layout.kubeconfig, CONTEXT_NAME)


def firebreak_namespaces(api) -> list[str]:
    from kubernetes import client as k8s

    listed = k8s.CoreV1Api(api).list_namespace(label_selector=LABEL_RUN)
    return [n.metadata.name for n in listed.items]


@pytest.fixture(autouse=True)
def no_namespace_left(request):
    yield
    if "kube_api" not in request.fixturenames:
        return
    api = request.getfixturevalue("kube_api")
    left = firebreak_namespaces(api)
    if left:
        from harness.platforms.kubernetes.api import delete_namespace

        for name in left:  # so that the next test starts clean
            delete_namespace(api, name, 60)
    assert not left, f"Firebreak namespaces outlived the test: {left}"
