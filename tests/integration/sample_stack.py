"""Running the sample system for tests: a deployed platform plus small readers of its metrics."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from harness.ledger import Ledger
from harness.observe.prometheus_text import parse_prometheus_text
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system
from tests.conftest import SAMPLE_SYSTEM

# away from the sample's own ports (8100+) so a `firebreak up` on this machine does not clash
TEST_PORT_OFFSET = 1300


@contextlib.contextmanager
def sample_platform(
    run_dir: Path,
    env_overrides: dict[str, dict[str, str]] | None = None,
    port_offset: int = TEST_PORT_OFFSET,
    **options,
) -> Iterator[LocalPlatform]:
    system = load_system(SAMPLE_SYSTEM)
    ledger = Ledger(f"test-{run_dir.name}", run_dir)
    platform = LocalPlatform(
        system,
        run_dir,
        ledger=ledger,
        port_offset=port_offset,
        env_overrides=env_overrides,
        **options,
    )
    try:
        platform.deploy()
        platform.wait_ready(30)
        yield platform
    finally:
        platform.teardown()
        ledger.close()


def metric_sum(platform: LocalPlatform, service: str, name: str, **labels: str) -> float:
    """A metric summed over every replica of `service` that answers on its own port."""
    total = 0.0
    for instance in platform.instances(service):
        try:
            text = httpx.get(instance.url + "/metrics", timeout=1.0).text
        except httpx.HTTPError:
            continue
        for (sample_name, label_items), value in parse_prometheus_text(text).items():
            found = dict(label_items)
            if sample_name == name and all(found.get(k) == v for k, v in labels.items()):
                total += value
    return total


def breaker_states(platform: LocalPlatform, service: str, dependency: str) -> list[int]:
    states = []
    for instance in platform.instances(service):
        text = httpx.get(instance.url + "/metrics", timeout=1.0).text
        for (name, label_items), value in parse_prometheus_text(text).items():
            if name == "dependency_breaker_state" and dict(label_items)["dependency"] == dependency:
                states.append(int(value))
    return states


def product_page(client: httpx.Client, front_door: str, product_id: int = 7) -> httpx.Response:
    return client.get(f"{front_door}/products/{product_id}")


def wait_for(condition, timeout_s: float, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return bool(condition())
