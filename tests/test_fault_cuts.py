"""Which faults cut a dependency totally (no answer can come through while they hold), decided
from each fault's type and parameters, and recorded in its window as the edges cut."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from harness.fault_book import cut_edges
from harness.faults.base import FaultContext
from harness.faults.registry import build_fault
from harness.observe.series import Observations
from harness.scenario_faults import FaultSpec
from harness.system import load_system
from tests.conftest import SAMPLE_SYSTEM

SYSTEM = load_system(SAMPLE_SYSTEM)
EDGE = "gateway->catalog"


def fault(fault_type: str, targets: tuple[str, ...] = (EDGE,), **parameters: Any):
    target: Any = parameters.pop("target", EDGE)
    spec = TypeAdapter(FaultSpec).validate_python(
        {"name": "f", "type": fault_type, "target": target} | parameters
    )
    # `cuts` reads only the spec and the system: nothing is applied here
    return build_fault("f", spec, targets, FaultContext(SYSTEM, None, None, None))  # type: ignore[arg-type]


CATALOG = {"service": "catalog"}


@pytest.mark.parametrize(
    ("built", "cuts"),
    [
        (lambda: fault("down"), True),
        (lambda: fault("timeout", timeout_ms=0), True),  # a blackhole
        (lambda: fault("timeout", timeout_ms=500), True),  # no byte passes before it closes
        (lambda: fault("timeout", timeout_ms=0, toxicity=0.5), False),
        (lambda: fault("reset_peer"), True),
        (lambda: fault("reset_peer", stream="upstream", timeout_ms=100), True),
        (lambda: fault("reset_peer", toxicity=0.9), False),
        (lambda: fault("latency", latency_ms=5000), False),  # slow is not cut
        (lambda: fault("bandwidth", rate_kbps=1), False),
        (lambda: fault("http_error"), True),
        (lambda: fault("http_error", status=429), True),
        (lambda: fault("http_error", status=404), False),  # an answer about the request
        (lambda: fault("http_error", percent=99), False),
        (lambda: fault("http_error", method="POST"), False),
        (lambda: fault("http_error", path_prefix="/products"), False),
        (lambda: fault("http_abort"), True),
        (lambda: fault("http_delay", delay_ms=100), False),
        (lambda: fault("kill", ("catalog-0", "catalog-1"), target=CATALOG, replace=False), True),
        (lambda: fault("kill", ("catalog-0", "catalog-1"), target=CATALOG), False),  # replaced
        (lambda: fault("kill", ("catalog-0",), target=CATALOG, replace=False), False),
        (lambda: fault("pause", ("catalog-0", "catalog-1"), target=CATALOG), True),
        (lambda: fault("pause", ("catalog-1",), target=CATALOG), False),
    ],
)
def test_a_fault_cuts_only_when_nothing_can_come_through(built, cuts):
    assert built().cuts is cuts


def test_the_window_names_the_edges_cut_and_every_caller_of_a_service_gone():
    assert cut_edges(SYSTEM, fault("down"), (EDGE,), edges=True) == [EDGE]
    assert cut_edges(SYSTEM, fault("latency", latency_ms=900), (EDGE,), edges=True) == []
    gone = fault("kill", ("catalog-0", "catalog-1"), target=CATALOG, replace=False)
    assert cut_edges(SYSTEM, gone, ("catalog-0", "catalog-1"), edges=False) == [
        "gateway->catalog",
        "recommendations->catalog",
    ]
    # a fault from a plugin that says nothing about cutting cuts nothing
    assert cut_edges(SYSTEM, object(), (EDGE,), edges=True) == []  # type: ignore[arg-type]


def test_a_journal_from_before_cuts_were_recorded_reads_as_cutting_nothing():
    window = {
        "name": "old",
        "fault_type": "down",
        "targets": [EDGE],
        "target_services": ["catalog"],
        "applied_at": 1.0,
        "reverted_at": 2.0,
    }
    page = {"requests": 3, "failures": 0, "degraded": 0, "histogram": {}}
    point = {"t": 1, "requests": 3, "failures": 0, "degraded": 0, "users": 1, "histogram": {}}
    old = Observations.from_json(
        {"faults": [window], "front_door": [point | {"endpoints": {"GET /p": page}}]}
    )
    assert old.faults[0].cut_edges == []
    assert "statuses" not in old.front_door[0].endpoints["GET /p"]
