"""One deployment a gate's scenarios share: deployed and ready once, each scenario's load and
observers started and stopped on it in turn (`ScenarioRunner.run_on`), and between scenarios
the system verified whole again (every replica of every service running and ready) before the
next one starts. Torn down once, whatever happens."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.faults.base import FaultContext
from harness.gate.plan import DeploymentGroup
from harness.gate.writes import WritesSoFar
from harness.ledger import Ledger
from harness.observe.series import Observations
from harness.platforms.base import Platform, PlatformEvent
from harness.platforms.factory import make_platform
from harness.run_model import RunOptions
from harness.source_revision import source_json

RESTORED_POLL_S = 0.5


class NotRestored(Exception):
    """The system did not come back whole after a scenario: the next is not run on it."""


class SharedDeployment:
    def __init__(
        self,
        group: DeploymentGroup,
        folder: Path,
        options: RunOptions,
        on_message: Callable[[str], None],
    ) -> None:
        self.group = group
        self.system = group.system
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(folder.name, folder)
        self.platform: Platform = make_platform(
            group.platform,
            group.system,
            folder,
            self.ledger,
            options,
            on_message,
            http_edges=group.http_edges,
            balanced_edges=group.balanced_edges,
        )
        self.platform.add_listener(self._on_platform_event)
        self.context: FaultContext | None = None
        self.source: dict[str, Any] | None = source_json(group.system.folder)
        self.writes = WritesSoFar(folder)
        self._listener: Callable[[PlatformEvent], None] | None = None
        self.timings_s: dict[str, float] = {}

    def _on_platform_event(self, event: PlatformEvent) -> None:
        if self._listener is not None:
            self._listener(event)

    def follow_events(self, listener: Callable[[PlatformEvent], None]) -> None:
        """The platform's events go to this scenario's recorder from now on."""
        self._listener = listener

    def deploy(self, ready_timeout_s: float) -> None:
        started = time.monotonic()
        self.platform.deploy()
        self.timings_s["deploy"] = time.monotonic() - started
        self.timings_s["ready"] = self.platform.wait_ready(ready_timeout_s)
        self.context = FaultContext(
            self.system, self.platform, self.platform.toxiproxy, self.ledger
        )

    def collect_writes(self, run_dir: Path, observations: Observations) -> None:
        self.writes.collect(self.platform, self.system, run_dir, observations)

    def wait_restored(self, timeout_s: float) -> float:
        """Every replica of every service running again (a killed one replaced, a frozen one
        thawed) within `timeout_s`; the seconds it took, or `NotRestored` saying what is not."""
        started = time.monotonic()
        expected = sum(spec.replicas for spec in self.system.services.values())
        while True:
            instances = self.platform.instances()
            running = [i for i in instances if i.state == "running"]
            if len(running) >= expected:
                return time.monotonic() - started
            if time.monotonic() - started >= timeout_s:
                states = ", ".join(f"`{i.id}` {i.state}" for i in instances if i.state != "running")
                raise NotRestored(
                    f"{len(running)} of {expected} replicas running {timeout_s:g} s after the "
                    f"previous scenario ({states or 'some missing'})"
                )
            time.sleep(RESTORED_POLL_S)

    def teardown(self) -> None:
        started = time.monotonic()
        try:
            self.platform.teardown()
        finally:
            self.ledger.close()
            self.timings_s["teardown"] = time.monotonic() - started
