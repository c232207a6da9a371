"""A system with no metrics and no /promise, judged by what the load generator saw: an outage at
the front door fails the entrypoint's promise and containment, a fallback that holds passes, and
nothing passes for want of evidence."""

from __future__ import annotations

from harness.checks.containment import check_containment
from harness.checks.evaluate import evaluate
from harness.checks.fallbacks import check_fallback_fired
from harness.checks.promise_view import resolve_promises
from harness.checks.promises import check_promises
from harness.observe.series import FaultWindow, Observations
from harness.scenario import Expectations, PromiseOverride, ToleranceSpec
from tests.checks.made_observations import PHASES, front_door_series, in_faults

QUOTE_PROMISE = {
    "endpoints": [
        {
            "method": "GET",
            "route": "/quotes/{pair}",
            "latency_p99_ms": 800,
            "availability": 0.98,
            "on_dependency_failure": {
                "news": {"answer": "no headlines", "degraded_marker": "news"},
                "rates": {"answer": "503", "degraded_marker": None},
            },
            "source": "system.yaml",
        }
    ],
    "problems": [],
}
NO_METRICS = {
    service: {"declared": False, "path": None, "scrapes_ok": 0, "scrapes_failed": 0}
    for service in ("quotes", "rates", "news")
}


def window(edge: str) -> FaultWindow:
    callee = edge.split("->")[1]
    return FaultWindow(edge, "timeout", [edge], [callee], applied_at=20.0, reverted_at=30.0)


def observations(front_door, edge: str, promises=None) -> Observations:
    return Observations(
        front_door=front_door,
        phases=PHASES,
        faults=[window(edge)],
        promises={"quotes": QUOTE_PROMISE} if promises is None else promises,
        metrics_evidence=NO_METRICS,
    )


def view(obs: Observations, scenario_promises=None):
    return resolve_promises(obs, scenario_promises or {}, "quotes")


def outage() -> list:
    # 92.6 % of quotes failed while rates was black-holed
    return front_door_series(failures=lambda t: 18 if in_faults(t) else 0)


def test_an_outage_at_the_front_door_breaks_the_declared_promise_without_any_metrics():
    obs = observations(outage(), "quotes->rates")
    (result,) = check_promises(obs, "quotes", view(obs), targeted_services={"rates"})
    assert not result.passed
    assert "GET /quotes/{pair} during faults: availability 10.00% < 98.00% (180 failed of 200)" in (
        result.summary
    )
    assert result.numbers["seen_from"] == "front door"


def test_a_scenario_promise_for_a_service_that_publishes_none_is_still_judged():
    obs = observations(outage(), "quotes->rates", promises={})
    override = PromiseOverride(availability=0.98, latency_p99_ms=800)
    (result,) = check_promises(
        obs, "quotes", view(obs, {"quotes": override}), targeted_services={"rates"}
    )
    assert not result.passed
    assert "GET /quotes/{pair} during faults: availability 10.00% < 98.00%" in result.summary


def test_the_front_door_is_a_spread_to_the_entrypoint_whatever_its_metrics_say():
    obs = observations(outage(), "quotes->rates")
    (result,), propagation = check_containment(
        obs, ["rates"], ToleranceSpec(), "quotes", promises=view(obs)
    )
    assert not result.passed
    assert propagation[0]["services"] == {"news": "unseen", "quotes": "spread", "rates": "injected"}
    assert result.numbers["escaped"] == ["quotes"]
    assert "`quotes` error rate 0.00% → 90.00%, p99 10.2 → 10.2 ms (front door)" in result.summary


def test_containment_with_nothing_seen_at_the_front_door_fails_as_no_evidence():
    silent = front_door_series(requests_per_s=0)
    obs = observations(silent, "quotes->news")
    (result,), _ = check_containment(obs, ["news"], ToleranceSpec(), "quotes", promises=view(obs))
    assert not result.passed
    assert result.summary.startswith("No evidence for `quotes->news`")


def test_a_fallback_that_holds_is_seen_from_its_markers_and_passes():
    held = front_door_series(markers=lambda t: {"news": 20} if in_faults(t) else {})
    obs = observations(held, "quotes->news")
    (containment,), propagation = check_containment(
        obs, ["news"], ToleranceSpec(), "quotes", promises=view(obs)
    )
    assert containment.passed, containment.summary
    assert propagation[0]["services"]["quotes"] == "held"
    assert "Not seen at all: rates" in containment.summary
    promises = [e for e in check_promises(obs, "quotes", view(obs), {"news"})]
    assert promises[0].passed, promises[0].summary
    fired = check_fallback_fired(obs, "quotes->news", "quotes", _quote_promises(obs))
    assert fired.passed
    assert fired.numbers["marked_answers"] == 200  # the faults phase and the second after


def test_a_fallback_with_neither_a_counter_nor_a_promised_marker_fails_as_no_evidence():
    held = front_door_series(markers=lambda t: {"news": 20} if in_faults(t) else {})
    obs = observations(held, "quotes->news", promises={})
    result = check_fallback_fired(obs, "quotes->news", "quotes", [])
    assert not result.passed
    assert result.summary.startswith("No evidence that `quotes`'s fallback for `news` served")


def test_the_whole_evaluation_names_what_was_seen_only_from_the_outside():
    obs = observations(outage(), "quotes->rates")
    expect = Expectations(blast_radius=["rates"], fallbacks=[])
    evaluation = evaluate(obs, expect, "quotes")
    failed = {c.name for c in evaluation.checks if not c.passed}
    assert {"promise quotes", "containment quotes->rates"} <= failed
    assert set(evaluation.evidence["seen_only_from_outside"]) == {"quotes", "rates", "news"}
    assert "metrics: false" in evaluation.evidence["seen_only_from_outside"]["rates"]


def test_a_promise_with_no_traffic_fails_as_no_evidence():
    obs = observations(front_door_series(endpoint="GET /pairs"), "quotes->news")
    (result,) = check_promises(obs, "quotes", view(obs), targeted_services={"news"})
    assert not result.passed
    assert "no evidence: no request of the load reached this endpoint" in result.summary


def _quote_promises(obs):
    return view(obs).endpoint_promises_of("quotes")


def test_marked_answers_do_not_pass_a_caller_whose_own_counter_says_it_never_served():
    """A marker can carry a degradation from further down; where the caller counts its
    fallbacks, its counter decides (a fallbacks-off run on Docker once passed on one answer)."""
    from tests.checks.made_observations import dependency, service_series

    a_few = front_door_series(markers=lambda t: {"news": 1} if t == 25 else {})
    obs = observations(a_few, "quotes->news")
    obs.services = {
        "quotes": service_series(
            dependencies=lambda t: {"news": dependency(failures=8 if in_faults(t) else 0)}
        )
    }
    result = check_fallback_fired(obs, "quotes->news", "quotes", _quote_promises(obs))
    assert not result.passed
    assert result.numbers["fallbacks"] == 0 and result.numbers["marked_answers"] == 1
    assert "carried a degradation from further down" in result.summary
    # and without a counter the same answers are the evidence there is
    obs.services = {}
    assert check_fallback_fired(obs, "quotes->news", "quotes", _quote_promises(obs)).passed
