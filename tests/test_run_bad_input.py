"""`firebreak run` refuses bad input before anything starts: exit 2, file:line and field, no
ledger (written before any process starts) and no run folder (issue 3 §7)."""

from __future__ import annotations

import subprocess
import sys

from harness.ledger import read_ledgers
from tests.conftest import REPO_ROOT


def test_an_unknown_edge_is_refused_with_the_valid_ones_and_nothing_starts(tmp_path):
    text = (REPO_ROOT / "scenarios" / "default.yaml").read_text()
    text = text.replace("target: gateway->recommendations", "target: gateway->recomendations")
    text = text.replace(
        "system: ../sample_system/system.yaml",
        f"system: {REPO_ROOT / 'sample_system' / 'system.yaml'}",
    )
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "recomendations" in t)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli.main",
            "run",
            str(path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{path}:{line}:" in result.stderr
    assert "faults[0].target" in result.stderr
    assert "gateway->recommendations" in result.stderr  # the valid edges are listed
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert read_ledgers() == []
