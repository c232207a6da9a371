"""Every way a scenario can be wrong ends in exit 2 and one message naming the file, the line,
the field and what was expected — and nothing is started."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli import main as cli_main
from harness.errors import EXIT_BAD_INPUT, ScenarioError, SystemSpecError
from harness.scenario import load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
BASE_TEXT = (FIXTURES / "scenarios" / "tiny_base.yaml").read_text(encoding="utf-8")


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """`<tmp>/scenarios/`, with the tiny system at `../tiny_system/system.yaml` beside it."""
    shutil.copytree(FIXTURES / "tiny_system", tmp_path / "tiny_system")
    (tmp_path / "scenarios").mkdir()
    return tmp_path / "scenarios"


def broken(old: str, new: str) -> str:
    assert old in BASE_TEXT, f"the base scenario has no {old!r}"
    return BASE_TEXT.replace(old, new, 1)


def line_of(text: str, marker: str) -> int:
    """The number of the last line with `marker` (the last: a duplicate is cited where it is)."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert numbers, f"no line with {marker!r}"
    return numbers[-1]


LATENCY_FAULT = (
    "    type: latency\n    target: front->back\n    at: 0s\n    duration: 10s\n"
    "    latency_ms: 1000\n"
)


def http_fault(fault_type: str, parameter: str) -> str:
    """The base's first fault as an HTTP fault with one parameter line."""
    lines = f"    type: {fault_type}\n    target: front->back\n    at: 0s\n    duration: 10s\n"
    return lines + (f"    {parameter}\n" if parameter else "")


