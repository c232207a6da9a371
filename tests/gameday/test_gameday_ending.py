"""How a game day ends when nobody presses End: a guardrail ends it (and the console says why),
and Ctrl-C ends it; either way every fault is reverted, nothing is left running, and the
exercise's journal and report are written."""

from __future__ import annotations

import json
import os
import signal

from tests.gameday.exercise_process import Exercise


def _exercise(tmp_path, *extra: str) -> Exercise:
    running = Exercise(tmp_path / "run", tmp_path / "screenshots")
    running.start(*extra)
    return running


def test_a_guardrail_ends_the_exercise_and_the_console_says_why(tmp_path, toxiproxy_server_binary):
    running = _exercise(tmp_path, "--guardrail", "front_door_error_rate:0.3:2s")
    try:
        running.wait_for_exercise()
        # the product pages need the catalog: with its edge down the front door fails
        injected = running.post(
            "api/faults",
            {
                "type": "down",
                "target": "gateway->catalog",
                "duration_s": None,
                "hypothesis": "product pages fail; the guardrail ends it",
            },
        )
        assert injected.status_code == 200, injected.text
        state = running.wait_until(
            "the guardrail",
            lambda: (s := running.state())["guardrail"] and s,
            timeout_s=20,
        )
        assert "front_door_error_rate" in state["guardrail"]["reason"]
        running.process.wait(timeout=90)
        assert running.process.returncode == 1, running.log.read_text()[-3000:]
        journal = json.loads((running.out / "journal.json").read_text())
        assert journal["outcome"] == "aborted"
        assert "front_door_error_rate" in journal["abort_reason"]
        assert journal["gameday"]["ended_by"].startswith("guardrail")
        (step,) = journal["gameday"]["steps"]
        assert step["reverted_at"] is not None
        # the step's own verdict: the front door failed with the catalog's edge down
        assert step["outcome"]["verdict"] == "spread", step["outcome"]
        assert "gateway" in step["outcome"]["spread_to"]
        assert (running.out / "report.html").is_file()
        running.assert_nothing_left()
    finally:
        running.cleanup()


def test_ctrl_c_ends_the_exercise_with_every_fault_reverted_and_reported(
    tmp_path, toxiproxy_server_binary
):
    running = _exercise(tmp_path)
    try:
        running.wait_for_exercise()
        injected = running.post(
            "api/faults",
            {
                "type": "latency",
                "target": "recommendations->catalog",
                "params": {"latency_ms": 300},
                "duration_s": None,
                "hypothesis": "recommendations answers without names",
            },
        )
        assert injected.status_code == 200, injected.text
        assert running.ledger()["faults"], "the console's fault is in the ledger"
        # Ctrl-C in a terminal: SIGINT to the whole foreground process group
        os.killpg(running.process.pid, signal.SIGINT)
        running.process.wait(timeout=90)
        assert running.process.returncode == 130, running.log.read_text()[-3000:]
        journal = json.loads((running.out / "journal.json").read_text())
        assert journal["gameday"]["ended_by"] == "interrupted (SIGINT)"
        (step,) = journal["gameday"]["steps"]
        assert step["hypothesis"] == "recommendations answers without names"
        assert step["reverted_at"] is not None
        assert (running.out / "report.html").is_file()
        running.assert_nothing_left()
    finally:
        running.cleanup()
