"""Retry amplification is judged by default (issue 21 §3): a gateway that retries inventory six
times with no backoff fails a shipped scenario that faults inventory, though that scenario says
nothing about retries; the healthy sample passes the same scenario (tests/integration/
test_scenarios_on_sample.py runs it)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_sample_defects import failed, replace_in, run, sample_copy

INVENTORY_POLICY = (
    'INVENTORY = DependencySpec(\n    "inventory", "INVENTORY_URL", '
    "DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.3)\n)"
)
STORMING_POLICY = (
    'INVENTORY = DependencySpec(\n    "inventory", "INVENTORY_URL", '
    "DependencyPolicy(attempt_timeout_s=0.15, deadline_s=1.0, attempts=6, "
    "wait_initial_s=0.0, wait_max_s=0.0, wait_jitter_s=0.0)\n)"
)


def test_a_gateway_that_retries_six_times_without_backoff_fails_the_default_budget(
    tmp_path, toxiproxy_server_binary
):
    def retry_storm(copy: Path) -> None:
        replace_in(copy / "gateway" / "app.py", INVENTORY_POLICY, STORMING_POLICY)

    system_path = sample_copy(tmp_path, retry_storm)
    # without its breaker, nothing stops the gateway's retries while inventory is unreachable
    result = run(
        "inventory-down",
        tmp_path,
        system_path,
        env_overrides={"gateway": {"FIREBREAK_DISABLE": "breakers"}},
    )
    checks = failed(result)
    storm = checks.get("amplification inventory-unreachable")
    assert storm is not None, result.verdict
    figures = storm.numbers["gateway->inventory"]
    assert figures["ratio"] > 3.0, figures
    assert figures["judged_from"] == "`gateway`'s own counters"
    assert "`gateway->inventory` sent" in storm.summary
    assert "over 1.2× + 10 retries/s (default budget" in storm.summary
