"""A split run's divided service seen one arm at a time (issue 24). Pure logic.

The scraper keeps the divided service's metrics by arm too (`Observations.arms`: each replica's
counters summed with its arm's), so a check that reads a service's own counters can read one
arm's as if they were the whole service's: the fallbacks the experiment served, the attempts it
made per call, with the control's in the same seconds beside them. That holds on every platform
and for an edge deeper than the front door, where the front door cannot tell the arms apart.
"""

from __future__ import annotations

from dataclasses import replace

from harness.observe.series import Observations
from harness.split_plan import CONTROL, EXPERIMENT


def arm_view(obs: Observations, arm: str) -> Observations | None:
    """The observations with each divided service's points replaced by `arm`'s alone; None when
    the run kept no metrics for that arm (a plain run, or a service with no metrics)."""
    by_service = obs.arms.get(arm)
    if not by_service:
        return None
    return replace(obs, services={**obs.services, **by_service})


def arm_views(obs: Observations, service: str) -> tuple[Observations, Observations] | None:
    """The experiment's and the control's views, when the run kept `service`'s metrics by arm."""
    if not all(service in obs.arms.get(arm, {}) for arm in (EXPERIMENT, CONTROL)):
        return None
    experiment, control = arm_view(obs, EXPERIMENT), arm_view(obs, CONTROL)
    assert experiment is not None and control is not None
    return experiment, control
