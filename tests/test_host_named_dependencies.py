"""A caller that dials its callee by a fixed name (`host_name:`), as example-voting-app's services
do (issue 22 §3): system.yaml takes it in place of a variable, refuses it beside `address` or
`also`, and refuses one caller dialing two names on one port; no variable is written for it; the
local platform, which cannot point a name at a proxy, refuses it before anything starts (exit 2),
and both container platforms accept it. The Docker run is tests/docker/test_docker_bookshop.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.dependency_address import dependency_environment
from harness.errors import EXIT_BAD_INPUT, SystemSpecError
from harness.platforms.container_env import container_env
from harness.platforms.factory import preflight
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system

VOTING = """\
name: voting
entrypoint: vote
services:
  vote:
    command: ["{python}", "vote.py"]
    image: voting/vote:1.0
    port: 8080
    dependencies:
      redis: {host_name: redis}
  worker:
    command: ["{python}", "worker.py"]
    image: voting/worker:1.0
    port: 8081
    dependencies:
      redis: {host_name: redis}
      db: {host_name: db, optional: true}
  redis:
    image: redis:alpine
    port: 6379
    health: {tcp: true}
  db:
    image: postgres:15-alpine
    port: 5432
    health: {tcp: true}
"""


def write(tmp_path: Path, text: str = VOTING) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(text)
    return path


def test_a_dependency_dialed_by_name_is_a_tcp_edge_with_no_variable(tmp_path):
    system = load_system(write(tmp_path))
    redis = system.services["worker"].dependencies["redis"]
    assert (redis.env, redis.host_name, redis.protocol, redis.by_host_name) == (
        None,
        "redis",
        "tcp",
        True,
    )
    assert [e.name for e in system.host_named_edges()] == [
        "vote->redis",
        "worker->redis",
        "worker->db",
    ]
    assert dependency_environment(redis, "toxiproxy", 20002) == {}
    env = container_env(system, "worker", "toxiproxy", {})
    assert not any("toxiproxy" in value for value in env.values())


@pytest.mark.parametrize(
    ("dependency", "expected"),
    [
        ("{host_name: redis, env: REDIS_URL}", "exactly one of them"),
        ("{optional: true}", "exactly one of them"),
        ('{host_name: redis, address: "{host}:{port}"}', "`address` describe variables"),
        ('{host_name: redis, also: {R: "{host}"}}', "`also` describe variables"),
        ("{host_name: Redis_1}", "is not a host name"),
        ("{host_name: -redis}", "is not a host name"),
    ],
)
def test_a_bad_host_name_dependency_is_refused_naming_its_field(tmp_path, dependency, expected):
    text = VOTING.replace("      redis: {host_name: redis}\n  worker:", "      redis: X\n  worker:")
    path = write(tmp_path, text.replace("redis: X", f"redis: {dependency}"))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert caught.value.field.startswith("services.vote.dependencies.redis")
    assert caught.value.line == 9  # `redis:` under vote's dependencies
    assert expected in caught.value.detail


def test_one_caller_dialing_two_names_on_one_port_is_refused(tmp_path):
    path = write(tmp_path, VOTING.replace("    port: 5432\n", "    port: 6379\n"))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    assert caught.value.field == "services.worker.dependencies.db.host_name"
    assert "`redis` and `db` by host name on the same port 6379" in caught.value.detail


def test_the_local_platform_refuses_named_edges_before_anything_starts_and_containers_take_them(
    tmp_path,
):
    # every service has a command: only the named edges keep it off this machine
    with_commands = VOTING.replace("    image: redis", "    command: [r]\n    image: redis")
    with_commands = with_commands.replace(
        "    image: postgres", "    command: [p]\n    image: postgres"
    )
    system = load_system(write(tmp_path, with_commands))
    with pytest.raises(SystemSpecError) as caught:
        preflight("local", system, set())
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "`vote->redis` (`redis`), `worker->redis` (`redis`), `worker->db` (`db`)" in message
    assert "run only as their image" not in message  # every service has a command here
    assert "--platform docker" in message and "Nothing was started" in message
    platform = LocalPlatform(system, tmp_path / "run")
    with pytest.raises(SystemSpecError):
        platform.deploy()
    assert platform.toxiproxy is None and platform.supervisor.slots == {}
    preflight("docker", system, set())
