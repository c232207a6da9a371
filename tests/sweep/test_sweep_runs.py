"""`firebreak sweep` on real systems, as a user runs it (issue 13): the example in another
language, whose edge without a fallback must be the red one, through a Ctrl-C and `--resume`;
and the sample's ambiguous write on `orders->payments`, held by its idempotency key and caught as
data lost in a test copy whose payments no longer honours the key.

Each sweep is a few short cells (`--fault-s 4`), so the file costs CI about three minutes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.ledger import read_ledgers
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT, leftover_processes
from tests.integration.test_sample_defects import replace_in, sample_copy

FX_QUOTES = REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"
SAMPLE = REPO_ROOT / "sample_system" / "system.yaml"
PORT_OFFSET = 2100  # away from every other test's systems
SHORT = ["--fault-s", "4", "--users", "6", "--port-offset", str(PORT_OFFSET)]


def read_map(run_dir: Path) -> dict:
    return json.loads((run_dir / "map.json").read_text())


def sweep(*args: str, timeout_s: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "sweep", *args, *SHORT],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def wait_for_cells(run_dir: Path, count: int, process, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (run_dir / "map.json").exists() and len(read_map(run_dir)["cells"]) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the sweep ended early:\n{process.stdout.read()}")
        time.sleep(0.3)
    pytest.fail(f"{count} cell(s) not judged within {timeout_s} s")


def test_fx_quotes_map_is_red_only_where_there_is_no_fallback_through_ctrl_c_and_resume(
    spawn_harness, tmp_path, toxiproxy_server_binary
):
    run_dir = tmp_path / "sweep"
    # split (issue 24): quotes halved, each cell's front door compared with its control arm
    args = ["sweep", str(FX_QUOTES), "--faults", "down", "--split", "--out", str(run_dir), *SHORT]
    first = spawn_harness(*args)
    wait_for_cells(run_dir, 1, first)
    first.send_signal(signal.SIGINT)
    output, _ = first.communicate(timeout=60)
    assert first.returncode == 130, output
    assert f"resume with: firebreak sweep --resume {run_dir}" in output
    # nothing of the interrupted sweep is left: no ledger, no replica, no proxy, no load
    assert read_ledgers() == []
    assert leftover_processes() == []
    done = read_map(run_dir)["cells"]
    assert len(done) == 1

    scenarios = tmp_path / "gaps"
    resumed = sweep(
        str(FX_QUOTES),
        "--faults",
        "down",
        "--split",
        "--resume",
        str(run_dir),
        "--write-scenarios",
        str(scenarios),
    )
    assert "Resuming: 1 cells done, 1 to go." in resumed.stdout
    cells = read_map(run_dir)["cells"]
    assert sorted(cells) == ["quotes->news × down", "quotes->rates × down"]
    for cell_id, earlier in done.items():  # the cells done before Ctrl-C were not run again
        assert cells[cell_id]["started_at"] == earlier["started_at"]
    verdicts = {cell_id: cell["verdict"] for cell_id, cell in cells.items()}
    # rates has no fallback: the front door itself broke, the red cells; news has one
    rates = cells["quotes->rates × down"]
    assert rates["verdict"] == "spread" and rates["reach"] == ["quotes"], verdicts
    assert verdicts["quotes->news × down"] in ("held", "degraded"), verdicts
    # and by arm: the experiment's quotes failed where the control's, in the same seconds, did not
    assert read_map(run_dir)["split"].startswith("split run: `quotes`")
    assert rates["numbers"]["split"]["split front door failures"]["verdict"] == "worse", rates
    assert rates["summary"].startswith("The front door was worse than the control arm's: "), rates
    news = cells["quotes->news × down"]["numbers"]["split"]["split front door failures"]
    assert news["verdict"] != "worse" and news["control_requests"] > 20, news
    # spread is a finding, shown; the exit code fails only cells that could not be seen
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    junit = (run_dir / "junit.xml").read_text()
    assert junit.count("<testcase") == 2 and junit.count("<failure") == 1
    html = (run_dir / "map.html").read_text()
    assert "data-cell='quotes-&gt;rates × down' data-verdict='spread'" in html
    # each red cell became a scenario that validates as a CI gate
    written = sorted(scenarios.glob("*.yaml"))
    assert [p.name for p in written] == ["quotes-to-rates--down.yaml"]
    for path in written:
        scenario, system = load_scenario_and_system(path)
        assert system.name == "fx-quotes" and scenario.faults[0].target == "quotes->rates"


def payments_ignoring_the_key(copy: Path) -> None:
    replace_in(
        copy / "system.yaml",
        'env: {PAYMENTS_LATENCY_MS: "20", PAYMENTS_ERROR_RATE: "0.0"}',
        'env: {PAYMENTS_LATENCY_MS: "20", PAYMENTS_ERROR_RATE: "0.0", '
        'FIREBREAK_DISABLE: "idempotency"}',
    )


@pytest.mark.parametrize("keyed", [True, False], ids=["key-honoured", "key-ignored"])
def test_the_ambiguous_write_on_orders_to_payments_is_judged_by_integrity(
    keyed, tmp_path, toxiproxy_server_binary
):
    # the answer is reset after payments took the charge: orders retries and settles it
    system = SAMPLE if keyed else sample_copy(tmp_path, payments_ignoring_the_key)
    run_dir = tmp_path / "sweep"
    result = sweep(
        str(system), "--only", "orders->payments", "--faults", "reset", "--out", str(run_dir)
    )
    cell = read_map(run_dir)["cells"]["orders->payments × reset"]
    integrity = cell["numbers"]["integrity"]
    assert integrity["unanswered"] == [], cell
    assert set(integrity["after"]) >= {"payments.duplicate_charges", "orders.missing_orders"}
    if keyed:
        # the key makes every repeated charge one charge: degraded (pending), nothing lost
        assert cell["verdict"] == "degraded", cell
        assert integrity["after"] == integrity["before"]
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        assert cell["verdict"] == "data lost", cell
        doubled = integrity["after"]["payments.duplicate_charges"]
        assert doubled > integrity["before"].get("payments.duplicate_charges", 0)
        assert "payments.duplicate_charges" in cell["summary"]
        assert result.returncode == 1
