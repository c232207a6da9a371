"""The one interface every fault keeps, and the registry that maps a scenario's `type` to it.

A new fault is one new file with a class that has `apply`, `revert` and `describe`, plus one line
in `harness/faults/registry.py`. Each fault is entered in the ledger before it is applied and
struck off when reverted, so a crashed run can be cleaned up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
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


def every_instance(system: SystemSpec, instance_ids: tuple[str, ...]) -> bool:
    """The instances (`<service>-<replica>`) are every replica of each service they belong to."""
    by_service: dict[str, set[str]] = {}
    for instance in instance_ids:
        by_service.setdefault(instance.rsplit("-", 1)[0], set()).add(instance)
    return bool(by_service) and all(
        service in system.services and len(ids) >= system.services[service].replicas
        for service, ids in by_service.items()
    )


class TargetedFault:
    """The shape every built-in fault shares: act on each target in turn, remember what was
    done so a revert (also after a half-done apply) undoes exactly that, and report both.

    Subclasses say what one target's apply and revert are, and describe themselves.
    """

    def __init__(self, name: str, spec: Any, targets: tuple[str, ...], ctx: FaultContext) -> None:
        self.name = name
        self.spec = spec
        self.targets = targets
        self.ctx = ctx
        self.fault_type = str(spec.type)
        self._undo: list[Any] = []  # what each applied target needs to be reverted

    @property
    def cuts(self) -> bool:
        """Whether this fault, with these parameters, cuts its targets totally: no answer can
        come through while it holds. A promised failure answer is judged only then
        (`harness.checks.failure_answers`); a partial or slow fault is judged by the others."""
        return False

    def _apply_one(self, target: str) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _revert_one(self, undo: Any) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _emit(self, kind: str, started_s: float, detail: str = "") -> None:
        self.ctx.on_event(
            FaultEvent(started_s, now_s(), kind, self.name, self.fault_type, self.targets, detail)
        )

    def apply(self) -> None:
        started = now_s()
        for target in self.targets:
            self._undo.append(self._apply_one(target))
        self._emit("applied", started, self.describe())

    def revert(self) -> None:
        started = now_s()
        for undo in list(self._undo):
            self._revert_one(undo)
            self._undo.remove(undo)
        self._emit("reverted", started)
