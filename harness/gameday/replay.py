"""`firebreak gameday --replay journal.json`: a past exercise as a scenario file, so what a team
tried by hand becomes a CI gate.

The game day already wrote the scenario it amounts to beside its journal (its faults at the
times they were injected, for as long as they ran); the replay rewrites that scenario's `system`
path for where the new file goes, and validates the file as `firebreak validate` would."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.errors import InputError
from harness.gameday.exercise import relative_system_path, scenario_yaml
from harness.reports.journal import Journal, read_journal
from harness.scenario import load_scenario_and_system


def _read_journal(path: Path) -> Journal:
    journal = read_journal(path)  # missing, corrupt, another version: a JournalError (exit 2)
    if not isinstance(journal.gameday, dict):
        raise InputError(
            "This journal is not a game day's (it has no `gameday` section); expected the "
            "journal.json a `firebreak gameday` exercise wrote.",
            path=str(path),
            field="gameday",
        )
    return journal


def replay_scenario(journal_path: Path, out_path: Path) -> Path:
    """Write the scenario of the game day at `journal_path` to `out_path`; return it, checked.
    An invalid result is not left behind."""
    journal = _read_journal(journal_path)
    scenario = journal.scenario or {}
    text = scenario.get("yaml") or ""
    document = yaml.safe_load(text) if text else None
    if not isinstance(document, dict):
        raise InputError(
            "The journal holds no game-day scenario text; expected `scenario.yaml`.",
            path=str(journal_path),
            field="scenario.yaml",
        )
    written_at = Path(str(scenario.get("path") or journal_path))
    system_file = (written_at.parent / str(document.get("system", ""))).resolve()
    if not system_file.is_file():
        raise InputError(
            f"The game day's system file {system_file} is gone; expected it where the "
            "exercise found it.",
            path=str(journal_path),
            field="scenario.system",
        )
    document["system"] = relative_system_path(system_file, out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(_header(journal) + scenario_yaml(document), encoding="utf-8")
    try:
        load_scenario_and_system(out_path)
    except InputError:
        out_path.unlink(missing_ok=True)
        raise
    return out_path


def _header(journal: Journal) -> str:
    assert journal.gameday is not None
    lines = [f"# Replayed from game day {journal.run_id}; the steps' hypotheses:"]
    for step in journal.gameday.get("steps", []):
        verdict = (step.get("outcome") or {}).get("verdict", "?")
        lines.append(f"#   {step['name']}: {step.get('hypothesis', '')} (then: {verdict})")
    return "\n".join(lines) + "\n"
