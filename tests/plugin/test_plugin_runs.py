"""Real runs of the sample system through the plugin, scaled down as CI runs them (~30 s each):
a passing scenario collected from a folder, and a marked test whose scenario catches a broken
pattern (orders without idempotency double orders while payments is down)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugin.conftest import SCENARIOS, FirebreakDirs, scenario_text

CI_OPTIONS = ("--firebreak-time-scale", "0.3")
INNER_TIMEOUT_S = 240


def report_paths(output: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"firebreak: report: (\S+)", output)]


def test_a_passing_scenario_folder_is_one_passed_test_per_scenario_with_its_report_path(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs, toxiproxy_server_binary: Path
) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "default.yaml").write_text(scenario_text("default.yaml"), encoding="utf-8")

    result = pytester.runpytest_subprocess(
        "--firebreak-scenarios",
        "scenarios",
        *CI_OPTIONS,
        "--firebreak-port-offset",
        "2000",
        "-rA",
        timeout=INNER_TIMEOUT_S,
    )

    output = result.stdout.str()
    result.assert_outcomes(passed=1)
    assert "PASSED scenarios/default.yaml::default" in output
    [report] = report_paths(output)
    assert report.name == "report.html" and report.is_file()
    [run_dir] = firebreak_dirs.run_dirs()
    assert report.parent == run_dir  # the run wrote where FIREBREAK_REPORTS says


def test_a_chaos_marked_test_fails_naming_the_broken_check_and_its_numbers(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs, toxiproxy_server_binary: Path
) -> None:
    pytester.makepyfile(
        test_checkout=f"""
        import pytest

        @pytest.mark.chaos(
            scenario={str(SCENARIOS / "payments-down.yaml")!r},
            time_scale=0.3,
            env={{"orders": {{"FIREBREAK_DISABLE": "idempotency"}}}},
        )
        def test_checkout_survives_payments_outage(firebreak):
            result = firebreak.result
            assert result.outcome == "failed" and not result.passed
            orders = result.check("data integrity").numbers["orders"]
            assert orders["violations"]["duplicate_orders"] > 0
            result.assert_passed()
        """
    )

    result = pytester.runpytest_subprocess(
        "--firebreak-port-offset", "2100", timeout=INNER_TIMEOUT_S
    )

    output = result.stdout.str()
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # the failure lists the check, its summary and its numbers; not the plugin's traceback
    # on a busy machine `promise gateway` may fail first: the verdict names whichever did
    assert "AssertionError: Scenario `payments-down`: Failed: " in output
    assert re.search(r"- data integrity: Data integrity broken: `orders` reports \d+ dup", output)
    assert re.search(r"numbers: .*duplicate_orders=[1-9]", output)
    assert "pytest_plugin.py" not in output
    [report] = report_paths(output)
    assert report.is_file() and report.parent.parent == firebreak_dirs.reports
    assert f"report: {report}" in output.split("Captured stdout call")[0]  # in the failure too
