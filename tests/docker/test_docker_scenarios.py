"""Every shipped scenario on containers, unchanged, scaled down as CI runs it; each "pattern
switched off" case fails on Docker with the same checks as locally; the foreign-language example
runs on Docker too."""

from __future__ import annotations

import pytest

from harness.gate.runner import GateOutcome
from tests.conftest import REPO_ROOT
from tests.integration.patterns_off import (
    PATTERNS_OFF,
    assert_fails_as_locally,
)
from tests.integration.test_scenarios_on_sample import (
    SCENARIOS,
    assert_passed_on,
    gate_result_or_alone,
    run_gate,
    run_scenario,
)

FX = REPO_ROOT / "examples" / "fx-quotes"


# Not run on Docker, to keep CI's time; each runs locally, and what it asks of a platform is
# asked on Docker by another scenario named here:
NOT_ON_DOCKER = {
    # judged on the statuses the host-side Locust child counts, after a `down` on Toxiproxy's
    # container (inventory-down, payments-down); Kubernetes runs it, with the load as pods
    "catalog-down": "inventory-down",
    # the same latency toxic (with jitter, or on payments) on Toxiproxy's container
    "recommendations-jitter": "default",
    "payments-answer-lost-slow": "default",
    # the same reset_peer toxic
    "recommendations-reset-peer": "payments-answer-lost-reset",
    # the same HTTP error rule on the balancer container (a 429 with Retry-After, not a 503)
    "payments-429-retry-after": "payments-charges-503",
    # Left out when traces came (issue 25), to pay for the traced runs in CI's hour:
    # the same latency toxic as the default scenario (on another edge, or a second hop)
    "recommendations-latency": "default",
    "two-hop-chain": "default",
    # the same `down` on Toxiproxy's container, and the same integrity read of orders
    "payments-down": "inventory-down",
    # the same HTTP error rule (a 500 for a share of the answers, not a 503)
    "recommendations-500s": "payments-charges-503",
}
ON_DOCKER = [p for p in SCENARIOS if p.stem not in NOT_ON_DOCKER]


def test_what_docker_leaves_out_is_asked_of_it_by_a_scenario_it_runs():
    running = {p.stem for p in ON_DOCKER}
    assert set(NOT_ON_DOCKER) <= {p.stem for p in SCENARIOS}
    assert set(NOT_ON_DOCKER.values()) <= running


@pytest.fixture(scope="module")
def docker_gate(tmp_path_factory, sample_images) -> GateOutcome:
    """The scenarios Docker runs, through `firebreak gate`'s path: those whose own runs would
    deploy alike share one set of containers (fewer deployments than scenarios)."""
    return run_gate(ON_DOCKER, tmp_path_factory.mktemp("gate"), platform="docker")


# the first test runs the whole gate before its own assertions
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("path", ON_DOCKER, ids=[p.stem for p in ON_DOCKER])
def test_the_scenario_passes_on_docker(path, tmp_path, sample_images, docker_gate):
    result = gate_result_or_alone(docker_gate, path, tmp_path / "run", platform="docker")
    journal = assert_passed_on(result, "docker")
    assert journal["system"]["images"] == sample_images  # exactly which images ran


def test_the_docker_gate_shared_containers_where_the_runs_deploy_alike(docker_gate):
    sizes = sorted(len(d["scenarios"]) for d in docker_gate.deployments)
    assert len(sizes) < len(ON_DOCKER) and sum(sizes) == len(ON_DOCKER), sizes
    for deployment in docker_gate.deployments:
        assert deployment["timings_s"]["teardown"] < 30, deployment


# Two of the four, to keep CI's time: `fallbacks` and `timeouts` run default.yaml, which passes
# on Docker above, and are compared with the same local run on Kubernetes; `breakers` and
# `idempotency` (a down and a reset on Toxiproxy's container, and the data they lose) stay.
ON_DOCKER_OFF = [p for p in PATTERNS_OFF if p[0] in ("breakers", "idempotency")]


@pytest.mark.parametrize(
    ("pattern", "service", "scenario"), ON_DOCKER_OFF, ids=[p[0] for p in ON_DOCKER_OFF]
)
def test_a_pattern_switched_off_fails_the_same_checks_on_both_platforms(
    pattern, service, scenario, tmp_path, sample_images, local_run_with_pattern_off
):
    assert_fails_as_locally(
        local_run_with_pattern_off, pattern, service, scenario, tmp_path / "docker", "docker"
    )


@pytest.mark.parametrize(
    ("scenario", "outcome"), [("news-blackhole", "passed"), ("rates-blackhole", "failed")]
)
def test_the_node_example_runs_on_docker(scenario, outcome, tmp_path, docker_client):
    result = run_scenario(
        FX / "scenarios" / f"{scenario}.yaml", tmp_path / "run", platform="docker"
    )
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == outcome, f"{result.verdict}\n{failed}\n{result.error or ''}"
    if outcome == "failed":
        # quotes answers the 503 it promises for rates (kept), and the outage reaches its users
        assert [c.name for c in result.failed_checks] == ["containment rates-blackholed"]
        answer = next(c for c in result.checks if c.kind == "failure_answer")
        assert answer.passed and answer.numbers["promised_status"] > 20
