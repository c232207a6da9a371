"""The binomial test behind every rate and quantile, and the verdict that the machine
interfered."""

from __future__ import annotations

from harness.checks.interference import judge_interference
from harness.checks.statistics import quantile_broken, quantile_rank_interval, rate_broken
from harness.latency_histogram import LatencyHistogram
from harness.observe.series import HostPoint, Observations
from tests.checks.made_observations import PHASES, front_door_series


def test_the_order_statistics_interval_of_a_p99_widens_as_samples_get_few():
    assert quantile_rank_interval(0, 0.99) is None
    low, high = quantile_rank_interval(1000, 0.99)
    assert 980 <= low < 990 < high <= 1000
    low, high = quantile_rank_interval(50, 0.99)
    assert high == 51  # fifty samples cannot bound a p99 from above


def test_a_p99_is_broken_only_when_more_than_chance_lies_above_the_bound():
    histogram = LatencyHistogram()
    histogram.record(20.0, 190)
    histogram.record(160.0, 3)  # 193 requests, p99 above 150 ms by three slow ones
    assert histogram.percentile(99) > 150
    broken, slower = quantile_broken(histogram, 193, 0.99, 150.0)
    assert (broken, slower) == (False, 3)
    histogram.record(160.0, 5)
    assert quantile_broken(histogram, 198, 0.99, 150.0)[0]
    assert not rate_broken(1, 30, 0.01) and rate_broken(2, 30, 0.01)


def host(foreign_cores: float, tick_lag_ms: float = 1.0) -> list[HostPoint]:
    return [
        HostPoint(
            t=t,
            busy_cores=0.9 + foreign_cores,
            ours_cores=0.9,
            psi_cpu_some_pct=None,
            tick_lag_ms=tick_lag_ms,
        )
        for t in range(40)
    ]


def test_a_quiet_machine_does_not_interfere():
    obs = Observations(front_door=front_door_series(), phases=PHASES, host=host(0.05))
    verdict = judge_interference(obs)
    assert not verdict.detected
    assert verdict.numbers["foreign_cores_mean"] == 0.05


def test_another_workload_on_the_cores_makes_the_run_inconclusive():
    obs = Observations(front_door=front_door_series(), phases=PHASES, host=host(1.2))
    verdict = judge_interference(obs)
    assert verdict.detected
    assert verdict.reasons == [
        "other workloads used 1.20 cores on average (at most 0.5 keeps a verdict trustworthy)"
    ]


def test_a_saturated_or_lagging_load_generator_makes_the_run_inconclusive():
    points = front_door_series()
    for point in points:
        point.load_cpu = 0.97 if point.t % 3 == 0 else 0.4
        point.load_lag_ms = 250.0 if point.t % 5 == 0 else 2.0
    verdict = judge_interference(Observations(front_door=points, phases=PHASES, host=host(0.0)))
    assert verdict.detected
    assert len(verdict.reasons) == 2
    assert "the load generator used ≥90% of a core in 33% of seconds" in verdict.reasons[0]
    assert "event loop ran ≥100 ms late in 20% of seconds" in verdict.reasons[1]
