"""A fault must be seen to bite: every fault shows, from outside the services, that it touched
traffic, or the run fails as "no evidence" (docs/scenarios.md, "A fault must touch traffic").

- A fault on an edge touched traffic when requests (an HTTP edge) or connections (a TCP edge)
  crossed that edge's balancer frontend during the fault; an HTTP fault, when its rule acted on
  at least one request (the rule counts the requests it matched and those it acted on). A
  fault that refuses connections (`down`) lets nothing cross while it holds: for it, the edge
  must have carried traffic in the seconds just before, so the caller was using the edge it cut.
- A kill or a pause touched traffic when the instance was serving just before it: the balancer
  gave it requests or connections. Where the balancer sees services, not replicas (Docker,
  Kubernetes), the service's incoming edges stand for it, and the summary says so.

An edge that carries nothing is the sign of a bypass: the caller reads another variable than the
one system.yaml names, or calls its dependency directly, and the run would pass having tested
nothing.
"""

from __future__ import annotations

from harness.balancer.config import edge_frontend_name
from harness.checks.base import CheckResult
from harness.checks.traffic import (
    Traffic,
    edge_traffic,
    edge_variable,
    edges_into,
    measured,
    not_measured_reason,
    replica_traffic,
    traffic_numbers,
)
from harness.checks.windows import fault_window_end
from harness.observe.series import FaultWindow, Observations

# faults that close the edge: nothing crosses while they hold
REFUSES_CONNECTIONS = ("down",)
# how far before a fault "was serving" and "was in use" look
LOOKBACK_S = 3.0
NO_EVIDENCE = "no evidence"


def _edge_finding(
    obs: Observations, window: FaultWindow, edge: str, end: float
) -> tuple[bool, str, Traffic]:
    rule = window.rule_hits.get(edge_frontend_name(edge))
    if rule is not None:  # an HTTP fault: its rule counted what it matched and acted on
        traffic = edge_traffic(obs, edge, window.applied_at, end)
        if rule["hits"] > 0:
            return (
                True,
                f"its rule on `{edge}` acted on {rule['hits']} of the {rule['matched']} "
                "requests it matched",
                traffic,
            )
        return (
            False,
            f"its rule on `{edge}` acted on no request ({rule['matched']} matched its method "
            f"and path; {traffic.describe()} crossed the edge)",
            traffic,
        )
    if window.fault_type in REFUSES_CONNECTIONS:
        traffic = edge_traffic(obs, edge, window.applied_at - LOOKBACK_S, window.applied_at)
        when = f"in the {LOOKBACK_S:g} s before it closed the edge"
    else:
        traffic = edge_traffic(obs, edge, window.applied_at, end)
        when = "during the fault"
    if traffic.touched:
        return True, f"{traffic.describe()} crossed `{edge}` {when}", traffic
    caller, callee = edge.split("->", 1)
    variable = edge_variable(obs, edge)
    hint = (
        f"check that `{caller}` reads `{variable}` for `{callee}`'s address"
        if variable
        else f"check that `{caller}` reaches `{callee}` through this edge"
    )
    return (
        False,
        f"nothing crossed `{edge}` {when} ({hint}, and that nothing calls `{callee}` directly)",
        traffic,
    )


def _instance_finding(
    obs: Observations, window: FaultWindow, instance: str
) -> tuple[bool, str, Traffic | None]:
    start, end = window.applied_at - LOOKBACK_S, window.applied_at
    traffic = replica_traffic(obs, instance, start, end)
    if traffic is not None:
        if traffic.touched:
            return True, f"`{instance}` was serving before it ({traffic.describe()})", traffic
        return False, f"`{instance}` served nothing in the {LOOKBACK_S:g} s before it", traffic
    service = instance.rsplit("-", 1)[0]
    into = [edge_traffic(obs, e, start, end) for e in edges_into(obs, service)]
    if any(t.touched for t in into):
        return (
            True,
            f"`{service}` was serving before it (its incoming edges; this platform's balancer "
            "sees services, not replicas)",
            None,
        )
    return False, f"no edge into `{service}` carried traffic before it", None


def check_faults_touched(obs: Observations) -> list[CheckResult]:
    results = []
    for window in obs.faults:
        end = fault_window_end(obs, window)
        findings: list[tuple[bool, str]] = []
        numbers: dict[str, object] = {}
        if not measured(obs):
            findings.append(
                (False, f"the edges' traffic was not measured: {not_measured_reason(obs)}")
            )
        else:
            edges = [t for t in window.targets if "->" in t]
            for edge in edges:
                touched, finding, traffic = _edge_finding(obs, window, edge, end)
                findings.append((touched, finding))
                numbers[edge] = traffic_numbers(traffic)
            for instance in (t for t in window.targets if "->" not in t):
                touched, finding, traffic = _instance_finding(obs, window, instance)
                findings.append((touched, finding))
                if traffic is not None:
                    numbers[instance] = traffic_numbers(traffic)
            if not window.targets:
                findings.append((False, "the fault named no target"))
        untouched = [finding for touched, finding in findings if not touched]
        source = obs.edge_evidence.get("source", "the run's balancer")
        results.append(
            CheckResult(
                name=f"fault touched {window.name}",
                kind="touched",
                passed=not untouched,
                summary=(
                    f"`{window.name}` touched traffic: " + "; ".join(f for _, f in findings) + "."
                    if not untouched
                    else f"{NO_EVIDENCE}: `{window.name}` touched no traffic: "
                    + "; ".join(untouched)
                    + "."
                ),
                numbers=numbers,
                tolerance={"lookback_s": LOOKBACK_S},
                judged_from=f"{source}: the edges' and replicas' counts"
                + ("; the HTTP rules' own counts" if window.rule_hits else ""),
            )
        )
    return results
