"""Data integrity over scenarios that share a deployment.

The services keep every write of the deployment, not only one scenario's. So the gate keeps one
file of every write the load saw accepted since the deployment began (each scenario's appended
to it before its writes are read), so that a record of an earlier scenario's write is not taken
for an orphan; and it subtracts, by kind, what the earlier scenarios had already found, so that
one lost write fails the scenario that lost it, not every scenario after it. What was subtracted
is kept beside the numbers (`carried_from_earlier_scenarios`), so the journal shows it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from harness.checks.integrity import violations_of
from harness.checks.reconciliation import FINDINGS
from harness.observe.reconcile import collect_writes
from harness.observe.series import Observations
from harness.platforms.base import Platform
from harness.system import SystemSpec

CARRIED = "carried_from_earlier_scenarios"
ACCEPTED_FILE = "accepted-orders.txt"


class WritesSoFar:
    """Every accepted write of one deployment, and the findings of the scenarios before."""

    def __init__(self, folder: Path) -> None:
        self.accepted_file = folder / ACCEPTED_FILE
        self.integrity_seen: dict[str, dict[str, int]] = {}  # service → kind → count
        self.reconciliation_seen: dict[str, dict[str, int]] = {}  # relation → kind → count

    def collect(
        self, platform: Platform, system: SystemSpec, run_dir: Path, observations: Observations
    ) -> None:
        """Read the writes after one scenario into its observations, earlier findings taken
        out."""
        mine = run_dir / ACCEPTED_FILE
        if mine.is_file():
            with self.accepted_file.open("a") as everything:
                everything.write(mine.read_text())
        self.accepted_file.touch()
        integrity, reconciliation = collect_writes(platform, system, self.accepted_file)
        observations.integrity = self._integrity_less_seen(integrity)
        observations.reconciliation = self._reconciliation_less_seen(reconciliation)

    def _integrity_less_seen(self, report: dict[str, Any]) -> dict[str, Any]:
        adjusted: dict[str, Any] = {}
        for service, answer in report.items():
            if not isinstance(answer, dict) or "error" in answer:
                adjusted[service] = answer
                continue
            totals = violations_of(answer)
            before = self.integrity_seen.get(service, {})
            new = copy.deepcopy(answer)
            fresh = _less(totals, before)
            if isinstance(answer.get("violations"), dict):
                new["violations"] = fresh
            else:
                new.update(fresh)  # an older answer's kinds stand at its top level
            if any(before.values()):
                new[CARRIED] = dict(before)
            self.integrity_seen[service] = totals
            adjusted[service] = new
        return adjusted

    def _reconciliation_less_seen(self, findings: dict[str, Any] | None) -> dict[str, Any] | None:
        if not findings:
            return findings
        adjusted = copy.deepcopy(findings)
        for name, found in adjusted.get("relations", {}).items():
            if "error" in found:
                continue
            totals = {kind: int(found.get(kind, 0)) for kind in FINDINGS}
            before = self.reconciliation_seen.get(name, {})
            found.update(_less(totals, before))
            if any(before.values()):
                found[CARRIED] = dict(before)
            self.reconciliation_seen[name] = totals
        return adjusted


def _less(totals: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """Each kind's count less what was found before it (never below 0: a pending record of an
    earlier scenario may have settled since)."""
    return {kind: max(0, count - before.get(kind, 0)) for kind, count in totals.items()}
