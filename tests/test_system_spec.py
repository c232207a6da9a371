"""A system.yaml that cannot run is refused with file, line, field and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import SystemSpecError
from harness.system import load_system, start_order
from tests.conftest import SAMPLE_SYSTEM, TINY_SYSTEM

GOOD = """\
name: shop
entrypoint: front
services:
  front:
    command: ["{python}", "front.py"]
    port: 19001
    replicas: 2
    dependencies:
      back: {env: BACK_URL}
  back:
    command: ["{python}", "back.py"]
    port: 19002
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(text)
    return path


def refusal(tmp_path: Path, text: str) -> SystemSpecError:
    with pytest.raises(SystemSpecError) as caught:
        load_system(write(tmp_path, text))
    return caught.value


def test_a_good_system_loads_with_its_edges_and_start_order(tmp_path):
    system = load_system(write(tmp_path, GOOD))
    assert [e.name for e in system.edges()] == ["load->front", "front->back"]
    assert system.edges()[1].proxy_name == "front_to_back"
    assert start_order(system) == ["back", "front"]
    assert system.command_of("front")[0] == sys.executable


def test_the_shipped_systems_load():
    assert load_system(TINY_SYSTEM).entrypoint == "front"
    sample = load_system(SAMPLE_SYSTEM)
    assert len(sample.services) == 6
    assert "gateway->recommendations" in [e.name for e in sample.edges()]


def test_a_missing_field_names_file_line_and_field(tmp_path):
    error = refusal(tmp_path, GOOD.replace("    port: 19002\n", ""))
    assert error.path.endswith("system.yaml")
    assert error.field == "services.back.port"
    assert error.line == 10  # the `back:` mapping that lacks it
    assert "required" in str(error)


def test_an_unknown_dependency_lists_the_services(tmp_path):
    error = refusal(tmp_path, GOOD.replace("back: {env: BACK_URL}", "bakc: {env: BACK_URL}"))
    assert error.field == "services.front.dependencies.bakc"
    assert error.line == 9
    assert "`back`" in str(error) and "`front`" in str(error)


def test_a_dependency_cycle_is_refused_with_the_cycle(tmp_path):
    cyclic = GOOD + "    dependencies:\n      front: {env: FRONT_URL}\n"
    error = refusal(tmp_path, cyclic)
    assert "cycle" in str(error)
    assert "front -> back -> front" in str(error) or "back -> front -> back" in str(error)


def test_a_port_clash_names_both_services(tmp_path):
    error = refusal(tmp_path, GOOD.replace("port: 19002", "port: 19001"))
    assert error.field == "services.back.port"
    assert error.line == 12
    assert "`front`" in str(error)


def test_a_typo_in_a_field_name_is_refused(tmp_path):
    error = refusal(tmp_path, GOOD.replace("replicas: 2", "replica: 2"))
    assert error.field == "services.front.replica"
    assert "not known" in str(error)


def test_bad_yaml_names_the_line(tmp_path):
    error = refusal(tmp_path, GOOD.replace("port: 19002", "port: [19002"))
    assert error.line is not None and "YAML" in str(error)


def test_the_cli_refuses_a_bad_system_with_exit_2_and_starts_nothing(tmp_path):
    path = write(tmp_path, GOOD.replace("back: {env: BACK_URL}", "nowhere: {env: X_URL}"))
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "up", str(path), "--for", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{path}:9" in result.stderr and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Starting" not in result.stdout
