"""What a game day is made of, as data: its steps (a fault injected by hand, with the hypothesis
stated before it), its notes, and the scenario it amounts to.

The scenario is written in the scenario format with each fault at the time it was injected and
for as long as it ran, so the journal of a game day reads like a run's, the report renders it
the usual way, and `firebreak gameday --replay` turns it into a CI gate. Pure logic."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.scenario import Scenario
from harness.scenario_faults import FaultBase

# a recovery shorter than this judges nothing (the breakers' and the recovery check's own
# clocks run for seconds); a replay gets at least this much
REPLAY_RECOVERY_MIN_S = 15.0


@dataclass
class Step:
    """One fault injected from the console."""

    name: str
    type: str
    target: Any  # as the console sent it: an edge name, or {service, count}
    params: dict[str, Any]
    hypothesis: str
    targets: list[str]  # resolved: edges or instance ids
    applied_at: float
    planned_duration_s: float | None  # None: until stopped
    reverted_at: float | None = None
    description: str = ""
    # filled in when the step is judged: verdict (contained | spread | no evidence | pending),
    # summary, states, spread_to, held, recovery_s
    outcome: dict[str, Any] | None = None

    @property
    def instantaneous(self) -> bool:
        """A kill the platform replaces: over as the kill lands, as in a scenario."""
        return self.type == "kill" and bool(self.params.get("replace", True))

    @property
    def ends_at(self) -> float | None:
        if self.planned_duration_s is None:
            return None
        return self.applied_at + self.planned_duration_s

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ends_at": self.ends_at}


@dataclass
class Note:
    t: float
    text: str
    active_faults: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExercisePhases:
    """The game day's times, as unix seconds."""

    load_started_at: float
    warmup_s: float
    baseline_s: float
    ended_at: float

    @property
    def baseline_start(self) -> float:
        return self.load_started_at + self.warmup_s

    @property
    def baseline_ready_at(self) -> float:
        return self.baseline_start + self.baseline_s


def phase_spans(phases: ExercisePhases, steps: list[Step]) -> list[tuple[str, float, float]]:
    """warmup, baseline (until the first injection), faults (until the last revert), recovery:
    the phases a scenario's checks read, laid over what really happened."""
    spans = [("warmup", phases.load_started_at, phases.baseline_start)]
    if not steps:
        return [*spans, ("baseline", phases.baseline_start, phases.ended_at)]
    first = min(s.applied_at for s in steps)
    last = max(s.reverted_at or phases.ended_at for s in steps)
    spans.append(("baseline", phases.baseline_start, first))
    spans.append(("faults", first, last))
    spans.append(("recovery", last, max(last, phases.ended_at)))
    return spans


def _tenths(value_s: float) -> float:
    """Rounded up to a tenth of a second: a replayed fault never ends before it did."""
    return math.ceil(round(value_s * 10, 6)) / 10


def _seconds(value_s: float) -> str:
    return f"{_tenths(value_s):g}s"


def scenario_document(
    *,
    name: str,
    system_path: str,
    platform: str,
    seed: int,
    load: dict[str, Any],
    phases: ExercisePhases,
    steps: list[Step],
    expect: dict[str, Any],
    guardrails: list[dict[str, Any]],
) -> dict[str, Any]:
    """The scenario the game day amounts to: every step at the offset it was injected at (from
    the first injection), for as long as it ran."""
    spans = {n: (start, end) for n, start, end in phase_spans(phases, steps)}
    faults_start, faults_end = spans.get("faults", (phases.ended_at, phases.ended_at))
    recovery_s = max(REPLAY_RECOVERY_MIN_S, phases.ended_at - faults_end)
    faults = []
    window_s = 0.1
    for step in steps:
        at_s = _tenths(step.applied_at - faults_start)
        fault = {"name": step.name, "type": step.type, "target": step.target, **step.params}
        fault["at"] = f"{at_s:g}s"
        if step.instantaneous:
            # a kill the platform replaces is a moment, as in a scenario: no duration
            window_s = max(window_s, at_s + 0.1)
        else:
            ran_s = max(0.1, _tenths((step.reverted_at or phases.ended_at) - step.applied_at))
            fault["duration"] = f"{ran_s:g}s"
            window_s = max(window_s, at_s + ran_s)
        faults.append(fault)
    hypotheses = "; ".join(f"{s.name}: {s.hypothesis}" for s in steps)
    document: dict[str, Any] = {
        "name": name,
        "description": (
            f"Replays a game day on `{platform}`: {len(steps)} fault(s) at the times they were "
            f"injected. Hypotheses: {hypotheses}"
            if steps
            else f"Replays a game day on `{platform}` in which no fault was injected."
        ),
        "system": system_path,
        "platform": platform,
        "seed": seed,
        **({"load": load} if load else {}),
        "phases": {
            "warmup": _seconds(phases.warmup_s),
            "baseline": _seconds(max(1.0, spans["baseline"][1] - spans["baseline"][0])),
            "faults": f"{_tenths(window_s):g}s",
            "recovery": _seconds(recovery_s),
        },
        "faults": faults,
    }
    if expect:
        document["expect"] = expect
    if guardrails:
        document["guardrails"] = guardrails
    return document


def scenario_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def scenario_fields(scenario: Scenario | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a game day keeps of the scenario it was started with: its expectations and
    guardrails, as the scenario format writes them."""
    if scenario is None:
        return {}, []
    dumped = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return dumped.get("expect", {}), dumped.get("guardrails", [])


def relative_system_path(system_file: Path, scenario_file: Path) -> str:
    """The system's path as a scenario file beside `scenario_file` must name it."""
    import os

    return os.path.relpath(system_file.resolve(), scenario_file.resolve().parent)


def spec_params(spec: FaultBase) -> dict[str, Any]:
    """A fault model's parameters, as the scenario format writes them (defaults left out)."""
    dumped = spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for key in ("name", "at", "duration", "target", "type"):
        dumped.pop(key, None)
    return dumped
