"""The checks that read the edges' traffic as the balancer counted it: a fault must touch
traffic, retry amplification judged by default (from the caller's counters or from the edge),
and the baseline's likely bypasses; on hand-made observations."""

from __future__ import annotations

from harness.balancer.stats import parse_show_stat
from harness.checks.amplification import DEFAULT_BUDGET, budget_for, check_amplification
from harness.checks.fault_touched import check_faults_touched
from harness.checks.traffic import bypass_warnings
from harness.observe.edge_traffic import TrafficPoint
from harness.observe.series import FaultWindow, Observations
from tests.checks.made_observations import (
    PHASES,
    dependency,
    front_door_series,
    in_faults,
    service_series,
)

EDGES = ["load->quotes", "quotes->news", "quotes->rates"]


def http_edge(per_s: int, during_faults: int | None = None) -> list[TrafficPoint]:
    return [
        TrafficPoint(
            t, during_faults if in_faults(t) and during_faults is not None else per_s, 0, 1
        )
        for t in range(40)
    ]


def edge_evidence(modes: dict[str, str] | None = None, **declared) -> dict:
    return {
        "source": "the run's HAProxy (test)",
        "samples_ok": 40,
        "samples_failed": 0,
        "modes": modes or {edge: "http" for edge in EDGES},
        "declared": {
            "quotes->news": {"env": "NEWS_URL", "retry_attempts": declared.get("news")},
            "quotes->rates": {"env": "RATES_URL", "retry_attempts": None},
        },
    }


def observations(edges: dict[str, list[TrafficPoint]], faults: list[FaultWindow], **extra):
    return Observations(
        front_door=front_door_series(requests_per_s=20),
        phases=PHASES,
        faults=faults,
        edges=edges,
        edge_evidence=extra.pop("edge_evidence", edge_evidence()),
        **extra,
    )


NEWS_SLOW = FaultWindow("news-slow", "latency", ["quotes->news"], ["news"], 20.0, 30.0)


def test_a_fault_on_an_edge_that_carries_nothing_is_no_evidence_and_names_the_variable():
    # quotes reads another variable than NEWS_URL: nothing ever crosses the declared edge
    obs = observations({"quotes->rates": http_edge(20)}, [NEWS_SLOW])
    (result,) = check_faults_touched(obs)
    assert not result.passed
    assert result.summary.startswith("no evidence: `news-slow` touched no traffic")
    assert "check that `quotes` reads `NEWS_URL` for `news`'s address" in result.summary
    touched = observations({"quotes->news": http_edge(20)}, [NEWS_SLOW])
    (passed,) = check_faults_touched(touched)
    assert passed.passed, passed.summary
    assert "200 requests crossed `quotes->news` during the fault" in passed.summary


def test_a_down_edge_is_judged_by_its_traffic_just_before_it_closed():
    down = FaultWindow("news-down", "down", ["quotes->news"], ["news"], 20.0, 30.0)
    closed = observations({"quotes->news": http_edge(20, during_faults=0)}, [down])
    (result,) = check_faults_touched(closed)
    assert result.passed, result.summary
    assert "in the 3 s before it closed the edge" in result.summary
    never_used = observations({}, [down])
    assert not check_faults_touched(never_used)[0].passed


def test_a_tcp_edge_is_judged_by_its_connections():
    modes = {edge: "tcp" for edge in EDGES}
    idle = [TrafficPoint(t, None, 0, 0) for t in range(40)]
    kept_alive = [TrafficPoint(t, None, 0, 2) for t in range(40)]
    blind = observations({"quotes->news": idle}, [NEWS_SLOW], edge_evidence=edge_evidence(modes))
    assert not check_faults_touched(blind)[0].passed
    used = observations(
        {"quotes->news": kept_alive}, [NEWS_SLOW], edge_evidence=edge_evidence(modes)
    )
    (result,) = check_faults_touched(used)
    assert result.passed and "up to 2 open" in result.summary


def test_a_killed_replica_that_served_nothing_touched_nothing():
    kill = FaultWindow("kill-news", "kill", ["news-1"], ["news"], 20.0, None, replaced=True)
    served = {"news-0": http_edge(10), "news-1": http_edge(10)}
    idle = {"news-0": http_edge(10)}
    busy = observations({"quotes->news": http_edge(20)}, [kill], replicas=served)
    assert check_faults_touched(busy)[0].passed
    (result,) = check_faults_touched(observations({}, [kill], replicas=idle))
    assert not result.passed
    assert "`news-1` served nothing in the 3 s before it" in result.summary
    # where the balancer sees services (Docker, Kubernetes), the edges into it stand for it
    (by_service,) = check_faults_touched(observations({"quotes->news": http_edge(20)}, [kill]))
    assert by_service.passed and "sees services, not replicas" in by_service.summary


