"""The Docker tests run on the real engine (`make test` installs and starts it, and builds the
images once). A missing engine fails them, it does not skip them; after every test no container,
network or volume labelled by Firebreak may remain."""

from __future__ import annotations

import os

import pytest

from harness.errors import FirebreakError
from harness.images.builder import images_for
from harness.images.toxiproxy_image import ensure_toxiproxy_image
from harness.platforms.docker.engine import LABEL_RUN, count_by_label, engine, remove_by_label
from harness.platforms.factory import DOCKER_BASE_ENV, image_plan_from_env
from harness.system import load_system
from tests.conftest import SAMPLE_SYSTEM


@pytest.fixture(scope="session", autouse=True)
def offline_base_unless_told():
    """No registry here: build on the debootstrap base unless the environment names another."""
    os.environ.setdefault(DOCKER_BASE_ENV, "offline")


@pytest.fixture(scope="session")
def docker_client(offline_base_unless_told):
    try:
        client = engine()
    except FirebreakError as exc:
        pytest.fail(f"The Docker engine is a real part these tests need: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def sample_images(docker_client, toxiproxy_server_binary):
    """The sample's images and Toxiproxy's, built (or found by their hash) once a session."""
    plan = image_plan_from_env()
    references, _ = images_for(docker_client, load_system(SAMPLE_SYSTEM), plan, print)
    from harness.images.offline_base import ensure_offline_base

    base = ensure_offline_base(docker_client) if plan.offline_base else plan.base
    ensure_toxiproxy_image(docker_client, base, print)
    return references


@pytest.fixture(autouse=True)
def nothing_labelled_left(docker_client):
    yield
    left = count_by_label(docker_client, LABEL_RUN)
    if left.total:
        remove_by_label(docker_client, LABEL_RUN)  # so that the next test starts clean
    assert left.total == 0, (
        f"Firebreak's labelled resources outlived the test: {left.containers} containers, "
        f"{left.networks} networks, {left.volumes} volumes."
    )
