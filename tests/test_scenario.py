"""Reading good scenarios: defaults, fault models, the JSON Schema, the commands and the drafts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from harness.cli import main as cli_main
from harness.errors import EXIT_BAD_INPUT
from harness.scenario import (
    FAULT_TYPES,
    InstanceTarget,
    KillFault,
    LatencyFault,
    load_scenario,
    load_scenario_and_system,
    scenario_json_schema,
)

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
TINY_GOOD = FIXTURES / "scenarios" / "tiny_good.yaml"
DRAFTS = sorted((ROOT / "scenarios").glob("*.yaml"))
SAMPLE_SYSTEM = ROOT / "sample_system" / "system.yaml"


def test_a_good_scenario_reads_into_typed_models() -> None:
    scenario, system = load_scenario_and_system(TINY_GOOD)
    assert system.name == "tiny"
    assert scenario.system_path == (FIXTURES / "tiny_system" / "system.yaml").resolve()
    slow_back = scenario.faults[0]
    assert isinstance(slow_back, LatencyFault)
    assert (slow_back.latency_ms, slow_back.jitter_ms) == (1000, 100)
    assert (slow_back.at_s, slow_back.duration_s) == (0.0, 10.0)
    assert (slow_back.stream, slow_back.toxicity) == ("downstream", 1.0)
    kill = scenario.faults[2]
    assert isinstance(kill, KillFault) and kill.replace is True
    assert kill.target == InstanceTarget(service="back", count=1)
    assert scenario.faults[3].target.labels == {"replica": "1"}  # type: ignore[union-attr]
    assert scenario.expect.promises["front"].latency_p99_ms == 600
    assert scenario.guardrails[0].for_s == 5.0
    assert scenario.total_duration_s == 47.0


def test_unnamed_faults_are_named_after_their_type_and_place() -> None:
    scenario = load_scenario(TINY_GOOD)
    assert [f.name for f in scenario.faults] == [
        "slow-back",
        "down-1",
        "kill-one-back",
        "pause-front",
        "scale-down",
    ]


def test_an_unnamed_fault_whose_type_has_an_underscore_gets_a_valid_name(tmp_path: Path) -> None:
    text = TINY_GOOD.read_text().replace(
        "faults:\n", "faults:\n  - {type: reset_peer, target: front->back, duration: 1s}\n", 1
    )
    path = tmp_path / "unnamed.yaml"
    path.write_text(text.replace("system: ", f"system: {TINY_GOOD.parent}/", 1))
    assert load_scenario(path).faults[0].name == "reset-peer-0"


def test_defaults_fill_what_a_minimal_scenario_leaves_out(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "tiny_system", tmp_path / "tiny_system")
    path = tmp_path / "minimal.yaml"
    path.write_text(
        "name: minimal\n"
        "description: Nothing but the required fields.\n"
        "system: tiny_system/system.yaml\n"
        "phases: {baseline: 5, faults: 10}\n"
    )
    scenario = load_scenario(path)
    assert (scenario.platform, scenario.seed, scenario.faults) == ("local", 1, [])
    assert scenario.phases.lengths_s() == {
        "warmup": 0.0,
        "baseline": 5.0,
        "faults": 10.0,
        "recovery": 0.0,
    }
    assert (scenario.load.users, scenario.load.workers, scenario.load.tasks) == (10, 0, None)
    assert scenario.expect.steady_state.error_rate_max == 0.01
    assert scenario.expect.tolerance.p99_factor == 3.0
    assert scenario.expect.integrity is None  # judged when the system declares something
    assert scenario.task_weights_env() == {}


def test_the_task_mix_goes_to_the_locustfile_as_json() -> None:
    scenario = load_scenario(TINY_GOOD)
    env = scenario.task_weights_env()
    assert json.loads(env["FIREBREAK_TASK_WEIGHTS"]) == {"browse": 9, "order": 1}


def test_the_json_schema_covers_every_fault_type_and_forbids_extra_fields() -> None:
    schema = scenario_json_schema()
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "description", "system", "phases"}
    assert schema["additionalProperties"] is False
    assert {"load", "phases", "faults", "expect", "guardrails"} <= set(schema["properties"])
    fault_types = {
        definition["properties"]["type"]["const"]
        for definition in schema["$defs"].values()
        if "type" in definition.get("properties", {})
        and "const" in definition["properties"]["type"]
    }
    assert fault_types == set(FAULT_TYPES)
    # what a person writes: `at: 5s`, `for: 5s`, not the fields' Python names
    assert "at" in schema["$defs"]["LatencyFault"]["properties"]
    assert "for" in schema["$defs"]["Guardrail"]["properties"]


def test_the_json_schema_accepts_good_scenarios_and_refuses_bad_ones() -> None:
    import jsonschema

    schema = scenario_json_schema()
    for path in [TINY_GOOD, *DRAFTS]:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    bad = yaml.safe_load(TINY_GOOD.read_text())
    bad["faults"][0]["latencyms"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = yaml.safe_load(TINY_GOOD.read_text())
    bad["phases"]["faults"] = "ten seconds"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_schema_command_prints_the_schema_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(scenario_json_schema()))


def test_validate_command_says_ok_with_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["validate", str(TINY_GOOD)]) == 0
    assert f"ok: {TINY_GOOD}: tiny-good" in capsys.readouterr().out


def test_plan_command_prints_the_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = cli_main.main(["plan", str(TINY_GOOD), "--seed", "3", "--time-scale", "0.5"])
    out = capsys.readouterr().out
    assert exit_code == 0
    assert "seed 3, time scale 0.5" in out
    for text in ("warmup", "recovery", "slow-back", "apply", "revert", "front->back", "+7s"):
        assert text in out


def test_plan_command_output_repeats_with_the_same_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_main.main(["plan", str(TINY_GOOD), "--seed", "5"])
    first = capsys.readouterr().out
    cli_main.main(["plan", str(TINY_GOOD), "--seed", "5"])
    assert capsys.readouterr().out == first


def test_list_command_shows_what_each_scenario_proves_and_the_broken_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "tiny_system", tmp_path / "tiny_system")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(TINY_GOOD, folder / "tiny-good.yaml")
    (folder / "broken.yaml").write_text(TINY_GOOD.read_text().replace("type: latency", "type: lag"))
    exit_code = cli_main.main(["list", str(folder)])
    out = capsys.readouterr().out
    assert exit_code == EXIT_BAD_INPUT
    assert "tiny-good.yaml" in out and "A slow back end does not break the front" in out
    assert "broken.yaml" in out and "Unknown fault type `lag`" in out


def test_list_command_refuses_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main.main(["list", str(tmp_path / "nowhere")]) == EXIT_BAD_INPUT
    assert "The folder does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("path", DRAFTS, ids=[p.stem for p in DRAFTS])
def test_every_draft_scenario_is_valid_and_lasts_at_most_a_minute(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.total_duration_s <= 60
    assert scenario.name == path.stem or path.stem == "default"
    assert len(scenario.description.split()) >= 8  # says what it proves


def test_the_drafts_are_all_there() -> None:
    names = {p.stem for p in DRAFTS}
    assert {"default", "game-day", "payments-down", "two-hop-chain"} <= names
    assert len(names) >= 12
