"""`firebreak init` on Compose services that dial their callees by a name written in code: each
`depends_on` or `links` entry no variable covers becomes a dependency by `host_name`, with the
protocol the callee speaks, and the draft says it needs a container platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InputError
from harness.init.compose import draft_from_compose
from harness.init.draft import choose_entrypoint, render
from harness.init.manifests import draft_from_manifests
from harness.system import SystemSpec, load_system
from tests.init.cli import init

# the shape of a voting app: the front end and a worker dial Redis and Postgres by name in code
POLLS = """\
services:
  vote:
    build: {context: ./vote}
    ports: ["8080:80"]
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost"]}
    depends_on:
      redis: {condition: service_healthy}
  tally:
    build: ./tally
    entrypoint: node server.js
    ports: ["8081:80"]
    depends_on:
      db: {condition: service_healthy}
  worker:
    build: {context: ./worker}
    depends_on: [redis, db]
  redis:
    image: redis:alpine
  db:
    image: postgres:15-alpine
"""


def _project(folder: Path, compose: str, dockerfiles: dict[str, str] | None = None) -> Path:
    for name, command in (dockerfiles or {}).items():
        (folder / name).mkdir()
        (folder / name / "Dockerfile").write_text(f"FROM scratch\nCMD {command}\n")
    (folder / "compose.yaml").write_text(compose)
    return folder / "compose.yaml"


def _system(folder: Path, compose: Path, entrypoint: str | None = None) -> SystemSpec:
    """The draft rendered and loaded as `firebreak validate` loads it."""
    draft = draft_from_compose(compose, folder / "system.yaml")
    choose_entrypoint(draft, entrypoint)
    (folder / "system.yaml").write_text(render(draft))
    return load_system(folder / "system.yaml")


def _host_named(system: SystemSpec) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    return {
        (caller, callee): (dependency.host_name, dependency.protocol)
        for caller, spec in system.services.items()
        for callee, dependency in spec.dependencies.items()
    }


def test_depends_on_a_service_no_variable_names_is_an_edge_by_its_host_name(tmp_path):
    dockerfiles = {"vote": '["python", "app.py"]', "worker": '["dotnet", "Worker.dll"]'}
    compose = _project(tmp_path, POLLS, dockerfiles)
    (tmp_path / "tally").mkdir()
    system = _system(tmp_path, compose)
    assert _host_named(system) == {
        ("vote", "redis"): ("redis", "tcp"),
        ("tally", "db"): ("db", "tcp"),
        ("worker", "redis"): ("redis", "tcp"),
        ("worker", "db"): ("db", "tcp"),
    }
    assert system.entrypoint == "vote"
    assert {(e.caller, e.callee) for e in system.host_named_edges()} == set(_host_named(system))
    text = (tmp_path / "system.yaml").read_text()
    assert (
        "vote: depends_on `redis` and no variable holds its address: it dials `redis` by name "
        "(`host_name: redis`, protocol tcp: a data store; runs on docker or kubernetes only; "
        "confirm)"
    ) in text
    assert "4 edge(s) are reached by host name (vote → redis, tally → db" in text
    assert "`--platform docker` or `--platform kubernetes`" in text


def test_init_says_edges_by_host_name_need_a_container_platform(tmp_path):
    dockerfiles = {"vote": '["python", "app.py"]', "worker": '["dotnet", "Worker.dll"]'}
    compose = _project(tmp_path, POLLS, dockerfiles)
    (tmp_path / "tally").mkdir()
    done = init("--from", str(compose))
    assert done.returncode == 0, done.stderr
    printed = " ".join(done.stdout.split())
    assert "4 dependency edges (4 dialed by host name: docker or kubernetes only)" in printed
    assert "--platform docker` (or kubernetes)" in printed


LINKS = """\
services:
  web:
    command: [python3, web.py]
    ports: ["8000:8000"]
    links: ["api:backend", cache, "rates:quotes"]
  api:
    build: ./api
    command: [python3, api.py]
    ports: ["8001:8001"]
    healthcheck: {test: "wget -qO- http://localhost:8001/health"}
  cache:
    image: redis:alpine
  rates:
    image: example/rates:1
    expose: ["50051"]
    healthcheck: {test: ["CMD", "/bin/grpc_health_probe", "-addr=:50051"]}
  reports:
    build: ./reports
    command: [python3, reports.py]
    ports: ["8002:8002"]
    depends_on: [api, Odd_Name]
  Odd_Name:
    build: ./odd
    command: [python3, odd.py]
    ports: ["8003:8003"]
