"""Traced runs on the local platform with the real Jaeger (issue 25): the sample's default
scenario, whose touched requests the gateway's fallback absorbs, judged from traces with the
counters agreeing; and fx-quotes (Node.js, no metrics), whose request paths come from traces
alone. Docker and Kubernetes each run one traced scenario in tests/docker/test_docker_split.py
and tests/kubernetes/test_kube_split.py. About 75 s."""

from __future__ import annotations

import json

import pytest

from harness.traces.jaeger_server import find_jaeger
from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

DEFAULT = REPO_ROOT / "scenarios" / "default.yaml"
FX_SYSTEM = REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"


@pytest.fixture(scope="session")
def jaeger_binary():
    """The Jaeger `make test` builds; missing, the test fails (CI never skips a real part)."""
    return find_jaeger()


def _check(result, name: str):
    return next(c for c in result.checks if c.name == name)


def test_the_sample_fallback_absorbs_the_touched_requests_and_traces_agree_with_counts(
    tmp_path, jaeger_binary
):
    result = run_scenario(DEFAULT, tmp_path / "run", time_scale=0.6, traces=True)
    journal = json.loads(result.journal_path.read_text())
    traces = journal["observations"]["traces"]
    assert traces["backend"] == "jaeger v1.75.0" and traces["silent"] == []
    assert traces["front_door_traces"] > 300
    (fault,) = traces["faults"]
    # nearly every request the latency touched met the fallback, and none surfaced
    assert fault["touched"] > 100 and fault["surfaced"] == 0, fault
    fallback_share = sum(n for where, n in fault["absorbed_at"].items() if "fallback" in where)
    assert fallback_share / fault["harmed"] >= 0.95, fault["absorbed_at"]
    # the fallback check judged from traces, and the counter agreed
    fallback = _check(result, "fallback fired gateway->recommendations")
    assert fallback.passed and fallback.judged_from.startswith("traces"), fallback.summary
    reading = fallback.numbers["traces"]
    assert "disagreement" not in reading, reading
    assert abs(reading["fallbacks"] - fallback.numbers["fallbacks"]) <= max(
        5, 0.1 * fallback.numbers["fallbacks"]
    )
    retries = _check(result, "amplification slow-recommendations").numbers
    assert retries["gateway->recommendations"]["judged_from"].startswith("traces"), retries
    # the observed graph is the declared one: every edge traced, none around its proxy
    graph = traces["graph"]
    assert graph["declared_not_traced"] == [] and graph["around_proxy"] == {}, graph
    assert graph["traced_not_declared"] == []
    html = (result.run_dir / "report.html").read_text()
    assert 'id="request-paths"' in html and "fallback at `gateway`" in html


FX_SCENARIO = f"""\
name: fx-traced
description: News blackholed, then rates; traces say where each failure went.
system: {FX_SYSTEM}
seed: 7
load: {{users: 10, spawn_rate: 10}}
phases: {{warmup: 4s, baseline: 6s, faults: 16s, recovery: 8s}}
faults:
  - {{name: news-blackholed, type: timeout, target: quotes->news, at: 0s, duration: 6s,
      timeout_ms: 0}}
  - {{name: rates-blackholed, type: timeout, target: quotes->rates, at: 8s, duration: 6s,
      timeout_ms: 0}}
expect:
  fallbacks: [quotes->news]
  blast_radius: [news, rates, quotes]
"""


def test_fx_quotes_request_paths_come_from_traces_alone(tmp_path, jaeger_binary):
    scenario = tmp_path / "fx-traced.yaml"
    scenario.write_text(FX_SCENARIO)
    result = run_scenario(scenario, tmp_path / "run", time_scale=0.6, traces=True)
    traces = json.loads(result.journal_path.read_text())["observations"]["traces"]
    assert traces["silent"] == [], traces["silent"]  # the Node SDK sent every service's spans
    news, rates = traces["faults"]
    # news: no fallback mark in Node's spans, yet quotes answered: absorbed there
    assert news["harmed"] > 50 and news["surfaced"] == 0, news
    assert news["absorbed_at"] == {"answered anyway at `quotes` (no mark)": news["harmed"]}
    # rates is required: every harmed request surfaced at the front door, through quotes
    assert rates["harmed"] > 50 and rates["absorbed"] == 0, rates
    assert rates["surfaced_via"] == {"quotes → rates": rates["harmed"]}
    # no metrics at all: the fallback check is judged from traces
    fallback = _check(result, "fallback fired quotes->news")
    assert fallback.passed and fallback.judged_from.startswith("traces"), fallback.summary
