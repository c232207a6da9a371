"""A Docker build context made by Firebreak: the context folder's files (less what its
`.dockerignore` names) plus the host-built wheels, as one tar, and a hash of everything in it.

The hash names the image (`NAME:fb-<hash>`): an unchanged service is not rebuilt, and a run's
journal names exactly which image it ran.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

# never part of an image, whatever .dockerignore says
ALWAYS_IGNORED = ("__pycache__", "*.pyc", ".git", ".venv", "node_modules", ".pytest_cache")
WHEELS_FOLDER = "wheels"  # where the wheelhouse lands in the context (see the Dockerfiles)
HASH_CHARS = 12


@dataclass
class BuildContext:
    folder: Path
    dockerfile: str  # relative to `folder`
    build_args: dict[str, str] = field(default_factory=dict)
    wheels: list[Path] = field(default_factory=list)

    def files(self) -> list[tuple[str, Path]]:
        """(name in the context, path on disk), sorted, ignored files left out."""
        patterns = [*ALWAYS_IGNORED, *_dockerignore(self.folder)]
        found = []
        for path in sorted(self.folder.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(self.folder).as_posix()
            if _ignored(name, patterns) and name != self.dockerfile:
                continue
            found.append((name, path))
        found += [(f"{WHEELS_FOLDER}/{wheel.name}", wheel) for wheel in sorted(self.wheels)]
        return found

    def content_hash(self) -> str:
        """Over every file's name and bytes, the Dockerfile's path and the build arguments
        (the base image's id among them)."""
        digest = hashlib.sha256()
        digest.update(self.dockerfile.encode())
        for key in sorted(self.build_args):
            digest.update(f"\0arg {key}={self.build_args[key]}".encode())
        for name, path in self.files():
            digest.update(f"\0file {name}\0".encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:HASH_CHARS]

    def tar_bytes(self) -> bytes:
        """The context as the engine's build API takes it; owners and times zeroed so the same
        inputs give the same layers."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, path in self.files():
                info = tarfile.TarInfo(name)
                data = path.read_bytes()
                info.size = len(data)
                info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


def _dockerignore(folder: Path) -> list[str]:
    ignore_file = folder / ".dockerignore"
    if not ignore_file.is_file():
        return []
    lines = (line.strip() for line in ignore_file.read_text().splitlines())
    return [line.rstrip("/") for line in lines if line and not line.startswith(("#", "!"))]


def _ignored(name: str, patterns: list[str]) -> bool:
    parts = name.split("/")
    for pattern in patterns:
        if fnmatch.fnmatch(name, pattern) or any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
        if name.startswith(pattern + "/"):
            return True
    return False
