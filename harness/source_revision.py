"""Where the system under test came from: the git commit of its folder, when it was committed,
whether the folder had uncommitted changes, the branch and the repository's top-level path.

Recorded in every journal's `system.source` so that `firebreak history` can order runs by
commit. A folder that is not in a git work tree (or a machine without git, or a git that does
not answer within its timeout) gives `None`: the run goes on, and the journal says so.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GIT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SourceRevision:
    commit: str  # the full hash of HEAD
    commit_time: str  # the committer date, ISO 8601 with its offset (`git log --format=%cI`)
    dirty: bool  # uncommitted changes (or untracked files) under the system's folder
    branch: str  # `HEAD` when detached, as git says
    repo: str  # the work tree's top-level path

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceRevision:
        return cls(
            commit=str(data["commit"]),
            commit_time=str(data["commit_time"]),
            dirty=bool(data["dirty"]),
            branch=str(data.get("branch", "")),
            repo=str(data.get("repo", "")),
        )

    @property
    def label(self) -> str:
        """The short commit, `+dirty` when the folder had uncommitted changes."""
        return self.commit[:10] + ("+dirty" if self.dirty else "")


def _git(folder: Path, *args: str) -> str | None:
    """git's standard output, stripped; None when git fails, is missing or hangs."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def read_source_revision(folder: Path) -> SourceRevision | None:
    """The revision `folder` is at, or None when it is not in a git work tree with a commit."""
    if shutil.which("git") is None or not folder.is_dir():
        return None
    if _git(folder, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    commit = _git(folder, "rev-parse", "HEAD")
    commit_time = _git(folder, "log", "-1", "--format=%cI")
    # `-- .` scopes the status to the system's own folder: an edit elsewhere in a monorepo does
    # not make this system's run dirty
    status = _git(folder, "status", "--porcelain", "--", ".")
    if not commit or not commit_time or status is None:
        return None  # a repository without a commit yet, or a git that failed half-way
    return SourceRevision(
        commit=commit,
        commit_time=commit_time,
        dirty=bool(status),
        branch=_git(folder, "rev-parse", "--abbrev-ref", "HEAD") or "",
        repo=_git(folder, "rev-parse", "--show-toplevel") or "",
    )


def source_json(folder: Path) -> dict[str, Any] | None:
    """`read_source_revision` as the journal stores it."""
    revision = read_source_revision(folder)
    return revision.to_json() if revision else None
