"""The load generator's image, for Locust as pods in a cluster: the harness's own source (the
load child, `python -m harness.load.child`) and the Python packages it imports, at the versions
this harness runs with, installed from wheels built on the host (see wheelhouse.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from harness.images.own_image import ensure_own_image
from harness.images.wheelhouse import REQUIREMENTS_FILE, cache_dir, wheels_for

if TYPE_CHECKING:
    import docker

REPOSITORY = "firebreak/load"
# `import harness` needs pydantic and PyYAML (the system's schema); the child needs Locust
PACKAGES = ("locust", "pydantic", "pyyaml")
HARNESS_SOURCE = Path(__file__).resolve().parents[1]
SOURCE_ROOT = "/opt/firebreak"
DOCKERFILE = f"""\
ARG BASE=python:3.11-slim
FROM ${{BASE}}
COPY {REQUIREMENTS_FILE} wheel[s] /tmp/deps/
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/deps \\
      -r /tmp/deps/{REQUIREMENTS_FILE} \\
 && rm -rf /tmp/deps
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH={SOURCE_ROOT} PYTHONUNBUFFERED=1 \\
    PYTHONDONTWRITEBYTECODE=1
COPY harness {SOURCE_ROOT}/harness
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["python3", "-m", "harness.load.child"]
"""


def requirements_text() -> str:
    """The packages at the versions installed here: the pods run what the harness was tested
    with."""
    return "".join(f"{name}=={metadata.version(name)}\n" for name in PACKAGES)


def ensure_load_image(
    client: docker.DockerClient, base: str | None, on_message: Callable[[str], None] = print
) -> str:
    """The image's reference, built first when this engine lacks it."""
    folder = cache_dir() / "load-image"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REQUIREMENTS_FILE).write_text(requirements_text())
    (folder / "Dockerfile").write_text(DOCKERFILE)
    source = folder / "harness"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(
        HARNESS_SOURCE, source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static")
    )
    wheels = wheels_for(folder, on_message)
    return ensure_own_image(client, folder, REPOSITORY, base, wheels, on_message)
