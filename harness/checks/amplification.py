"""Retry amplification, judged on every faulted edge by default: how many attempts reached a
failing dependency per logical call its caller made. Retries that multiply the load on a failing
dependency (three attempts per call, from every replica of every caller) turn a slow dependency
into a dead one.

The default budget is the one the well-known retry budgets converge on: retries may add 20 % to
the calls, plus 10 retries a second whatever the rate, so a quiet caller's few retries are not a
storm. That is Finagle's default `RetryBudget` (20 %, at least 10 retries/s); Envoy's retry
budget defaults to 20 % of active requests; gRPC's retry throttling and the AWS SDKs' standard
mode (a retry quota drained by failures) both stop retrying once most calls fail, which keeps a
sustained outage near 1×. A bound is chosen per edge, the most specific first:
1. the scenario's `expect.max_amplification` for that edge (a mapping of edge → ratio);
2. the scenario's `expect.max_amplification` for every edge (a number);
3. the caller's declared retry policy in system.yaml (`dependencies: X: {retries: {attempts: N}}`):
   at most N attempts per call;
4. the default budget above.
Bounds 1-3 are plain ratios; only the default carries the per-second allowance.

The evidence, best first: the caller's own counters (`dependency_calls_total`,
`dependency_attempts_total` in the sample's names); else the edge itself, from outside: the
requests that reached the callee's balancer per request the caller received, divided by the same
ratio at baseline (when the caller was not retrying), which is the attempts per call. A fault that
closes the edge (`down`) lets no attempt reach the callee: 0×. An edge with neither is no
evidence, and fails; except a `tcp` edge (a data store's: Redis, Postgres), whose requests no
balancer can count, so that no scenario on it could have the evidence: there the check says it
could not judge the edge, and the run lists it as not judged, instead of failing every scenario
on a data store whose caller exports no attempt counters.

In a split run the divided caller's counters are read by arm (checks/split_view.py): the
experiment's attempts per call alone, which the control's untouched calls would otherwise dilute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.checks.base import CheckResult
from harness.checks.split_view import arm_views
from harness.checks.trace_evidence import amplification_from_traces
from harness.checks.traffic import edge_traffic, requests_served
from harness.checks.windows import baseline_span, dependency_total, fault_window_end
from harness.observe.series import FaultWindow, Observations

DEFAULT_RETRY_SHARE = 0.2
DEFAULT_MIN_RETRIES_PER_S = 10.0


@dataclass(frozen=True)
class RetryBudget:
    max_ratio: float  # attempts per call
    min_retries_per_s: float  # retries allowed whatever the ratio
    source: str

    def allowed_attempts(self, calls: float, window_s: float) -> float:
        return calls * self.max_ratio + self.min_retries_per_s * window_s

    def describe(self) -> str:
        extra = f" + {self.min_retries_per_s:g} retries/s" if self.min_retries_per_s else ""
        return f"{self.max_ratio:g}×{extra} ({self.source})"


DEFAULT_BUDGET = RetryBudget(
    1 + DEFAULT_RETRY_SHARE,
    DEFAULT_MIN_RETRIES_PER_S,
    "default budget: 20 % of calls + 10 retries/s, as Finagle's and Envoy's",
)


def budget_for(obs: Observations, edge: str, scenario_bound: Any) -> RetryBudget:
    """The bound on one edge, the most specific first (see the module docstring)."""
    if isinstance(scenario_bound, dict) and edge in scenario_bound:
        return RetryBudget(float(scenario_bound[edge]), 0.0, f"scenario, for `{edge}`")
    if isinstance(scenario_bound, int | float):
        return RetryBudget(float(scenario_bound), 0.0, "scenario")
    declared = obs.edge_evidence.get("declared", {}).get(edge, {}).get("retry_attempts")
    if declared:
        return RetryBudget(float(declared), 0.0, f"system.yaml: `{edge}` retries {declared}×")
    return DEFAULT_BUDGET


def faulted_edges(obs: Observations, window: FaultWindow) -> list[str]:
    """The caller→callee edges a fault hit: its own edges, or every edge into the services whose
    instances it killed or froze."""
    edges = [t for t in window.targets if "->" in t]
    if edges:
        return [e for e in edges if not e.startswith("load->")]
    callers_of = {
        f"{caller}->{callee}"
        for caller, points in obs.services.items()
        for callee in {d for p in points for d in p.dependencies}
    }
    callers_of |= set(obs.edge_evidence.get("modes", {}))
    return sorted(
        edge
        for edge in callers_of
        if edge.split("->", 1)[1] in window.target_services and not edge.startswith("load->")
    )


def _from_counters(
    obs: Observations, caller: str, callee: str, start: float, end: float
) -> dict[str, Any] | None:
    if not any(callee in p.dependencies for p in obs.services.get(caller, [])):
        return None
    calls = dependency_total(obs, caller, callee, "calls", start, end)
    attempts = dependency_total(obs, caller, callee, "attempts", start, end)
    return {
        "calls": int(calls),
        "attempts": int(attempts),
        "ratio": round(attempts / calls, 2) if calls else None,
        "judged_from": f"`{caller}`'s own counters",
    }


def _from_edge(
    obs: Observations, edge: str, entrypoint: str, window: FaultWindow, end: float
) -> dict[str, Any] | None:
    """Attempts per call from outside: the edge's requests per request its caller received,
    against the same at baseline. None where the edge or the caller's requests are not counted."""
    caller = edge.split("->", 1)[0]
    base_start, base_end = baseline_span(obs)
    during = edge_traffic(obs, edge, window.applied_at, end).requests
    before = edge_traffic(obs, edge, base_start, base_end).requests
    served_during = requests_served(obs, caller, entrypoint, window.applied_at, end)
    served_before = requests_served(obs, caller, entrypoint, base_start, base_end)
    if during is None or before is None or not served_during or not served_before or not before:
        return None
    per_request_at_baseline = before / served_before
    calls = served_during * per_request_at_baseline  # what the caller would have sent unfailing
    return {
        "calls": round(calls),
        "attempts": during,
        "ratio": round(during / calls, 2) if calls else None,
        "judged_from": f"the requests crossing `{edge}`'s balancer per request `{caller}` "
        "received, against the baseline",
    }


