"""How an experiment arm differs from a control arm that served the same load in the same
seconds (issue 24): the statistics, and nothing else. Pure logic.

Both questions a split run asks are about a rate: the share of requests that failed, or that
were slower than a bound (a promised p99, say). So every comparison here is of two proportions,
experiment minus control, against a margin `delta` (the scenario's tolerance):

- **worse**: the experiment's rate exceeds the control's by more than `delta`;
- **within**: it exceeds it by less than `delta` (or not at all);
- undecided, when the evidence allows both.

Two tests, with their error rates stated:

- `fixed_verdict`, at the end of a fixed window: Newcombe's hybrid score interval for a
  difference of two proportions (method 10 of Newcombe 1998), at confidence `1 - alpha` two-sided.
  Declaring `worse` when the truth is `within`, or the reverse, happens at most `alpha / 2` of the
  time each (asymptotically; the score interval keeps close to it down to a few events).
- `sequential_verdict`, looked at every second of the fault phase, which may stop as soon as it
  is decided: a confidence sequence for each arm's rate, anytime-valid (the Beta-mixture
  likelihood ratio for a Bernoulli rate, Robbins 1970), each at `alpha / 2`, so the difference's
  interval covers the truth at *every* second at once with probability at least `1 - alpha`,
  however often it is looked at. A verdict that stops early is therefore wrong at most `alpha`
  of the time, where a fixed-window test peeked at every second would be wrong far more often.
  The price is width: it needs more requests than the fixed test to decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

Verdict = Literal["worse", "within"]
WORSE: Verdict = "worse"
WITHIN: Verdict = "within"
# each wrong verdict at most 2.5% of the time: the one-sided 0.025 of non-inferiority trials
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class ArmCounts:
    """Requests one arm served in a window, and how many of them were bad (failed, or slow)."""

    requests: int
    bad: int

    def __post_init__(self) -> None:
        if self.requests < 0 or not 0 <= self.bad <= self.requests:
            raise ValueError(f"bad ({self.bad}) must lie within 0..requests ({self.requests})")

    @property
    def rate(self) -> float:
        return self.bad / self.requests if self.requests else 0.0

    def __add__(self, other: ArmCounts) -> ArmCounts:
        return ArmCounts(self.requests + other.requests, self.bad + other.bad)


@dataclass(frozen=True)
class Difference:
    """Experiment's rate minus control's, with an interval, and what it decides."""

    estimate: float
    low: float
    high: float
    verdict: Verdict | None  # None: undecided

    def describe(self, delta: float) -> str:
        said = {WORSE: "worse", WITHIN: "within the margin", None: "undecided"}[self.verdict]
        return (
            f"experiment − control {self.estimate:+.2%} (interval {self.low:+.2%} … "
            f"{self.high:+.2%}; margin {delta:.2%}): {said}"
        )


def _decide(low: float, high: float, delta: float) -> Verdict | None:
    if low > delta:
        return WORSE
    if high < delta:
        return WITHIN
    return None


def wilson_interval(counts: ArmCounts, alpha: float) -> tuple[float, float]:
    """Wilson's score interval for one proportion, two-sided at `1 - alpha`."""
    if counts.requests == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - alpha / 2)
    n, p = counts.requests, counts.rate
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def fixed_verdict(
    experiment: ArmCounts, control: ArmCounts, delta: float, alpha: float = DEFAULT_ALPHA
) -> Difference:
    """Newcombe's hybrid score interval for experiment − control, at the end of the window."""
    p1, p2 = experiment.rate, control.rate
    l1, u1 = wilson_interval(experiment, alpha)
    l2, u2 = wilson_interval(control, alpha)
    estimate = p1 - p2
    low = estimate - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = estimate + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(estimate, low, high, _decide(low, high, delta))


def confidence_sequence(counts: ArmCounts, alpha: float) -> tuple[float, float]:
    """A two-sided confidence sequence for one arm's rate: the interval holds at every count at
    once with probability at least `1 - alpha`. It is the set of rates p whose likelihood the
    Beta(1, 1) mixture of Bernoulli likelihoods beats by less than 1/alpha (the mixture over p
    of the likelihood ratio is a martingale under p; Ville's inequality), so like a score
    interval it narrows to a few events near a rate of 0, where failures are rare."""
    n, bad = counts.requests, counts.bad
    if n == 0:
        return 0.0, 1.0
    # log of the mixture's marginal likelihood: B(1 + bad, 1 + n - bad) / B(1, 1)
    log_mixture = math.lgamma(1 + bad) + math.lgamma(1 + n - bad) - math.lgamma(2 + n)
    threshold = math.log(1 / alpha)

    def outside(p: float) -> bool:  # the mixture beats p by 1/alpha or more
        log_p = bad * math.log(p) if bad else 0.0
        log_q = (n - bad) * math.log1p(-p) if n - bad else 0.0
        return log_mixture - (log_p + log_q) >= threshold

    centre = bad / n
    low = 0.0 if bad == 0 else _edge(outside, inside=centre, out=0.0)
    high = 1.0 if bad == n else _edge(outside, inside=centre, out=1.0)
    return low, high


def _edge(outside, inside: float, out: float, steps: int = 50) -> float:
    """Bisection for where `outside` turns true between `inside` and `out` (it is monotone
    there: the log likelihood ratio is convex in p with its minimum at the estimate)."""
    for _ in range(steps):
        middle = (inside + out) / 2
        if middle in (0.0, 1.0) or outside(middle):
            out = middle
        else:
            inside = middle
    return out


def sequential_verdict(
    experiment: ArmCounts, control: ArmCounts, delta: float, alpha: float = DEFAULT_ALPHA
) -> Difference:
    """The anytime-valid interval for experiment − control so far: each arm's confidence
    sequence at `alpha / 2`, so both hold at every look at once with probability `1 - alpha`."""
    low_e, high_e = confidence_sequence(experiment, alpha / 2)
    low_c, high_c = confidence_sequence(control, alpha / 2)
    estimate = experiment.rate - control.rate
    low, high = low_e - high_c, high_e - low_c
    return Difference(estimate, low, high, _decide(low, high, delta))


def first_decision(
    seconds: list[tuple[ArmCounts, ArmCounts]], delta: float, alpha: float = DEFAULT_ALPHA
) -> tuple[int | None, Difference]:
    """Look after every second (experiment, control counts of that second): the index of the
    first second a verdict is reached, and the difference there (None and the whole window's
    difference when none is reached)."""
    experiment, control = ArmCounts(0, 0), ArmCounts(0, 0)
    difference = sequential_verdict(experiment, control, delta, alpha)
    for index, (exp_second, ctl_second) in enumerate(seconds):
        experiment, control = experiment + exp_second, control + ctl_second
        difference = sequential_verdict(experiment, control, delta, alpha)
        if difference.verdict is not None:
            return index, difference
    return None, difference
