"""Was the measurement itself compromised? The harness watches its own health during a run:

- other workloads on the machine: CPU time used by processes that are not the run's (the busy
  cores from /proc/stat minus the harness, the system's replicas, Toxiproxy and the load
  generator);
- the load generator: its busiest process's CPU share of one core (Locust warns at 90 %) and how
  late its event loop ran (a request's measured time includes that lateness);
- the harness: how late its own once-a-second timer woke.

When any of them says the machine interfered, the run's outcome is `inconclusive`: what the checks
measured may be the machine, not the system, and a verdict that flips between identical runs is
worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.observe.series import Observations

# Thresholds, calibrated on 2-core machines (bench/interference.py prints the figures): a quiet
# machine running the sample stays far below each, a second workload on the cores crosses them.
FOREIGN_CORES_MEAN_MAX = 0.5
LOAD_CPU_SATURATED = 0.9
LOAD_SATURATED_SHARE_MAX = 0.1
LOAD_LAG_MS_MAX = 100.0
LOAD_LAG_SHARE_MAX = 0.05
TICK_LAG_MS_MAX = 250.0
TICK_LAG_SHARE_MAX = 0.05


@dataclass
class Interference:
    detected: bool
    reasons: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"detected": self.detected, "reasons": self.reasons, "numbers": self.numbers}


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def judge_interference(obs: Observations) -> Interference:
    judged = [p for p in obs.phases if p.name != "warmup"]
    if not judged:
        return Interference(False, [], {"judged_s": 0})
    start, end = judged[0].start, max(p.end for p in judged)
    host = [h for h in obs.host if start <= h.t + 0.5 < end]
    load = [p for p in obs.front_door if start <= p.t + 0.5 < end]
    reasons: list[str] = []
    foreign = [h.foreign_cores for h in host]
    foreign_mean = sum(foreign) / len(foreign) if foreign else 0.0
    if foreign_mean > FOREIGN_CORES_MEAN_MAX:
        reasons.append(
            f"other workloads used {foreign_mean:.2f} cores on average (at most "
            f"{FOREIGN_CORES_MEAN_MAX:g} keeps a verdict trustworthy)"
        )
    cpus = [p.load_cpu for p in load if p.load_cpu is not None]
    saturated = _share([c >= LOAD_CPU_SATURATED for c in cpus])
    if saturated > LOAD_SATURATED_SHARE_MAX:
        reasons.append(
            f"the load generator used ≥{LOAD_CPU_SATURATED:.0%} of a core in {saturated:.0%} of "
            "seconds (it measures its own queueing then)"
        )
    lags = [p.load_lag_ms for p in load if p.load_lag_ms is not None]
    lagging = _share([lag >= LOAD_LAG_MS_MAX for lag in lags])
    if lagging > LOAD_LAG_SHARE_MAX:
        reasons.append(
            f"the load generator's event loop ran ≥{LOAD_LAG_MS_MAX:.0f} ms late in "
            f"{lagging:.0%} of seconds"
        )
    ticks = [h.tick_lag_ms for h in host]
    late_ticks = _share([lag >= TICK_LAG_MS_MAX for lag in ticks])
    if late_ticks > TICK_LAG_SHARE_MAX:
        reasons.append(
            f"the harness's own timer woke ≥{TICK_LAG_MS_MAX:.0f} ms late in {late_ticks:.0%} "
            "of seconds"
        )
    psi = [h.psi_cpu_some_pct for h in host if h.psi_cpu_some_pct is not None]
    numbers = {
        "judged_s": round(end - start, 1),
        "host_seconds": len(host),
        "foreign_cores_mean": round(foreign_mean, 3),
        "foreign_cores_max": round(max(foreign, default=0.0), 3),
        "ours_cores_mean": round(sum(h.ours_cores for h in host) / len(host), 3) if host else None,
        "load_cpu_max": round(max(cpus), 3) if cpus else None,
        "load_saturated_share": round(saturated, 3),
        "load_lag_ms_max": round(max(lags), 1) if lags else None,
        "load_lagging_share": round(lagging, 3),
        "tick_lag_ms_max": round(max(ticks), 1) if ticks else None,
        "psi_cpu_some_pct_max": round(max(psi), 1) if psi else None,
    }
    return Interference(bool(reasons), reasons, numbers)
