"""The resilience map: rows (edges, then services) × fault kinds, each cell a verdict with its
numbers; written as `map.json` beside the journal, compared with an earlier sweep's map.

Pure logic."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.json_input import read_json_object
from harness.sweep.cells import Cell
from harness.sweep.verdicts import SEVERITY, CellResult, worst

MAP_VERSION = 1


@dataclass
class ResilienceMap:
    system: str
    platform: str
    seed: int
    kinds: list[str]
    rows: list[str]
    cells: dict[str, CellResult] = field(default_factory=dict)  # by cell id
    skipped: list[str] = field(default_factory=list)  # cell ids the budget left out
    # the system folder's git revision when the sweep started (harness/source_revision.py);
    # None outside a git work tree, and in maps written before it
    source: dict[str, Any] | None = None
    # a split sweep's arms, said (`SplitPlan.describe`); None for a plain sweep
    split: str | None = None

    @classmethod
    def planned(
        cls, system: str, platform: str, seed: int, kinds: list[str], cells: list[Cell]
    ) -> ResilienceMap:
        rows: list[str] = []
        for cell in cells:
            if cell.row not in rows:
                rows.append(cell.row)
        # edges first, then services, each in the system's order
        rows.sort(key=lambda row: "->" not in row)
        return cls(system, platform, seed, list(kinds), rows)

    def verdict(self, row: str, kind: str) -> str | None:
        result = self.cells.get(f"{row} × {kind}")
        return result.verdict if result else None

    def worst_of_row(self, row: str) -> str | None:
        return worst([r.verdict for r in self.cells.values() if r.row == row])

    def counts(self) -> dict[str, int]:
        counted = {verdict: 0 for verdict in SEVERITY}
        for result in self.cells.values():
            counted[result.verdict] += 1
        return counted

    def to_json(self) -> dict[str, Any]:
        return {
            "map_version": MAP_VERSION,
            "system": self.system,
            "platform": self.platform,
            "seed": self.seed,
            "kinds": self.kinds,
            "rows": self.rows,
            "cells": {cell_id: r.to_json() for cell_id, r in self.cells.items()},
            "skipped": self.skipped,
            "source": self.source,
            "split": self.split,
        }

    def write(self, path: Path) -> Path:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResilienceMap:
        return cls(
            system=data["system"],
            platform=data["platform"],
            seed=int(data["seed"]),
            kinds=list(data["kinds"]),
            rows=list(data["rows"]),
            cells={k: CellResult.from_json(v) for k, v in data["cells"].items()},
            skipped=list(data.get("skipped", [])),
            source=data.get("source"),
            split=data.get("split"),
        )


def read_map(path: Path) -> ResilienceMap:
    data = read_json_object(path, "map", "a sweep's map.json")
    if data.get("map_version") != MAP_VERSION:
        raise InputError(
            f"This is not a version {MAP_VERSION} sweep map; expected the map.json "
            "`firebreak sweep` wrote.",
            path=str(path),
            field="map_version",
        )
    try:
        return ResilienceMap.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"This map is incomplete ({type(exc).__name__}: {exc}).", path=str(path)
        ) from None


def got_worse(baseline: ResilienceMap, current: ResilienceMap) -> list[tuple[str, str, str]]:
    """(cell, was, is) for every cell judged in both maps whose verdict is worse now."""
    worse = []
    for cell_id, now in current.cells.items():
        before = baseline.cells.get(cell_id)
        if before is None:
            continue
        if SEVERITY.index(now.verdict) > SEVERITY.index(before.verdict):
            worse.append((cell_id, before.verdict, now.verdict))
    return worse
