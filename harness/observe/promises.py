"""Reading each service's published promises (`GET /promise` on one of its instances)."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from harness.platforms.base import Platform
from harness.system import SystemSpec


def read_promises(platform: Platform, system: SystemSpec) -> dict[str, Any]:
    """Service → its promise document; a service that publishes none is left out (its promise
    checks are then skipped, not failed: a user's system need not publish promises)."""
    promises: dict[str, Any] = {}
    for service in system.services:
        instances = platform.instances(service)
        with contextlib.suppress(httpx.HTTPError, ValueError, IndexError):
            answer = httpx.get(instances[0].admin_url + "/promise", timeout=2.0)
            if answer.status_code == 200:
                promises[service] = answer.json()
    return promises
