"""When a count is evidence: the binomial test every check judges rates and quantiles with.

A promise of 99 % availability is broken when the failures seen would be unlikely (under 5 %) had
the real failure rate been 1 %. A latency quantile is judged the same way, because "p99 ≤ B" says
that at most 1 % of requests take longer than B: the requests slower than B are the failures. That
is the order-statistics confidence interval of the quantile, read as a test: a p99 of 152 ms over
193 requests against a 150 ms bound (two or three slow requests) proves nothing; a p99 whose whole
interval lies above the bound does.
"""

from __future__ import annotations

import math
from typing import Protocol

# How sure the counts must make us that the real rate is above the promised one.
CONFIDENCE = 0.95


def binomial_tail(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p)."""
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    mean = trials * p
    variance = mean * (1 - p)
    if successes > 500 and variance > 25:  # the normal approximation is accurate there
        z = (successes - 0.5 - mean) / math.sqrt(variance)
        return 0.5 * math.erfc(z / math.sqrt(2))
    below = 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_trials = math.lgamma(trials + 1)
    for k in range(successes):
        below += math.exp(
            log_trials
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + k * log_p
            + (trials - k) * log_q
        )
    return max(0.0, 1.0 - below)


def rate_broken(events: float, trials: float, rate_max: float) -> bool:
    """True when `events` in `trials` would be unlikely (< 5 %) had the real rate been
    `rate_max`: the observed rate is above the bound by more than chance allows."""
    if trials <= 0 or events <= 0:
        return False
    return binomial_tail(round(events), int(trials), rate_max) < 1 - CONFIDENCE


def availability_broken(failures: float, requests: float, availability: float) -> bool:
    """True when this many failures would be unlikely (< 5%) had the promise held."""
    return rate_broken(failures, requests, 1.0 - availability)


class LatencyCounts(Protocol):
    """A latency distribution that can say how many requests were slower than a bound."""

    def count_above_ms(self, bound_ms: float) -> float | None: ...


def quantile_broken(
    latencies: LatencyCounts | None, requests: float, quantile: float, bound_ms: float
) -> tuple[bool, float | None]:
    """Whether the `quantile` (0.99 for a p99) is above `bound_ms` beyond chance, and how many
    requests were slower than the bound (None when the distribution is unknown)."""
    if latencies is None or requests <= 0:
        return False, None
    slower = latencies.count_above_ms(bound_ms)
    if slower is None:
        return False, None
    return rate_broken(slower, requests, 1.0 - quantile), slower


def _at_least(rank: int, count: int, quantile: float) -> float:
    """P(Binomial(count, quantile) >= rank), summed over the short tail (a p99's is 1 %)."""
    if quantile <= 0.5:
        return binomial_tail(rank, count, quantile)
    return 1.0 - binomial_tail(count - rank + 1, count, 1.0 - quantile)


def quantile_rank_interval(count: int, quantile: float) -> tuple[int, int] | None:
    """The 1-based ranks of the order statistics bounding the `quantile` with 95 % confidence
    (two-sided); the upper rank is `count + 1` when there are too few samples to bound it from
    above. None for an empty sample.

    The r-th smallest of `count` samples lies below the true quantile with probability
    P(Binomial(count, quantile) >= r); the ranks searched are those within six standard
    deviations of `count × quantile`, where every answer lies."""
    if count <= 0:
        return None
    half = (1 - CONFIDENCE) / 2
    centre = count * quantile
    spread = 6 * math.sqrt(max(count * quantile * (1 - quantile), 1.0)) + 2
    low_rank = max(1, int(centre - spread))
    high_rank = min(count, int(centre + spread) + 1)
    lower = low_rank if _at_least(low_rank, count, quantile) >= 1 - half else 1
    for rank in range(high_rank, low_rank - 1, -1):
        if _at_least(rank, count, quantile) >= 1 - half:
            lower = rank
            break
    upper = count + 1
    for rank in range(max(lower, low_rank), high_rank + 1):
        if _at_least(rank, count, quantile) <= half:
            upper = rank
            break
    return lower, upper
