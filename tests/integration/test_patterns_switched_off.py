"""The gate catches real cascades: with one resilience pattern switched off in the sample
system, the scenario that covers it fails, and the verdict names the right check with its
numbers (issue 3 §7)."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

SCENARIOS = REPO_ROOT / "scenarios"


def failed_names(result) -> list[str]:
    return [c.name for c in result.failed_checks]


def run_without(pattern: str, service: str, scenario: str, tmp_path):
    overrides = {service: {"FIREBREAK_DISABLE": pattern}}
    return run_scenario(SCENARIOS / scenario, tmp_path / "run", env_overrides=overrides)


def test_without_fallbacks_the_gateway_breaks_its_promise(tmp_path, toxiproxy_server_binary):
    result = run_without("fallbacks", "gateway", "default.yaml", tmp_path)
    # every page fails, so the scenario's guardrail may stop the run early: either way the gate
    # fails and the checks name the broken promise
    assert result.outcome in ("failed", "aborted") and result.exit_code == 1
    assert "promise gateway" in failed_names(result)
    promise = next(c for c in result.failed_checks if c.name == "promise gateway")
    assert "availability" in promise.summary and "during faults" in promise.summary
    assert "fallback fired gateway->recommendations" in failed_names(result)
    # the verdict names the first failed check (after the guardrail's reason when it aborted)
    assert f"Failed: {result.failed_checks[0].name}" in result.verdict


def test_without_timeouts_the_slow_dependency_reaches_the_front_door(
    tmp_path, toxiproxy_server_binary
):
    result = run_without("timeouts", "gateway", "default.yaml", tmp_path)
    assert result.outcome == "failed"
    promise = next(c for c in result.failed_checks if c.name == "promise gateway")
    assert "p99" in promise.summary  # the 1 s latency now lands on every page
    faults = promise.numbers["GET /products/{id} faults"]
    assert faults["p99_ms"] > 900


def test_without_breakers_the_breaker_check_fails(tmp_path, toxiproxy_server_binary):
    result = run_without("breakers", "gateway", "inventory-down.yaml", tmp_path)
    assert result.outcome == "failed"
    assert failed_names(result) == ["breaker gateway->inventory"]
    breaker = result.failed_checks[0]
    assert breaker.numbers["open_seconds"] == 0 and breaker.numbers["failed_calls"] > 0
    assert "never opened" in breaker.summary


@pytest.mark.parametrize("service", ["orders"])
def test_without_idempotency_retried_orders_are_doubled(service, tmp_path, toxiproxy_server_binary):
    result = run_without("idempotency", service, "payments-down.yaml", tmp_path)
    assert result.outcome == "failed"
    assert "data integrity" in failed_names(result)
    integrity = next(c for c in result.failed_checks if c.name == "data integrity")
    assert integrity.numbers["duplicate_keys"] > 0
    assert "more than one order" in integrity.summary
