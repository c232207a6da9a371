"""The one interface every fault keeps, and the registry that maps a scenario's `type` to it.

A new fault is one new file with a class that has `apply`, `revert` and `describe`, plus one line
in `harness/faults/registry.py`. Each fault is entered in the ledger before it is applied and
struck off when reverted, so a crashed run can be cleaned up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.faults.toxiproxy import ToxiproxyClient
from harness.ledger import Ledger
from harness.platforms.base import Platform
from harness.system import SystemSpec


@dataclass(frozen=True)
class FaultEvent:
    """A fault was applied or reverted; `confirmed_t_s`: when Toxiproxy or the platform said so."""

    t_s: float  # unix time the action started
    confirmed_t_s: float
    kind: str  # "applied" | "reverted" | "failed"
    fault: str  # the fault's name
    fault_type: str
    targets: tuple[str, ...]
    detail: str = ""


@dataclass
class FaultContext:
    system: SystemSpec
    platform: Platform
    toxiproxy: ToxiproxyClient
    ledger: Ledger | None
    on_event: Callable[[FaultEvent], None] = lambda event: None
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Fault(Protocol):
    name: str
    fault_type: str
    targets: tuple[str, ...]

    def apply(self) -> None:
        """Inject the fault; raise `FaultError` or `PlatformError` if it could not be."""

    def revert(self) -> None:
        """Take the fault back; safe to call when apply failed halfway, and twice."""

    def describe(self) -> str:
        """One line for people: what is injected where."""


def now_s() -> float:
    return time.time()
