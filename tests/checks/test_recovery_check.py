"""The recovery check on hand-made observations: timed from a fault's revert, or from the kill
itself when the platform replaces the killed instance, and the replacement's readiness."""

from __future__ import annotations

from harness.checks.promise_view import PromiseView
from harness.checks.recovery import capacity_restored_s, check_recovery, fault_end
from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, FrontDoorPoint, Observations, PhaseSpan, RunEvent
from harness.scenario import ToleranceSpec

NO_PROMISE = PromiseView("gateway")  # the front door promises nothing: bound from the baseline
PHASES = [PhaseSpan("baseline", 0, 10), PhaseSpan("faults", 10, 20), PhaseSpan("recovery", 20, 40)]


def front_door(bad_seconds: set[int]) -> list[FrontDoorPoint]:
    """Twenty requests a second at 10 ms; in `bad_seconds` half of them fail."""
    histogram = LatencyHistogram()
    histogram.record(10.0, 20)
    return [
        FrontDoorPoint(
            t=t,
            requests=20,
            failures=10 if t in bad_seconds else 0,
            degraded=0,
            users=5,
            histogram=histogram.to_json(),
        )
        for t in range(40)
    ]


def kill_window(replaced: bool) -> FaultWindow:
    return FaultWindow(
        name="kill-inventory",
        fault_type="kill",
        targets=["inventory-0"],
        target_services=["inventory"],
        applied_at=12.0,
        reverted_at=20.0,  # the end of the faults phase: when the runner closes the record
        replaced=replaced,
    )


def ready_event(t: float) -> RunEvent:
    return RunEvent(t=t, source="platform", kind="ready", name="inventory-0", targets=["inventory"])


def observations(window: FaultWindow, bad_seconds: set[int], events: list[RunEvent]):
    return Observations(
        front_door=front_door(bad_seconds), phases=PHASES, faults=[window], events=events
    )


def test_a_replaced_kill_is_timed_from_the_kill_not_from_the_end_of_the_faults_phase():
    obs = observations(kill_window(replaced=True), {12, 13}, [ready_event(13.4)])
    assert fault_end(obs) == 12.0
    result = check_recovery(obs, "gateway", ToleranceSpec(), promises=NO_PROMISE, recovery_s_max=5)
    assert result.passed, result.summary
    assert result.numbers["recovery_s"] == 2.0  # seconds 12 and 13 failed, 14 and 15 good
    assert result.numbers["capacity_restored_s"] == {"kill-inventory": 1.4}
    assert "replaced and ready 1.4 s after the kill" in result.summary


def test_a_kill_without_replacement_is_timed_from_its_restore():
    obs = observations(kill_window(replaced=False), {20, 21, 22}, [])
    assert fault_end(obs) == 20.0
    result = check_recovery(obs, "gateway", ToleranceSpec(), promises=NO_PROMISE, recovery_s_max=2)
    assert not result.passed
    assert result.numbers["recovery_s"] == 3.0
    assert "longer than the bound of 2 s" in result.summary
    assert "capacity_restored_s" not in result.numbers


def test_a_replacement_that_never_became_ready_is_named():
    obs = observations(kill_window(replaced=True), set(), [ready_event(5.0)])  # before the kill
    assert capacity_restored_s(obs) == {"kill-inventory": None}
    result = check_recovery(obs, "gateway", ToleranceSpec(), promises=NO_PROMISE, recovery_s_max=5)
    assert "`kill-inventory` were not ready again" in result.summary


def test_a_front_door_that_never_settles_fails_recovery():
    window = FaultWindow("down", "down", ["gateway->inventory"], ["inventory"], 10.0, 20.0)
    every_other = {t for t in range(20, 40) if t % 2 == 0}  # never two good seconds in a row
    obs = observations(window, every_other, [])
    result = check_recovery(obs, "gateway", ToleranceSpec(), promises=NO_PROMISE, recovery_s_max=10)
    assert not result.passed
    assert result.numbers["recovery_s"] is None
    assert "did not recover within the 20.0 s observed" in result.summary
