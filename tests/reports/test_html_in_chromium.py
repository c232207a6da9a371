"""The report as a browser draws it: headless Chromium screenshots it and the plots are there.

Chromium is a real part (`apt-get install -y chromium`); like every real part it fails the test
when missing rather than skipping it. The same check is run on a report whose plots were left
out, to prove that it would notice them missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.reports.html import write_html
from harness.reports.journal import read_journal
from harness.reports.render import render_run

WIDTH_PX, HEIGHT_PX = 1400, 3000
# the tables end above this line in a 1400 px wide window; the plots fill the rest
PLOTS_TOP_PX = 1400


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is a real part this test needs: `apt-get install -y chromium`.")


def screenshot(page: Path, tmp_path: Path) -> Image.Image:
    shot = tmp_path / f"{page.stem}.png"
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            f"--screenshot={shot}",
            f"--window-size={WIDTH_PX},{HEIGHT_PX}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    return Image.open(shot).convert("RGB")


def plot_pixels(image: Image.Image) -> tuple[float, int]:
    """Share of non-white pixels and count of strongly coloured ones below the tables."""
    region = np.asarray(image)[PLOTS_TOP_PX:].astype(int)
    non_white = float((region.min(axis=2) < 235).mean())
    coloured = int(((region.max(axis=2) - region.min(axis=2)) > 60).sum())
    return non_white, coloured


def test_chromium_draws_the_report_with_its_plots(journal_file, tmp_path):
    written = render_run(journal_file)
    image = screenshot(written["html"], tmp_path)
    assert image.size == (WIDTH_PX, HEIGHT_PX)
    non_white, coloured = plot_pixels(image)
    assert non_white > 0.15, f"only {non_white:.1%} of the plot region is drawn"
    assert coloured > 15_000, f"only {coloured} coloured pixels in the plot region"
    # the verdict box of a passed run is drawn near the top, in its pale green (#edf7ed)
    top = np.asarray(image)[:400].astype(int)
    verdict_green = (np.abs(top - (237, 247, 237)).max(axis=2) <= 3).sum()
    assert verdict_green > 20_000


def test_the_check_notices_a_report_without_plots(journal_file, tmp_path):
    bare = write_html(read_journal(journal_file), {}, tmp_path / "bare.html")
    non_white, coloured = plot_pixels(screenshot(bare, tmp_path))
    assert non_white < 0.05 and coloured < 2_000
