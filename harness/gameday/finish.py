"""The end of a game day: every step judged, the exercise judged with the scenario checks, the
scenario it amounts to written beside the journal, and the journal and reports of an ordinary
run, with the game day's own record (`journal["gameday"]`) added.

Journal `gameday` section:
    steps       [{name, type, target, params, hypothesis, targets, applied_at, reverted_at,
                  planned_duration_s, ends_at, description, outcome: {verdict (contained |
                  spread | no evidence), summary, states, spread_to, held, recovery_s}}]
    notes       [{t, text, active_faults}]
    ended_by    why it ended: "ended from the console", "interrupted (SIGINT)", "guardrail: …"
    scenario    the file name of the scenario it amounts to (`firebreak gameday --replay`)
    console     the console's address while it ran
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from harness.checks.base import OUTCOME_EXIT_CODES
from harness.checks.evaluate import judge_run
from harness.errors import InputError
from harness.gameday.exercise import (
    phase_spans,
    relative_system_path,
    scenario_document,
    scenario_fields,
    scenario_yaml,
)
from harness.observe.series import PhaseSpan
from harness.reports.journal_builder import build_journal
from harness.run_model import RunResult
from harness.scenario import load_scenario_and_system
from harness.timeline import plan

if TYPE_CHECKING:
    from harness.gameday.session import GameDay

SCENARIO_FILE = "gameday-scenario.yaml"


def finish_exercise(gameday: GameDay, error: str | None, toxiproxy_version: str) -> RunResult:
    """Judge, write the journal and the reports, and show the console where they are."""
    state = gameday.state
    run_dir = gameday.run_dir
    assert run_dir is not None
    obs = gameday.recorder.observations
    phases = gameday.phases(state.ended_at or time.time())
    with gameday.lock:
        for step in state.steps:
            step.outcome = gameday._judge(step)
    obs.phases = [PhaseSpan(n, s, e) for n, s, e in phase_spans(phases, state.steps)]
    scenario_path = run_dir / SCENARIO_FILE
    expect, guardrails = scenario_fields(gameday.scenario)
    document = scenario_document(
        name=f"gameday-{gameday.system.name}",
        system_path=relative_system_path(gameday.system.path, scenario_path),
        platform=gameday.platform_name,
        seed=gameday.seed,
        load=gameday.scenario.load.model_dump(mode="json", exclude_defaults=True),
        phases=phases,
        steps=state.steps,
        expect=expect,
        guardrails=guardrails,
    )
    scenario_path.write_text(scenario_yaml(document), encoding="utf-8")
    scenario = gameday.scenario
    try:
        scenario, _ = load_scenario_and_system(scenario_path)
    except InputError as exc:
        # the exercise's record must not be lost to a replay file that does not validate
        gameday.on_message(f"The game day's scenario does not validate: {exc}")
    # judged over every second of the exercise that had load, as a scenario run is; a split
    # game day's arms too (the front door's answers while a dependency is cut are the
    # experiment's: the control's 200s then are honest)
    judgement = judge_run(
        obs if obs.front_door else replace(obs, phases=[]),
        gameday.scenario.expect,
        gameday.system.entrypoint,
        aborted=state.guardrail is not None,
        error=error is not None,
        split=gameday.split,
    )
    outcome, checks = judgement.outcome, judgement.checks
    journal = build_journal(
        run_id=run_dir.name,
        started_at=gameday.started_at,
        outcome=outcome,
        scenario=scenario,
        seed=gameday.seed,
        platform=gameday.platform_name,
        time_scale=1.0,
        toxiproxy_version=toxiproxy_version,
        system=gameday.system,
        timeline=plan(scenario, gameday.system, gameday.seed),
        observations=obs,
        propagation=judgement.propagation,
        checks=checks,
        error=error,
        abort_reason=state.guardrail,
        evidence=judgement.evidence,
    )
    journal.gameday = {
        "steps": [s.to_json() for s in state.steps],
        "notes": [vars(n) for n in state.notes],
        "ended_by": state.end_requested,
        "scenario": SCENARIO_FILE,
        "console": gameday.console_url,
    }
    journal_path = journal.write(run_dir / "journal.json")
    files = {"journal": "journal.json", "scenario": SCENARIO_FILE}
    try:
        from harness.reports.render import render_run

        rendered = render_run(journal_path, journal=journal)
        files.update({name: str(path) for name, path in rendered.items()})
    except Exception as exc:  # a report that fails to draw must not lose the exercise
        gameday.on_message(f"The reports could not be rendered: {type(exc).__name__}: {exc}")
    with gameday.lock:
        state.phase = "ended"
        state.ended = {
            "reason": state.end_requested,
            "outcome": outcome,
            "verdict": journal.verdict,
            "journal": str(journal_path),
            "report": files.get("html"),
            "scenario": str(scenario_path),
        }
        gameday._changed()
    return RunResult(
        outcome=outcome,
        exit_code=OUTCOME_EXIT_CODES[outcome],
        run_dir=run_dir,
        journal_path=journal_path,
        verdict=journal.verdict,
        checks=checks,
        files=files,
        error=error,
        timings_s=gameday.timings_s,
    )
