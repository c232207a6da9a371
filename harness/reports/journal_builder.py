"""Assembling a run's journal from what the runner holds: the scenario as run, the versions of
every real part, the system, the timeline, the observations and the checks."""

from __future__ import annotations

import importlib.metadata
import platform as python_platform
import time
from pathlib import Path
from typing import Any, Literal

from harness import __version__
from harness.checks.base import OUTCOME_EXIT_CODES, CheckResult
from harness.observe.series import Observations
from harness.reports.journal import Journal
from harness.reports.summary import verdict_sentence
from harness.scenario import Scenario
from harness.source_revision import source_json
from harness.system import SystemSpec
from harness.timeline import Timeline


def build_journal(
    *,
    run_id: str,
    started_at: float,
    outcome: str,
    scenario: Scenario,
    seed: int,
    platform: str,
    time_scale: float,
    toxiproxy_version: str,
    system: SystemSpec,
    timeline: Timeline,
    observations: Observations,
    propagation: list[dict[str, Any]],
    checks: list[CheckResult],
    error: str | None,
    abort_reason: str | None,
    evidence: dict[str, Any] | None = None,
    source: dict[str, Any] | Literal["read now"] | None = "read now",
) -> Journal:
    """`source` is the system folder's revision as read when the run started
    (`harness/source_revision.py`); by default it is read now."""
    if isinstance(source, str):
        source = source_json(system.folder)
    journal = Journal(
        run_id=run_id,
        started_at=started_at,
        ended_at=time.time(),
        outcome=outcome,
        exit_code=OUTCOME_EXIT_CODES[outcome],
        verdict="",
        scenario={
            "name": scenario.name,
            "description": scenario.description,
            "path": str(scenario.path),
            "yaml": _read_text(scenario.path),
            "model": scenario.model_dump(mode="json", by_alias=True),
        },
        seed=seed,
        platform=platform,
        time_scale=time_scale,
        versions=versions(toxiproxy_version),
        system={**system_summary(system), "source": source},
        timeline=[
            {
                "at_s": e.at_s,
                "action": e.action,
                "fault": e.fault_name,
                "type": e.fault_type,
                "targets": list(e.targets.edges or e.targets.instances),
            }
            for e in timeline.events
        ],
        observations=observations,
        propagation=propagation,
        checks=checks,
        error=error,
        abort_reason=abort_reason,
        evidence=evidence or {},
    )
    # one sentence-maker for the terminal, the journal and every report
    journal.verdict = verdict_sentence(journal)
    return journal


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def versions(toxiproxy_version: str) -> dict[str, str]:
    def installed(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "firebreak": __version__,
        "toxiproxy": toxiproxy_version,
        "locust": installed("locust"),  # read from metadata: importing it would monkey-patch
        "python": python_platform.python_version(),
    }


def system_summary(system: SystemSpec) -> dict[str, Any]:
    return {
        "name": system.name,
        "entrypoint": system.entrypoint,
        "services": {
            name: {
                "port": spec.port,
                "replicas": spec.replicas,
                "dependencies": {d: {"optional": s.optional} for d, s in spec.dependencies.items()},
            }
            for name, spec in system.services.items()
        },
        "edges": [edge.name for edge in system.edges()],
    }
