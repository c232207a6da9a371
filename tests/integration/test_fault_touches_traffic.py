"""A fault must be seen to bite (issue 21 §5): a team's service that reads another variable than
the one its system.yaml names reaches its dependency around the edge's proxy, so a fault on that
edge changes nothing. The run must fail as "no evidence", naming the variable to check, and the
baseline must already flag the edge as a likely bypass. Tried on the Node.js example, not on the
sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run

PORT_OFFSET = 2700  # away from every other test's systems
CI_TIME_SCALE = 0.3


def fx_quotes_that_bypasses_news(tmp_path: Path) -> Path:
    """A copy of fx-quotes whose system.yaml names `HEADLINES_URL` for news, while quotes still
    reads `NEWS_URL`, set to news's own stable address: the calls never cross the edge."""
    copy = tmp_path / "fx-quotes"
    shutil.copytree(REPO_ROOT / "examples" / "fx-quotes", copy)
    path = copy / "system.yaml"
    system = yaml.safe_load(path.read_text())
    quotes = system["services"]["quotes"]
    quotes["dependencies"]["news"]["env"] = "HEADLINES_URL"
    news_port = system["services"]["news"]["port"] + PORT_OFFSET
    quotes["env"] = {**quotes.get("env", {}), "NEWS_URL": f"http://127.0.0.1:{news_port}"}
    path.write_text(yaml.safe_dump(system, sort_keys=False))
    return copy / "scenarios" / "news-slow.yaml"


def test_a_fault_on_a_bypassed_edge_fails_as_no_evidence_and_the_baseline_flags_it(
    tmp_path, toxiproxy_server_binary
):
    scenario, system = load_scenario_and_system(fx_quotes_that_bypasses_news(tmp_path))

    def run_once(out_dir: Path):
        options = RunOptions(time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET)
        return ScenarioRunner(scenario, system, options).run()

    result = judged_run(run_once, tmp_path / "run")
    assert result.outcome == "failed", result.verdict
    checks = {c.name: c for c in result.checks}
    touched = checks["fault touched news-slowed"]
    assert not touched.passed
    assert touched.summary.startswith("no evidence: `news-slowed` touched no traffic")
    assert "check that `quotes` reads `HEADLINES_URL` for `news`'s address" in touched.summary
    assert touched.numbers["quotes->news"]["requests"] == 0  # an HTTP edge: requests counted
    # the latency never reached quotes' calls: its fallback never fired either
    assert not checks["fallback fired quotes->news"].passed
    journal = result.journal_path.read_text()
    assert "`quotes->news` carried no traffic during the baseline" in journal
    # the edge that is used was counted: the evidence is there, not missing
    assert '"quotes->rates"' in journal
