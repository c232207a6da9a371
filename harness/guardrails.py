"""Guardrails: abort conditions watched during a run (pure logic over the front-door series)."""

from __future__ import annotations

import math
from typing import Any

from harness.checks.windows import stats_of_front_door
from harness.observe.series import FrontDoorPoint


def guardrail_value(metric: str, point: FrontDoorPoint) -> float | None:
    stats = stats_of_front_door([point])
    if stats.requests == 0:
        # nothing completed in a whole second under load: as bad as every request failing
        return 1.0 if metric == "front_door_error_rate" else None
    if metric == "front_door_error_rate":
        return stats.error_rate
    return stats.p99_ms


def tripped_guardrail(guardrails: list[Any], points: list[FrontDoorPoint]) -> str | None:
    """The reason to abort, when the latest seconds breach a guardrail for long enough."""
    for guardrail in guardrails:
        needed = max(1, math.ceil(guardrail.for_s))
        recent = points[-needed:]
        if len(recent) < needed:
            continue
        values = [guardrail_value(guardrail.metric, p) for p in recent]
        if all(v is not None and v > guardrail.above for v in values):
            shown = ", ".join(f"{v:.3g}" for v in values if v is not None)
            return (
                f"guardrail {guardrail.metric} > {guardrail.above:g} for {needed} s "
                f"(last values: {shown})"
            )
    return None
