"""Figures for the resilience map (issue 13), printed, not asserted.

    python bench/sweep_figures.py RUN_DIR [--png FILE] [--renders 50]

Reads a finished sweep's `map.json` (`firebreak sweep --out RUN_DIR`) and prints:
1. the whole sweep's time, and each cell's (median, max);
2. where a cell's time goes: the steady check before it (the between-cell check), the fault,
   the wait for a whole steady window after it, and judging (integrity's settling included);
3. the time to render `map.html` from the map (median of `--renders`).
`--png FILE` draws `map.html` in Debian's Chromium (through Playwright) to a picture.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from harness.sweep.render import render_map_html
from harness.sweep.resilience_map import read_map
from harness.system import load_system

CHROMIUM = "/usr/bin/chromium"


def spread_of(values: list[float]) -> str:
    if not values:
        return "none"
    return f"median {statistics.median(values):.1f} s, max {max(values):.1f} s (n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--system", type=Path, default=None, help="default: the sample's")
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()
    resilience_map = read_map(args.run_dir / "map.json")
    cells = list(resilience_map.cells.values())
    if not cells:
        print("The map has no cell yet.")
        return 1
    first = min(c.started_at for c in cells)
    last = max(c.ended_at for c in cells)
    print(f"{len(cells)} cells of {resilience_map.system} on {resilience_map.platform}")
    print(f"  cells, first start to last end: {last - first:.0f} s ({(last - first) / 60:.1f} min)")
    print(f"  per cell: {spread_of([c.ended_at - c.started_at for c in cells])}")
    for part in ("steady_before", "fault", "steady_after", "judge"):
        values = [
            c.numbers["timings_s"][part] for c in cells if part in c.numbers.get("timings_s", {})
        ]
        print(f"  {part.replace('_', ' ')}: {spread_of(values)}")
    counts = resilience_map.counts()
    print("  verdicts: " + ", ".join(f"{v} {n}" for v, n in counts.items() if n))

    system = load_system(args.system or Path("sample_system/system.yaml"))
    times_ms = []
    for _ in range(args.renders):
        started = time.perf_counter()
        html = render_map_html(resilience_map, system, [])
        times_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"render map.html: median {statistics.median(times_ms):.1f} ms, max "
        f"{max(times_ms):.1f} ms over {args.renders} renders ({len(html) / 1024:.1f} KiB)"
    )
    if args.png is not None:
        from playwright.sync_api import sync_playwright

        page_path = args.run_dir / "map.html"
        page_path.write_text(html, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(page_path.resolve().as_uri())
                page.screenshot(path=str(args.png), full_page=True)
            finally:
                browser.close()
        print(f"picture: {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
