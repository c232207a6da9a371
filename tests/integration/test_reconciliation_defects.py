"""Writes repeated downstream under a new key are caught only across services (issue 21 §4).

A test copy of the sample with two such defects runs a shipped scenario whose lost answers make
orders charge again (`payments-answer-lost-slow`); the load's own client retries (a fifth of the
accepted orders are posted again with their key) make it reserve again. Every service stays
consistent by its own keys, so the per-service integrity check passes; the reconciliation finds
the order charged twice and the line reserved twice, and names them by the order's key. The
healthy sample passes the same scenario in tests/integration/test_scenarios_on_sample.py.

One run carries both defects (each touches its own relation, and each finding alone fails the
check: tests/checks/test_reconciliation.py), so the gate pays for one run, not two.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run
from tests.integration.test_sample_defects import replace_in, sample_copy

PORT_OFFSET = 2400
CI_TIME_SCALE = 0.3


def charges_under_a_new_key_per_attempt(copy: Path) -> None:
    """(a) orders makes a fresh idempotency key for every charge it sends, so each charge the
    settler repeats after a lost answer is a new payment to payments (the reference still names
    the order, as a payment API keeps it)."""
    replace_in(
        copy / "orders" / "settlement.py",
        'headers={"Idempotency-Key": order["idempotency_key"]},',
        'headers={"Idempotency-Key": str(__import__("uuid").uuid4())},',
    )


def stock_reserved_again_on_a_retry(copy: Path) -> None:
    """(b) orders reserves before it looks the order up, and inventory does not deduplicate by
    key: a client's retry of an order it already took reserves its stock a second time."""
    replace_in(
        copy / "orders" / "app.py",
        "        if dedupe:\n            existing = await runtime.db.read(",
        "        if False:\n            existing = await runtime.db.read(",
    )
    replace_in(
        copy / "inventory" / "app.py",
        '    dedupe = env.enabled("idempotency")',
        "    dedupe = False",
    )


def both_defects(copy: Path) -> None:
    charges_under_a_new_key_per_attempt(copy)
    stock_reserved_again_on_a_retry(copy)


def run_on(system_path: Path, scenario_name: str, tmp_path: Path):
    text = (REPO_ROOT / "scenarios" / f"{scenario_name}.yaml").read_text()
    text = text.replace("system: ../sample_system/system.yaml", f"system: {system_path}")
    path = tmp_path / f"{scenario_name}.yaml"
    path.write_text(text)
    scenario, system = load_scenario_and_system(path)

    def run_once(out_dir: Path):
        options = RunOptions(time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET)
        return ScenarioRunner(scenario, system, options).run()

    return judged_run(run_once, tmp_path / "run")


def test_a_charge_and_a_reservation_repeated_under_new_keys_fail_reconciliation(
    tmp_path, toxiproxy_server_binary
):
    result = run_on(sample_copy(tmp_path, both_defects), "payments-answer-lost-slow", tmp_path)
    assert result.outcome == "failed"
    checks = {c.name: c for c in result.checks}
    # each service is consistent by its own keys: asking each about itself finds nothing
    assert checks["data integrity"].passed, checks["data integrity"].summary
    reconciled = checks["writes reconciled across services"]
    assert not reconciled.passed
    relations = reconciled.numbers["relations"]
    accepted = set((result.run_dir / "accepted-orders.txt").read_text().split())
    for relation, service in (("charge", "payments"), ("reservation", "inventory")):
        found = relations[relation]
        assert found["multiple"] > 0 and found["orphans"] == 0, found
        # "<order key>[ line <sku>]: 2 records (<ids>)": named by the order the load saw accepted
        examples = found["examples"]["multiple"]
        assert any(e.split(":")[0].split(" line ")[0] in accepted for e in examples), examples
        assert all(re.search(r": ([2-9]|\d\d+) records \(", e) for e in examples), examples
        assert f"`{relation}` at `{service}`: {found['multiple']} write(s)" in reconciled.summary
        assert examples[0] in reconciled.summary
    assert relations["order"]["missing"] == relations["order"]["multiple"] == 0
    assert relations["order"]["orphans"] == relations["order"]["pending"] == 0
    assert "judged from: `orders` /integrity/records" in reconciled.summary
