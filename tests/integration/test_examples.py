"""A system that is not built like the sample: three Node.js services with no /metrics, no
/promise and no X-Degraded header, two replicas each, and a front door with a fallback for one
dependency and none for the other. Judged from the outside, its contained edge passes; the edge
without a fallback gets the 503 the front door promises for it (its failure answer, judged from
the answers' statuses alone), and fails containment: the outage reaches the users."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run

FX_QUOTES = REPO_ROOT / "examples" / "fx-quotes"
PORT_OFFSET = 1700  # away from the sample's tests and from the example's own 8300+
CI_TIME_SCALE = 0.3


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("Node.js is a real part these tests need: `node` is not on PATH.")
    return found


def run_example(name: str, out: Path):
    scenario, system = load_scenario_and_system(FX_QUOTES / "scenarios" / f"{name}.yaml")

    def run_once(out_dir: Path):
        options = RunOptions(time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET)
        return ScenarioRunner(scenario, system, options).run()

    return judged_run(run_once, out)


# news-blackhole runs traced in tests/traces/test_traced_runs.py (with rates blackholed)
@pytest.mark.parametrize("name", ["news-slow", "news-500s"])
def test_the_edge_with_a_fallback_holds_and_passes_judged_from_outside(
    name, tmp_path, node, toxiproxy_server_binary
):
    result = run_example(name, tmp_path / "run")
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == "passed", f"{result.verdict}\n{failed}"
    checks = {c.name: c for c in result.checks}
    assert checks["promise quotes"].numbers["seen_from"] == "front door"
    fired = checks["fallback fired quotes->news"]
    assert fired.numbers["marked_answers"] > 20  # seen only through the answers' markers
    assert fired.numbers["fallbacks"] == 0  # quotes counts nothing itself
    journal = result.journal_path.read_text()
    assert '"seen_only_from_outside"' in journal and "metrics: false" in journal


def test_the_edge_without_a_fallback_answers_its_promised_503_and_fails_containment(
    tmp_path, node, toxiproxy_server_binary
):
    result = run_example("rates-blackhole", tmp_path / "run")
    assert result.outcome == "failed" and result.exit_code == 1
    checks = {c.name: c for c in result.checks}
    failed = {c.name: c for c in result.failed_checks}
    assert set(failed) == {"containment rates-blackholed"}
    # quotes promises `rates: 503 Service Unavailable` (system.yaml, no status field: read from
    # the answer) and keeps it: every quote while rates was blackholed was a 503 after 300 ms
    answer = checks["failure answer quotes GET /quotes/{pair} (rates-blackholed)"]
    assert answer.passed, answer.summary
    assert answer.numbers["promised_status"] > 20 and answer.numbers["other"] == 0
    assert answer.numbers["successes_unexplained"] == 0
    # so those 503s are the promise kept, not unavailability; the load still saw them fail
    promise = checks["promise quotes"]
    assert promise.passed, promise.summary
    faults = promise.numbers["GET /quotes/{pair} faults"]
    assert faults["error_rate"] > 0.3 and faults["requests"] > 50
    assert faults["kept_failure_answers"] >= answer.numbers["promised_status"]
    containment = failed["containment rates-blackholed"]
    assert containment.numbers["escaped"] == ["quotes"]
    assert containment.numbers["states"]["news"] == "unseen"  # never "unaffected"
    assert result.verdict.startswith("Failed: containment rates-blackholed")