# (id, old, new, marker of the line the error must cite, field, what was expected)
CASES = [
    ("bad-duration", "duration: 10s", "duration: 10 parsecs", "10 parsecs",
     "faults[0].duration", "expected a duration such as `500ms`"),
    ("negative-phase", "baseline: 5s", "baseline: -5s", "baseline:",
     "phases.baseline", "expected a duration of zero or more"),
    ("zero-faults-phase", "faults: 20s", "faults: 0s", "faults: 0s",
     "phases.faults", "greater than 0"),
    ("missing-baseline", "  baseline: 5s\n", "", "phases:",
     "phases.baseline", "required"),
    ("unknown-fault-type", "type: latency", "type: lag", "type: lag",
     "faults[0].type", "expected one of `latency`, `bandwidth`, `slow_close`, `timeout`"),
    ("missing-fault-type", "    type: latency\n", "", "- name: slow-back",
     "faults[0]", "expected one of `latency`"),
    ("unknown-edge", "target: front->back", "target: front->nowhere", "front->nowhere",
     "faults[0].target", "expected one of `load->front`, `front->back`"),
    ("unknown-edge-mapping", "target: front->back", "target: {edge: back->front}",
     "back->front", "faults[0].target.edge", "expected one of `load->front`, `front->back`"),
    ("unknown-service-target", "target: front->back", "target: {service: middle}",
     "middle", "faults[0].target.service", "expected one of `front`, `back`"),
    ("bad-target-shape", "target: front->back", "target: [front, back]", "[front, back]",
     "faults[0].target", "expected an edge name such as"),
    ("fault-beyond-window", "duration: 10s", "duration: 25s", "duration: 25s",
     "faults[0].duration", "expected `at` + `duration` of at most 20 s"),
    ("fault-starts-after-window", "at: 5s", "at: 30s", "at: 30s",
     "faults[1].at", "expected an offset below 20 s"),
    ("zero-count", "count: 1", "count: 0", "count: 0",
     "faults[1].target.count", "greater than 0"),
    ("negative-count", "count: 1", "count: -2", "count: -2",
     "faults[1].target.count", "greater than 0"),
    ("count-beyond-replicas", "count: 1", "count: 3", "count: 3",
     "faults[1].target.count", "expected a count between 1 and 2"),
    ("zero-percent", "count: 1", "percent: 0", "percent: 0",
     "faults[1].target.percent", "greater than 0"),
    ("percent-above-100", "count: 1", "percent: 150", "percent: 150",
     "faults[1].target.percent", "less than or equal to 100"),
    ("two-selectors", "count: 1", "count: 1, percent: 50", "percent: 50",
     "faults[1].target", "expected at most one of `count`, `percent` and `labels`"),
    ("labels-match-nothing", "count: 1", "labels: {replica: '5'}", "replica: '5'",
     "faults[1].target.labels", "expected labels `app: back` and `replica` between 0 and 1"),
    ("unknown-kill-service", "{service: back, count: 1}", "{service: middle}", "middle",
     "faults[1].target.service", "expected one of `front`, `back`"),
    ("kill-by-name", "{service: back, count: 1}", "back", "target: back",
     "faults[1].target", "expected a mapping such as `{service: inventory, count: 1}`"),
    ("replaced-kill-with-duration", "    at: 5s\n", "    at: 5s\n    duration: 2s\n",
     "duration: 2s", "faults[1].duration", "expected no `duration`, or `replace: false`"),
    ("unknown-fault-field", "    latency_ms: 1000\n", "    latency_ms: 1000\n    latencyms: 5\n",
     "latencyms", "faults[0].latencyms", "not known here"),
    ("unknown-top-field", "seed: 7", "sead: 7", "sead", "sead", "not known here"),
    ("unknown-target-field", "{service: back, count: 1}", "{service: back, cuont: 1}",
     "cuont", "faults[1].target.cuont", "not known here"),
    ("duplicate-fault-names", "name: kill-one-back", "name: slow-back", "name: slow-back",
     "faults[1].name", "already used by faults[0]; expected a name unique"),
    ("unknown-promise-service", "    front: {latency_p99_ms: 600}",
     "    middle: {latency_p99_ms: 600}", "middle", "expect.promises.middle",
     "expected one of `front`, `back`"),
    ("unknown-blast-radius-service", "blast_radius: [back]", "blast_radius: [back, middle]",
     "blast_radius", "expect.blast_radius[1]", "expected one of `front`, `back`"),
    ("unknown-fallback-edge", "fallbacks: [front->back]", "fallbacks: [back->front]",
     "fallbacks", "expect.fallbacks[0]", "expected one of `load->front`, `front->back`"),
    ("missing-system-file", "../tiny_system/system.yaml", "../nowhere/system.yaml",
     "system:", "system", "does not exist"),
    ("bad-name", "name: tiny-base", "name: Tiny_Base", "name: Tiny_Base",
     "name", "expected lower-case letters, digits and dashes"),
    ("missing-description", "description: A slow", "# description: A slow", "name: tiny-base",
     "description", "required"),
    ("toxicity-zero", "    latency_ms: 1000\n", "    latency_ms: 1000\n    toxicity: 0\n",
     "toxicity", "faults[0].toxicity", "greater than 0"),
    ("bad-stream", "    latency_ms: 1000\n", "    latency_ms: 1000\n    stream: sideways\n",
     "sideways", "faults[0].stream", "'upstream' or 'downstream'"),
    ("bad-guardrail-metric", "metric: front_door_error_rate", "metric: cpu", "metric: cpu",
     "guardrails[0].metric", "'front_door_error_rate' or 'front_door_p99_ms'"),
    ("bad-guardrail-window", "for: 5s", "for: soon", "for: soon",
     "guardrails[0].for", "expected a duration such as"),
    ("http-status-not-an-error", LATENCY_FAULT,
     http_fault("http_error", "status: 200"), "status: 200",
     "faults[0].status", "greater than or equal to 400"),
    ("http-path-without-slash", LATENCY_FAULT,
     http_fault("http_abort", "path_prefix: charges"), "path_prefix: charges",
     "faults[0].path_prefix", "expected one that starts with `/`"),
    ("http-method-lower-case", LATENCY_FAULT,
     http_fault("http_error", "method: post"), "method: post",
     "faults[0].method", "should match pattern"),
    ("http-header-not-a-header", LATENCY_FAULT,
     http_fault("http_error", "headers: 'Retry-After 2'"), "Retry-After 2",
     "faults[0].headers", "expected `Name: value`"),
    ("http-delay-missing", LATENCY_FAULT,
     http_fault("http_delay", ""), "- name: slow-back", "faults[0].delay_ms", "required"),
    ("http-percent-zero", LATENCY_FAULT,
     http_fault("http_error", "percent: 0"), "percent: 0",
     "faults[0].percent", "greater than 0"),
    ("bad-platform", "seed: 7", "seed: 7\nplatform: nomad", "platform: nomad",
     "platform", "'local', 'docker' or 'kubernetes'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "marker", "field", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_invalid_scenario_names_file_line_field_and_expectation(
    scenario_dir: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    marker: str,
    field: str,
    expected: str,
) -> None:
    text = broken(old, new)
    path = scenario_dir / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, marker)

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), line, field)
    assert expected in caught.value.detail

    exit_code = cli_main.main(["validate", str(path)])
    err = capsys.readouterr().err
    assert exit_code == EXIT_BAD_INPUT
    assert f"broken.yaml:{line}: `{field}`: " in err
    assert expected in err


