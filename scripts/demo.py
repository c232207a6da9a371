"""The interim demo: bring the sample system up, send a burst through the front door while
recommendations is slowed beyond the gateway's timeout, show what the gateway answered and the
breaker states, and tear it all down."""

from __future__ import annotations

import sys
import time
from collections import Counter

import httpx

from harness.cli import console
from harness.cli.up_cmd import show_platform
from harness.errors import FirebreakError
from harness.faults.toxiproxy import ToxicInfo
from harness.ledger import Ledger
from harness.observe.prometheus_text import parse_prometheus_text
from harness.platforms.local import LocalPlatform
from harness.run_files import new_run_dir
from harness.system import default_system_path, load_system

BREAKER_NAMES = {0: "closed", 1: "half-open", 2: "open"}


def burst(front_door: str, count: int) -> Counter[str]:
    answers: Counter[str] = Counter()
    with httpx.Client(timeout=5) as client:
        for product_id in range(1, count + 1):
            response = client.get(f"{front_door}/products/{product_id}")
            degraded = response.headers.get("X-Degraded") or "whole"
            answers[f"{response.status_code} {degraded}"] += 1
    return answers


def breakers(platform: LocalPlatform) -> list[list[str]]:
    rows = []
    for instance in platform.instances("gateway"):
        text = httpx.get(instance.admin_url + "/metrics", timeout=2).text
        for (name, labels), value in sorted(parse_prometheus_text(text).items()):
            if name == "dependency_breaker_state":
                rows.append([instance.id, dict(labels)["dependency"], BREAKER_NAMES[int(value)]])
    return rows


def main() -> int:
    system = load_system(default_system_path())
    run_dir = new_run_dir("demo")
    ledger = Ledger(run_dir.name, run_dir)
    platform = LocalPlatform(system, run_dir, ledger=ledger)
    try:
        started = time.monotonic()
        platform.deploy()
        platform.wait_ready(30)
        console.info(f"Sample system ready in {time.monotonic() - started:.2f} s.")
        show_platform(platform)
        front_door = platform.endpoints()["load"]
        console.info("\n[bold]1. Healthy[/]: 20 product pages through the front door")
        console.table(
            "answers", ["answer", "count"], [[k, str(v)] for k, v in burst(front_door, 20).items()]
        )
        console.info("\n[bold]2. gateway->recommendations slowed to 1000 ms[/] (timeout: 150 ms)")
        platform.toxiproxy.add_toxic(
            "gateway_to_recommendations", ToxicInfo("demo", "latency", attributes={"latency": 1000})
        )
        answers = burst(front_door, 20)
        console.table("answers", ["answer", "count"], [[k, str(v)] for k, v in answers.items()])
        console.table("gateway breakers", ["instance", "dependency", "state"], breakers(platform))
        platform.toxiproxy.remove_toxic("gateway_to_recommendations", "demo")
        console.info(
            "The gateway kept answering 200 with a default list marked degraded: the fallback held."
        )
    except FirebreakError as exc:
        console.error(str(exc))
        return exc.exit_code
    finally:
        platform.teardown()
        ledger.close()
    console.info(f"Torn down. Logs: {run_dir / 'logs'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
