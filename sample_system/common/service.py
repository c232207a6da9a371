"""The parts every sample service shares: lifespan, health, metrics, promise, error answers.

A service module declares its promise, its database and its dependencies, and adds its own
routes to the app :func:`create_service_app` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from sample_system.common.config import ServiceEnv
from sample_system.common.db import Database
from sample_system.common.metrics import Metrics, MetricsMiddleware
from sample_system.common.promise import Promise
from sample_system.common.resilience import Dependency, DependencyPolicy, DependencyUnavailable
from sample_system.common.tracing import start_tracing, stop_tracing

BackgroundTask = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class DependencySpec:
    """A dependency as a service declares it: its name, URL variable and call policy."""

    name: str
    env_var: str
    policy: DependencyPolicy


@dataclass
class Runtime:
    """What a running service holds: its settings, metrics, database and dependencies."""

    env: ServiceEnv
    metrics: Metrics
    database: Database | None = None
    dependencies: dict[str, Dependency] = field(default_factory=dict)

    def dependency(self, name: str) -> Dependency:
        """The named dependency (created at startup)."""
        return self.dependencies[name]

    @property
    def db(self) -> Database:
        """The service's database (only for services that have one)."""
        if self.database is None:
            raise RuntimeError(f"The service `{self.env.service}` has no database.")
        return self.database


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving ``request``."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def read_or_404(
    request: Request, unit: Callable[[sqlite3.Connection], dict[str, Any] | None], missing: str
) -> dict[str, Any]:
    """One row from the service's database, or a 404 saying what is `missing`."""
    found = await runtime_of(request).db.read(unit)
    if found is None:
        raise HTTPException(404, missing)
    return found


def create_service_app(
    env: ServiceEnv,
    promise: Promise,
    *,
    database: Database | None = None,
    dependencies: Sequence[DependencySpec] = (),
    background: Sequence[BackgroundTask] = (),
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Build a service's app with the shared endpoints; ``transports`` lets tests fake the wire."""
    runtime = Runtime(env=env, metrics=Metrics(), database=database)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime.database is not None:
            await runtime.database.open()
        for spec in dependencies:
            dependency = Dependency(
                spec.name,
                env.dependency_url(spec.env_var, spec.name),
                spec.policy,
                env,
                runtime.metrics,
                transport=(transports or {}).get(spec.name),
            )
            await dependency.start()
            runtime.dependencies[spec.name] = dependency
        tasks = [asyncio.create_task(task(runtime)) for task in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for dependency in runtime.dependencies.values():
                await dependency.aclose()
            if runtime.database is not None:
                await runtime.database.close()
            stop_tracing()

    app = FastAPI(title=f"sample {env.service}", lifespan=lifespan, openapi_url=None)
    app.state.runtime = runtime
    start_tracing(app)
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)

    @app.exception_handler(DependencyUnavailable)
    async def dependency_unavailable(request: Request, exc: DependencyUnavailable) -> Response:
        # A required dependency failed (or fallbacks are switched off): say so, don't crash.
        return JSONResponse(
            {"error": str(exc), "dependency": exc.dependency, "reason": exc.reason},
            status_code=503,
        )

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @app.get("/health/ready")
    async def ready() -> Response:
        if runtime.database is not None and not runtime.database.is_open:
            return JSONResponse({"status": "not ready"}, status_code=503)
        return JSONResponse({"status": "ready", "instance": env.instance})

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(runtime.metrics.render(), media_type=runtime.metrics.content_type)

    @app.get("/promise")
    async def published_promise() -> dict[str, object]:
        return promise.model_dump()

    return app
