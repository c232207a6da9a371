"""A small, mergeable latency histogram with log-linear buckets.

Buckets are addressed by an integer index so that histograms from different seconds, endpoints
or processes merge by adding counts, and serialise as a sparse ``{index: count}`` mapping.

Layout (fixed: both ends of the load stream must agree on it):

- indices ``0 .. 99``: linear buckets 0.1 ms wide covering ``[0, 10)`` ms. Loopback requests take
  a few hundred microseconds to a few milliseconds, so a coarser linear part would hide them.
- indices ``100 ..``: geometric buckets, each 5% wider than the last, from 10 ms up to 120 s.
- the last index collects everything at or above 120 s (a request that slow is a timeout anyway).

A percentile is answered with the geometric middle of its bucket, so the answer is within 2.5% of
a real sample above 10 ms and within 0.05 ms below it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

LINEAR_STEP_MS = 0.1
LINEAR_LIMIT_MS = 10.0
GROWTH_FACTOR = 1.05
MAX_LATENCY_MS = 120_000.0

_LINEAR_BUCKETS = round(LINEAR_LIMIT_MS / LINEAR_STEP_MS)
_LOG_GROWTH = math.log(GROWTH_FACTOR)
_LOG_BUCKETS = math.ceil(math.log(MAX_LATENCY_MS / LINEAR_LIMIT_MS) / _LOG_GROWTH)
OVERFLOW_INDEX = _LINEAR_BUCKETS + _LOG_BUCKETS


def bucket_index(latency_ms: float) -> int:
    """Return the index of the bucket that holds `latency_ms` (negative and NaN count as 0)."""
    if not latency_ms > 0.0:  # also catches NaN
        return 0
    if latency_ms < LINEAR_LIMIT_MS:
        return int(latency_ms / LINEAR_STEP_MS)
    if latency_ms >= MAX_LATENCY_MS:
        return OVERFLOW_INDEX
    offset = int(math.log(latency_ms / LINEAR_LIMIT_MS) / _LOG_GROWTH)
    return min(_LINEAR_BUCKETS + offset, OVERFLOW_INDEX - 1)


def bucket_bounds_ms(index: int) -> tuple[float, float]:
    """Return the `[lower, upper)` latency range of bucket `index` in milliseconds."""
    if index < 0 or index > OVERFLOW_INDEX:
        raise ValueError(f"Bucket index {index} is outside 0..{OVERFLOW_INDEX}.")
    if index < _LINEAR_BUCKETS:
        return index * LINEAR_STEP_MS, (index + 1) * LINEAR_STEP_MS
    if index == OVERFLOW_INDEX:
        return MAX_LATENCY_MS, math.inf
    offset = index - _LINEAR_BUCKETS
    lower_ms = LINEAR_LIMIT_MS * GROWTH_FACTOR**offset
    return lower_ms, min(lower_ms * GROWTH_FACTOR, MAX_LATENCY_MS)


def bucket_value_ms(index: int) -> float:
    """Return the value that stands for every sample in bucket `index`."""
    lower_ms, upper_ms = bucket_bounds_ms(index)
    if index < _LINEAR_BUCKETS:
        return (lower_ms + upper_ms) / 2
    if index == OVERFLOW_INDEX:
        return MAX_LATENCY_MS
    # The geometric middle halves the worst relative error of a log-width bucket.
    return math.sqrt(lower_ms * upper_ms)


class LatencyHistogram:
    """Counts of latencies per bucket; mergeable and serialisable as a sparse mapping."""

    __slots__ = ("_count", "_counts")

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self._counts: dict[int, int] = {}
        self._count = 0
        if counts:
            for index, n in counts.items():
                self._add(int(index), int(n))

    def _add(self, index: int, n: int) -> None:
        if n < 0:
            raise ValueError(f"A bucket count cannot be negative (bucket {index}: {n}).")
        if index < 0 or index > OVERFLOW_INDEX:
            raise ValueError(f"Bucket index {index} is outside 0..{OVERFLOW_INDEX}.")
        if n:
            self._counts[index] = self._counts.get(index, 0) + n
            self._count += n

    def record(self, latency_ms: float, count: int = 1) -> None:
        """Count `count` samples of `latency_ms`."""
        self._add(bucket_index(latency_ms), count)

    def record_many(self, latencies_ms: Iterable[float]) -> None:
        for latency_ms in latencies_ms:
            self._add(bucket_index(latency_ms), 1)

    def merge(self, other: LatencyHistogram) -> LatencyHistogram:
        """Add `other`'s counts to this histogram and return this histogram."""
        for index, n in other._counts.items():
            self._add(index, n)
        return self

    def copy(self) -> LatencyHistogram:
        return LatencyHistogram(self._counts)

    @property
    def count(self) -> int:
        return self._count

    def percentile(self, q: float) -> float:
        """Return the latency in ms at percentile `q` (0..100), by nearest rank.

        Raises ValueError on an empty histogram: there is no honest number to give.
        """
        if not 0.0 <= q <= 100.0:
            raise ValueError(f"A percentile must be within 0..100, not {q}.")
        if self._count == 0:
            raise ValueError("An empty histogram has no percentiles.")
        return self.value_at_rank(max(1, math.ceil(q / 100.0 * self._count)))

    def value_at_rank(self, rank: int) -> float:
        """The value standing for the `rank`-th smallest sample (1-based, clamped to the
        count); raises ValueError on an empty histogram."""
        if self._count == 0:
            raise ValueError("An empty histogram has no ranks.")
        rank = min(max(rank, 1), self._count)
        seen = 0
        for index in sorted(self._counts):
            seen += self._counts[index]
            if seen >= rank:
                return bucket_value_ms(index)
        raise AssertionError("unreachable: ranks never exceed the total count")

    def count_above_ms(self, bound_ms: float) -> int:
        """How many samples stand for a value above `bound_ms` (the values `percentile` gives,
        so "p99 above the bound" and "more than 1 % above the bound" always agree)."""
        return sum(n for index, n in self._counts.items() if bucket_value_ms(index) > bound_ms)

    def to_json(self) -> dict[str, int]:
        """Return the sparse `{index: count}` form (keys are strings, as JSON requires)."""
        return {str(index): n for index, n in sorted(self._counts.items())}

    @classmethod
    def from_json(cls, data: Mapping[str, int]) -> LatencyHistogram:
        """Rebuild a histogram from `to_json()` output; raise ValueError if it is malformed."""
        if not isinstance(data, Mapping):
            raise ValueError(f"A histogram must be a mapping of index to count, not {data!r}.")
        try:
            return cls({int(index): int(n) for index, n in data.items()})
        except (TypeError, ValueError) as error:
            raise ValueError(f"Malformed histogram {data!r}: {error}") from error

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyHistogram):
            return NotImplemented
        return self._counts == other._counts

    def __repr__(self) -> str:
        return f"LatencyHistogram(count={self._count}, buckets={len(self._counts)})"
