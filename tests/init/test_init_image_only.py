"""`firebreak init` on Compose services that run only as their image (`redis:alpine`): kept when
they are part of the call graph, with the port their container listens on; a dashboard no one
calls is left out, said so."""

from __future__ import annotations

from harness.init.compose import draft_from_compose
from harness.init.draft import render
from harness.init.image_only import UNKNOWN_PORT
from harness.system import load_system

COMPOSE = """\
services:
  web:
    command: [python3, web.py]
    ports: ["8080:8080"]
    environment: [CACHE_ADDR=cache:6379, SEARCH_URL=http://search:9200/idx]
    depends_on: [db]
  cache:
    image: redis:alpine
  db:
    image: postgres:15-alpine
    expose: ["5433"]
  search:
    image: example/search:1
  queue:
    image: example/queue:2
    ports: ["8080:8080"]
    depends_on: [db]
  grafana:
    image: grafana/grafana:11.0.0
    ports: ["3000:3000"]
"""


def test_image_only_services_in_the_call_graph_are_kept_on_their_container_ports(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    draft = draft_from_compose(compose, tmp_path / "system.yaml")
    ports = {name: service.port for name, service in draft.services.items()}
    # a named variable or depends_on puts each in the graph; `queue` calls `db` (depends_on)
    assert set(ports) == {"web", "cache", "db", "search", "queue"}
    assert (ports["cache"], ports["db"], ports["web"], ports["queue"]) == (6379, 5433, 8080, 8080)
    notes = "\n".join(draft.all_notes())
    assert "cache: listens on 6379, the usual port of its image (confirm)" in notes
    assert f"search: {UNKNOWN_PORT}" in notes
    assert "`grafana` runs only as an image (grafana/grafana:11.0.0), calls no service" in notes
    assert "each local replica gets its own port" not in notes.split("web:")[0]
    draft.entrypoint = "web"
    out = tmp_path / "system.yaml"
    out.write_text(render(draft))
    system = load_system(out)  # valid: image-only services may share a port
    assert system.image_only_services() == ["cache", "db", "search", "queue"]
    assert system.services["cache"].image == "redis:alpine"
    # no HTTP health check: an image is ready once it accepts a connection; a command's is guessed
    assert system.services["cache"].health.tcp and not system.services["web"].health.tcp
    assert "cache: no HTTP health check found: ready once it accepts a TCP connection" in notes
    # `db` is named by no variable of web's: its depends_on makes it an edge by host name
    assert list(system.services["web"].dependencies) == ["cache", "search", "db"]
    assert system.services["web"].dependencies["db"].host_name == "db"
