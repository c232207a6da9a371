"""The promises each service is held to: what it publishes at `/promise` and what system.yaml
declares for it, merged per endpoint (the file wins where both name one endpoint: it is what the
team wrote down for this test).

The result is plain data for the journal: service → {"endpoints": [EndpointPromise fields plus
"source"], "problems": [why a published promise could not be read]}. A service with neither
stays out. Checks never read this form: `harness.checks.promise_view` merges it with the
scenario's `expect.promises` into the one view they all read.
"""

from __future__ import annotations

from typing import Any

import httpx

from harness.platforms.base import Platform
from harness.service_contract import EndpointPromise, published_endpoints
from harness.system import SystemSpec

PROMISE_PATH = "/promise"
SOURCE_PUBLISHED = "published at /promise"
SOURCE_DECLARED = "system.yaml"


def read_published(platform: Platform, service: str) -> tuple[Any, str | None]:
    """One instance's `/promise` document, or None and why (absent is normal: not a problem)."""
    instances = platform.instances(service)
    if not instances:
        return None, "no instance to ask"
    try:
        answer = httpx.get(instances[0].url + PROMISE_PATH, timeout=2.0)
    except httpx.HTTPError as exc:
        return None, f"{PROMISE_PATH} did not answer ({type(exc).__name__})"
    if answer.status_code == 404:
        return None, None
    if answer.status_code != 200:
        return None, f"{PROMISE_PATH} answered {answer.status_code}"
    try:
        return answer.json(), None
    except ValueError:
        return None, f"{PROMISE_PATH} did not answer JSON"


def merge_promises(
    published: dict[str, Any], unreadable: dict[str, str], system: SystemSpec
) -> dict[str, Any]:
    """Published documents and declared promises, merged per service and endpoint."""
    merged: dict[str, Any] = {}
    for service, spec in system.services.items():
        by_label: dict[str, tuple[EndpointPromise, str]] = {}
        problems = [unreadable[service]] if service in unreadable else []
        if service in published:
            endpoints, document_problems = published_endpoints(published[service])
            problems += [f"{PROMISE_PATH}: {p}" for p in document_problems]
            by_label.update({e.label: (e, SOURCE_PUBLISHED) for e in endpoints})
        by_label.update({e.label: (e, SOURCE_DECLARED) for e in spec.promises})
        if by_label or problems:
            merged[service] = {
                "endpoints": [
                    {**promise.model_dump(), "source": source}
                    for promise, source in by_label.values()
                ],
                "problems": problems,
            }
    return merged


def read_promises(platform: Platform, system: SystemSpec) -> dict[str, Any]:
    """Every service's promises, published and declared (see the module docstring)."""
    published: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for service, spec in system.services.items():
        if spec.health.tcp:
            continue  # its port answers no HTTP (a data store, a gRPC server): nothing to ask
        document, problem = read_published(platform, service)
        if document is not None:
            published[service] = document
        elif problem is not None:
            unreadable[service] = problem
    return merge_promises(published, unreadable, system)
