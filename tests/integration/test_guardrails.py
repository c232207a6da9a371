"""A guardrail aborts a run that breaches it: every fault is reverted at once, the run ends early
as `aborted` (exit 1), and the journal says why (issue 3 §4)."""

from __future__ import annotations

import time

from harness.reports.journal import read_journal
from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

SCENARIO = """\
name: front-door-down
description: The front door's proxy goes down; the guardrail must stop the run.
system: {system}
seed: 3
load: {{users: 5, spawn_rate: 5}}
phases: {{warmup: 3s, baseline: 5s, faults: 30s, recovery: 10s}}
faults:
  - {{name: front-door-down, type: down, target: load->gateway, at: 1s, duration: 25s}}
guardrails:
  - {{metric: front_door_error_rate, above: 0.5, for: 2s}}
"""


def test_a_breached_guardrail_aborts_the_run_and_reverts_its_faults(
    tmp_path, toxiproxy_server_binary
):
    path = tmp_path / "front-door-down.yaml"
    path.write_text(SCENARIO.format(system=REPO_ROOT / "sample_system" / "system.yaml"))
    started = time.monotonic()
    result = run_scenario(path, tmp_path / "run", time_scale=1.0)
    elapsed_s = time.monotonic() - started
    assert result.outcome == "aborted" and result.exit_code == 1
    assert elapsed_s < 30  # planned: 48 s of phases; the guardrail cut it short
    journal = read_journal(result.journal_path)
    assert "front_door_error_rate > 0.5 for 2 s" in journal.abort_reason
    assert journal.verdict.startswith("The run was aborted: guardrail")
    [window] = journal.observations.faults
    aborted_at = next(e.t for e in journal.observations.events if e.source == "guardrail")
    assert window.reverted_at is not None and window.reverted_at - aborted_at < 1.0
    assert window.reverted_at - window.applied_at < 10  # not the 25 s it was planned for
