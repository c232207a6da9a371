"""Shared fixtures. Tests use the real parts; a missing real part fails the test (never skips):
`make test` installs them all, so a missing one is a broken setup worth seeing."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ToolMissingError
from harness.toxiproxy_server import find_toxiproxy_server

# the plugin's tests run pytest inside pytest; pytest accepts this only in the top conftest
pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parent.parent
TINY_SYSTEM = REPO_ROOT / "tests" / "fixtures" / "tiny_system" / "system.yaml"
SAMPLE_SYSTEM = REPO_ROOT / "sample_system" / "system.yaml"


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own ledger folder and reports folder: nothing leaks between tests."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("FIREBREAK_STATE_DIR", str(state))
    monkeypatch.setenv("FIREBREAK_REPORTS", str(tmp_path_factory.mktemp("reports")))
    return state


@pytest.fixture(scope="session")
def toxiproxy_server_binary() -> Path:
    try:
        return find_toxiproxy_server()
    except ToolMissingError as exc:
        pytest.fail(f"Toxiproxy is a real part these tests need: {exc}")
