"""Asking the system's own integrity check about the writes the load saw accepted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from harness.platforms.base import Platform
from harness.system import SystemSpec

SETTLE_TIMEOUT_S = 15.0


def collect_integrity(
    platform: Platform, system: SystemSpec, accepted_keys_file: Path
) -> dict[str, Any]:
    """POST the accepted keys to the service that offers `integrity`; wait for pending writes to
    settle (a system that queues work during an outage gets time to drain it)."""
    owners = [name for name, spec in system.services.items() if spec.integrity]
    if not owners:
        return {"error": f"system `{system.name}` offers no `integrity` path on any service"}
    service = owners[0]
    path = system.services[service].integrity
    try:
        keys = sorted(set(accepted_keys_file.read_text().split()))
    except FileNotFoundError:
        keys = []
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    answer: dict[str, Any] = {}
    while True:
        running = [i for i in platform.instances(service) if i.state == "running"]
        if running:
            try:
                response = httpx.post(
                    running[0].admin_url + str(path), json={"keys": keys}, timeout=5.0
                )
                answer = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                answer = {"error": f"{service}{path} did not answer: {type(exc).__name__}"}
        if answer.get("pending_payment", 0) == 0 and "error" not in answer:
            break
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    answer.setdefault("accepted", len(keys))
    answer["service"] = service
    return answer
