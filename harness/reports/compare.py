"""Compare two runs of a scenario: what got worse from a baseline run to the current one.

Compared, all "lower is better": front-door p99, error rate and degraded rate in the baseline and
faults phases, the longest recovery time (recovery checks' `recovery_s`), and the blast radius
(services whose state was "spread" for any fault).

A metric regresses when `current > baseline * (1 + max_regression) + floor`. The floor is a
small absolute slack per metric: without it an error rate going from 0 to one failed request
in ten thousand would be an infinite relative regression, and jitter of a millisecond on a
5 ms p99 would be 20%. A metric missing from either run is shown but never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.errors import InputError
from harness.reports.journal import Journal
from harness.reports.summary import PhaseFigures, phase_figures, recovery_times_s, spread_services

# metric -> absolute slack, in the metric's own unit. Sized to the noise of one run on a shared
# machine: half a point of errors, a point of degraded answers (a breaker's probe or two),
# 5 ms of p99, and half a second of recovery (it is measured in whole seconds).
FLOORS = {"p99_ms": 5.0, "error_rate": 0.005, "degraded_rate": 0.01, "recovery_s": 0.5}


@dataclass
class MetricChange:
    metric: str  # e.g. "faults p99 ms"
    unit: str  # "ms", "%", "s", "services"
    baseline: float | None
    current: float | None
    regressed: bool

    @property
    def change(self) -> float | None:
        """Relative change, current over baseline minus one (None when undefined)."""
        if self.baseline is None or self.current is None or self.baseline == 0:
            return None
        return self.current / self.baseline - 1


@dataclass
class Comparison:
    baseline_run: str
    current_run: str
    max_regression: float
    changes: list[MetricChange]

    @property
    def regressions(self) -> list[MetricChange]:
        return [c for c in self.changes if c.regressed]


def parse_fraction(text: str) -> float:
    """`10%` or `0.1` → 0.1; anything else is an InputError (exit 2)."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InputError(
            f"`--max-regression {text}` is not a number; expected a share such as `10%` or `0.1`.",
            field="max-regression",
        ) from None
    if value < 0:
        raise InputError(
            f"`--max-regression {text}` is negative; expected 0% or more.", field="max-regression"
        )
    return value


def _figures(journal: Journal, phase: str) -> PhaseFigures | None:
    return next((f for f in phase_figures(journal) if f.phase == phase), None)


def _worse(metric_key: str, baseline: float | None, current: float | None, bound: float) -> bool:
    if baseline is None or current is None:
        return False
    return current > baseline * (1 + bound) + FLOORS.get(metric_key, 0.0)


def _longest_recovery_s(journal: Journal) -> float | None:
    recoveries = recovery_times_s(journal)
    return max(recoveries.values()) if recoveries else None


def compare_journals(baseline: Journal, current: Journal, max_regression: float) -> Comparison:
    """Every compared metric of both runs, each marked regressed or not."""
    changes: list[MetricChange] = []
    per_phase: list[tuple[str, str, Callable[[PhaseFigures], float | None], str]] = [
        ("p99_ms", "p99 ms", lambda f: f.p99_ms, "ms"),
        ("error_rate", "error rate", lambda f: f.error_rate, "%"),
        ("degraded_rate", "degraded rate", lambda f: f.degraded_rate, "%"),
    ]
    for phase in ("baseline", "faults"):
        before, after = _figures(baseline, phase), _figures(current, phase)
        for key, label, value_of, unit in per_phase:
            old = value_of(before) if before else None
            new = value_of(after) if after else None
            changes.append(
                MetricChange(
                    f"{phase} {label}", unit, old, new, _worse(key, old, new, max_regression)
                )
            )
    old_recovery, new_recovery = _longest_recovery_s(baseline), _longest_recovery_s(current)
    changes.append(
        MetricChange(
            "longest recovery s",
            "s",
            old_recovery,
            new_recovery,
            _worse("recovery_s", old_recovery, new_recovery, max_regression),
        )
    )
    old_radius, new_radius = len(spread_services(baseline)), len(spread_services(current))
    changes.append(
        MetricChange(
            "blast radius (services spread to)",
            "services",
            old_radius,
            new_radius,
            _worse("blast_radius", old_radius, new_radius, max_regression),
        )
    )
    return Comparison(baseline.run_id, current.run_id, max_regression, changes)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.2%}"
    if unit == "services":
        return f"{value:.0f}"
    return f"{value:.1f}"


def format_change(change: MetricChange) -> str:
    relative = change.change
    if relative is None:
        if change.baseline is not None and change.current is not None:
            return "=" if change.current == change.baseline else f"+{change.current:g} from 0"
        return "–"
    return f"{relative:+.1%}"
