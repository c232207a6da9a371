"""`firebreak init --from-traces SYSTEM`: the dependency edges a system's own traces show, drafted
into its system.yaml. The system runs on the local platform for a short while under its
locustfile's load, with a Jaeger of its own; every call a trace shows from one service to
another becomes an edge. Its `env` is the caller's variable that holds the callee's address,
where one does (what the caller dialled); where none does, the draft says so, for the user."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness.errors import InputError
from harness.load.driver import LoadDriver
from harness.load.trace_context import TRACEPARENT_ENV
from harness.system import SystemSpec
from harness.traces.calls import view_trace
from harness.traces.jaeger_query import SETTLE_S, read_traces
from harness.traces.request_paths import observed_edges

READY_TIMEOUT_S = 60.0


@dataclass
class TracedEdges:
    observed: dict[str, int]  # edge → calls traced (the front door's as `load->…`)
    # caller → callee → the caller's variable holding the callee's address (None: none does)
    found: dict[str, dict[str, str | None]] = field(default_factory=dict)
    front_door_traces: int = 0


def variable_for(system: SystemSpec, caller: str, callee: str) -> str | None:
    """The caller's variable (system.yaml `env`) whose value names the callee's address: its
    port on this machine, or its name as a host."""
    port = system.services[callee].port
    for name, value in system.services[caller].env.items():
        parts = urlsplit(value if "://" in value else f"tcp://{value}")
        try:
            value_port = parts.port
        except ValueError:
            value_port = None
        if value_port == port or parts.hostname == callee:
            return name
    return None


def require_traceable(system: SystemSpec) -> Path:
    """The locustfile; bad input (exit 2) where the system could not show a traced call."""
    if not system.traced_services():
        raise InputError(
            "No service declares `traces: otlp`, so no trace could show a call; expected "
            "`traces: otlp` on the services that send OpenTelemetry traces.",
            path=str(system.path),
        )
    locustfile = system.locustfile_path()
    if locustfile is None:
        raise InputError(
            "A traced run needs load to follow; expected a `locustfile`.", path=str(system.path)
        )
    return locustfile


def trace_system(
    system: SystemSpec, run_dir: Path, duration_s: float, on_message: Callable[[str], None]
) -> TracedEdges:
    """Run the system locally with a Jaeger for `duration_s` of its locustfile's load."""
    from harness.platforms.local.platform import LocalPlatform

    locustfile = require_traceable(system)
    platform = LocalPlatform(system, run_dir, traces=True)
    load: LoadDriver | None = None
    try:
        platform.deploy()
        platform.wait_ready(READY_TIMEOUT_S)
        started_s = time.time()
        load = LoadDriver(
            locustfile,
            platform.endpoints()["load"],
            users=5,
            spawn_rate=5,
            env={TRACEPARENT_ENV: "1"},
            log_path=run_dir / "logs" / "load.log",
            keep_seconds=False,
        )
        load.start()
        on_message(f"Following {duration_s:g} s of traced load ...")
        time.sleep(duration_s)
        load.stop()
        time.sleep(SETTLE_S)
        assert platform.trace_store is not None
        read = read_traces(
            platform.trace_store.query_url, started_s - 5, time.time(), system.entrypoint
        )
    finally:
        if load is not None:
            load.stop()
        platform.teardown()
    views = [view_trace(i, spans, system.entrypoint, {}) for i, spans in read.traces.items()]
    observed, _ = observed_edges(views, system.entrypoint, {})
    traced = TracedEdges(observed, front_door_traces=sum(v.root is not None for v in views))
    for edge in observed:
        caller, callee = edge.split("->", 1)
        if caller in system.services and callee in system.services:
            traced.found.setdefault(caller, {})[callee] = variable_for(system, caller, callee)
    return traced


def drafted_source(system: SystemSpec, source: dict, traced: TracedEdges) -> tuple[dict, list[str]]:
    """The system file's content with each traced edge that it does not declare added under its
    caller's `dependencies`; and what the user should confirm."""
    notes: list[str] = []
    services = source.get("services", {})
    for caller, callees in traced.found.items():
        declared = system.services[caller].dependencies
        for callee, variable in callees.items():
            if callee in declared:
                continue
            entry = services[caller].setdefault("dependencies", {})
            if variable is None:
                entry[callee] = {"env": f"{callee.upper().replace('-', '_')}_URL"}
                notes.append(
                    f"`{caller}` calls `{callee}` (traced), but no variable of its `env` holds "
                    f"`{callee}`'s address: `env` here is a guess, name the variable `{caller}` "
                    "reads it from"
                )
                continue
            value = services[caller].get("env", {}).pop(variable, "")
            entry[callee] = {"env": variable}
            if urlsplit(value).path not in ("", "/"):
                notes.append(
                    f"`{caller}`'s `{variable}` was `{value}`: give `address:` its form "
                    "(`http://{{host}}:{{port}}/...`)"
                )
            if not services[caller].get("env"):
                services[caller].pop("env", None)
    if any(traced.found.values()):
        notes.append(
            "traces cannot tell whether a dependency is optional or how its caller retries: add "
            "`optional: true` and `retries:` where they apply"
        )
    for service, spec in system.services.items():
        for callee in spec.dependencies:
            if traced.observed.get(f"{service}->{callee}") is None:
                notes.append(
                    f"`{service}->{callee}` is declared but no trace showed a call on it in the "
                    "traced run (left as declared)"
                )
    return source, notes
