"""Runs a person reading the report would fail, failed by the gate too: each is a small
deliberate defect in a test copy of the sample system (or a switch), run through a shipped
scenario, and each fails the check that names it, with the numbers (issue 7)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run

PORT_OFFSET = 1800
CI_TIME_SCALE = 0.3


def sample_copy(tmp_path: Path, defect: Callable[[Path], None]) -> Path:
    """A copy of the sample system's package with `defect` applied to its files; its services
    run from the copy (the copy's folder is their working directory, first on `sys.path`)."""
    copy = tmp_path / "copy" / "sample_system"
    shutil.copytree(REPO_ROOT / "sample_system", copy, ignore=shutil.ignore_patterns("__pycache__"))
    defect(copy)
    return copy / "system.yaml"


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"the defect no longer applies: `{old}` is not in {path}"
    path.write_text(text.replace(old, new))


def run(scenario_name: str, tmp_path: Path, system_path: Path | None = None, **options):
    text = (REPO_ROOT / "scenarios" / f"{scenario_name}.yaml").read_text()
    system_path = system_path or REPO_ROOT / "sample_system" / "system.yaml"
    text = text.replace("system: ../sample_system/system.yaml", f"system: {system_path}")
    path = tmp_path / f"{scenario_name}.yaml"
    path.write_text(text)
    scenario, system = load_scenario_and_system(path)

    def run_once(out_dir: Path):
        run_options = RunOptions(
            time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET, **options
        )
        return ScenarioRunner(scenario, system, run_options).run()

    return judged_run(run_once, tmp_path / "run")


def failed(result) -> dict:
    return {c.name: c for c in result.failed_checks}


def test_a_baseline_already_running_on_fallbacks_fails_steady_state(
    tmp_path, toxiproxy_server_binary
):
    # a timeout misconfigured ten times too short: recommendations' normal answers miss it
    def too_short_timeout(copy: Path) -> None:
        replace_in(
            copy / "gateway" / "app.py",
            "DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.3),",
            "DependencyPolicy(attempt_timeout_s=0.004, deadline_s=0.008),",
        )

    result = run("default", tmp_path, sample_copy(tmp_path, too_short_timeout))
    assert result.outcome == "failed"
    steady = failed(result)["steady state before faults"]
    assert "degraded answers" in steady.summary
    assert "`gateway` served its fallback for `recommendations` in" in steady.summary
    assert steady.numbers["degraded_rate"] > 0.05
    edge = steady.numbers["fallbacks"]["gateway->recommendations"]
    assert edge["fallbacks"] > 0.05 * edge["calls"]
    assert result.verdict.startswith("Failed: steady state before faults")


def test_a_fallback_that_serves_unmarked_answers_fails_the_marker_check(
    tmp_path, toxiproxy_server_binary
):
    # the best-seller list still serves, but the page no longer says it is degraded
    def forgets_the_marker(copy: Path) -> None:
        replace_in(
            copy / "gateway" / "app.py",
            '    if recs.degraded or recs_partial:\n        degraded.append("recommendations")',
            "    pass",
        )

    result = run("default", tmp_path, sample_copy(tmp_path, forgets_the_marker))
    assert result.outcome == "failed"
    marker = failed(result)["degraded marker gateway->recommendations"]
    faults = marker.numbers["faults"]
    assert faults["fallbacks"] > 50 and faults["marked"] == 0
    assert "served answers without the promised marker" in marker.summary
    # the service's own counter still says the fallback fired: only the answers tell
    fired = next(c for c in result.checks if c.name == "fallback fired gateway->recommendations")
    assert fired.passed and fired.numbers["marked_answers"] == 0


def test_a_payment_taken_twice_downstream_fails_integrity(tmp_path, toxiproxy_server_binary):
    # payments stops deduplicating by key; orders' retries and settler repeat each lost answer
    overrides = {"payments": {"FIREBREAK_DISABLE": "idempotency"}}
    result = run("payments-answer-lost-slow", tmp_path, env_overrides=overrides)
    assert result.outcome == "failed"
    integrity = failed(result)["data integrity"]
    assert integrity.numbers["payments"]["violations"]["duplicate_charges"] > 0
    assert integrity.numbers["orders"]["violations"] == {
        "missing_orders": 0,
        "duplicate_orders": 0,
        "orders_pending_payment": 0,
    }
    assert "`payments` reports" in integrity.summary and "duplicate charges" in integrity.summary
