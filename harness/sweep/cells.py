"""The cells of a sweep: every dependency edge × every edge fault, and every service × every
instance fault, each as the fault model a scenario would hold; and the order they run in, most
informative first, so a `--budget` keeps the cells that tell the most.

Pure logic: nothing here touches a platform."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from harness.errors import InputError
from harness.scenario_faults import FaultBase, FaultSpec
from harness.system import LOAD_CALLER, SystemSpec

# name → (kind of row, the fault's type, its parameters). "Latency beyond the caller's timeout":
# no system file declares its callers' timeouts, so the latency is long enough to pass any
# timeout a caller on a request path would sensibly have (`--latency-ms` changes it).
FAULT_KINDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "down": ("edge", "down", {}),
    "blackhole": ("edge", "timeout", {"timeout_ms": 0}),
    "latency": ("edge", "latency", {"latency_ms": 2000}),
    "reset": ("edge", "reset_peer", {"timeout_ms": 0}),
    "bandwidth": ("edge", "bandwidth", {"rate_kbps": 1}),
    "kill-all": ("service", "kill", {"replace": False}),
    "pause": ("service", "pause", {}),
    "kill-one": ("service", "kill", {"replace": True}),
}
DEFAULT_KINDS = tuple(FAULT_KINDS)
_ADAPTER: TypeAdapter[Any] = TypeAdapter(FaultSpec)


@dataclass(frozen=True)
class Cell:
    row: str  # an edge name (`caller->callee`) or a service name
    kind: str  # a key of FAULT_KINDS

    @property
    def id(self) -> str:
        return f"{self.row} × {self.kind}"

    @property
    def slug(self) -> str:
        """A name for the cell's fault, files and test cases: `gateway-to-catalog--down`."""
        return f"{self.row.replace('->', '-to-')}--{self.kind}".lower()

    @property
    def row_kind(self) -> str:
        return FAULT_KINDS[self.kind][0]


def check_kinds(kinds: list[str]) -> list[str]:
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise InputError(
            f"Unknown sweep fault(s) {', '.join(f'`{k}`' for k in unknown)}; expected some of "
            f"{', '.join(FAULT_KINDS)}.",
            field="--faults",
        )
    return kinds


def plan_cells(system: SystemSpec, kinds: list[str], only: list[str] | None = None) -> list[Cell]:
    """Every applicable cell, rows in the system's order: the dependency edges (the load's own
    edge into the front door is the users, not a dependency), then the services; `only` keeps
    the rows it names (edges as `caller->callee`, services by name)."""
    edges = [e.name for e in system.edges() if e.caller != LOAD_CALLER]
    if only:
        unknown = [row for row in only if row not in edges and row not in system.services]
        if unknown:
            raise InputError(
                f"`{system.name}` has no edge or service {', '.join(f'`{r}`' for r in unknown)}; "
                f"expected some of {', '.join([*edges, *system.services])}.",
                field="--only",
            )
    cells = []
    for kind in check_kinds(kinds):
        rows = edges if FAULT_KINDS[kind][0] == "edge" else list(system.services)
        for row in rows:
            if only and row not in only:
                continue
            if kind == "kill-one" and system.services[row].replicas < 2:
                continue  # one replica of one is every replica: the kill-all cell asks it
            if kind in ("kill-all", "pause") and row == system.entrypoint:
                continue  # the front door gone is the users' outage by definition
            cells.append(Cell(row, kind))
    return cells


def informative_order(cells: list[Cell], seed: int) -> list[Cell]:
    """Rounds over the fault kinds in FAULT_KINDS' order (the harshest first: a dependency gone
    says most about the callers' fallbacks), every row once per round, rows shuffled with the
    seed; so a budget that stops early has asked the harshest question of every row first."""
    picker = random.Random(f"sweep/{seed}")
    ordered: list[Cell] = []
    for kind in FAULT_KINDS:
        round_cells = [c for c in cells if c.kind == kind]
        picker.shuffle(round_cells)
        ordered.extend(round_cells)
    return ordered


def within_budget(
    cells: list[Cell], budget_s: float | None, cell_s: float
) -> tuple[list[Cell], list[Cell]]:
    """The cells that fit the budget (each estimated at `cell_s`), and those skipped."""
    if budget_s is None:
        return cells, []
    fits = max(0, int(budget_s // cell_s))
    return cells[:fits], cells[fits:]


def fault_spec(cell: Cell, fault_s: float, latency_ms: int | None = None) -> FaultBase:
    """The cell's fault as the scenario format's model, named after the cell, `fault_s` long
    (a replaced kill is a moment, as in a scenario)."""
    row_kind, fault_type, params = FAULT_KINDS[cell.kind]
    params = dict(params)
    if fault_type == "latency" and latency_ms is not None:
        params["latency_ms"] = latency_ms
    document: dict[str, Any] = {"type": fault_type, "name": cell.slug, "at": 0, **params}
    document["target"] = cell.row if row_kind == "edge" else {"service": cell.row}
    if cell.kind == "kill-one":
        document["target"]["count"] = 1
    else:
        document["duration"] = fault_s
    return _ADAPTER.validate_python(document)
