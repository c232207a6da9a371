"""A promise written only in the scenario bounds containment too (issue 21, point 1).

fx-quotes (Node.js, no metrics, no /promise) with its system.yaml's `promises:` taken out: the
only promise is the scenario's `expect.promises.quotes` (800 ms p99). News slowed to 1 s sits
behind quotes' 200 ms timeout and fallback, so every quote waits out the timeout: the front
door's p99 rises from a few ms to over 200 ms, well inside the 800 ms promised. Before the one
promise view, containment read only the system's promises and called that a spread to the front
door. One real run (about 30 s at time scale 0.3); the same recorded observations are then judged
again without the scenario's promise, and with a tighter one, to show the bound came from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.checks.evaluate import evaluate
from harness.checks.promise_view import SOURCE_SCENARIO
from harness.reports.journal import read_journal
from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import PromiseOverride, load_scenario_and_system
from harness.system import SystemSpec
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run, only_steady_state_broke
from tests.integration.test_examples import node  # noqa: F401 (a fixture)

FX_QUOTES = REPO_ROOT / "examples" / "fx-quotes"
PORT_OFFSET = 2600  # this test's own range (2600-2699), away from the other tests'
CI_TIME_SCALE = 0.3
SCENARIO_PROMISE = {"latency_p99_ms": 800, "availability": 0.98}


def scenario_with_the_only_promise(folder: Path) -> Path:
    """The shipped news-slow scenario, its promise given in the scenario; no fallback expected
    by name (without the system's promise no marker is promised to see it by)."""
    data = yaml.safe_load((FX_QUOTES / "scenarios" / "news-slow.yaml").read_text())
    data["name"] = "news-slow-promised-in-scenario"
    data["system"] = str(FX_QUOTES / "system.yaml")
    data["expect"]["promises"] = {"quotes": SCENARIO_PROMISE}
    data["expect"].pop("fallbacks", None)
    path = folder / "news-slow-promised-in-scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def without_promises(system: SystemSpec) -> SystemSpec:
    """The example's system as a team that declares no promise would write it."""
    services = {n: s.model_copy(update={"promises": []}) for n, s in system.services.items()}
    return system.model_copy(update={"services": services})


@pytest.mark.usefixtures("node")
def test_a_promise_given_only_in_the_scenario_bounds_containment(tmp_path, toxiproxy_server_binary):
    scenario, system = load_scenario_and_system(scenario_with_the_only_promise(tmp_path))
    system = without_promises(system)
    assert system.folder == FX_QUOTES and not any(s.promises for s in system.services.values())

    def run_once(out_dir: Path):
        options = RunOptions(time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET)
        return ScenarioRunner(scenario, system, options).run()

    result = judged_run(run_once, tmp_path / "run", run_again_if=only_steady_state_broke)
    failed = "\n".join(f"{c.name}: {c.summary}" for c in result.failed_checks)
    assert result.outcome == "passed", f"{result.verdict}\n{failed}"
    checks = {c.name: c for c in result.checks}
    containment = checks["containment news-slowed"]
    assert containment.tolerance["promised_p99_ms"] == {"quotes": 800}
    assert containment.tolerance["promised_p99_from"] == {"quotes": SOURCE_SCENARIO}
    front_door = containment.numbers["quotes"]["front door"]
    # the pattern of the issue: every quote waited out the 200 ms timeout for news, inside
    # the bound the scenario's promise set
    assert front_door["p99_ms"] > 150 and front_door["p99_bound_ms"] == 800
    assert checks["promise quotes"].numbers["promised_in"] == SOURCE_SCENARIO

    journal = read_journal(result.journal_path)
    assert not journal.observations.promises.get("quotes", {}).get("endpoints")
    recorded = journal.evidence["promises"]["quotes"]["endpoints"]
    assert [row["endpoint"] for row in recorded] == ["every endpoint the load called"]
    assert recorded[0]["limits"]["latency_p99_ms_from"] == SOURCE_SCENARIO

    # the same seconds judged with no promise anywhere, or a tighter one: a spread to quotes
    for promised in ({}, {"quotes": PromiseOverride(latency_p99_ms=120)}):
        expect = scenario.expect.model_copy(update={"promises": promised})
        again = {c.name: c for c in evaluate(journal.observations, expect, "quotes").checks}
        spread = again["containment news-slowed"]
        assert not spread.passed, spread.summary
        assert spread.numbers["escaped"] == ["quotes"]
