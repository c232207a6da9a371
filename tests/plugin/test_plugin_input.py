"""What the plugin does with input it cannot run: the test fails with a message that says where
the problem is (file:line, the argument), never a traceback, and nothing is started."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import FirebreakDirs, scenario_text

BAD_DURATION = {"duration: 12s": "duration: twelve seconds"}
BAD_LINE = 22  # the payments fault's `duration` in scenarios/payments-down.yaml


def assert_nothing_started(dirs: FirebreakDirs) -> None:
    assert dirs.run_dirs() == [] and dirs.ledgers() == []


def test_an_invalid_scenario_in_the_folder_fails_its_test_with_file_and_line(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs
) -> None:
    scenarios = pytester.mkdir("scenarios")
    bad = scenarios / "payments-down.yaml"
    bad.write_text(scenario_text("payments-down.yaml", BAD_DURATION), encoding="utf-8")

    result = pytester.runpytest("--firebreak-scenarios", str(scenarios))

    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            f"*The scenario cannot be run (nothing was started): {bad}:{BAD_LINE}: "
            "`faults[[]0[]].duration`: `twelve seconds` is not a duration*"
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    assert_nothing_started(firebreak_dirs)


def test_an_invalid_scenario_on_a_marker_fails_the_test_with_file_and_line(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs
) -> None:
    bad = pytester.path / "bad.yaml"
    bad.write_text(scenario_text("payments-down.yaml", BAD_DURATION), encoding="utf-8")
    # no fixture, no run(): the marker alone runs and judges the scenario after the body
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.chaos(scenario={str(bad)!r})
        def test_marked_only():
            pass
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"*{bad}:{BAD_LINE}: `faults[[]0[]].duration`*"])
    assert_nothing_started(firebreak_dirs)


def test_env_for_an_unknown_service_fails_before_anything_starts(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs
) -> None:
    scenario = pytester.path / "default.yaml"
    scenario.write_text(scenario_text("default.yaml"), encoding="utf-8")
    pytester.makepyfile(
        f"""
        def test_typo(firebreak):
            firebreak.run({str(scenario)!r}, env={{"ordrs": {{"FIREBREAK_DISABLE": "retries"}}}})
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1)
    assert "`env`: The service(s) ['ordrs'] are not in system `sample-store`" in result.stdout.str()
    assert_nothing_started(firebreak_dirs)


def test_run_without_a_scenario_or_a_marker_says_how_to_name_one(
    pytester: pytest.Pytester, firebreak_dirs: FirebreakDirs
) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_no_scenario(firebreak):
            firebreak.run()

        @pytest.mark.chaos(scenario="x.yaml", timescale=0.3)
        def test_misspelt_marker(firebreak):
            firebreak.result
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "`firebreak.run()` needs a scenario: pass its path, or mark the test with" in output
    assert "`@pytest.mark.chaos` got unknown argument(s) ['timescale']" in output
    assert_nothing_started(firebreak_dirs)


def test_the_marker_and_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.chaos(scenario=PATH, *"])
    result = pytester.runpytest("--firebreak-time-scale", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*`--firebreak-time-scale` must be above 0, not 0.0.*"])
