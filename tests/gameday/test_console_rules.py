"""The game day's pure parts: the palette offers every fault type with its parameters, a console
request becomes the fault model a scenario would hold (or an error naming the field), the
console refuses foreign sites, and an exercise becomes a scenario `firebreak validate` accepts."""

from __future__ import annotations

import pytest

from harness.errors import InputError
from harness.faults.registry import FAULT_TYPES
from harness.gameday.exercise import ExercisePhases, Step, scenario_document, scenario_yaml
from harness.gameday.palette import ConsoleRequestError, fault_from_request, palette
from harness.gameday.server import refusal
from harness.scenario import load_scenario_and_system
from harness.system import load_system
from tests.conftest import REPO_ROOT

SYSTEM = REPO_ROOT / "sample_system" / "system.yaml"
HOSTS = {"127.0.0.1:8765", "localhost:8765"}


def test_the_palette_offers_every_fault_type_of_the_registry_with_units_and_defaults():
    entries = {entry["type"]: entry for entry in palette()}
    assert set(entries) == set(FAULT_TYPES)
    assert entries["kill"]["kind"] == "instance" and entries["latency"]["kind"] == "edge"
    latency = {p["name"]: p for p in entries["latency"]["params"]}
    assert latency["latency_ms"]["unit"] == "ms" and latency["latency_ms"]["required"]
    assert latency["jitter_ms"]["default"] == 0
    assert latency["stream"]["choices"] == ["upstream", "downstream"]
    assert {p["name"]: p for p in entries["bandwidth"]["params"]}["rate_kbps"]["unit"] == "KB/s"
    assert all(entry["description"] for entry in entries.values())


def test_a_console_request_becomes_the_fault_model_a_scenario_holds():
    system = load_system(SYSTEM)
    spec, duration_s = fault_from_request(
        {
            "type": "latency",
            "target": "gateway->recommendations",
            "params": {"latency_ms": 800, "jitter_ms": 50},
            "duration_s": 30,
        },
        "latency-1",
        system,
    )
    assert (spec.latency_ms, spec.jitter_ms, spec.duration_s, duration_s) == (800, 50, 30, 30)
    kill, until_stopped = fault_from_request(
        {"type": "kill", "target": {"service": "recommendations", "count": 1}},
        "kill-2",
        system,
    )
    assert kill.target.count == 1 and until_stopped is None


@pytest.mark.parametrize(
    ("request_body", "field", "words"),
    [
        (
            {"type": "latency", "target": "gateway->nowhere", "params": {"latency_ms": 1}},
            "target",
            "There is no edge `gateway->nowhere`",
        ),
        (
            {"type": "latency", "target": "gateway->catalog", "params": {"latency_ms": -5}},
            "params.latency_ms",
            "greater than or equal to 0",
        ),
        (
            {"type": "latency", "target": "gateway->catalog", "params": {}},
            "params.latency_ms",
            "required",
        ),
        (
            {"type": "kill", "target": {"service": "catalog", "count": 3}},
            "target",
            "cannot be picked",
        ),
        ({"type": "melt", "target": "gateway->catalog"}, "type", "Unknown fault type"),
        ({"type": "down", "target": "gateway->catalog", "duration_s": 0}, "duration_s", "above 0"),
    ],
)
def test_a_bad_console_request_names_the_field(request_body, field, words):
    with pytest.raises(ConsoleRequestError) as raised:
        fault_from_request(request_body, "x-1", load_system(SYSTEM))
    assert raised.value.field == field
    assert words in raised.value.detail


@pytest.mark.parametrize(
    ("method", "host", "origin", "content_type", "status"),
    [
        ("GET", "127.0.0.1:8765", None, "", None),
        ("POST", "127.0.0.1:8765", "http://127.0.0.1:8765", "application/json", None),
        (
            "POST",
            "localhost:8765",
            "http://localhost:8765",
            "application/json; charset=utf-8",
            None,
        ),
        # another site, through the user's own browser
        ("POST", "127.0.0.1:8765", "https://evil.example", "application/json", 403),
        ("GET", "127.0.0.1:8765", "http://127.0.0.1:9999", "", 403),
        # a rebinding page reaches loopback under its own host name
        ("GET", "evil.example:8765", None, "", 403),
        # a form post (no CORS preflight) cannot be JSON
        ("POST", "127.0.0.1:8765", None, "application/x-www-form-urlencoded", 415),
        ("POST", "127.0.0.1:8765", None, "text/plain", 415),
    ],
)
def test_the_console_refuses_other_sites(method, host, origin, content_type, status):
    reason = refusal(method, host, origin, content_type, HOSTS)
    assert (reason[0] if reason else None) == status


