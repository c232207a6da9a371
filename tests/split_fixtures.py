"""What the split-run tests share: a plan dividing the gateway, and made-up observations of a
fault on it, second by second, by arm."""

from __future__ import annotations

from harness.latency_histogram import LatencyHistogram
from harness.observe.series import FaultWindow, FrontDoorPoint, PhaseSpan, RunRecorder
from harness.split_plan import SplitPlan

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
