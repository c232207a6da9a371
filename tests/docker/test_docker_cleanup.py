"""After a SIGKILLed harness, `firebreak cleanup` removes the run's containers, network and
volumes, found by label; a missing engine and a service with no image are said in one sentence
each, with their exit codes, before anything starts."""

from __future__ import annotations

import signal
import subprocess
import sys

from harness.platforms.docker.engine import LABEL_RUN, count_by_label
from tests.conftest import REPO_ROOT, SAMPLE_SYSTEM
from tests.integration.test_stopping import wait_for_ledger

FX_SYSTEM = REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"


def firebreak(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_a_sigkilled_up_is_cleaned_up_by_label(spawn_harness, docker_client, sample_images):
    process = spawn_harness("up", str(FX_SYSTEM), "--platform", "docker")
    ledger = wait_for_ledger(process, "up", timeout_s=120)
    run = ledger.info["docker_run"]
    left = count_by_label(docker_client, f"{LABEL_RUN}={run}")
    # 6 replicas, Toxiproxy and the balancer on every edge
    assert left.containers == 8 and left.networks == 1
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert count_by_label(docker_client, f"{LABEL_RUN}={run}").containers == 8  # still there
    done = firebreak("cleanup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Docker containers, networks and volumes removed" in done.stdout
    assert count_by_label(docker_client, f"{LABEL_RUN}={run}").total == 0


def test_no_engine_is_one_sentence_and_exit_3(tmp_path):
    done = firebreak(
        "run",
        str(REPO_ROOT / "scenarios" / "default.yaml"),
        "--platform",
        "docker",
        env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"},
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "The Docker engine is not running" in done.stdout + done.stderr


def test_a_service_without_image_or_build_is_bad_input(tmp_path):
    text = SAMPLE_SYSTEM.read_text().replace(
        "    build: {context: ., dockerfile: Dockerfile}\n    image: firebreak/sample-payments\n",
        "",
    )
    system = tmp_path / "sample_system" / "system.yaml"
    system.parent.mkdir()
    system.write_text(text)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        (REPO_ROOT / "scenarios" / "default.yaml")
        .read_text()
        .replace("system: ../sample_system/system.yaml", f"system: {system}")
    )
    done = firebreak("run", str(scenario), "--platform", "docker")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{system}" in done.stderr + done.stdout
    assert "`services.payments`" in done.stderr + done.stdout
