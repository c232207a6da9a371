"""What got worse from one revision to the next, and where each check turned red and green.

A regression at a revision, against the previous revision the same scenario ran at:
- a check (or the run's outcome) that passed there fails now;
- the front door's p99 in the fault window worse by more than `p99_pct` percent;
- the front door's availability in the fault window lower by more than `availability` (absolute,
  0.01 = one point);
- for sweeps, a cell whose verdict is worse than at the previous sweep's revision.
The two figures are compared only when the previous revision's run passed: a failing run's
figures are no baseline (with its fallback gone, the sample's availability in the fault window
was 35% one night and 18% the next, at two commits that changed nothing but a README); its
turning red was the regression, and its figures stay on the page.
A check that flipped (passed and failed in repeats at one revision) is not a regression by
itself: the flip rate shows it. Pure logic."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from harness.history.model import FAILED, OUTCOME_ROW, PASSED, History, ScenarioAtRevision
from harness.sweep.verdicts import SEVERITY

RED = (FAILED, "aborted")
P99 = "front door p99 in the fault window"
AVAILABILITY = "front door availability in the fault window"


@dataclass(frozen=True)
class Thresholds:
    p99_pct: float = 20.0
    availability: float = 0.01


@dataclass(frozen=True)
class Regression:
    scenario: str  # or `sweep`
    what: str  # a check's name, a figure's, or a sweep cell's id
    revision: str  # the revision key where it got worse
    previous: str  # the revision key it is compared with
    was: str
    now: str


@dataclass(frozen=True)
class Turn:
    """A check that turned red (or back to green) at a revision."""

    scenario: str
    check: str
    revision: str
    red: bool  # True: turned red here; False: back to green here


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def _between(
    old: ScenarioAtRevision, new: ScenarioAtRevision, thresholds: Thresholds
) -> list[tuple[str, str, str]]:
    """(what, was, now) for everything worse in `new` than in `old`."""
    worse = [
        (check, PASSED, state)
        for check, state in new.checks.items()
        if state in RED and old.checks.get(check) == PASSED
    ]
    if old.checks.get(OUTCOME_ROW) != PASSED:
        return worse
    if (
        old.p99_ms is not None
        and new.p99_ms is not None
        and new.p99_ms > old.p99_ms * (1 + thresholds.p99_pct / 100)
    ):
        worse.append((P99, _ms(old.p99_ms), _ms(new.p99_ms)))
    if (
        old.availability is not None
        and new.availability is not None
        and old.availability - new.availability > thresholds.availability
    ):
        worse.append((AVAILABILITY, _pct(old.availability), _pct(new.availability)))
    return worse


def regressions(history: History, thresholds: Thresholds) -> list[Regression]:
    found: list[Regression] = []
    for scenario, columns in history.scenarios.items():
        for before, after in pairwise(history.revisions_of(scenario)):
            for what, was, now in _between(columns[before.key], columns[after.key], thresholds):
                found.append(Regression(scenario, what, after.key, before.key, was, now))
    for before, after in pairwise(history.sweep_revisions()):
        for cell, was, now in sweep_diff(history, before.key, after.key):
            if was and now and SEVERITY.index(now) > SEVERITY.index(was):
                found.append(Regression("sweep", cell, after.key, before.key, was, now))
    return found


def sweep_diff(history: History, before: str, after: str) -> list[tuple[str, str, str]]:
    """(cell, verdict before, verdict after) for every cell that differs; `""` where a map
    did not judge the cell."""
    old, new = history.sweeps[before].cells, history.sweeps[after].cells
    cells = list(dict.fromkeys([*old, *new]))
    return [(c, old.get(c, ""), new.get(c, "")) for c in cells if old.get(c) != new.get(c)]


def turns(history: History) -> list[Turn]:
    """Every revision where a check went from passed to red, or from red back to passed,
    and a check red at the first revision it was seen (turned red there, as far as is known)."""
    found: list[Turn] = []
    for scenario, columns in history.scenarios.items():
        for check in history.checks[scenario]:
            last: str | None = None
            for revision in history.revisions_of(scenario):
                state = columns[revision.key].checks.get(check)
                if state not in (PASSED, *RED):
                    continue  # flipped, inconclusive or not run: neither colour
                red = state in RED
                if (last is None and red) or (last is not None and (last in RED) != red):
                    found.append(Turn(scenario, check, revision.key, red))
                last = state
    return found


def newest_regressions(history: History, found: list[Regression]) -> list[Regression]:
    return [r for r in found if r.revision == history.newest.key]