def _from_arms(
    obs: Observations, caller: str, callee: str, start: float, end: float
) -> dict[str, Any] | None:
    """A split run's: the experiment arm's own attempts per call (the control's untouched calls
    would dilute them), with the control's ratio in the same seconds beside it."""
    views = arm_views(obs, caller)
    if views is None:
        return None
    experiment, control = (_from_counters(v, caller, callee, start, end) for v in views)
    if experiment is None or experiment["ratio"] is None:
        return None
    reference = control["ratio"] if control is not None else None
    return {
        **experiment,
        "control_ratio": reference,
        "judged_from": f"`{caller}`'s own counters, its experiment arm alone (the control arm's: "
        + ("no calls" if reference is None else f"{reference:.2f}×")
        + " in the same seconds)",
    }


def amplification(obs: Observations, window: FaultWindow, entrypoint: str = "") -> dict[str, Any]:
    """Edge → {calls, attempts, ratio, judged_from} over the fault window (ratio None and no
    `judged_from` without evidence)."""
    end = fault_window_end(obs, window)
    figures: dict[str, Any] = {}
    for edge in faulted_edges(obs, window):
        caller, callee = edge.split("->", 1)
        by_arm = _from_arms(obs, caller, callee, window.applied_at, end)
        if by_arm is not None:
            figures[edge] = by_arm
            continue
        found = _from_counters(obs, caller, callee, window.applied_at, end)
        if found is None or found["ratio"] is None:
            found = _from_edge(obs, edge, entrypoint, window, end) or found
        # a traced run's calls, one by one, where its traces hold them (counts kept beside)
        found = amplification_from_traces(obs, edge, window.applied_at, end, found) or found
        figures[edge] = found or {"calls": None, "attempts": None, "ratio": None}
    return figures


def uncountable_reason(obs: Observations, edge: str) -> str | None:
    """Why retries on `edge` cannot be judged from outside, or None where they could be: a `tcp`
    edge carries a protocol the balancer cannot read, so it counts connections, not requests."""
    protocol = obs.edge_evidence.get("declared", {}).get(edge, {}).get("protocol")
    if protocol != "tcp":
        return None
    caller = edge.split("->", 1)[0]
    return (
        f"retry amplification on `{edge}` could not be judged: it is a TCP edge (a data store's "
        "protocol), whose requests no balancer counts, and `"
        f"{caller}` exports no calls and attempts of its own"
    )


def check_amplification(
    obs: Observations, scenario_bound: Any, entrypoint: str = ""
) -> list[CheckResult]:
    results = []
    for window in obs.faults:
        window_s = max(0.0, fault_window_end(obs, window) - window.applied_at)
        figures = amplification(obs, window, entrypoint)
        problems, judged = [], []
        budgets: dict[str, str] = {}
        for edge, numbers in figures.items():
            budget = budget_for(obs, edge, scenario_bound)
            budgets[edge] = budget.describe()
            if numbers["ratio"] is None and (reason := uncountable_reason(obs, edge)):
                numbers["not_judged"] = reason
                judged.append(f"`{edge}` not judged (a TCP edge: requests are not counted)")
                continue
            if numbers["ratio"] is None:
                problems.append(
                    f"no evidence for `{edge}`: its caller counts no calls and attempts of its "
                    "own, and the edge's requests could not be set against its caller's (or "
                    "none was made during the fault)"
                )
                continue
            judged.append(f"`{edge}` {numbers['ratio']:.2f}× ({numbers['judged_from']})")
            if "disagreement" in numbers:
                judged.append(f"traces and counts disagree: {numbers['disagreement']}")
            allowed = budget.allowed_attempts(numbers["calls"], window_s)
            numbers["within_budget"] = numbers["attempts"] <= allowed
            if not numbers["within_budget"]:
                problems.append(
                    f"`{edge}` sent {numbers['attempts']} attempts for {numbers['calls']} calls "
                    f"({numbers['ratio']:.2f}×, over {budget.describe()}: at most "
                    f"{allowed:.0f} in {window_s:.1f} s)"
                )
        if not figures:
            problems.append("no evidence: the fault hit no caller→callee edge")
        results.append(
            CheckResult(
                name=f"amplification {window.name}",
                kind="amplification",
                passed=not problems,
                summary=_summary(window.name, problems, judged, figures),
                numbers=figures,
                tolerance={"budgets": budgets},
                judged_from="; ".join(
                    f"`{edge}`: {n.get('judged_from') or 'nothing'}" for edge, n in figures.items()
                )
                or "nothing",
            )
        )
    return results


def _summary(fault: str, problems: list[str], judged: list[str], figures: dict[str, Any]) -> str:
    if problems:
        return f"Retry amplification during `{fault}`: {'; '.join(problems)}."
    if all("not_judged" in numbers for numbers in figures.values()):
        return f"Retries during `{fault}` could not be judged: {'; '.join(judged)}."
    return f"Retries during `{fault}` stayed within budget: {'; '.join(judged)}."
