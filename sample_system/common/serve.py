"""The process entry of every sample service: read the environment and serve the app with plain
uvicorn on `HOST`:`PORT`, as any FastAPI service would be served.

Nothing here knows about Firebreak: the platform gives each replica its own `PORT` and puts its
own load balancer in front of them (docs/contracts.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import stamina.instrumentation
import uvicorn
from fastapi import FastAPI
from prometheus_client import disable_created_metrics

from sample_system.common.config import ConfigError, ServiceEnv, load_env

AppFactory = Callable[[ServiceEnv], FastAPI]
LISTEN_BACKLOG = 2048


def run_service(service: str, create_app: AppFactory) -> None:
    """Read the environment and serve until SIGTERM or SIGINT."""
    try:
        env = load_env(service)
    except ConfigError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    # Retries are counted by the toolkit's own metrics; stamina's log line per retry is noise.
    stamina.instrumentation.set_on_retry_hooks([])
    # `*_created` series double every counter's exposition and no check reads them.
    disable_created_metrics()
    logging.basicConfig(level=logging.WARNING)
    # uvicorn binds through asyncio, whose TCP sockets have Nagle off (TCP_NODELAY): an answer
    # written in two parts does not wait for the client's delayed ACK (40 ms a hop).
    uvicorn.run(
        create_app(env),
        host=env.host,
        port=env.port,
        backlog=LISTEN_BACKLOG,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # Under a fault, connections pile up; let a SIGTERM finish within a harness's patience.
        timeout_graceful_shutdown=5,
    )
