"""A game day on a system not built like the sample: fx-quotes (Node.js, no metrics, no promise
endpoint, degraded answers marked in a JSON field). Its optional `news` is held by quotes'
fallback; `rates` has none, so taking it down spreads to the front door. The console's live
states and the steps' verdicts say so, judged from the front door alone. The exercise is split
(issue 24): quotes' replicas halved, so each step on its edges is compared with the control arm
in the same seconds too."""

from __future__ import annotations

import json

from tests.conftest import REPO_ROOT
from tests.gameday.exercise_process import Exercise

FX_QUOTES = REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"


def _live_state(running: Exercise, service: str, wanted: str) -> dict:
    return running.wait_until(
        f"{service} {wanted} in the console",
        lambda: (s := running.state())["services"][service]["state"] == wanted and s,
        timeout_s=8,
    )


def _step(running: Exercise, body: dict) -> str:
    injected = running.post("api/faults", body)
    assert injected.status_code == 200, injected.text
    return injected.json()["fault"]["name"]


def test_an_optional_dependency_is_held_and_a_required_one_spreads(
    tmp_path, toxiproxy_server_binary
):
    running = Exercise(tmp_path / "run", tmp_path / "screenshots")
    running.start(str(FX_QUOTES), "--split")
    try:
        running.wait_for_exercise()
        news = _step(
            running,
            {
                "type": "latency",
                "target": "quotes->news",
                "params": {"latency_ms": 2000},
                "duration_s": 5,
                "hypothesis": "quotes answer without headlines",
            },
        )
        state = _live_state(running, "quotes", "held")
        assert state["services"]["news"]["state"] == "injected"
        # no metrics anywhere: rates is seen by nobody, and the console says so
        assert state["services"]["rates"]["state"] == "unseen"
        running.wait_until(
            "the news step's verdict",
            lambda: any(
                f["name"] == news and (f["outcome"] or {}).get("verdict") == "contained"
                for f in running.state()["faults"]
            ),
            timeout_s=15,
        )
        rates = _step(
            running,
            {
                "type": "down",
                "target": "quotes->rates",
                "duration_s": 4,
                "hypothesis": "quotes fail with 503: there is no fallback for rates",
            },
        )
        _live_state(running, "quotes", "spread")
        running.wait_until(
            "the rates step's end",
            lambda: all(f["reverted_at"] for f in running.state()["faults"]),
            timeout_s=10,
        )
        assert running.post("api/end", {}).status_code == 200
        running.process.wait(timeout=90)
        journal = json.loads((running.out / "journal.json").read_text())
        outcomes = {s["name"]: s["outcome"] for s in journal["gameday"]["steps"]}
        assert outcomes[news]["verdict"] == "contained"
        assert outcomes[news]["held"] == ["quotes"]
        assert outcomes[rates]["verdict"] == "spread"
        assert outcomes[rates]["spread_to"] == ["quotes"]
        # by arm: the experiment's quotes failed where the control's did not
        by_arm = outcomes[rates]["split"]["split front door failures"]
        assert by_arm["verdict"] == "worse" and by_arm["control_bad"] == 0, by_arm
        assert outcomes[rates]["summary"].startswith("The front door was worse than the control")
        assert outcomes[news]["split"]["split front door failures"]["verdict"] != "worse"
        running.assert_nothing_left()
    finally:
        running.cleanup()
