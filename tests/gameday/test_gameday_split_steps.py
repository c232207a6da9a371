"""A split game day's step (issue 24): on one of the entrypoint's edges it is judged as its
experiment arm's front door against the control's too (harness/gameday/judging.py). Pure logic
over made-up observations; the arms themselves are the split runs' (tests/split_fixtures.py)."""

from __future__ import annotations

from dataclasses import replace

from harness.gameday.exercise import Step
from harness.gameday.judging import judge_step
from harness.scenario import Expectations
from tests.split_fixtures import FAULT_ON_T, PLAN, split_recorder

SECONDS = 20


def judged(experiment_failures: int, fault_type: str = "latency") -> dict:
    obs = split_recorder(SECONDS, experiment_failures).observations
    window = replace(obs.faults[0], fault_type=fault_type, reverted_at=FAULT_ON_T + SECONDS)
    step = Step("slow", fault_type, window.targets[0], {}, "held by the fallback",
                window.targets, FAULT_ON_T, SECONDS)  # fmt: skip
    return judge_step(obs, step, window, "gateway", Expectations(), PLAN)


def test_a_step_whose_experiment_failed_more_than_its_control_spread_to_the_front_door():
    outcome = judged(experiment_failures=6)
    assert outcome["verdict"] == "spread" and "gateway" in outcome["spread_to"]
    assert outcome["summary"].startswith("The front door was worse than the control arm's: ")
    assert outcome["split"]["split front door failures"]["verdict"] == "worse"


def test_a_step_no_worse_than_its_control_keeps_its_verdict_and_says_so():
    outcome = judged(experiment_failures=0)
    assert outcome["split"]["split front door failures"]["verdict"] != "worse"
    assert "Compared with a control arm under the same load" in outcome["summary"]


def test_an_http_error_step_is_answered_to_both_arms_so_it_is_not_compared():
    outcome = judged(experiment_failures=6, fault_type="http_error")
    assert "split" not in outcome
