"""Time and memory of rendering every report of a long run: 10 minutes at 500 requests/s.

    python bench/render_report.py [--seconds 600] [--rps 500] [--rounds 1]

The journal is synthetic (tests/fixtures/journals/make_journal.py) but has the shape of a real
one: per-second front-door histograms, six services with their dependencies, events, faults.
It is written to a temporary folder first, so the figure covers what the runner pays at the end
of a run: read the journal, draw the plots, write report.html, plots/, junit.xml, summary.md.
Peak memory is the process's maxrss (it includes Python and matplotlib themselves).
Targets: at most 5 s and 300 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.reports.render import render_run  # noqa: E402 - needs the path above
from tests.fixtures.journals.make_journal import make_journal  # noqa: E402

TARGET_S = 5.0
TARGET_MB = 300.0


def maxrss_mb() -> float:
    # Linux reports kilobytes (macOS bytes; this bench targets the Linux CI machines)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    before_mb = maxrss_mb()
    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as folder:
        journal_path = make_journal("failed", seconds=args.seconds, rps=args.rps).write(
            Path(folder) / "journal.json"
        )
        journal_mb = journal_path.stat().st_size / 1e6
        generated_mb = maxrss_mb()
        timings_s = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            written = render_run(journal_path, step_summary=Path(folder) / "step.md")
            timings_s.append(time.perf_counter() - started)
        html_mb = written["html"].stat().st_size / 1e6
    peak_mb = maxrss_mb()
    best_s = min(timings_s)
    print(f"journal: {args.seconds} s at {args.rps} requests/s, {journal_mb:.1f} MB on disk")
    print(f"render:  {best_s:.2f} s (best of {args.rounds}; target <= {TARGET_S:.0f} s)")
    print(
        f"memory:  peak RSS {peak_mb:.0f} MB (target <= {TARGET_MB:.0f} MB); "
        f"{before_mb:.0f} MB at start, {generated_mb:.0f} MB after building the journal"
    )
    print(f"report:  report.html {html_mb:.1f} MB")
    return 0 if best_s <= TARGET_S and peak_mb <= TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
