"""The process entry of every sample service: bind the shared and the private port, run uvicorn.

The service port is bound with SO_REUSEPORT by every replica, so the kernel spreads connections
over them and a killed replica's share moves to the survivors at once. The admin port is this
replica's own, for health checks and for scraping this one instance.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable

import stamina.instrumentation
import uvicorn
from fastapi import FastAPI
from prometheus_client import disable_created_metrics

from sample_system.common.config import ConfigError, ServiceEnv, load_env

AppFactory = Callable[[ServiceEnv], FastAPI]
LISTEN_BACKLOG = 2048


def bind_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A listening TCP socket; the options are set before bind, where they take effect."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: accepted sockets inherit it, and asyncio only switches Nagle off
    # (TCP_NODELAY) on sockets that say they are TCP. Without it, an answer written in two parts
    # waited for the client's delayed ACK: about 40 ms on every hop.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def run_service(service: str, create_app: AppFactory) -> None:
    """Read the environment, bind the sockets and serve until SIGTERM or SIGINT."""
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
    sockets = [bind_socket(env.host, env.port, reuse_port=True)]
    if env.admin_port:
        sockets.append(bind_socket(env.host, env.admin_port, reuse_port=False))
    config = uvicorn.Config(
        create_app(env),
        log_level="warning",
        access_log=False,
        lifespan="on",
        # Under a fault, connections pile up; let a SIGTERM finish within a harness's patience.
        timeout_graceful_shutdown=5,
    )
    # uvicorn handles SIGTERM itself: stop accepting, finish in-flight requests, run shutdown.
    uvicorn.Server(config).run(sockets=sockets)
