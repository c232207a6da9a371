"""Reading a relation's records over real HTTP from the replicas a platform lists: one replica
for a shared store, every replica for stores of their own, and a wrong answer named."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.observe import reconcile as reconcile_module
from harness.observe.reconcile import collect_reconciliation, read_relation
from harness.platforms.base import Instance
from harness.reconcile_spec import Relation
from harness.system import SystemSpec


def replica(answer: object, status: int = 200) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(answer(self.path) if callable(answer) else answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Replicas:
    """A platform that lists the given replicas of one service (only `instances` is read)."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls

    def instances(self, service: str) -> list[Instance]:
        return [
            Instance(f"{service}-{n}", service, n, "running", None, url)
            for n, url in enumerate(self.urls)
        ]


@pytest.fixture
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    started: list[ThreadingHTTPServer] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_shared_store_is_read_once_and_stores_of_their_own_from_every_replica(servers):
    urls = []
    for n in range(2):
        server, url = replica({"records": [{"ref": f"k{n}", "id": n}]})
        servers.append(server)
        urls.append(url)
    shared = Relation(service="ledger", path="/entries")
    own = Relation(service="ledger", path="/entries", store="per_replica")
    assert [r.ref for r in read_relation(Replicas(urls), shared)] == ["k0"]
    assert [r.ref for r in read_relation(Replicas(urls), own)] == ["k0", "k1"]


def test_an_answer_that_is_not_records_is_no_evidence_with_the_reason(servers):
    server, url = replica({"charges": 3})
    servers.append(server)
    answer = read_relation(Replicas([url]), Relation(service="payments", path="/x"))
    assert answer == 'payments/x did not answer {"records": [...]}: `records`: Field required'
    server, url = replica({"error": "no"}, status=404)
    servers.append(server)
    assert read_relation(Replicas([url]), Relation(service="payments", path="/x")) == (
        "payments/x answered 404"
    )
    assert "no instance of `payments` was running" in str(
        read_relation(Replicas([]), Relation(service="payments", path="/x"))
    )


def test_records_still_pending_are_read_again_until_they_settle(servers, tmp_path, monkeypatch):
    asked = {"n": 0}

    def settling(path: str) -> dict:
        asked["n"] += 1
        state = "pending" if asked["n"] < 3 else "done"
        return {"records": [{"ref": "k", "id": 1, "state": state}]}

    server, url = replica(settling)
    servers.append(server)
    monkeypatch.setattr(reconcile_module, "SETTLE_POLL_S", 0.05)
    system = SystemSpec.model_validate(
        {
            "name": "one",
            "entrypoint": "api",
            "services": {"api": {"command": ["x"], "port": 19301}},
            "reconcile": {"write": {"service": "api", "path": "/w", "pending": ["pending"]}},
        }
    )
    accepted = tmp_path / "accepted.txt"
    accepted.write_text("k\n")
    findings = collect_reconciliation(Replicas([url]), system, Path(accepted))  # type: ignore[arg-type]
    assert asked["n"] == 3
    assert findings is not None and findings["relations"]["write"]["pending"] == 0
    assert findings["relations"]["write"]["missing"] == 0