def test_a_default_fault_name_counts_as_used(scenario_dir: Path) -> None:
    text = broken("  - name: slow-back\n    type: latency", "  - type: latency").replace(
        "name: kill-one-back", "name: latency-0"
    )
    path = scenario_dir / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="`latency-0` is already used by faults"):
        load_scenario(path)


def test_the_base_scenario_is_valid(scenario_dir: Path) -> None:
    path = scenario_dir / "base.yaml"
    path.write_text(BASE_TEXT, encoding="utf-8")
    assert load_scenario(path).name == "tiny-base"


def test_an_invalid_system_file_is_reported_as_its_own_error(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    system_path = scenario_dir.parent / "tiny_system" / "system.yaml"
    system_path.write_text(
        system_path.read_text().replace("entrypoint: front", "entrypoint: nobody")
    )
    path = scenario_dir / "broken.yaml"
    path.write_text(BASE_TEXT, encoding="utf-8")

    with pytest.raises(SystemSpecError) as caught:
        load_scenario(path)
    assert caught.value.path is not None and caught.value.path.endswith("system.yaml")

    assert cli_main.main(["validate", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "system.yaml:2: `entrypoint`: " in err


def test_a_missing_scenario_file_exits_2(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = scenario_dir / "missing.yaml"
    assert cli_main.main(["validate", str(missing)]) == EXIT_BAD_INPUT
    assert "missing.yaml: The file does not exist." in capsys.readouterr().err


def test_yaml_syntax_errors_cite_their_line(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_dir / "broken.yaml"
    path.write_text(broken("  users: 5\n", "  users: [5\n"), encoding="utf-8")
    assert cli_main.main(["validate", str(path)]) == EXIT_BAD_INPUT
    assert "broken.yaml:" in capsys.readouterr().err


def test_validate_checks_every_file_and_fails_if_any_is_invalid(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = scenario_dir / "good.yaml"
    good.write_text(BASE_TEXT, encoding="utf-8")
    bad = scenario_dir / "bad.yaml"
    bad.write_text(broken("type: latency", "type: lag"), encoding="utf-8")

    exit_code = cli_main.main(["validate", str(bad), str(good)])
    captured = capsys.readouterr()
    assert exit_code == EXIT_BAD_INPUT
    assert f"ok: {good}: tiny-base" in captured.out
    assert "bad.yaml:" in captured.err


def test_plan_refuses_an_invalid_scenario_with_exit_2(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_dir / "broken.yaml"
    path.write_text(broken("count: 1", "count: 3"), encoding="utf-8")
    assert cli_main.main(["plan", str(path)]) == EXIT_BAD_INPUT
    assert "`faults[1].target.count`" in capsys.readouterr().err
