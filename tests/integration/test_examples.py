"""A system that is not built like the sample: three Node.js services with no /metrics, no
/promise and no X-Degraded header, two replicas each, and a front door with a fallback for one
dependency and none for the other. Judged from the outside, its contained edge passes and the
edge without a fallback fails the front door's promise and containment."""

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


@pytest.mark.parametrize("name", ["news-blackhole", "news-slow", "news-500s"])
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


def test_the_edge_without_a_fallback_fails_the_front_doors_promise_and_containment(
    tmp_path, node, toxiproxy_server_binary
):
    result = run_example("rates-blackhole", tmp_path / "run")
    assert result.outcome == "failed" and result.exit_code == 1
    failed = {c.name: c for c in result.failed_checks}
    assert set(failed) == {"promise quotes", "containment rates-blackholed"}
    promise = failed["promise quotes"]
    faults = promise.numbers["GET /quotes/{pair} faults"]
    assert faults["error_rate"] > 0.3 and faults["requests"] > 50
    containment = failed["containment rates-blackholed"]
    assert containment.numbers["escaped"] == ["quotes"]
    assert containment.numbers["states"]["news"] == "unseen"  # never "unaffected"
    assert result.verdict.startswith("Failed: promise quotes")
