"""Asking every service that offers an integrity path about the writes the load saw accepted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from harness.platforms.base import Platform
from harness.system import SystemSpec

SETTLE_TIMEOUT_S = 15.0
SETTLE_POLL_S = 0.5


def pending_writes(answer: dict[str, Any]) -> int:
    """Writes the service says are still settling (queued payments and the like)."""
    if "pending" in answer:
        return int(answer.get("pending") or 0)
    return int(answer.get("pending_payment", 0))


def accepted_keys(accepted_keys_file: Path) -> list[str]:
    try:
        return sorted(set(accepted_keys_file.read_text().split()))
    except FileNotFoundError:
        return []


def ask_once(platform: Platform, service: str, path: str, keys: list[str]) -> dict[str, Any]:
    running = [i for i in platform.instances(service) if i.state == "running"]
    if not running:
        return {"error": f"no instance of `{service}` was running to ask"}
    try:
        response = httpx.post(running[0].url + path, json={"keys": keys}, timeout=5.0)
    except httpx.HTTPError as exc:
        return {"error": f"{service}{path} did not answer: {type(exc).__name__}"}
    if response.status_code != 200:
        return {"error": f"{service}{path} answered {response.status_code}"}
    try:
        answer = response.json()
    except ValueError:
        return {"error": f"{service}{path} did not answer JSON"}
    if not isinstance(answer, dict):
        return {"error": f"{service}{path} answered JSON that is not an object"}
    return answer


def collect_integrity(
    platform: Platform, system: SystemSpec, accepted_keys_file: Path
) -> dict[str, Any]:
    """Service → its answer, once no service reports writes still settling (or after
    `SETTLE_TIMEOUT_S`: a system that queues work during an outage gets time to drain it)."""
    owners = {name: spec.integrity for name, spec in system.services.items() if spec.integrity}
    keys = accepted_keys(accepted_keys_file)
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        answers = {
            service: ask_once(platform, service, str(path), keys)
            for service, path in owners.items()
        }
        settled = all("error" not in a and pending_writes(a) == 0 for a in answers.values())
        if settled or time.monotonic() >= deadline:
            break
        time.sleep(SETTLE_POLL_S)
    for answer in answers.values():
        answer.setdefault("accepted", len(keys))
    return answers
