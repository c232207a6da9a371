"""A split sweep's cells (issue 24): `firebreak sweep --split` deploys once with the entrypoint's
replicas halved (`plan_sweep_split`), so a cell on one of the entrypoint's edges has a control
arm serving the same load in the same seconds, and its front door is judged as the difference,
as a split run's is (checks/split_arms.py). Every other cell is judged over time, as in a plain
sweep. Pure logic.

How the difference enters the cell's verdict, mirroring a split run's outcome
(checks/split_outcome.py):
- the experiment decided worse than the control: `spread` to the front door, whatever the
  time-based checks said;
- on a busy machine the time-based checks cannot be trusted: a difference decided within the
  margin gives the cell its verdict from what counts events (`degraded` when the experiment's
  answers carried fallbacks, `spread` when a promised failure answer was wrong, else `held`);
  an undecided one leaves it `no evidence`, as before;
- the arms unlike before the fault: `no evidence`.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.checks.base import CheckResult
from harness.checks.split_arms import arm_seconds, decided_worse, worse_summary
from harness.checks.split_outcome import UNDECIDED
from harness.observe.series import Observations
from harness.split_plan import EXPERIMENT, SplitPlan
from harness.sweep.verdicts import DEGRADED, HELD, NO_EVIDENCE, SPREAD, CellResult


def with_arms(
    result: CellResult,
    split_checks: Sequence[CheckResult],
    unlike: str | None,
    counted: Sequence[CheckResult],
    busy: bool,
    view: Observations,
    plan: SplitPlan,
    entrypoint: str,
) -> CellResult:
    """The cell's verdict with its arms' difference (see the module docstring). `counted` are
    the cell's checks that count events, which a busy machine does not move."""
    result.numbers["split"] = {c.name: c.numbers for c in split_checks}
    result.numbers.setdefault("checks", {}).update({c.name: c.summary for c in split_checks})
    if unlike is not None:
        result.verdict, result.summary = NO_EVIDENCE, f"Not judged: {unlike}."
        return result
    if not split_checks:
        return result
    said = " ".join(c.summary for c in split_checks)
    worse = decided_worse(split_checks)
    undecided = [c for c in split_checks if c.numbers.get("verdict") == UNDECIDED]
    result.failed_checks += [c.name for c in worse]
    if worse:
        result.verdict = SPREAD
        result.reach = sorted(set(result.reach) | {entrypoint}, key=lambda s: (s == entrypoint, s))
        result.summary = worse_summary(worse)
    elif busy and undecided:
        result.summary += f" The arms' difference stayed undecided: {said}"
    elif busy:
        wrong = [c for c in counted if c.kind == "failure_answer" and not c.passed]
        if wrong:
            result.verdict = SPREAD
            result.reach = [entrypoint]
        else:
            result.verdict = DEGRADED if _experiment_degraded(view, plan) else HELD
        result.summary = f"The machine was busy, so the time-based checks are set aside. {said}"
    return result


def _experiment_degraded(view: Observations, plan: SplitPlan) -> bool:
    """Whether the experiment arm's answers carried a fallback's mark during the fault."""
    if not view.faults:
        return False
    window = view.faults[0]
    seconds = arm_seconds(view, window.applied_at, window.reverted_at or window.applied_at)
    served = plan.served_by(EXPERIMENT)
    return any(s.servers[r].degraded for s in seconds for r in served if r in s.servers)
