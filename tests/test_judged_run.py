"""The test helper that reruns inconclusive scenario runs: only while the machine can give a
verdict (pure logic; the runs are fakes)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tests.integration import judged


def fake_runs(*outcomes: str):
    seen: list[Path] = []

    def run(out: Path):
        seen.append(out)
        return SimpleNamespace(outcome=outcomes[len(seen) - 1], verdict="")

    return run, seen


def test_an_inconclusive_run_is_run_again_once_the_machine_is_quiet(monkeypatch, tmp_path):
    monkeypatch.setattr(judged, "machine_quieted", lambda: (True, 0.1))
    run, seen = fake_runs("inconclusive", "passed")
    assert judged.judged_run(run, tmp_path / "run").outcome == "passed"
    assert [p.name for p in seen] == ["run", "run-attempt-2"]


def test_a_machine_still_busy_stops_the_reruns(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(judged, "machine_quieted", lambda: (False, 1.9))
    run, seen = fake_runs("inconclusive", "passed")
    assert judged.judged_run(run, tmp_path / "run").outcome == "inconclusive"
    assert len(seen) == 1
    assert "still use 1.90 cores" in capsys.readouterr().out


def test_at_most_three_attempts(monkeypatch, tmp_path):
    monkeypatch.setattr(judged, "machine_quieted", lambda: (True, 0.0))
    run, seen = fake_runs("inconclusive", "inconclusive", "inconclusive", "passed")
    assert judged.judged_run(run, tmp_path / "run").outcome == "inconclusive"
    assert len(seen) == 3


def test_a_pattern_comparison_runs_again_a_run_whose_baseline_was_not_steady(monkeypatch, tmp_path):
    """A failed run is a verdict, except for a comparison whose baseline broke before any
    fault: that says nothing about the pattern switched off."""
    from tests.integration.patterns_off import baseline_unsteady

    monkeypatch.setattr(judged, "machine_quieted", lambda: (True, 0.0))
    unsteady = SimpleNamespace(name="steady state before faults")
    breaker = SimpleNamespace(name="breaker gateway->inventory")
    results = iter(
        [
            SimpleNamespace(outcome="failed", verdict="", failed_checks=[unsteady, breaker]),
            SimpleNamespace(outcome="failed", verdict="", failed_checks=[breaker]),
        ]
    )
    seen = []

    def run(out):
        seen.append(out)
        return next(results)

    result = judged.judged_run(run, tmp_path / "run", baseline_unsteady)
    assert [c.name for c in result.failed_checks] == ["breaker gateway->inventory"]
    assert len(seen) == 2
    # without the comparison's reason, a failed run is final
    results = iter([SimpleNamespace(outcome="failed", verdict="", failed_checks=[unsteady])])
    seen.clear()
    assert judged.judged_run(run, tmp_path / "other").outcome == "failed"
    assert len(seen) == 1


def test_a_pass_test_runs_again_a_run_that_broke_only_its_steady_state_windows(
    monkeypatch, tmp_path
):
    """A scenario expected to pass is run again when nothing but its quiet windows broke; a
    run that also failed an expectation of the scenario is final."""
    from tests.integration.judged import only_steady_state_broke

    monkeypatch.setattr(judged, "machine_quieted", lambda: (True, 0.0))
    after = SimpleNamespace(name="steady state after recovery")
    before = SimpleNamespace(name="steady state before faults")
    promise = SimpleNamespace(name="promise gateway")
    results = iter(
        [
            SimpleNamespace(outcome="failed", verdict="", failed_checks=[after]),
            SimpleNamespace(outcome="failed", verdict="", failed_checks=[before, after]),
            SimpleNamespace(outcome="passed", verdict="", failed_checks=[]),
        ]
    )
    seen = []

    def run(out):
        seen.append(out)
        return next(results)

    assert judged.judged_run(run, tmp_path / "run", only_steady_state_broke).outcome == "passed"
    assert len(seen) == 3
    results = iter([SimpleNamespace(outcome="failed", verdict="", failed_checks=[after, promise])])
    seen.clear()
    result = judged.judged_run(run, tmp_path / "other", only_steady_state_broke)
    assert result.outcome == "failed" and len(seen) == 1
