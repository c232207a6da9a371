"""A split sweep (issue 24): one layout for every cell, the entrypoint's replicas halved, and the
cells on its edges judged by arm (harness/sweep/split_cells.py). Pure logic; a real split sweep
runs in tests/sweep/test_sweep_runs.py."""

from __future__ import annotations

import pytest

from harness.checks.base import CheckResult
from harness.errors import ScenarioError
from harness.observe.series import Observations
from harness.split_plan import plan_sweep_split
from harness.sweep.cells import plan_cells
from harness.sweep.split_cells import with_arms
from harness.sweep.verdicts import DEGRADED, HELD, NO_EVIDENCE, SPREAD, CellResult
from harness.system import load_system
from tests.conftest import REPO_ROOT
from tests.split_fixtures import PLAN

SAMPLE = load_system(REPO_ROOT / "sample_system" / "system.yaml")


def test_a_sweep_divides_the_entrypoint_once_for_every_cell_on_its_edges():
    rows = [c.row for c in plan_cells(SAMPLE, ["down", "pause"])]
    plan = plan_sweep_split(SAMPLE, rows)
    assert plan.service == "gateway" and plan.attributable
    assert plan.edges and all(edge.startswith("gateway->") for edge in plan.edges)
    assert set(plan.edges) == {r for r in rows if r.startswith("gateway->")}
    assert len(plan.experiment) + len(plan.control) == plan.replicas >= 2
    with pytest.raises(ScenarioError, match="no cell faults an edge of `gateway`"):
        plan_sweep_split(SAMPLE, ["recommendations->catalog", "inventory"])


def split_check(verdict: str, name: str = "split front door failures") -> CheckResult:
    return CheckResult(
        name, "split", verdict == "within", f"{name}: {verdict}.", {"verdict": verdict}
    )


def cell(verdict: str) -> CellResult:
    return CellResult("gateway->inventory × down", "gateway->inventory", "down", verdict)


def judged(result, checks, *, busy=False, unlike=None, counted=()):
    return with_arms(result, checks, unlike, list(counted), busy, Observations(), PLAN, "gateway")


def test_an_experiment_worse_than_its_control_spread_to_the_front_door_whatever_time_said():
    result = judged(cell(HELD), [split_check("worse")])
    assert result.verdict == SPREAD and result.reach == ["gateway"]
    assert result.summary.startswith("The front door was worse than the control arm's: ")
    assert result.failed_checks == ["split front door failures"]


def test_on_a_busy_machine_a_decided_difference_gives_the_verdict():
    busy_cell = cell(NO_EVIDENCE)
    result = judged(busy_cell, [split_check("within")], busy=True)
    assert result.verdict == HELD
    assert result.summary.startswith("The machine was busy, so the time-based checks are set")
    wrong_answer = CheckResult("failure answer gateway GET /", "failure_answer", False, "200s")
    result = judged(cell(NO_EVIDENCE), [split_check("within")], busy=True, counted=[wrong_answer])
    assert result.verdict == SPREAD


def test_an_undecided_difference_on_a_busy_machine_stays_no_evidence():
    result = judged(cell(NO_EVIDENCE), [split_check("undecided")], busy=True)
    assert result.verdict == NO_EVIDENCE
    assert "stayed undecided" in result.summary


def test_on_a_quiet_machine_the_time_based_verdict_stands_when_the_arms_agree():
    result = judged(cell(DEGRADED), [split_check("within")])
    assert result.verdict == DEGRADED
    assert result.numbers["split"] == {"split front door failures": {"verdict": "within"}}


def test_arms_unlike_before_the_fault_give_no_evidence():
    result = judged(cell(HELD), [], unlike="the experiment arm already failed 9%")
    assert result.verdict == NO_EVIDENCE and "already failed" in result.summary
