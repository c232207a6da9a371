"""`journal.json`: everything a run observed, versioned; every report is rendered from it alone.

Schema (version 1), top level:
    schema_version  1
    run_id, started_at, ended_at (unix s), outcome ("passed" | "failed" | "inconclusive" |
                    "aborted" | "error"),
    exit_code, verdict (one sentence), error (a message or null), abort_reason (or null)
    scenario        {name, description, path, yaml (the file's text), model (as run, scaled)}
    seed, platform, time_scale
    versions        {firebreak, toxiproxy, locust, python}
    system          {name, entrypoint, services: {name: {port, replicas, dependencies: {dep:
                    {optional}}}}, edges: [names], source: {commit, commit_time (ISO,
                    committer date), dirty, branch, repo} or null outside a git work tree
                    (harness/source_revision.py; absent in journals written before it)}
    timeline        the planned fault actions [{at_s, action, fault, targets}]
    observations    Observations.to_json(): front_door, services, events, phases, faults,
                    promises, integrity, host, metrics_evidence
    propagation     [{fault, window: [start, end], services: {name: state}, amplification:
                    {edge: {calls, attempts, ratio}}}] with state one of "injected", "spread",
                    "held", "unaffected", "idle", "unseen"
    checks          [CheckResult.to_json()]
    evidence        {seen_only_from_outside: {service: why}, not_judged: [sentences],
                    interference: {detected, reasons, numbers}, metrics: {service: scrapes},
                    promises: the promises judged, each limit with its source
                    (PromiseView.to_json(); absent in journals written before it)}
    files           {name: path relative to the run folder}
    gameday         a game day's steps, notes and how it ended (harness/gameday/finish.py), or
                    null for a scenario run
    sweep           a sweep's resilience map (harness/sweep/resilience_map.py, as map.json), or
                    null; a sweep's journal has no checks of its own: its cells are the verdicts
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, is_dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from harness.checks.base import CheckResult
from harness.errors import InputError
from harness.json_input import read_json_object
from harness.observe.series import Observations

SCHEMA_VERSION = 1


class JournalError(InputError):
    """A journal that cannot be read: missing, corrupt, or of another schema version."""


@dataclass
class Journal:
    run_id: str
    started_at: float
    ended_at: float
    outcome: str
    exit_code: int
    verdict: str
    scenario: dict[str, Any]
    seed: int
    platform: str
    time_scale: float
    versions: dict[str, str]
    system: dict[str, Any]
    timeline: list[dict[str, Any]]
    observations: Observations
    propagation: list[dict[str, Any]] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    abort_reason: str | None = None
    # what the verdict rests on: services seen only from the outside (and why), declarations
    # that could not be judged, the machine's interference, metrics scraped
    evidence: dict[str, Any] = field(default_factory=dict)
    # a game day's own record: its steps with hypotheses and outcomes, its notes
    # (harness/gameday/finish.py); None for a scenario run
    gameday: dict[str, Any] | None = None
    # a sweep's map (harness/sweep/journal.py); None for a scenario run or a game day
    sweep: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["observations"] = self.observations.to_json()
        data["checks"] = [c.to_json() for c in self.checks]
        return {"schema_version": SCHEMA_VERSION, **data}

    def write(self, path: Path) -> Path:
        temporary = path.with_suffix(".tmp")
        # streamed, and without `asdict`'s deep copy: the encoder reads each record's own fields,
        # so writing a long run's journal does not hold it in memory a second (and third) time
        document = {"schema_version": SCHEMA_VERSION, **vars(self)}
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(document, out, indent=1, default=_fields_of)
        temporary.replace(path)
        return path

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path | None = None) -> Journal:
        where = str(path) if path else None
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise JournalError(
                f"This journal has schema_version {version!r}; this Firebreak reads version "
                f"{SCHEMA_VERSION}. Re-run the scenario, or render it with the Firebreak "
                "version that wrote it.",
                path=where,
                field="schema_version",
            )
        try:
            fields = {k: v for k, v in data.items() if k != "schema_version"}
            fields["observations"] = Observations.from_json(fields["observations"])
            fields["checks"] = [CheckResult.from_json(c) for c in fields.get("checks", [])]
            return cls(**fields)
        except (KeyError, TypeError, ValueError) as exc:
            raise JournalError(
                f"This journal is incomplete or corrupt ({type(exc).__name__}: {exc}); "
                f"expected a journal of schema version {SCHEMA_VERSION}.",
                path=where,
            ) from None


def _fields_of(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        # per-second points use slots (no __dict__): read their fields by name, shallowly
        return {f.name: getattr(value, f.name) for f in dataclass_fields(value)}
    return str(value)


def read_journal(path: Path) -> Journal:
    data = read_json_object(path, "journal", "a Firebreak journal", JournalError)
    return Journal.from_json(data, path)
