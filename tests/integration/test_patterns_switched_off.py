"""The gate catches real cascades: with one resilience pattern switched off in the sample
system, the scenario that covers it fails, and the verdict names the right check with its
numbers (issue 3 §7). Each case is the session's one local run of it (`local_run_with_pattern_off`),
which the Docker and Kubernetes tests compare their runs with: one run per case, not two."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
import xmlschema

from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

SCENARIOS = REPO_ROOT / "scenarios"


def failed_names(result) -> list[str]:
    return [c.name for c in result.failed_checks]


def run_without(pattern: str, service: str, scenario: str, tmp_path):
    overrides = {service: {"FIREBREAK_DISABLE": pattern}}
    return run_scenario(SCENARIOS / scenario, tmp_path / "run", env_overrides=overrides)


def test_without_fallbacks_the_gateway_breaks_its_promise(local_run_with_pattern_off):
    # the session's one local run of this case, which the other platforms compare with too
    result = local_run_with_pattern_off("fallbacks", "gateway", "default.yaml")
    # every page fails, so the scenario's guardrail may stop the run early: either way the gate
    # fails and the checks name the broken promise
    assert result.outcome in ("failed", "aborted") and result.exit_code == 1
    assert "promise gateway" in failed_names(result)
    promise = next(c for c in result.failed_checks if c.name == "promise gateway")
    assert "availability" in promise.summary and "during faults" in promise.summary
    assert "fallback fired gateway->recommendations" in failed_names(result)
    # the verdict names the first failed check (after the guardrail's reason when it aborted)
    assert f"Failed: {result.failed_checks[0].name}" in result.verdict


def test_without_fallbacks_a_fast_error_fails_the_checks_a_latency_fault_fails(
    local_run_with_pattern_off, tmp_path
):
    """Issue 14: recommendations answering 500 at once (an HTTP fault on the edge) and
    recommendations answering in 1 s (a toxic) must both fail the gateway without fallbacks,
    on the same checks: its promise and its fallback."""
    latency = local_run_with_pattern_off("fallbacks", "gateway", "default.yaml")
    errors = run_without("fallbacks", "gateway", "recommendations-500s.yaml", tmp_path)
    assert errors.exit_code == latency.exit_code == 1
    for name in ("promise gateway", "fallback fired gateway->recommendations"):
        assert name in failed_names(latency), failed_names(latency)
        assert name in failed_names(errors), failed_names(errors)
    promise = next(c for c in errors.failed_checks if c.name == "promise gateway")
    assert "availability" in promise.summary and "during faults" in promise.summary


def test_without_timeouts_the_slow_dependency_reaches_the_front_door(local_run_with_pattern_off):
    result = local_run_with_pattern_off("timeouts", "gateway", "default.yaml")
    assert result.outcome == "failed"
    promise = next(c for c in result.failed_checks if c.name == "promise gateway")
    assert "p99" in promise.summary  # the 1 s latency now lands on every page
    faults = promise.numbers["GET /products/{id} faults"]
    assert faults["p99_ms"] > 900


def test_without_breakers_the_breaker_check_fails(local_run_with_pattern_off):
    result = local_run_with_pattern_off("breakers", "gateway", "inventory-down.yaml")
    assert result.outcome == "failed"
    # on a busy machine another check may fail beside it; the breaker's is the one this proves
    assert "breaker gateway->inventory" in failed_names(result)
    breaker = next(c for c in result.failed_checks if c.name == "breaker gateway->inventory")
    assert breaker.numbers["open_seconds"] == 0 and breaker.numbers["failed_calls"] > 0
    assert "never opened" in breaker.summary


@pytest.mark.parametrize("service", ["orders"])
def test_without_idempotency_retried_orders_are_doubled(service, local_run_with_pattern_off):
    result = local_run_with_pattern_off("idempotency", service, "payments-down.yaml")
    assert result.outcome == "failed"
    assert "data integrity" in failed_names(result)
    integrity = next(c for c in result.failed_checks if c.name == "data integrity")
    assert integrity.numbers["orders"]["violations"]["duplicate_orders"] > 0
    assert "`orders` reports" in integrity.summary and "duplicate orders" in integrity.summary
    assert_reports_name_the_failures(result)


def assert_reports_name_the_failures(result) -> None:
    """The reports of a real failing run: the HTML's first sentence names the first failed
    check; the JUnit file is valid for CI servers and fails exactly the failed checks."""
    html = unescape(Path(result.files["html"]).read_text())
    verdict = html.split('class="verdict', 1)[1].split(">", 1)[1].split("</", 1)[0]
    assert verdict.startswith(f"Failed: {result.failed_checks[0].name}")
    junit_path = Path(result.files["junit"])
    xmlschema.XMLSchema(REPO_ROOT / "tests" / "fixtures" / "journals" / "junit-10.xsd").validate(
        junit_path
    )
    suite = ET.parse(junit_path).getroot().find("testsuite")
    failed_cases = {
        case.get("name"): case.find("failure").get("message")
        for case in suite.findall("testcase")
        if case.find("failure") is not None
    }
    assert set(failed_cases) == {c.name for c in result.failed_checks}
    assert "duplicate_orders" in failed_cases["data integrity"]
    assert int(suite.get("failures")) == len(result.failed_checks)
