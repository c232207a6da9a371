"""Real git in a test's own repository: who commits and when are fixed, so a commit's time (which
`firebreak history` orders by) is the test's to choose."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

COMMIT_DATE = "2024-03-01T12:30:00+01:00"


def git(folder: Path, *args: str, date: str = COMMIT_DATE) -> str:
    """Run git in `folder`; its output, stripped. A failing command fails the test."""
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_DATE": date,
    }
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
