"""What the split-run tests share: a plan dividing the gateway, and made-up observations of a
fault on it, second by second, by arm."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, FrontDoorPoint, PhaseSpan, RunRecorder
from harness.split_plan import SplitPlan
from tests.conftest import REPO_ROOT

PLAN = SplitPlan(
    service="gateway",
    replicas=2,
    experiment=("gateway-0",),
    control=("gateway-1",),
    edges=("gateway->recommendations",),
    added_replica=False,
    attributable=True,
)
FAULT_ON_T = 1000.0


def figures(requests: int, failures: int, latency_ms: float) -> dict:
    histogram = LatencyHistogram()
    histogram.record(latency_ms, requests)
    return {"requests": requests, "failures": failures, "histogram": histogram.to_json()}


def split_recorder(
    seconds: int, experiment_failures: int, experiment_ms: float = 40.0
) -> RunRecorder:
    recorder = RunRecorder()
    obs = recorder.observations
    obs.phases = [
        PhaseSpan("baseline", FAULT_ON_T - 10, FAULT_ON_T),
        PhaseSpan("faults", FAULT_ON_T, FAULT_ON_T + 60),
        PhaseSpan("recovery", FAULT_ON_T + 60, FAULT_ON_T + 75),
    ]
    obs.faults = [
        FaultWindow("slow", "latency", ["gateway->recommendations"], ["recommendations"],
                    FAULT_ON_T, None)
    ]  # fmt: skip
    for second in range(seconds):
        servers = {
            "gateway-0": figures(12, experiment_failures, experiment_ms),
            "gateway-1": figures(12, 0, 40.0),
        }
        obs.front_door.append(
            FrontDoorPoint(int(FAULT_ON_T) + second, 24, experiment_failures, 0, 10, {},
                           servers=servers)
        )  # fmt: skip
    return recorder


def assert_a_gone_fallback_is_decided_worse_early(
    out: Path, platform: str, servers: Iterable[str]
) -> None:
    """A split run of the default scenario on `platform` with the gateway's fallbacks off
    (`--set-env gateway:FIREBREAK_DISABLE=fallbacks`): the experiment arm decided worse within
    seconds by the anytime-valid test, the faults ended early, the control arm untouched, and the
    front door's answers named by exactly `servers`."""
    from tests.integration.test_scenarios_on_sample import run_scenario

    result = run_scenario(
        REPO_ROOT / "scenarios" / "default.yaml",
        out,
        platform=platform,
        split=True,
        time_scale=0.6,
        env_overrides={"gateway": {"FIREBREAK_DISABLE": "fallbacks"}},
        traces=True,  # this platform's one traced scenario (issue 25)
    )
    failures = next(c for c in result.checks if c.name == "split front door failures")
    assert failures.numbers["decided"] == "worse" and not failures.passed, failures.summary
    assert result.outcome == "failed"
    # every answer attributed: both arms served, and the fault never reached the control's
    assert failures.numbers["experiment_requests"] > 20
    assert failures.numbers["control_requests"] > 20
    assert failures.numbers["control_bad"] == 0, failures.summary
    assert failures.numbers["decided_after_s"] <= 5
    # the faults ended once decided, and the verdict is the anytime-valid test's
    assert failures.numbers["test"].startswith("anytime-valid"), failures.numbers
    journal = json.loads(result.journal_path.read_text())
    assert journal["platform"] == platform
    (decided,) = [e for e in journal["observations"]["events"] if e["kind"] == "decided"]
    faults = next(p for p in journal["observations"]["phases"] if p["name"] == "faults")
    written_s = 20 * 0.6  # the default scenario's faults phase at the tests' time scale
    assert faults["end"] - faults["start"] < written_s * 0.6, (faults, decided["detail"])
    named = {name for p in journal["observations"]["front_door"] for name in p.get("servers", {})}
    assert named == set(servers), named
    # the gateway's own counters were kept by arm (the pods' or replicas' arm): its fallback
    # check read the experiment's, which served none, with the control's calls beside them
    fallback = next(c for c in result.checks if c.name == "fallback fired gateway->recommendations")
    assert not fallback.passed and fallback.numbers["fallbacks"] == 0, fallback.summary
    assert fallback.numbers["control_calls"] > 10, fallback.numbers
    assert set(journal["observations"]["arms"]) == {"experiment", "control"}
    assert_traced_paths(journal["observations"]["traces"])


def assert_traced_paths(traces: dict) -> None:
    """The run's Jaeger, as this platform runs it, held every service's spans: the experiment
    arm's failures surfaced through the gateway, and the control arm's calls went through the
    edge's control proxy, which the fault never touched."""
    assert traces.get("backend") == "jaeger v1.75.0", traces
    assert traces["silent"] == [] and traces["front_door_traces"] > 50, traces["silent"]
    (fault,) = traces["faults"]
    assert fault["surfaced"] > 5, fault
    assert set(fault["surfaced_via"]) == {"gateway → recommendations"}, fault
    graph = traces["graph"]
    assert graph["observed"].get("gateway->recommendations (control)", 0) > 10, graph
    assert graph["around_proxy"] == {} and graph["traced_not_declared"] == [], graph
