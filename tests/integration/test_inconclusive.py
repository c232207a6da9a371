"""A busy machine gives `inconclusive`, not a verdict: with every core saturated on purpose by
another workload, a run of the default scenario says the machine interfered and exits 4."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.errors import EXIT_INCONCLUSIVE
from tests.conftest import REPO_ROOT
from tests.integration.test_scenarios_on_sample import run_scenario

BURN = "import time\nwhile True: time.time()"


@pytest.fixture
def saturated_cores():
    """One busy loop per core, from another process group: a neighbour's job, not the run's."""
    burners = [
        subprocess.Popen([sys.executable, "-c", BURN], start_new_session=True)
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(timeout=10)


def test_a_run_on_saturated_cores_is_inconclusive_with_the_measurements(
    saturated_cores, tmp_path, toxiproxy_server_binary
):
    result = run_scenario(
        REPO_ROOT / "scenarios" / "default.yaml", tmp_path / "run", rerun_inconclusive=False
    )
    assert result.outcome == "inconclusive", result.verdict
    assert result.exit_code == EXIT_INCONCLUSIVE
    assert result.verdict.startswith("No verdict: the machine interfered with the measurement")
    assert "other workloads used" in result.verdict
    journal = result.journal_path.read_text()
    assert '"detected": true' in journal
    junit = (result.run_dir / "junit.xml").read_text()
    assert 'type="firebreak.inconclusive"' in junit and "<failure" not in junit
