"""Every shipped scenario on containers, unchanged, scaled down as CI runs it; each "pattern
switched off" case fails on Docker with the same checks as locally; the foreign-language example
runs on Docker too."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.patterns_off import (
    PATTERN_IDS,
    PATTERNS_OFF,
    assert_same_failed_checks,
    run_with_pattern_off,
)
from tests.integration.test_scenarios_on_sample import SCENARIOS, run_scenario

FX = REPO_ROOT / "examples" / "fx-quotes"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_scenario_passes_on_docker(path, tmp_path, sample_images):
    result = run_scenario(path, tmp_path / "run", platform="docker")
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == "passed", f"{result.verdict}\n{failed}\n{result.error or ''}"
    steady = next(c for c in result.checks if c.name == "steady state before faults")
    assert steady.numbers["requests"] > 20  # the load really ran through the containers
    journal = json.loads(result.journal_path.read_text())
    assert journal["platform"] == "docker"
    assert journal["system"]["images"] == sample_images  # exactly which images ran


@pytest.mark.parametrize(("pattern", "service", "scenario"), PATTERNS_OFF, ids=PATTERN_IDS)
def test_a_pattern_switched_off_fails_the_same_checks_on_both_platforms(
    pattern, service, scenario, tmp_path, sample_images, local_run_with_pattern_off
):
    local = local_run_with_pattern_off(pattern, service, scenario)
    docker = run_with_pattern_off(
        pattern, service, scenario, tmp_path / "docker", platform="docker"
    )
    assert_same_failed_checks(pattern, local, docker, "docker")


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
        assert "promise quotes" in [c.name for c in result.failed_checks]
