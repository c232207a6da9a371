"""What a traced run's traces say, for the checks that can read them (issue 25): each fault's
calls on an edge (attempts per call), the fallbacks its requests met, and the paths they took.

Traces see requests one by one, so where they hold the edge's calls they are the evidence the
fallback and amplification checks judge from ("judged from: traces"); the counts the checks read
before are kept beside them, and where the two disagree the check says so (a fallback counter
that fired while no trace saw one, an attempts ratio far from the counters') instead of choosing
one in silence. Containment keeps its judgement by service and adds the traced paths."""

from __future__ import annotations

from typing import Any

from harness.observe.series import Observations
from harness.traces.request_paths import EDGE_SECOND_FIELDS

# counts that differ by no more than this share (or by a handful) agree: a span lost on its way
# to the store, a call that began a moment before the window
AGREEMENT_SHARE = 0.10
AGREEMENT_MIN = 5
RATIO_AGREEMENT = 0.25  # attempts per call, absolute


def traced_faults(obs: Observations) -> list[dict[str, Any]]:
    """The traces' reading of each fault (empty where the run collected none, or failed to)."""
    if not obs.traces or "error" in obs.traces:
        return []
    return list(obs.traces.get("faults", []))


def fault_reading(obs: Observations, fault_name: str) -> dict[str, Any] | None:
    return next((f for f in traced_faults(obs) if f["fault"] == fault_name), None)


def edge_reading(obs: Observations, edge: str, start: float, end: float) -> dict[str, int] | None:
    """The edge's traced calls that began in [start, end), summed from its seconds; None where
    the traces hold none."""
    if not traced_faults(obs):
        return None
    rows = [
        row
        for row in obs.traces.get("edge_seconds", {}).get(edge, [])
        if start <= row[0] + 0.5 < end  # a second belongs where its middle is, as the counters'
    ]
    total = {name: sum(row[i + 1] for row in rows) for i, name in enumerate(EDGE_SECOND_FIELDS)}
    return total if total["calls"] else None


def absorbed_unmarked_at(obs: Observations, edge: str, service: str) -> int:
    """Harmed requests a service answered anyway with no fallback mark (a team whose code does
    not mark its fallbacks in its spans)."""
    label = f"answered anyway at `{service}` (no mark)"
    return sum(
        fault.get("absorbed_at", {}).get(label, 0)
        for fault in traced_faults(obs)
        if edge in fault.get("edges", [])
    )


def counts_agree(a: float, b: float) -> bool:
    return abs(a - b) <= max(AGREEMENT_MIN, AGREEMENT_SHARE * max(a, b))


def amplification_from_traces(
    obs: Observations, edge: str, start: float, end: float, counted: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Attempts per call on the edge from the traces of [start, end), the counters' beside."""
    figures = edge_reading(obs, edge, start, end)
    if figures is None:
        return None
    calls, attempts = figures["calls"], figures["attempts"]
    found: dict[str, Any] = {
        "calls": calls,
        "attempts": attempts,
        "ratio": round(attempts / calls, 2),
        "judged_from": f"traces: {calls} calls on `{edge}` and their attempts",
    }
    if counted and counted.get("ratio") is not None:
        found["counts_ratio"] = counted["ratio"]
        found["counts_judged_from"] = counted.get("judged_from", "")
        if abs(found["ratio"] - counted["ratio"]) > RATIO_AGREEMENT:
            found["disagreement"] = (
                f"traces say {found['ratio']:.2f}× on `{edge}`, {counted.get('judged_from')} "
                f"say {counted['ratio']:.2f}×"
            )
    return found


def fallback_from_traces(
    obs: Observations, edge: str, counted: Any, start: float, end: float
) -> dict[str, Any] | None:
    """The fallbacks the traced requests met on the edge in [start, end), set against the
    counter's check over the same seconds."""
    figures = edge_reading(obs, edge, start, end)
    if figures is None:
        return None
    caller = edge.split("->", 1)[0]
    traced = figures.get("fallbacks", 0)
    unmarked = absorbed_unmarked_at(obs, edge, caller)
    fired = traced > 0 or unmarked > 0
    reading: dict[str, Any] = {
        "calls": figures["calls"],
        "failed_calls": figures.get("failed_calls", 0),
        "fallbacks": traced,
        "answered_anyway_unmarked": unmarked,
        "fired": fired,
    }
    counter = counted.numbers.get("fallbacks") if counted.judged_from.startswith("`") else None
    problems = []
    if fired != counted.passed:
        problems.append(
            f"traces say the fallback {'fired' if fired else 'never fired'}; "
            f"{counted.judged_from} say{'s' if ';' not in counted.judged_from else ''} "
            f"it {'fired' if counted.passed else 'did not'}"
        )
    elif counter is not None and traced and not counts_agree(traced, counter):
        problems.append(f"traces saw {traced} fallbacks, the counter {counter}")
    if problems:
        reading["disagreement"] = "; ".join(problems)
    return reading


def with_traced_paths(
    checks: list[Any], propagation: list[dict[str, Any]], obs: Observations
) -> None:
    """Each containment check, and its fault's propagation entry, with the fault's request
    paths from the traces: its verdict stays with the services' own figures (which know each
    promised failure answer), the paths say which requests went where."""
    for check, entry in zip(checks, propagation, strict=True):
        reading = fault_reading(obs, entry["fault"])
        if reading is None:
            continue
        paths = {
            key: reading[key]
            for key in ("touched", "harmed", "absorbed", "surfaced", "absorbed_at", "surfaced_via")
        }
        entry["traces"] = paths
        check.numbers["traces"] = paths
        check.judged_from += (
            f"; traces: {reading['touched']} front-door requests crossed what the fault hit, "
            f"{reading['harmed']} were harmed, {reading['surfaced']} surfaced"
        )
        if reading["surfaced_via"]:
            top, count = next(iter(reading["surfaced_via"].items()))
            check.summary += f" Traces: {count} requests surfaced via {top}."
        elif reading["harmed"]:
            check.summary += (
                f" Traces: all {reading['harmed']} harmed requests were absorbed "
                f"({', '.join(reading['absorbed_at'])})."
            )
