"""The plugin is tested through pytest's own `pytester`: each test writes a small test suite or a
scenario folder and runs pytest on it, with Firebreak's plugin loaded from its entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SAMPLE_SYSTEM

SCENARIOS = REPO_ROOT / "scenarios"


@dataclass
class FirebreakDirs:
    state: Path
    reports: Path

    def run_dirs(self) -> list[Path]:
        return sorted(p for p in self.reports.iterdir() if p.is_dir())

    def ledgers(self) -> list[Path]:
        return sorted(self.state.rglob("*.json"))


@pytest.fixture
def firebreak_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FirebreakDirs:
    """The ledger and reports folders the inner pytest's runs use (it inherits the env)."""
    dirs = FirebreakDirs(tmp_path / "state", tmp_path / "reports")
    dirs.state.mkdir()
    dirs.reports.mkdir()
    monkeypatch.setenv("FIREBREAK_STATE_DIR", str(dirs.state))
    monkeypatch.setenv("FIREBREAK_REPORTS", str(dirs.reports))
    return dirs


def scenario_text(name: str, replace: dict[str, str] | None = None) -> str:
    """A real scenario's YAML, its system made absolute so it can live in pytester's folder."""
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    text = text.replace("system: ../sample_system/system.yaml", f"system: {SAMPLE_SYSTEM}")
    for old, new in (replace or {}).items():
        assert old in text, f"{old!r} is not in {name}"
        text = text.replace(old, new)
    return text
