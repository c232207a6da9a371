"""The sweep's pure parts: which cells a system has, the order a budget cuts, each cell's fault
as a scenario would hold it, a cell's verdict from its checks, and the map's comparison."""

from __future__ import annotations

import pytest

from harness.checks.base import CheckResult
from harness.errors import InputError
from harness.scenario_faults import InstanceFault
from harness.sweep.cells import (
    DEFAULT_KINDS,
    FAULT_KINDS,
    Cell,
    fault_spec,
    informative_order,
    plan_cells,
    within_budget,
)
from harness.sweep.resilience_map import ResilienceMap, got_worse
from harness.sweep.verdicts import CellResult, cell_verdict, integrity_delta
from harness.system import load_system
from tests.conftest import REPO_ROOT

SAMPLE = load_system(REPO_ROOT / "sample_system" / "system.yaml")


def test_the_sample_has_every_dependency_edge_and_every_service_once_per_fault_kind():
    cells = plan_cells(SAMPLE, list(DEFAULT_KINDS))
    edges = {c.row for c in cells if c.row_kind == "edge"}
    assert edges == {e.name for e in SAMPLE.edges() if e.caller != "load"}  # 7 dependencies
    # the front door's own outage is not asked: it is the users' outage by definition
    assert {c.row for c in cells if c.kind == "pause"} == set(SAMPLE.services) - {"gateway"}
    assert {c.row for c in cells if c.kind == "kill-one"} == set(SAMPLE.services)
    assert len(cells) == 7 * 5 + 6 + 5 + 5
    with pytest.raises(InputError) as raised:
        plan_cells(SAMPLE, ["down", "melt"])
    assert raised.value.field == "--faults" and "`melt`" in raised.value.detail


def test_the_order_asks_every_row_its_harshest_question_first_and_repeats_for_a_seed():
    cells = plan_cells(SAMPLE, list(DEFAULT_KINDS))
    ordered = informative_order(cells, seed=3)
    assert sorted(ordered, key=cells.index) == cells
    first_round = ordered[:7]
    assert {c.kind for c in first_round} == {"down"}
    assert informative_order(cells, seed=3) == ordered
    assert informative_order(cells, seed=4) != ordered
    kept, skipped = within_budget(ordered, budget_s=170, cell_s=17)
    assert (len(kept), len(skipped)) == (10, len(cells) - 10) and kept == ordered[:10]


@pytest.mark.parametrize("kind", list(FAULT_KINDS))
def test_each_cell_is_a_fault_a_scenario_could_hold(kind):
    row = "gateway->catalog" if FAULT_KINDS[kind][0] == "edge" else "catalog"
    spec = fault_spec(Cell(row, kind), fault_s=8.0)
    assert spec.name == Cell(row, kind).slug
    if isinstance(spec, InstanceFault):
        assert spec.target.service == "catalog"
    else:
        assert spec.target == "gateway->catalog"
    # a replaced kill is a moment; every other fault holds for the cell's time
    assert spec.duration_s == (None if kind == "kill-one" else 8.0)


def _check(name: str, kind: str, passed: bool, summary: str = "") -> CheckResult:
    return CheckResult(name=name, kind=kind, passed=passed, summary=summary, numbers={})


def test_a_cells_verdict_reads_its_checks():
    states = {"gateway": "held", "recommendations": "injected", "catalog": "unaffected"}
    propagation = [{"services": states}]
    kept = [
        _check("promise gateway", "promise", True),
        _check("containment x", "containment", True),
    ]
    degraded = cell_verdict("r × down", "r", "down", kept, propagation, "gateway", {})
    assert degraded.verdict == "degraded"
    spread_states = {**states, "gateway": "spread", "orders": "spread"}
    spread = cell_verdict(
        "r × down", "r", "down", kept, [{"services": spread_states}], "gateway", {}
    )
    # how far: the front door last
    assert spread.verdict == "spread" and spread.reach == ["orders", "gateway"]

    def promise(phase: str, problem: str) -> CheckResult:
        check = _check("promise gateway", "promise", False)
        check.numbers["problems"] = [{"phase": phase, "problem": problem}]
        return check

    broken = [promise("faults", "p99 900 ms > 300 ms (9 of 40 slower)")]
    assert cell_verdict("c", "r", "down", broken, propagation, "gateway", {}).verdict == "spread"
    # broken only before the fault: the previous cell's tail, not this fault's spread
    before = [promise("baseline", "availability 90.00% < 99.00% (4 failed of 40)")]
    unsteady = cell_verdict("c", "r", "down", before, propagation, "gateway", {})
    assert unsteady.verdict == "no evidence" and "Not steady before" in unsteady.summary
    # the fault's own target slow after it (a paused service's backlog) is its recovery
    slow = promise("recovery", "p99 700 ms > 150 ms (12 of 80 slower)")
    slow.name, slow.summary = "promise r", "`r` broke its promise: all routes during recovery"
    own = cell_verdict("c", "r", "pause", [slow], propagation, "gateway", {})
    assert own.verdict == "degraded" and "The target's own recovery: `r` broke" in own.summary
    # a service that saw no request during the fault (its caller failed first) is idle
    idle = [promise("faults", "no evidence: no request was seen")]
    assert cell_verdict("c", "r", "down", idle, propagation, "gateway", {}).verdict == "degraded"
    lost = cell_verdict("c", "r", "reset", kept, propagation, "gateway", {"orders.dup": 2})
    assert lost.verdict == "data lost"
    blind = [_check("containment x", "containment", False, "No evidence for `x`: ...")]
    assert cell_verdict("c", "r", "down", blind, propagation, "gateway", {}).verdict == (
        "no evidence"
    )
    quiet = {**states, "gateway": "unaffected"}
    assert cell_verdict("c", "r", "down", kept, [{"services": quiet}], "gateway", {}).verdict == (
        "held"
    )
    assert integrity_delta({"a": 1}, {"a": 3, "b": 0}) == {"a": 2}


def test_a_map_names_every_cell_that_got_worse():
    def with_cells(**verdicts):
        m = ResilienceMap("s", "local", 1, ["down"], ["a->b", "c->d"])
        m.cells = {
            f"{row.replace('_', '->')} × down": CellResult(
                f"{row.replace('_', '->')} × down", row, "down", v
            )
            for row, v in verdicts.items()
        }
        return m

    before = with_cells(a_b="held", c_d="spread")
    after = with_cells(a_b="spread", c_d="degraded")
    assert got_worse(before, after) == [("a->b × down", "held", "spread")]
    again = ResilienceMap.from_json(after.to_json())
    assert again.cells.keys() == after.cells.keys() and again.worst_of_row("a_b") == "spread"


def test_a_map_that_is_not_a_sweeps_is_bad_input_naming_the_file(tmp_path):
    from harness.sweep.resilience_map import read_map

    path = tmp_path / "map.json"
    path.write_text('{"map_version": 1,\n "rows": [}')
    with pytest.raises(InputError) as caught:
        read_map(path)
    assert caught.value.line == 2 and "not valid JSON" in str(caught.value)
    path.write_text("[]")
    with pytest.raises(InputError, match="Expected a JSON object at the top of the map"):
        read_map(path)
    path.write_text('{"map_version": 0}')
    with pytest.raises(InputError, match="not a version 1 sweep map"):
        read_map(path)
    with pytest.raises(InputError, match="The map cannot be read"):
        read_map(tmp_path / "missing.json")
