"""`firebreak history` over a series of journals derived from one real run: the order of
revisions, where a check turned red and back, regressions and `--fail-on-regression`, the flip
rate of repeated runs, and sweeps' maps diffed cell by cell."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.history.model import FLIPPED, OUTCOME_ROW, build_history
from harness.history.reading import read_records
from harness.history.regressions import P99, Thresholds, regressions, turns
from harness.sweep.resilience_map import ResilienceMap
from harness.sweep.verdicts import HELD, SPREAD, CellResult
from tests.history.series import (
    DEFECT_CHECK,
    at_commit,
    commit_hash,
    defect_series,
    fail_check,
    failing_in_faults,
    real_journal,
    slower_in_faults,
    write_run,
)


def _history(folder: Path):
    records = read_records([folder])
    return build_history("sample-store", records)


def test_revisions_are_ordered_by_commit_time_then_by_when_they_ran(tmp_path):
    base = real_journal()
    # commit 2 was run long before commit 1 was (a rebuilt old commit): the commit orders them
    write_run(tmp_path, at_commit(base, 2, ran_hours_after=1))
    write_run(tmp_path, at_commit(base, 1, ran_hours_after=100))
    write_run(tmp_path, at_commit(base, 3, dirty=True, ran_hours_after=2))
    write_run(tmp_path, at_commit(base, 3, ran_hours_after=1))
    history = _history(tmp_path)
    assert [r.key for r in history.revisions] == [
        commit_hash(1),
        commit_hash(2),
        commit_hash(3),
        commit_hash(3) + "+dirty",
    ]
    assert history.revisions[-1].label == commit_hash(3)[:10] + "+dirty"


def test_a_journal_without_a_revision_is_placed_by_when_it_ran(tmp_path):
    base = real_journal()
    first = at_commit(base, 1)
    older = at_commit(base, 2)
    older["system"].pop("source")  # written before journals recorded it
    older["started_at"] = first["started_at"] + 86_400 * 30  # ran after commit 2's time
    older["run_id"] = "run-old"
    write_run(tmp_path, first)
    write_run(tmp_path, older)
    write_run(tmp_path, at_commit(base, 2))
    keys = [r.key for r in _history(tmp_path).revisions]
    assert keys == [commit_hash(1), commit_hash(2), "run run-old"]


def test_the_defect_turns_red_at_the_third_commit_and_green_at_the_fifth(tmp_path):
    defect_series(tmp_path)
    history = _history(tmp_path)
    turned = [(t.check, t.revision, t.red) for t in turns(history)]
    assert (DEFECT_CHECK, commit_hash(3), True) in turned
    assert (DEFECT_CHECK, commit_hash(5), False) in turned
    assert (OUTCOME_ROW, commit_hash(3), True) in turned
    assert {t.revision for t in turns(history)} == {commit_hash(3), commit_hash(5)}
    found = regressions(history, Thresholds())
    at_third = {r.what for r in found if r.revision == commit_hash(3)}
    assert at_third == {
        DEFECT_CHECK,
        OUTCOME_ROW,
        P99,
        "front door availability in the fault window",
    }
    assert all(r.revision == commit_hash(3) for r in found)  # 4 stays red: not a new regression


def test_the_page_names_the_commits_and_fail_on_regression_gates_the_newest(tmp_path, capsys):
    runs = tmp_path / "runs"
    paths = defect_series(runs, commits=3)
    out = tmp_path / "out"
    assert main(["history", str(runs), "--out", str(out), "--fail-on-regression"]) == 1
    page = (out / "history.html").read_text()
    assert (out / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(
        rf"{escape(DEFECT_CHECK)}</b> turned red at <code[^>]*>{commit_hash(3)[:10]}", page
    )
    assert "3 regression(s) at the newest revision" not in page  # four: check, run, p99, avail.
    assert f"4 regression(s) at the newest revision <code>{commit_hash(3)[:10]}" in page
    assert 'src="data:image/png;base64,' in page and "http" not in page.split("<body>")[1]
    assert f"regression at {commit_hash(3)[:10]}" in capsys.readouterr().err
    # without the flag it only reports; with the defect fixed at the newest commit it passes
    assert main(["history", str(runs), "--out", str(out)]) == 0
    for n in (4, 5):
        journal = at_commit(real_journal(), n)
        write_run(runs, fail_check(journal) if n == 4 else journal)
    assert main(["history", str(runs), "--out", str(out), "--fail-on-regression"]) == 0
    page = (out / "history.html").read_text()
    assert re.search(
        rf"{escape(DEFECT_CHECK)}</b> back to green at <code[^>]*>{commit_hash(5)[:10]}", page
    )
    assert "No regression at the newest revision" in page
    assert len(paths) == 3


def test_the_p99_threshold_is_the_users(tmp_path):
    base = real_journal()
    write_run(tmp_path, at_commit(base, 1))
    write_run(tmp_path, at_commit(slower_in_faults(base, 4), 2))  # about 22% slower
    history = _history(tmp_path)
    assert [r.what for r in regressions(history, Thresholds(p99_pct=20))] == [P99]
    assert regressions(history, Thresholds(p99_pct=30)) == []
    out = tmp_path / "out"
    code = main(["history", str(tmp_path), "--out", str(out), "--threshold-p99-pct", "30",
                 "--fail-on-regression"])  # fmt: skip
    assert code == 0


def test_a_failing_runs_figures_are_no_baseline(tmp_path):
    """Seen in the nightly workflow's test: with the fallback gone, availability in the fault
    window was 35% at one commit and 18% at the next, which changed nothing but a README."""
    base = real_journal()
    write_run(tmp_path, at_commit(failing_in_faults(fail_check(base), 0.65), 1))
    write_run(tmp_path, at_commit(slower_in_faults(failing_in_faults(fail_check(base), 0.8), 6), 2))
    assert regressions(_history(tmp_path), Thresholds()) == []
    # against a passing run the same figures are regressions
    write_run(tmp_path, at_commit(base, 3))
    write_run(tmp_path, at_commit(slower_in_faults(failing_in_faults(base, 0.2), 6), 4))
    found = regressions(_history(tmp_path), Thresholds())
    assert {(r.what, r.revision) for r in found} == {
        (P99, commit_hash(4)),
        ("front door availability in the fault window", commit_hash(4)),
    }


def test_repeated_runs_at_one_commit_fold_into_one_column_with_their_flip_rate(tmp_path):
    base = real_journal()
    write_run(tmp_path, at_commit(base, 1, ran_hours_after=1))
    write_run(tmp_path, fail_check(at_commit(base, 1, ran_hours_after=2)))
    write_run(tmp_path, at_commit(base, 1, ran_hours_after=3))
    write_run(tmp_path, at_commit(base, 2))
    history = _history(tmp_path)
    column = history.scenarios["default"][commit_hash(1)]
    assert len(column.runs) == 3
    assert column.checks[DEFECT_CHECK] == FLIPPED and column.checks[OUTCOME_ROW] == FLIPPED
    assert column.flip_rate == pytest.approx(1 / len(base["checks"]))
    assert history.scenarios["default"][commit_hash(2)].flip_rate is None  # one run: unknown
    # a flipped check that passes later is neither a regression nor a turn
    assert regressions(history, Thresholds()) == [] and turns(history) == []


def _map(n: int, verdicts: dict[str, str]) -> ResilienceMap:
    rows = sorted({cell.split(" × ")[0] for cell in verdicts})
    resilience_map = ResilienceMap("sample-store", "local", 1, ["latency", "error"], rows)
    for cell, verdict in verdicts.items():
        row, _, kind = cell.partition(" × ")
        resilience_map.cells[cell] = CellResult(
            cell, row, kind, verdict, started_at=1_736_000_000.0 + n
        )
    resilience_map.source = at_commit(real_journal(), n)["system"]["source"]
    return resilience_map


def test_sweep_maps_are_diffed_cell_by_cell_between_commits(tmp_path):
    cells = ["gateway->catalog × latency", "gateway->catalog × error", "gateway->orders × error"]
    for n, changed in ((1, HELD), (2, SPREAD)):
        folder = tmp_path / f"sweep-{n}"
        folder.mkdir()
        verdicts = {cells[0]: HELD, cells[1]: changed, cells[2]: HELD}
        _map(n, verdicts).write(folder / "map.json")
    write_run(tmp_path, at_commit(real_journal(), 2))
    history = _history(tmp_path)
    assert [r.key for r in history.sweep_revisions()] == [commit_hash(1), commit_hash(2)]
    found = regressions(history, Thresholds())
    assert [(r.scenario, r.what, r.was, r.now) for r in found] == [
        ("sweep", cells[1], HELD, SPREAD)
    ]
    out = tmp_path / "out"
    assert main(["history", str(tmp_path), "--out", str(out), "--fail-on-regression"]) == 1
    page = (out / "history.html").read_text()
    diff = page.split("Sweeps diffed cell by cell")[1]
    assert (
        escape(cells[1]) in diff
        and escape(cells[0]) not in diff
        and "2 other cell(s) unchanged" in diff
    )
