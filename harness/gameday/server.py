"""The game day's console: a small Starlette app on loopback, pushing the exercise's state to the
browser as server-sent events once a second (and at once after any change), and taking the
console's actions as JSON POSTs.

A console that injects faults must not be reachable from another site through the user's own
browser: it listens on 127.0.0.1 only, answers only requests whose Host is its own address (a
DNS-rebinding page names another host), refuses any request whose Origin is another site, and
takes actions only as `application/json`, which no cross-site form can send without a CORS
preflight this server never grants."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.errors import FirebreakError, InputError
from harness.gameday.palette import ConsoleConflict

LOOPBACK = "127.0.0.1"
PUSH_EVERY_S = 1.0
POLL_S = 0.1  # how soon a change is pushed
SSE_SERIES_S = 10.0  # each push carries the last seconds; the page merges them by second
FIXED_PARTS = ("system", "palette", "targets")  # the same for the whole exercise: not pushed
STATIC_DIR = Path(str(resources.files("harness.gameday") / "static"))


class ConsoleSession(Protocol):
    """What the console needs of a game day (`harness.gameday.session.GameDay`)."""

    version: int

    def state_json(self, series_last_s: float | None = None) -> dict[str, Any]: ...
    def inject(self, request: dict[str, Any]) -> Any: ...
    def revert(self, name: str) -> Any: ...
    def stop_everything(self) -> list[str]: ...
    def add_note(self, text: str) -> Any: ...
    def request_end(self, reason: str) -> None: ...


class SameSiteOnly:
    """ASGI middleware: 403 for a foreign Host or Origin, 415 for an action that is not JSON."""

    def __init__(self, app: ASGIApp, allowed_hosts: set[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        reason = refusal(
            scope["method"],
            headers.get("host", ""),
            headers.get("origin"),
            headers.get("content-type", ""),
            self.allowed_hosts,
        )
        if reason is None:
            await self.app(scope, receive, send)
            return
        status, message = reason
        await JSONResponse({"error": message}, status_code=status)(scope, receive, send)


def refusal(
    method: str, host: str, origin: str | None, content_type: str, allowed_hosts: set[str]
) -> tuple[int, str] | None:
    """Why a request is refused (status, message), or None. Pure, so it is tested alone."""
    if host not in allowed_hosts:
        return 403, f"This console answers only at {', '.join(sorted(allowed_hosts))}."
    if origin is not None and origin not in {f"http://{h}" for h in allowed_hosts}:
        return 403, f"Requests from {origin} are refused: the console acts for its own page only."
    if method == "POST" and content_type.split(";")[0].strip() != "application/json":
        return 415, "Actions are JSON: expected Content-Type: application/json."
    return None


def _error(exc: Exception, status: int) -> JSONResponse:
    field = getattr(exc, "field", None)
    message = getattr(exc, "detail", None) or str(exc)
    return JSONResponse({"error": message, "field": field}, status_code=status)


def build_app(session: ConsoleSession, allowed_hosts: set[str]) -> Starlette:
    async def page(_: Request) -> Response:
        return FileResponse(STATIC_DIR / "console.html")

    async def state(_: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(session.state_json))

    async def events(request: Request) -> Response:
        async def stream():
            sent_version, sent_at = -1, 0.0
            while not await request.is_disconnected():
                now = time.monotonic()
                if session.version != sent_version or now - sent_at >= PUSH_EVERY_S:
                    sent_version, sent_at = session.version, now
                    snapshot = await asyncio.to_thread(session.state_json, SSE_SERIES_S)
                    for fixed in FIXED_PARTS:  # the page has them from /api/state
                        snapshot.pop(fixed, None)
                    yield {"event": "state", "data": json.dumps(snapshot)}
                await asyncio.sleep(POLL_S)

        return EventSourceResponse(stream(), ping=15)

    async def action(request: Request, call) -> Response:
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            return JSONResponse({"error": "The body is not valid JSON."}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "Expected a JSON object."}, status_code=400)
        try:
            return JSONResponse(await asyncio.to_thread(call, body))
        except KeyError as exc:
            return JSONResponse({"error": f"There is no fault {exc}."}, status_code=404)
        except InputError as exc:
            return _error(exc, 409 if isinstance(exc, ConsoleConflict) else 400)
        except FirebreakError as exc:
            return _error(exc, 502)

    async def inject(request: Request) -> Response:
        return await action(request, lambda b: {"fault": session.inject(b).to_json()})

    async def revert(request: Request) -> Response:
        name = request.path_params["name"]
        return await action(request, lambda _: {"fault": session.revert(name).to_json()})

    async def stop_all(request: Request) -> Response:
        return await action(request, lambda _: {"reverted": session.stop_everything()})

    async def note(request: Request) -> Response:
        def add(body: dict[str, Any]) -> dict[str, Any]:
            return {"note": vars(session.add_note(str(body.get("text", ""))))}

        return await action(request, add)

    async def end(request: Request) -> Response:
        return await action(
            request, lambda _: session.request_end("ended from the console") or {"ending": True}
        )

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/api/state", state),
            Route("/api/events", events),
            Route("/api/faults", inject, methods=["POST"]),
            Route("/api/faults/{name}/revert", revert, methods=["POST"]),
            Route("/api/stop-all", stop_all, methods=["POST"]),
            Route("/api/notes", note, methods=["POST"]),
            Route("/api/end", end, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ]
    )
    app.add_middleware(SameSiteOnly, allowed_hosts=allowed_hosts)
    return app


class ConsoleServer:
    """The console, served by uvicorn in a thread of the game day's process."""

    def __init__(self, session: ConsoleSession, port: int = 0) -> None:
        self.session = session
        self.requested_port = port
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def start(self, timeout_s: float = 10.0) -> str:
        import socket

        # bind first: the port (0 = any free one) is known before the server thread runs
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, self.requested_port))
        except OSError as exc:
            sock.close()
            raise InputError(
                f"The console cannot listen on {LOOPBACK}:{self.requested_port} "
                f"({exc.strerror}); expected a free port (`--port 0` picks one).",
                field="--port",
            ) from None
        self.port = sock.getsockname()[1]
        hosts = {f"{LOOPBACK}:{self.port}", f"localhost:{self.port}"}
        config = uvicorn.Config(
            build_app(self.session, hosts), log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="console", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.url

    def stop(self, linger_s: float = 2.0) -> None:
        """Stop serving; `linger_s` first, so an open console receives the final state."""
        if self._server is None:
            return
        time.sleep(linger_s)
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
