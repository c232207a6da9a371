"""A sweep resumed after the system's checkout moved: refused, since one map is one revision of
the system (`firebreak history` charts a map's cells as one commit's). Nothing is started."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.cli.main import main
from harness.source_revision import source_json
from harness.sweep.cells import DEFAULT_KINDS, plan_cells
from harness.sweep.resilience_map import ResilienceMap, read_map
from harness.system import load_system
from tests.conftest import TINY_SYSTEM
from tests.git_repo import git

EARLIER_COMMIT = "a1" * 20


def _system_in_a_repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    shutil.copytree(TINY_SYSTEM.parent, folder)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "the system")
    return folder / "system.yaml"


def _earlier_sweep(tmp_path: Path, system_path: Path, source: dict | None) -> Path:
    system = load_system(system_path)
    kinds = list(DEFAULT_KINDS)
    earlier = ResilienceMap.planned(system.name, "local", 1, kinds, plan_cells(system, kinds))
    earlier.source = source
    folder = tmp_path / "sweep"
    folder.mkdir()
    earlier.write(folder / "map.json")
    return folder


def test_a_sweep_begun_at_another_commit_is_not_resumed(tmp_path, capsys):
    system_path = _system_in_a_repo(tmp_path)
    now = source_json(system_path.parent)
    assert now is not None and now["commit"] != EARLIER_COMMIT
    earlier = {**now, "commit": EARLIER_COMMIT, "dirty": False}
    folder = _earlier_sweep(tmp_path, system_path, earlier)
    before = (folder / "map.json").read_bytes()

    code = main(["sweep", str(system_path), "--resume", str(folder)])

    assert code == 2
    err = capsys.readouterr().err
    assert "map.json" in err and f"started at commit {EARLIER_COMMIT[:10]}" in err
    assert f"now at {now['commit'][:10]}" in err
    assert (folder / "map.json").read_bytes() == before  # nothing written, nothing run
    assert sorted(p.name for p in folder.iterdir()) == ["map.json"]


def test_the_same_commit_but_now_dirty_is_another_revision_too(tmp_path, capsys):
    system_path = _system_in_a_repo(tmp_path)
    now = source_json(system_path.parent)
    folder = _earlier_sweep(tmp_path, system_path, now)
    with (system_path.parent / "system.yaml").open("a") as edited:
        edited.write("# an uncommitted change\n")

    assert main(["sweep", str(system_path), "--resume", str(folder)]) == 2
    assert f"now at {now['commit'][:10]}+dirty" in capsys.readouterr().err
    assert read_map(folder / "map.json").source == now