def test_a_run_whose_edges_were_not_counted_has_no_evidence_of_any_fault():
    unmeasured = {"why": "the `local` platform put no balancer on the edges", "modes": {}}
    obs = observations({}, [NEWS_SLOW], edge_evidence=unmeasured)
    (result,) = check_faults_touched(obs)
    assert not result.passed and "put no balancer on the edges" in result.summary


def test_amplification_is_judged_by_default_from_the_callers_counters():
    def counted(attempts_per_call: int):
        def points(t: int):
            point = dependency(calls=10)
            if in_faults(t):
                point.attempts = 10 * attempts_per_call
            return {"news": point}

        return service_series(dependencies=points)

    storm = observations({}, [NEWS_SLOW], services={"quotes": counted(6)})
    (result,) = check_amplification(storm, None, "quotes")
    assert not result.passed
    assert "600 attempts for 100 calls (6.00×, over 1.2× + 10 retries/s" in result.summary
    calm = observations({}, [NEWS_SLOW], services={"quotes": counted(1)})
    (passed,) = check_amplification(calm, None, "quotes")
    assert passed.passed and "`quotes`'s own counters" in passed.summary


def test_amplification_from_the_edge_where_the_caller_counts_nothing():
    # the front door sends 20 requests a second; quotes calls news once each at baseline (20/s)
    # and six times each during the fault (120/s): 6×
    storm = observations({"quotes->news": http_edge(20, during_faults=120)}, [NEWS_SLOW])
    (result,) = check_amplification(storm, None, "quotes")
    assert not result.passed
    assert "`quotes->news` sent 1200 attempts for 200 calls (6.00×" in result.summary
    calm = observations({"quotes->news": http_edge(20, during_faults=21)}, [NEWS_SLOW])
    (passed,) = check_amplification(calm, None, "quotes")
    assert passed.passed, passed.summary
    assert "per request `quotes` received, against the baseline" in passed.summary
    # an edge counted in TCP mode gives no requests: no evidence, never a pass
    tcp = edge_evidence({edge: "tcp" for edge in EDGES})
    blind = observations(
        {"quotes->news": [TrafficPoint(t, None, 1, 1) for t in range(40)]},
        [NEWS_SLOW],
        edge_evidence=tcp,
    )
    (unseen,) = check_amplification(blind, None, "quotes")
    assert not unseen.passed and "no evidence for `quotes->news`" in unseen.summary


def test_the_most_specific_retry_bound_wins():
    obs = observations({}, [], edge_evidence=edge_evidence(news=3))
    assert budget_for(obs, "quotes->rates", None) == DEFAULT_BUDGET
    assert budget_for(obs, "quotes->news", None).max_ratio == 3.0  # system.yaml's retries
    assert budget_for(obs, "quotes->news", 1.5).max_ratio == 1.5  # the scenario, every edge
    per_edge = {"quotes->news": 2.5}
    assert budget_for(obs, "quotes->news", per_edge).max_ratio == 2.5
    assert budget_for(obs, "quotes->rates", per_edge) == DEFAULT_BUDGET


def test_an_edge_idle_while_its_caller_serves_is_a_likely_bypass():
    obs = observations({"quotes->rates": http_edge(20)}, [])
    (warning,) = bypass_warnings(obs, "quotes", 10.0, 20.0)
    assert warning.startswith("`quotes->news` carried no traffic during the baseline")
    assert "another way than `NEWS_URL`" in warning
    used = observations({"quotes->rates": http_edge(20), "quotes->news": http_edge(5)}, [])
    assert bypass_warnings(used, "quotes", 10.0, 20.0) == []


def test_show_stat_rows_give_requests_only_in_http_mode():
    text = (
        "# pxname,svname,scur,stot,bin,req_tot,mode,\n"
        "edge_a_to_b,FRONTEND,1,3,400,0,tcp,\n"
        "edge_c_to_d,FRONTEND,1,1,375,5,http,\n"
        "svc_b,b-0,0,5,375,,http,\n"
    )
    rows = parse_show_stat(text)
    assert rows[("edge_a_to_b", "FRONTEND")].requests_total is None
    assert rows[("edge_a_to_b", "FRONTEND")].connections_total == 3
    assert rows[("edge_c_to_d", "FRONTEND")].requests_total == 5
    assert rows[("svc_b", "b-0")].connections_open == 0


def test_an_http_fault_touched_traffic_when_its_rule_acted_on_a_request():
    def window(hits: int) -> FaultWindow:
        fault = FaultWindow("news-500s", "http_error", ["quotes->news"], ["news"], 20.0, 30.0)
        fault.rule_hits = {"edge_quotes_to_news": {"matched": 40, "hits": hits}}
        return fault

    (acted,) = check_faults_touched(observations({"quotes->news": http_edge(4)}, [window(19)]))
    assert acted.passed and "acted on 19 of the 40 requests it matched" in acted.summary
    (idle,) = check_faults_touched(observations({"quotes->news": http_edge(4)}, [window(0)]))
    assert not idle.passed and "acted on no request (40 matched" in idle.summary
