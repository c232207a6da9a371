"""Figures for the game-day console (issue 12 §5), printed, not asserted.

    python bench/gameday_figures.py [--rounds 5] [--idle-s 20]

1. Console update latency: a fault injected from the page (click on Inject) → its band drawn
   in the page, and → the graph showing the target `injected`; then Revert → the row gone.
   Measured in a real Chromium (Debian's, through Playwright) on the sample, local platform.
2. The game day's own process (the harness: session, console server, observers; not the
   system, Toxiproxy or the load) in CPU cores, over `--idle-s` with no console open and with
   one console open (pushed once a second), and the bytes pushed per second.
3. The size of the page and of the shipped assets.

Traffic goes to 127.0.0.1 only, on the sample's ports + 2700.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "harness" / "gameday" / "static"
PORT_OFFSET = 2700
EDGES = ["gateway->recommendations", "gateway->inventory", "recommendations->catalog"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cores_of(process: psutil.Process, seconds: float) -> float:
    before = process.cpu_times()
    time.sleep(seconds)
    after = process.cpu_times()
    return (after.user + after.system - before.user - before.system) / seconds


def pushed_bytes_per_s(url: str, seconds: float) -> float:
    total = 0
    started = time.monotonic()
    with requests.get(url + "api/events", stream=True, timeout=10) as stream:
        for chunk in stream.iter_content(chunk_size=None):
            total += len(chunk)
            if time.monotonic() - started >= seconds:
                break
    return total / seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle-s", type=float, default=20.0)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    out = Path(tempfile.mkdtemp(prefix="gameday-bench-")) / "run"
    command = [
        sys.executable, "-m", "harness.cli.main", "gameday", "--no-browser", "--port", str(port),
        "--port-offset", str(PORT_OFFSET), "--warmup", "2s", "--baseline", "5s", "--out", str(out),
    ]  # fmt: skip
    log = (out.parent / "gameday.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "api/state", timeout=2).json()["phase"] == "exercise":
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        harness = psutil.Process(process.pid)
        idle = cores_of(harness, args.idle_s)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto(url)
            page.wait_for_selector("[data-testid=live]:has-text('live')")
            watched = cores_of(harness, args.idle_s)
            pushed = pushed_bytes_per_s(url, 10)
            band_s, graph_s, revert_s = [], [], []
            for index in range(args.rounds):
                edge = EDGES[index % len(EDGES)]
                callee = edge.split("->")[1]
                page.select_option("select[name=fault-type]", "latency")
                page.select_option("select[name=target]", edge)
                page.fill("input[name=param-latency_ms]", "500")
                page.check("input[name=until-stopped]")
                page.fill("textarea[name=hypothesis]", f"round {index}")
                name = f"latency-{index + 1}"
                clicked = time.monotonic()
                page.click("[data-testid=inject]")
                page.wait_for_selector(f"[data-testid=band][data-fault={name}]")
                band_s.append(time.monotonic() - clicked)
                page.wait_for_selector(
                    f"[data-testid=node][data-service={callee}][data-state=injected]"
                )
                graph_s.append(time.monotonic() - clicked)
                time.sleep(2)
                clicked = time.monotonic()
                page.click(f"[data-testid=fault-row][data-fault={name}] [data-testid=revert]")
                page.wait_for_selector(
                    f"[data-testid=fault-row][data-fault={name}]", state="detached"
                )
                revert_s.append(time.monotonic() - clicked)
                time.sleep(3)
            transferred = len(requests.get(url, timeout=5).content)
            browser.close()
        requests.post(url + "api/end", json={}, timeout=5)
        process.wait(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms (n={len(values)})"
        )

    print(f"inject → band in the page:         {ms(band_s)}")
    print(f"inject → target `injected` in graph: {ms(graph_s)}")
    print(f"revert → row gone from the page:   {ms(revert_s)}")
    print(f"harness process, no console open:  {idle:.3f} cores over {args.idle_s:g} s")
    print(f"harness process, one console open: {watched:.3f} cores over {args.idle_s:g} s")
    print(f"pushed to one console:             {pushed / 1024:.1f} KiB/s")
    sizes = {p.relative_to(STATIC).as_posix(): p.stat().st_size for p in STATIC.rglob("*.*")}
    for name, size in sorted(sizes.items()):
        print(f"  {name:<28} {size / 1024:6.1f} KiB")
    print(f"shipped assets: {sum(sizes.values()) / 1024:.1f} KiB; page: {transferred} bytes")
    print(f"run folder: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
