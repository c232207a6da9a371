"""The shipped scenarios on the real node, unchanged, scaled down; each "pattern switched off"
case fails on Kubernetes the same checks it fails locally (issue 11 §3).

CI runs six of the shipped scenarios here, chosen so that every kind of fault the node acts on
runs there (a toxic on Toxiproxy's pod: latency and down in game-day, reset_peer, timeout; a pod
killed in game-day; pause; a kill of every replica restored later), and a promised failure answer
judged from the load pods' answer statuses (catalog-down); test_kube_platform.py applies all
three HTTP faults through the balancer pod, and the pattern comparisons add latency and down with
a pattern off. recommendations-bandwidth (one more toxic through the same API) and
recommendations-500s (an HTTP fault, applied there) left CI when traces came (issue 25), to pay
for the traced split run. Each scenario costs about a minute here
(deploy, load pods, namespace gone), so all nineteen would add a quarter of an hour to CI:
`python bench/kubernetes_figures.py scenarios` runs every one of them on the node."""

from __future__ import annotations

import pytest

from harness.gate.runner import GateOutcome
from tests.conftest import REPO_ROOT
from tests.integration.patterns_off import (
    PATTERNS_OFF,
    assert_fails_as_locally,
)
from tests.integration.test_scenarios_on_sample import (
    CI_TIME_SCALES,
    assert_passed_on,
    gate_result_or_alone,
    run_gate,
)
from tests.kubernetes.test_kube_platform import KUBE_TIME_SCALE

IN_CI = [
    "game-day",
    "inventory-blackhole",
    "inventory-replica-frozen",
    "payments-answer-lost-reset",
    "recommendations-all-killed",
    # a required dependency cut at the front door: the promised 503 read from the load pods'
    # stream of answer statuses (issue 21 §2)
    "catalog-down",
]
# The rest run at CI's scale, as locally. With every replica gone, recovery waits for the
# ReplicaSet's new pods (scheduled, started, first probe); it passed 3 of 3 at 0.3 once the
# Toxiproxy pod's dials were bounded (docs/kubernetes.md), the longer recovery is margin.
KUBE_TIME_SCALES = {"recommendations-all-killed": KUBE_TIME_SCALE}


@pytest.fixture(scope="module")
def kube_gate(tmp_path_factory, kube_api) -> GateOutcome:
    """The scenarios through `firebreak gate`'s path: those whose own runs would deploy alike
    share one namespace."""
    paths = [REPO_ROOT / "scenarios" / f"{name}.yaml" for name in IN_CI]
    scales = {**CI_TIME_SCALES, **KUBE_TIME_SCALES}
    return run_gate(paths, tmp_path_factory.mktemp("gate"), scales, platform="kubernetes")


# the first test runs the whole gate before its own assertions
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", IN_CI)
def test_the_scenario_passes_on_kubernetes(name, tmp_path, kube_gate):
    path = REPO_ROOT / "scenarios" / f"{name}.yaml"
    scale = {"time_scale": KUBE_TIME_SCALES[name]} if name in KUBE_TIME_SCALES else {}
    result = gate_result_or_alone(kube_gate, path, tmp_path / "run", platform="kubernetes", **scale)
    assert_passed_on(result, "kubernetes")


# The two Docker does not compare (tests/docker/test_docker_scenarios.py compares breakers and
# idempotency): each pattern switched off is compared with the local run on one container
# platform, to keep CI's time.
ON_KUBERNETES_OFF = [p for p in PATTERNS_OFF if p[0] in ("fallbacks", "timeouts")]


@pytest.mark.parametrize(
    ("pattern", "service", "scenario"), ON_KUBERNETES_OFF, ids=[p[0] for p in ON_KUBERNETES_OFF]
)
def test_a_pattern_switched_off_fails_the_same_checks_on_kubernetes_as_locally(
    pattern, service, scenario, tmp_path, kube_api, local_run_with_pattern_off
):
    assert_fails_as_locally(
        local_run_with_pattern_off, pattern, service, scenario, tmp_path / "kube", "kubernetes"
    )
