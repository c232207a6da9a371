"""What a sweep writes from its map (pure: a map made here, no run): the journal with the map in
it, the report with the map at the top and no checks of its own, one JUnit case per cell, the
terminal table, and a scenario per failed cell that validates as a CI gate."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree

from harness.cli.sweep_cmd import _load_scenario
from harness.observe.series import Observations
from harness.reports.journal import read_journal
from harness.scenario import load_scenario_and_system
from harness.sweep.cells import Cell
from harness.sweep.journal import render_sweep_reports, sweep_outcome, write_sweep_journal
from harness.sweep.render import render_map_html, terminal_rows, write_scenarios
from harness.sweep.resilience_map import ResilienceMap
from harness.sweep.verdicts import CellResult
from harness.system import load_system
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_system" / "system.yaml"


def sample_map() -> ResilienceMap:
    cells = [
        Cell("gateway->catalog", "down"),
        Cell("gateway->inventory", "down"),
        Cell("orders->payments", "reset"),
        Cell("catalog", "kill-one"),
        Cell("payments", "pause"),
    ]
    kinds = ["down", "reset", "pause", "kill-one"]
    resilience_map = ResilienceMap.planned("sample-store", "local", 3, kinds, cells)
    now = time.time()
    verdicts = {
        "gateway->catalog × down": ("spread", ["gateway"]),
        "gateway->inventory × down": ("degraded", []),
        "orders->payments × reset": ("data lost", []),
        "catalog × kill-one": ("held", []),
    }
    for cell in cells[:4]:
        verdict, reach = verdicts[cell.id]
        resilience_map.cells[cell.id] = CellResult(
            cell.id, cell.row, cell.kind, verdict, reach, f"summary of {cell.id}", [], 1.5,
            {"checks": {"promise gateway": "kept"}}, now - 20, now - 2,
        )  # fmt: skip
    resilience_map.skipped = ["payments × pause"]
    return resilience_map


def test_the_journal_and_report_of_a_sweep_hold_the_map(tmp_path):
    system = load_system(SAMPLE)
    resilience_map = sample_map()
    outcome = sweep_outcome(resilience_map, [], None, None)
    assert outcome == "failed"  # a cell lost data
    journal_path, _ = write_sweep_journal(
        run_dir=tmp_path,
        started_at=time.time() - 30,
        swept_from=time.time() - 25,
        scenario=_load_scenario(system, 4),
        system=system,
        seed=3,
        platform="local",
        toxiproxy_version="2.12.0",
        observations=Observations(),
        resilience_map=resilience_map,
        worse=[("gateway->catalog × down", "degraded", "spread")],
        outcome=outcome,
        error=None,
        interrupted=None,
    )
    read_back = read_journal(journal_path)
    assert read_back.sweep is not None and set(read_back.sweep["cells"]) == set(
        resilience_map.cells
    )
    assert read_back.verdict == (
        "4 cells judged: 1 held, 1 degraded, 1 spread, 1 data lost; 1 skipped by the budget. "
        "A cell that lost data or could not be seen fails the sweep."
    )
    reports = render_sweep_reports(journal_path, read_back)
    html = reports["html"].read_text()
    assert "Resilience map" in html and read_back.verdict in html
    assert "data-cell='orders-&gt;payments × reset' data-verdict='data lost'" in html
    assert "gateway-&gt;catalog × down: degraded → spread" in html  # got worse, named
    # a sweep has no checks or blast radius of its own: its cells are them
    assert 'id="checks"' not in html and 'id="recovery"' not in html
    suite = ElementTree.parse(reports["junit"]).getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    failed = {
        c.get("classname") + " " + c.get("name") for c in suite if c.find("failure") is not None
    }
    assert failed == {
        "sweep.sample-store.gateway->catalog down",
        "sweep.sample-store.orders->payments reset",
    }
    # the standalone page draws the same map
    page = render_map_html(resilience_map, system, [])
    assert page.count("<td class='cell'") == 4 and "skipped" in page


def test_the_terminal_table_has_a_row_per_edge_and_service():
    columns, rows = terminal_rows(sample_map())
    assert columns == ["", "down", "reset", "pause", "kill-one"]
    by_row = {row[0]: row[1:] for row in rows}
    assert by_row["gateway->catalog"][0] == "→gateway"
    assert by_row["orders->payments"][1] == "LOST"
    assert by_row["payments"][2] == "skip" and by_row["catalog"][:3] == ["·", "·", "·"]
    assert list(by_row)[:3] == ["gateway->catalog", "gateway->inventory", "orders->payments"]


def test_every_failed_cell_becomes_a_scenario_that_validates(tmp_path):
    system = load_system(SAMPLE)
    written = write_scenarios(sample_map(), system, tmp_path / "gaps", fault_s=6.0)
    assert sorted(p.name for p in written) == [
        "gateway-to-catalog--down.yaml",
        "orders-to-payments--reset.yaml",
    ]
    for path in written:
        scenario, its_system = load_scenario_and_system(path)
        assert its_system.name == "sample-store" and scenario.seed == 3
        (fault,) = scenario.faults
        assert fault.name == path.stem and fault.duration_s == 6.0
        # the gate it failed: the failure stays at the target, and no write is lost
        assert scenario.expect.blast_radius == [fault.target.split("->")[1]]
        assert scenario.expect.integrity is True
    assert "Found by a sweep: orders->payments × reset data lost" in written[1].read_text()