def test_an_exercise_becomes_a_scenario_that_validates(tmp_path):
    started = 1_800_000_000.0
    steps = [
        Step(
            "latency-1",
            "latency",
            "gateway->recommendations",
            {"latency_ms": 1000},
            "gateway serves pages without recommendations",
            ["gateway->recommendations"],
            started + 20.04,
            None,
            reverted_at=started + 41.3,
        ),
        Step(
            "kill-2",
            "kill",
            {"service": "recommendations", "count": 1},
            {},
            "the other replica takes the load",
            ["recommendations-1"],
            started + 50.0,
            None,
            reverted_at=started + 52.5,
        ),
        Step(
            "down-3",
            "down",
            "orders->payments",
            {},
            "orders refuses politely",
            ["orders->payments"],
            started + 60.0,
            10.0,
            reverted_at=None,
        ),
    ]
    phases = ExercisePhases(started, 5.0, 10.0, ended_at=started + 75.0)
    scenario_path = tmp_path / "gameday-scenario.yaml"
    document = scenario_document(
        name="gameday-sample-store",
        system_path=str(SYSTEM),
        platform="local",
        seed=7,
        load={"users": 5},
        phases=phases,
        steps=steps,
        expect={},
        guardrails=[{"metric": "front_door_error_rate", "above": 0.5, "for": 5.0}],
    )
    scenario_path.write_text(scenario_yaml(document))
    scenario, _ = load_scenario_and_system(scenario_path)
    faults = {f.name: f for f in scenario.faults}
    # at the offsets they were injected at, from the first; for as long as they ran (rounded up)
    assert (faults["latency-1"].at_s, faults["latency-1"].duration_s) == (0.0, 21.3)
    assert faults["kill-2"].at_s == 30.0 and faults["kill-2"].duration_s is None
    assert (faults["down-3"].at_s, faults["down-3"].duration_s) == (40.0, 15.0)
    # the baseline ran from the end of the warm-up to the first injection
    assert scenario.phases.baseline_s == pytest.approx(15.1)
    assert scenario.phases.faults_s >= 55.0 and scenario.phases.recovery_s == 15.0
    assert scenario.load.users == 5 and scenario.guardrails[0].above == 0.5


def test_replaying_a_journal_that_is_not_a_game_days_names_the_field(tmp_path):
    from harness.errors import InputError
    from harness.gameday.replay import replay_scenario

    scenario_run = REPO_ROOT / "tests" / "fixtures" / "journals" / "passed.json"
    out = tmp_path / "replayed.yaml"
    with pytest.raises(InputError) as raised:
        replay_scenario(scenario_run, out)
    assert raised.value.field == "gameday" and "not a game day's" in raised.value.detail
    assert not out.exists()


def test_a_game_day_takes_load_phases_expectations_and_guardrails_from_a_scenario():
    import argparse

    from harness.cli.gameday_cmd import starting_scenario

    def args(**given):
        defaults = dict(
            system=None, scenario=None, users=None, warmup=None, baseline=None, guardrail=[]
        )
        return argparse.Namespace(**{**defaults, **given})

    scenario, system = starting_scenario(
        args(
            scenario=REPO_ROOT / "scenarios" / "two-hop-chain.yaml",
            guardrail=["front_door_p99_ms:2000:5s"],
        )
    )
    assert system.name == "sample-store" and scenario.faults == []
    assert scenario.load.users == 10 and scenario.expect.blast_radius == ["recommendations"]
    assert [g.metric for g in scenario.guardrails] == ["front_door_error_rate", "front_door_p99_ms"]
    assert scenario.system_path == system.path
    # the scenario's phases, unless a flag names one (even with the flag's default value)
    assert (scenario.phases.warmup_s, scenario.phases.baseline_s) == (5.0, 10.0)
    flagged, _ = starting_scenario(
        args(scenario=REPO_ROOT / "scenarios" / "two-hop-chain.yaml", baseline="15s")
    )
    assert (flagged.phases.warmup_s, flagged.phases.baseline_s) == (5.0, 15.0)
    defaults, _ = starting_scenario(args())
    assert (defaults.phases.warmup_s, defaults.phases.baseline_s) == (5.0, 15.0)
    plain, _ = starting_scenario(args(users=3, warmup="1s", baseline="4s"))
    assert (plain.load.users, plain.phases.warmup_s, plain.phases.baseline_s) == (3, 1.0, 4.0)
    assert plain.system_path == system.path
    with pytest.raises(InputError) as raised:
        starting_scenario(args(guardrail=["front_door_error_rate:lots"]))
    assert raised.value.field == "--guardrail"
