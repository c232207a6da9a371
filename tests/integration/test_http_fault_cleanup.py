"""SIGKILL the harness while an HTTP fault is active: the rule is still in the orphaned HAProxy,
and `firebreak cleanup` takes it off through the runtime API before it stops the processes
(issue 14)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time

from harness.balancer.http_rules import active_rules
from harness.ledger import read_ledgers
from tests.conftest import REPO_ROOT
from tests.integration.test_crash_cleanup import FIREBREAK, alive, run_until_a_fault_is_in_place

SCENARIO = REPO_ROOT / "tests" / "fixtures" / "scenarios" / "fx_quotes_http_error.yaml"


def rule_in_place(ledger) -> bool:
    fault = ledger.faults[0]
    with contextlib.suppress(Exception):  # HAProxy still starting
        rules = active_rules(fault.balancer).get(fault.proxy, [])
        return fault.toxic in [rule.name for rule in rules]
    return False


def test_cleanup_takes_an_http_fault_off_after_a_sigkill(tmp_path, spawn_harness):
    run, ledger = run_until_a_fault_is_in_place(
        spawn_harness, SCENARIO, tmp_path / "run", 1750, rule_in_place, timeout_s=60
    )
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=5)

    fault = ledger.faults[0]
    assert fault.kind == "http" and fault.proxy == "edge_quotes_to_news"
    time.sleep(0.5)
    assert rule_in_place(ledger), "the rule must outlive the harness until cleanup"
    pids = [p.pid for p in ledger.processes]
    assert alive(pids)

    cleanup = subprocess.run([*FIREBREAK, "cleanup"], capture_output=True, text=True, timeout=60)
    assert cleanup.returncode == 0, cleanup.stderr
    # counted only when HAProxy confirmed it took the rule off (not merely killed)
    assert "1 faults reverted" in cleanup.stdout, cleanup.stdout
    time.sleep(0.3)
    assert alive(pids) == []
    assert read_ledgers() == []