"""


def test_a_link_dials_its_alias_and_the_protocol_is_what_the_callee_speaks(tmp_path):
    for folder in ("api", "reports", "odd"):
        (tmp_path / folder).mkdir()
    system = _system(tmp_path, _project(tmp_path, LINKS), "web")
    assert _host_named(system) == {
        ("web", "api"): ("backend", "http"),  # an HTTP health check
        ("web", "cache"): ("cache", "tcp"),  # a data store
        ("web", "rates"): ("quotes", "grpc"),  # probed with grpc_health_probe
        ("reports", "api"): ("api", "http"),
    }
    notes = (tmp_path / "system.yaml").read_text()
    # `Odd_Name` is no DNS name system.yaml accepts: said, and not an edge
    assert "reports: depends_on `Odd_Name` and no variable holds its address" in notes
    assert "which is no DNS host name system.yaml accepts" in notes


def test_a_built_service_without_a_health_check_is_called_over_http(tmp_path):
    compose = (
        "services:\n  web:\n    command: [python3, web.py]\n    ports: ['8000:8000']\n"
        "    depends_on: [api, queue]\n"
        "  api:\n    build: ./api\n    command: [python3, api.py]\n"
        "  queue:\n    image: example/queue:1\n    expose: ['7000']\n"
    )
    (tmp_path / "api").mkdir()
    system = _system(tmp_path, _project(tmp_path, compose), "web")
    assert _host_named(system) == {
        ("web", "api"): ("api", "http"),
        ("web", "queue"): ("queue", "tcp"),
    }


def test_a_callee_a_variable_names_keeps_its_variable_and_gets_no_host_name(tmp_path):
    compose = (
        "services:\n  web:\n    command: [python3, web.py]\n    ports: ['8000:8000']\n"
        "    environment:\n      CACHE_URL: redis://cache:6379/0\n"
        "      DATABASE_URL: postgres://shop@database/shop\n"
        "    depends_on: [cache]\n    links: ['db:database', cache]\n"
        "  cache:\n    image: redis:alpine\n  db:\n    image: postgres:16\n"
    )
    system = _system(tmp_path, _project(tmp_path, compose), "web")
    dependencies = system.services["web"].dependencies
    assert (dependencies["cache"].env, dependencies["cache"].host_name) == ("CACHE_URL", None)
    # the variable names the link's alias, which resolves to `db`
    assert (dependencies["db"].env, dependencies["db"].host_name) == ("DATABASE_URL", None)
    assert system.host_named_edges() == []
    assert "no variable holds" not in (tmp_path / "system.yaml").read_text()


def test_two_names_dialed_on_one_port_keep_the_first_and_say_why_the_second_is_left_out(
    tmp_path,
):
    compose = (
        "services:\n  web:\n    command: [python3, web.py]\n    ports: ['8000:8000']\n"
        "    depends_on: [cache, sessions, db]\n"
        "  cache:\n    image: redis:alpine\n  sessions:\n    image: redis:7\n"
        "  db:\n    image: postgres:16\n"
    )
    system = _system(tmp_path, _project(tmp_path, compose), "web")
    assert _host_named(system) == {("web", "cache"): ("cache", "tcp"), ("web", "db"): ("db", "tcp")}
    notes = (tmp_path / "system.yaml").read_text()
    assert (
        "web: depends_on `sessions`: not an edge, as it would dial `sessions` on port 6379, where "
        "it dials `cache` already"
    ) in notes


@pytest.mark.parametrize(
    ("links", "field"),
    [("links: web\n", "services.web.links"), ("links: ['nowhere']\n", "services.web.links[0]")],
)
def test_a_malformed_link_is_an_input_error_at_its_field(tmp_path, links, field):
    compose = "services:\n  web:\n    command: [python3, web.py]\n    " + links
    with pytest.raises(InputError) as caught:
        draft_from_compose(_project(tmp_path, compose), tmp_path / "system.yaml")
    assert caught.value.field == field
    assert caught.value.line == 4


def _workload(name: str, port: int, image: str, init_command: str = "") -> str:
    init = (
        f"      initContainers:\n      - name: wait\n        image: busybox:1.36\n"
        f"        command: [sh, -c, '{init_command}']\n"
        if init_command
        else ""
    )
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
        f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
        f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{init}"
        f"      containers:\n      - name: main\n        image: {image}\n"
        f"        ports: [{{containerPort: {port}}}]\n---\n"
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}-svc}}\nspec:\n"
        f"  selector: {{app: {name}}}\n  ports: [{{port: {port}}}]\n"
    )


def test_an_init_container_waiting_for_a_host_makes_an_edge_by_that_name(tmp_path):
    folder = tmp_path / "k8s"
    folder.mkdir()
    waits = "until nc -z db-svc 5432 && nslookup cache-svc.shop.svc.cluster.local; do sleep 2; done"
    (folder / "web.yaml").write_text(_workload("web", 8080, "example/web:1", waits))
    (folder / "db.yaml").write_text(_workload("db", 5432, "postgres:16"))
    (folder / "cache.yaml").write_text(_workload("cache", 6379, "redis:7"))
    draft = draft_from_manifests(folder, tmp_path / "system.yaml")
    choose_entrypoint(draft, "web")
    (tmp_path / "system.yaml").write_text(render(draft))
    system = load_system(tmp_path / "system.yaml")
    assert _host_named(system) == {
        ("web", "db"): ("db-svc", "tcp"),
        ("web", "cache"): ("cache-svc.shop.svc.cluster.local", "tcp"),
    }
    assert (
        "web: an initContainer waits for `db-svc` and no variable holds its address"
        in (tmp_path / "system.yaml").read_text()
    )
