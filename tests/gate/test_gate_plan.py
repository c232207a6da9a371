"""`firebreak gate`'s logic without a deployment: which scenarios share one (exactly those whose
own runs would deploy the same), bad input refused before anything starts, the data findings of
earlier scenarios taken out of a later one's, and what `--resume` keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import EXIT_BAD_INPUT, InputError
from harness.gate.plan import group_entries, read_entries
from harness.gate.report import write_gate_junit
from harness.gate.runner import GateOutcome, GateScenario
from harness.gate.writes import CARRIED, WritesSoFar
from tests.conftest import REPO_ROOT

SCENARIOS = REPO_ROOT / "scenarios"


def paths(*names: str) -> list[Path]:
    return [SCENARIOS / f"{name}.yaml" for name in names]


def test_scenarios_share_a_deployment_unless_their_own_runs_would_deploy_differently():
    entries = read_entries(
        paths("default", "recommendations-500s", "inventory-replica-killed", "payments-down")
    )
    local = group_entries(entries, "local")
    # an HTTP fault serves its edge in HTTP mode: that scenario gets a deployment of its own
    assert [[e.name for e in g.entries] for g in local] == [
        ["default", "inventory-replica-killed", "payments-down"],
        ["recommendations-500s"],
    ]
    assert local[1].http_edges == frozenset({"gateway->recommendations"})
    assert all(g.balanced_edges is None for g in local)  # every local edge is balanced
    # on a container platform only faulted edges pass the balancer: each differs here
    docker = group_entries(entries, "docker")
    assert len(docker) == 4
    assert docker[0].balanced_edges == frozenset({"gateway->recommendations"})


def test_a_scenario_given_twice_is_refused_before_anything_starts(tmp_path, capsys):
    with pytest.raises(InputError) as caught:
        read_entries(paths("default", "default"))
    assert "given twice" in str(caught.value)
    out = tmp_path / "gate"
    assert main(["gate", *map(str, paths("default", "default")), "--out", str(out)]) == 2
    assert main(["gate", str(tmp_path / "missing.yaml"), "--out", str(out)]) == EXIT_BAD_INPUT
    assert "missing.yaml" in capsys.readouterr().err
    assert main(["gate", "--out", str(out)]) == EXIT_BAD_INPUT
    assert not out.exists()  # nothing was started, nothing written


def test_resume_refuses_a_folder_that_is_not_a_gate(tmp_path, capsys):
    assert main(["gate", "--resume", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "gate.json" in capsys.readouterr().err


def test_a_later_scenario_is_judged_on_its_own_data_findings_not_an_earlier_ones(tmp_path):
    writes = WritesSoFar(tmp_path)
    first = writes._integrity_less_seen(
        {"orders": {"violations": {"missing_orders": 2, "duplicate_orders": 0}}}
    )
    assert first["orders"]["violations"] == {"missing_orders": 2, "duplicate_orders": 0}
    assert CARRIED not in first["orders"]
    # the same two lost orders are still missing after the next scenario, plus one of its own
    second = writes._integrity_less_seen(
        {"orders": {"violations": {"missing_orders": 3, "duplicate_orders": 0}}}
    )
    assert second["orders"]["violations"] == {"missing_orders": 1, "duplicate_orders": 0}
    assert second["orders"][CARRIED] == {"missing_orders": 2, "duplicate_orders": 0}
    found = {"accepted": 10, "relations": {"charge": {"live": 10, "orphans": 1, "missing": 0}}}
    assert writes._reconciliation_less_seen(found)["relations"]["charge"]["orphans"] == 1
    again = {"accepted": 20, "relations": {"charge": {"live": 20, "orphans": 1, "missing": 0}}}
    charge = writes._reconciliation_less_seen(again)["relations"]["charge"]
    assert charge["orphans"] == 0 and charge[CARRIED]["orphans"] == 1
    # a relation that gave no answer stays an error, as on its own
    broken = {"relations": {"charge": {"error": "payments answered 500"}}}
    assert writes._reconciliation_less_seen(broken) == broken


def test_the_gate_junit_has_a_suite_per_scenario_even_one_that_never_ran(tmp_path):
    outcome = GateOutcome(tmp_path)
    outcome.scenarios.append(
        GateScenario("payments-down", "p.yaml", 1, "error", "the deployment failed", "pd")
    )
    text = write_gate_junit(outcome).read_text()
    assert '<testsuite name="payments-down"' in text and "the deployment failed" in text
    assert outcome.exit_code == 3
    outcome.write()
    assert json.loads((tmp_path / "gate.json").read_text())["scenarios"][0]["outcome"] == "error"
