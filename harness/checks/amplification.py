"""Retry amplification: how many attempts reached a faulted dependency per logical call its
caller made. Retries that multiply the load on a failing dependency (3 attempts per call, from
every replica of every caller) turn a slow dependency into a dead one; a bound in the scenario
(`expect.max_amplification`) makes that a failure.

Callers count both from the inside (`dependency_calls_total`, `dependency_attempts_total` in the
sample's names); a caller that exports neither gives no evidence, and a declared bound then fails.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckResult
from harness.checks.windows import dependency_total
from harness.observe.series import FaultWindow, Observations


def faulted_edges(obs: Observations, window: FaultWindow) -> list[str]:
    """The caller→callee edges a fault hit: its own edges, or every edge into the services whose
    instances it killed or froze."""
    edges = [t for t in window.targets if "->" in t]
    if edges:
        return [e for e in edges if not e.startswith("load->")]
    return sorted(
        f"{caller}->{callee}"
        for caller, points in obs.services.items()
        for callee in {d for p in points for d in p.dependencies}
        if callee in window.target_services
    )


def amplification(obs: Observations, window: FaultWindow, run_end: float) -> dict[str, Any]:
    """Edge → {calls, attempts, ratio} over the fault window (ratio None without evidence)."""
    end = window.reverted_at if window.reverted_at is not None else run_end
    figures: dict[str, Any] = {}
    for edge in faulted_edges(obs, window):
        caller, callee = edge.split("->", 1)
        seen = any(callee in p.dependencies for p in obs.services.get(caller, []))
        calls = dependency_total(obs, caller, callee, "calls", window.applied_at, end)
        attempts = dependency_total(obs, caller, callee, "attempts", window.applied_at, end)
        figures[edge] = {
            "calls": int(calls) if seen else None,
            "attempts": int(attempts) if seen else None,
            "ratio": round(attempts / calls, 2) if seen and calls else None,
        }
    return figures


def check_amplification(obs: Observations, max_amplification: float) -> list[CheckResult]:
    run_end = max((p.end for p in obs.phases), default=0.0)
    results = []
    for window in obs.faults:
        figures = amplification(obs, window, run_end)
        problems, unseen = [], []
        for edge, numbers in figures.items():
            if numbers["ratio"] is None:
                unseen.append(edge)
            elif numbers["ratio"] > max_amplification:
                problems.append(
                    f"`{edge}` sent {numbers['attempts']} attempts for {numbers['calls']} calls "
                    f"({numbers['ratio']:.2f}×)"
                )
        if unseen:
            problems.append(
                "no evidence for "
                + ", ".join(f"`{e}`" for e in unseen)
                + " (its caller counts no calls and attempts, or made no call during the fault)"
            )
        if not figures:
            problems.append("no evidence: the fault hit no caller→callee edge")
        ratios = [n["ratio"] for n in figures.values() if n["ratio"] is not None]
        results.append(
            CheckResult(
                name=f"amplification {window.name}",
                kind="amplification",
                passed=not problems,
                summary=(
                    f"Retries during `{window.name}` stayed within {max_amplification:g}× "
                    f"(worst {max(ratios):.2f}×)."
                    if not problems
                    else f"Retry amplification during `{window.name}`: {'; '.join(problems)}."
                ),
                numbers=figures,
                tolerance={"max_amplification": max_amplification},
            )
        )
    return results
