"""The latency histogram: buckets, percentiles against numpy, merging and its JSON form."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from harness.latency_histogram import (
    OVERFLOW_INDEX,
    LatencyHistogram,
    bucket_bounds_ms,
    bucket_index,
    bucket_value_ms,
)


def test_every_bucket_holds_the_values_between_its_bounds() -> None:
    for index in range(OVERFLOW_INDEX):
        lower_ms, upper_ms = bucket_bounds_ms(index)
        assert bucket_index(lower_ms * 1.000001 if lower_ms else 0.0) == index
        assert bucket_index(upper_ms * 0.999999) == index
        assert lower_ms <= bucket_value_ms(index) < upper_ms


def test_buckets_are_contiguous_and_increasing() -> None:
    previous_upper_ms = 0.0
    for index in range(OVERFLOW_INDEX + 1):
        lower_ms, upper_ms = bucket_bounds_ms(index)
        assert lower_ms == pytest.approx(previous_upper_ms)
        assert upper_ms > lower_ms
        previous_upper_ms = upper_ms
    assert previous_upper_ms == math.inf


def test_log_buckets_are_at_most_five_percent_wide() -> None:
    for index in range(100, OVERFLOW_INDEX):
        lower_ms, upper_ms = bucket_bounds_ms(index)
        assert upper_ms / lower_ms <= 1.05 + 1e-9


@pytest.mark.parametrize("latency_ms", [-5.0, float("nan"), 0.0])
def test_nonsense_latencies_count_in_the_first_bucket(latency_ms: float) -> None:
    assert bucket_index(latency_ms) == 0


def test_latencies_beyond_the_range_count_in_the_overflow_bucket() -> None:
    assert bucket_index(120_000.0) == OVERFLOW_INDEX
    assert bucket_index(10**9) == OVERFLOW_INDEX
    histogram = LatencyHistogram()
    histogram.record(500_000.0)
    assert histogram.percentile(50) == 120_000.0


def _samples(rng: random.Random, n: int) -> list[float]:
    # A realistic mix: a fast loopback mode, a service mode and a long tail.
    samples = [rng.lognormvariate(math.log(40.0), 0.6) for _ in range(n)]
    samples += [rng.uniform(1.0, 9.0) for _ in range(n // 4)]
    samples += [rng.paretovariate(1.5) * 200.0 for _ in range(n // 20)]
    return samples


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("q", [1, 10, 25, 50, 75, 90, 95, 99, 99.9])
def test_percentiles_are_within_five_percent_of_numpy(seed: int, q: float) -> None:
    samples = _samples(random.Random(seed), 20_000)
    histogram = LatencyHistogram()
    histogram.record_many(samples)
    expected_ms = float(np.percentile(samples, q, method="inverted_cdf"))
    assert histogram.percentile(q) == pytest.approx(expected_ms, rel=0.05)


def test_percentiles_below_ten_ms_are_within_a_twentieth_of_a_ms() -> None:
    rng = random.Random(7)
    samples = [rng.uniform(0.05, 10.0) for _ in range(5_000)]
    histogram = LatencyHistogram()
    histogram.record_many(samples)
    for q in (5, 50, 95):
        expected_ms = float(np.percentile(samples, q, method="inverted_cdf"))
        assert abs(histogram.percentile(q) - expected_ms) <= 0.05 + 1e-9


def test_percentile_zero_and_hundred_are_the_extreme_buckets() -> None:
    histogram = LatencyHistogram()
    histogram.record_many([3.0, 50.0, 700.0])
    assert histogram.percentile(0) == pytest.approx(3.0, abs=0.05)
    assert histogram.percentile(100) == pytest.approx(700.0, rel=0.025)


def test_an_empty_histogram_has_no_percentile() -> None:
    with pytest.raises(ValueError, match="empty"):
        LatencyHistogram().percentile(50)


@pytest.mark.parametrize("q", [-1, 100.5])
def test_a_percentile_outside_0_to_100_is_refused(q: float) -> None:
    histogram = LatencyHistogram()
    histogram.record(1.0)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        histogram.percentile(q)


def test_merging_equals_recording_everything_in_one_histogram() -> None:
    rng = random.Random(11)
    parts = [_samples(rng, 1_000) for _ in range(4)]
    merged = LatencyHistogram()
    for part in parts:
        histogram = LatencyHistogram()
        histogram.record_many(part)
        merged.merge(histogram)
    whole = LatencyHistogram()
    whole.record_many([s for part in parts for s in part])
    assert merged == whole
    assert merged.count == whole.count == sum(len(p) for p in parts)
    assert merged.percentile(99) == whole.percentile(99)


def test_merge_leaves_the_other_histogram_untouched() -> None:
    a, b = LatencyHistogram(), LatencyHistogram()
    b.record(5.0)
    a.merge(b)
    a.record(7.0)
    assert b.count == 1


def test_json_round_trip_is_sparse_and_exact() -> None:
    histogram = LatencyHistogram()
    histogram.record_many([0.3, 0.3, 12.0, 250.0, 250.0, 250.0])
    data = histogram.to_json()
    assert len(data) == 3
    assert sum(data.values()) == 6
    rebuilt = LatencyHistogram.from_json(json.loads(json.dumps(data)))
    assert rebuilt == histogram
    assert rebuilt.count == 6


def test_record_with_a_count_adds_that_many_samples() -> None:
    histogram = LatencyHistogram()
    histogram.record(42.0, count=10)
    assert histogram.count == 10


@pytest.mark.parametrize(
    "data", [{"x": 1}, {"5": -1}, {str(OVERFLOW_INDEX + 1): 1}, {"-1": 1}, [1, 2]]
)
def test_malformed_json_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        LatencyHistogram.from_json(data)  # type: ignore[arg-type]
