"""The failure-answer check on hand-made observations: while `gateway->catalog` is cut (from
t=20 s to t=30 s), product pages must answer the promised 503, or carry the promised marker."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.checks.evaluate import evaluate
from harness.checks.failure_answers import check_failure_answers
from harness.checks.promise_view import resolve_promises
from harness.checks.promises import check_promises
from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, FrontDoorPoint, Observations, RunEvent
from harness.scenario import Expectations
from tests.checks.made_observations import PHASES

PAGE = "GET /products/{id}"
CATALOG_CUT = FaultWindow(
    "catalog-unreachable",
    "down",
    ["gateway->catalog"],
    ["catalog"],
    applied_at=20.0,
    reverted_at=30.01,
    cut_edges=["gateway->catalog"],
)
# the fault's own events: Toxiproxy confirmed the cut 5 ms after it was asked for
CUT_EVENTS = [
    RunEvent(20.0, "fault", "applied", "catalog-unreachable", ["gateway->catalog"], "", 5.0),
    RunEvent(30.0, "fault", "reverted", "catalog-unreachable", ["gateway->catalog"], "", 3.0),
]


def gateway_promises(fallback: dict | None = None) -> dict:
    catalog = fallback or {"answer": "503 Service Unavailable", "degraded_marker": None}
    return {
        "gateway": {
            "endpoints": [
                {
                    "method": "GET",
                    "route": "/products/{id}",
                    "availability": 0.99,
                    "on_dependency_failure": {"catalog": catalog},
                    "source": "published at /promise",
                }
            ],
            "problems": [],
        }
    }


Answers = Callable[[int], tuple[dict[str, int], dict[str, int]]]


def healthy_then_promised_503(t: int) -> tuple[dict[str, int], dict[str, int]]:
    """20 pages a second: 200 before and after the cut, 503 while it holds; (statuses, markers)."""
    return ({"503": 20} if 20 <= t < 30 else {"200": 20}), {}


def observations(
    answers: Answers = healthy_then_promised_503,
    promises: dict | None = None,
    faults: list[FaultWindow] | None = None,
    with_statuses: bool = True,
) -> Observations:
    points = []
    for t in range(40):
        statuses, markers = answers(t)
        requests = sum(statuses.values())
        failures = sum(c for s, c in statuses.items() if s == "none" or s >= "500")
        degraded = sum(markers.values())
        histogram = LatencyHistogram()
        histogram.record(12.0, requests)
        figures = {
            "requests": requests,
            "failures": failures,
            "degraded": degraded,
            "histogram": histogram.to_json(),
            "markers": markers,
        }
        if with_statuses:
            ok = sum(c for s, c in statuses.items() if s[0] in "23")
            figures |= {"statuses": statuses, "whole_ok": ok - degraded}
        points.append(
            FrontDoorPoint(
                t, requests, failures, degraded, 10, histogram.to_json(), {PAGE: figures}
            )
        )
    return Observations(
        front_door=points,
        phases=PHASES,
        faults=[CATALOG_CUT] if faults is None else faults,
        events=list(CUT_EVENTS),
        promises=gateway_promises() if promises is None else promises,
    )


def the_check(obs: Observations):
    results, _notes = check_failure_answers(obs, "gateway")
    (result,) = results
    assert result.kind == "failure_answer"
    return result


def test_the_promised_503_while_the_catalog_is_cut_keeps_the_promise():
    result = the_check(observations())
    assert result.passed, result.summary
    assert result.name == "failure answer gateway GET /products/{id} (catalog-unreachable)"
    # whole seconds from 1 s after the confirmed cut (20.005 s) to the revert: t = 22 … 29
    assert (result.numbers["seconds"], result.numbers["answers_with_status"]) == (8, 160)
    assert result.numbers["promised_status"] == 160
    assert "answered 503 as promised" in result.summary and "judged from" in result.summary


def test_a_200_with_an_error_body_where_503_was_promised_fails_with_the_numbers():
    def error_body_200(t: int):
        return {"200": 20}, {}  # the gateway hides the outage behind a 200

    result = the_check(observations(error_body_200))
    assert not result.passed
    assert "answered 200 where 503 was promised: 160 of 160 (160 not marked degraded at all)" in (
        result.summary
    )
    assert result.numbers["successes_unexplained"] == 160


def test_a_few_successes_are_never_ignored():
    def two_successes(t: int):
        if t == 25:
            return {"503": 18, "200": 2}, {}
        return healthy_then_promised_503(t)

    result = the_check(observations(two_successes))
    assert not result.passed
    assert "answered 200 where 503 was promised: 2 of 160" in result.summary


def test_the_first_second_after_the_cut_and_the_second_of_its_revert_are_not_judged():
    def stragglers(t: int):
        if t in (20, 30):  # in flight when the cut took hold, and answered after the revert
            return {"200": 20}, {}
        return healthy_then_promised_503(t)

    assert the_check(observations(stragglers)).passed


def test_answers_marked_with_the_promised_marker_keep_the_promise_and_unmarked_ones_do_not():
    cached = {"answer": "503 Service Unavailable", "degraded_marker": "catalog-cache"}

    def served_from_cache(t: int):
        if 20 <= t < 30:
            return {"200": 20}, {"catalog-cache": 15}  # 5 of them unmarked
        return {"200": 20}, {}

    result = the_check(observations(served_from_cache, gateway_promises(cached)))
    assert not result.passed
    assert "answered 200 and not marked `catalog-cache` where 503 was promised: 40 of 160" in (
        result.summary
    )

    def all_marked(t: int):
        return ({"200": 20}, {"catalog-cache": 20}) if 20 <= t < 30 else ({"200": 20}, {})

    assert the_check(observations(all_marked, gateway_promises(cached))).passed


def test_resets_where_503_was_promised_break_it_beyond_chance_and_a_stray_one_does_not():
    def resets(t: int):
        return ({"none": 20} if 20 <= t < 30 else {"200": 20}), {}

    result = the_check(observations(resets))
    assert not result.passed
    assert "answered otherwise where 503 was promised: no answer: 160 of 160" in result.summary

    def one_500(t: int):
        return ({"503": 19, "500": 1} if t == 22 else healthy_then_promised_503(t)[0]), {}

    stray = the_check(observations(one_500))
    assert stray.passed and stray.numbers["other"] == 1


def test_no_answer_of_the_endpoint_while_the_cut_held_is_no_evidence():
    def silent(t: int):
        return ({} if 20 <= t < 30 else {"200": 20}), {}

    result = the_check(observations(silent))
    assert not result.passed and "no evidence" in result.summary


def test_a_journal_without_statuses_is_no_evidence_not_a_pass():
    result = the_check(observations(with_statuses=False))
    assert not result.passed
    assert "no evidence: the load recorded no answer statuses" in result.summary


def test_a_cut_too_short_to_leave_a_whole_second_is_no_evidence():
    short = FaultWindow(
        "blip",
        "down",
        ["gateway->catalog"],
        ["catalog"],
        20.2,
        21.5,
        cut_edges=["gateway->catalog"],
    )
    result = the_check(observations(faults=[short]))
    assert not result.passed and "no whole second of the cut" in result.summary


@pytest.mark.parametrize(
    "window",
    [
        # slow, not cut: the other checks judge it
        FaultWindow("slow", "latency", ["gateway->catalog"], ["catalog"], 20.0, 30.0),
        # cut, but the promise names no status for inventory
        FaultWindow(
            "inv",
            "down",
            ["gateway->inventory"],
            ["inventory"],
            20.0,
            30.0,
            cut_edges=["gateway->inventory"],
        ),
    ],
    ids=["not-a-cut", "no-status-promised"],
)
def test_nothing_is_judged_where_nothing_was_cut_or_promised(window):
    assert check_failure_answers(observations(faults=[window]), "gateway") == ([], [])


def test_a_cut_behind_the_front_door_is_named_as_not_judged():
    promises = gateway_promises() | {
        "orders": {
            "endpoints": [
                {
                    "method": "POST",
                    "route": "/orders",
                    "on_dependency_failure": {
                        "inventory": {"answer": "503 Service Unavailable; nothing stored"}
                    },
                }
            ],
            "problems": [],
        }
    }
    window = FaultWindow(
        "inv",
        "down",
        ["orders->inventory"],
        ["inventory"],
        20.0,
        30.0,
        cut_edges=["orders->inventory"],
    )
    results, notes = check_failure_answers(
        observations(promises=promises, faults=[window]), "gateway"
    )
    assert results == []
    (note,) = notes
    assert "`orders` answers while `inventory` is cut" in note and "POST /orders → 503" in note


def test_the_promise_check_counts_the_promised_503_during_the_cut_as_kept_not_as_failures():
    obs = observations()
    (promise,) = check_promises(
        obs, "gateway", resolve_promises(obs, {}, "gateway"), targeted_services={"catalog"}
    )
    assert promise.passed, promise.summary
    during = promise.numbers[f"{PAGE} faults"]
    assert during["kept_failure_answers"] == 200  # every 503 from t=20 to t=29
    assert during["error_rate"] == 1.0  # what the load saw is still reported as it was

    def a_500_instead(t: int):
        return ({"500": 20} if 20 <= t < 30 else {"200": 20}), {}

    cut_answered_500 = observations(a_500_instead)
    (broken,) = check_promises(
        cut_answered_500,
        "gateway",
        resolve_promises(cut_answered_500, {}, "gateway"),
        targeted_services={"catalog"},
    )
    assert not broken.passed and "availability" in broken.summary


def test_the_run_evaluation_carries_the_check_and_fails_on_the_error_body():
    def error_body_200(t: int):
        return {"200": 20}, {}

    expect = Expectations(blast_radius=["gateway"])
    kept = evaluate(observations(), expect, "gateway")
    assert [c.passed for c in kept.checks if c.kind == "failure_answer"] == [True]
    hidden = evaluate(observations(error_body_200), expect, "gateway")
    (check,) = [c for c in hidden.checks if c.kind == "failure_answer"]
    assert not check.passed and "answered 200 where 503 was promised" in check.summary


def test_the_promised_503_of_a_breaker_still_open_after_the_revert_is_judged_once_by_recovery():
    def breaker_closes_4_s_after_the_revert(t: int):
        return ({"503": 20} if 20 <= t < 34 else {"200": 20}), {}

    def promise_and_recovery(recovery_s_max: float):
        expect = Expectations(blast_radius=["gateway"], recovery_s_max=recovery_s_max)
        checks = evaluate(observations(breaker_closes_4_s_after_the_revert), expect, "gateway")
        (promise,) = [c for c in checks.checks if c.kind == "promise"]
        (recovery,) = [c for c in checks.checks if c.kind == "recovery"]
        return promise, recovery

    promise, recovery = promise_and_recovery(recovery_s_max=8)
    assert recovery.passed and recovery.numbers["recovery_s"] == 4.0
    assert promise.passed, promise.summary
    assert promise.numbers[f"{PAGE} recovery"]["kept_failure_answers"] == 80  # t=30 to t=33
    # allowed 1 s, the breaker's 4 s fail both: the recovery's bound and the answers after it
    promise, recovery = promise_and_recovery(recovery_s_max=1)
    assert not recovery.passed
    assert not promise.passed and "recovery: availability" in promise.summary


def split_observations(experiment_statuses: dict[str, int]) -> Observations:
    """A split run: gateway-0 (experiment, its catalog cut) and gateway-1 (control, whole)
    share the pages; the control keeps answering 200 through the cut."""

    def both_arms(t: int):
        if 20 <= t < 30:
            merged = dict(experiment_statuses)
            merged["200"] = merged.get("200", 0) + 10
            return merged, {}
        return {"200": 20}, {}

    obs = observations(both_arms)
    for point in obs.front_door:
        figures = point.endpoints[PAGE]
        arm = experiment_statuses if 20 <= point.t < 30 else {"200": 10}
        figures["servers"] = {
            "gateway-0": {
                "requests": sum(arm.values()),
                "statuses": dict(arm),
                "whole_ok": arm.get("200", 0),
            },
            "gateway-1": {"requests": 10, "statuses": {"200": 10}, "whole_ok": 10},
        }
    return obs


def test_a_split_run_reads_the_experiment_arm_alone_not_the_controls_whole_answers():
    kept = split_observations({"503": 10})
    # every answer together: the control's 200s look like a broken promise
    assert not the_check(kept).passed
    results, _notes = check_failure_answers(kept, "gateway", experiment=("gateway-0",))
    (result,) = results
    assert result.passed, result.summary
    assert result.numbers["answers_with_status"] == 80  # 8 whole seconds of 10 answers
    assert result.numbers["served_by"] == ["gateway-0"]
    assert "of the experiment arm (gateway-0)" in result.summary

    broken = split_observations({"200": 10})  # the experiment arm hides the cut behind a 200
    (result,) = check_failure_answers(broken, "gateway", experiment=("gateway-0",))[0]
    assert not result.passed
    assert "answered 200 where 503 was promised: 80 of 80" in result.summary


def test_a_split_run_whose_front_door_named_no_replica_is_no_evidence():
    results, _notes = check_failure_answers(observations(), "gateway", experiment=("gateway-0",))
    (result,) = results
    assert not result.passed
    assert "no evidence" in result.summary
