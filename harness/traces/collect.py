"""After a traced run's load stops, before its system goes: the faults written into the trace
store, the run's traces read back, and what they say kept in the observations (`traces`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import psutil

from harness.errors import FirebreakError
from harness.observe.series import FaultWindow, Observations
from harness.system import SystemSpec
from harness.traces.calls import view_trace
from harness.traces.fault_spans import export_fault_spans
from harness.traces.jaeger_query import SETTLE_S, read_traces
from harness.traces.request_paths import (
    FaultSpan,
    edge_seconds,
    graph_against_declared,
    observed_edges,
    paths_for_fault,
)

# read a little before the run's first phase: the warm-up's first requests belong to it too
READ_MARGIN_S = 5.0


class TraceStore(Protocol):
    """A run's Jaeger, wherever the platform runs it."""

    @property
    def harness_otlp_url(self) -> str: ...

    @property
    def query_url(self) -> str: ...

    @property
    def version(self) -> str: ...


def edge_addresses(edge_urls: list[tuple[str, str]]) -> dict[str, str]:
    """`host:port` → edge, from the (edge, URL) each caller is given for its edges (a split
    run's control proxies too)."""
    found = {}
    for edge, url in edge_urls:
        parts = urlsplit(url if "://" in url else f"tcp://{url}")
        if parts.hostname and parts.port:
            found[f"{parts.hostname}:{parts.port}"] = edge
    return found


CONTROL_SUFFIX = " (control)"


def platform_edge_urls(platform: Any) -> list[tuple[str, str]]:
    """(edge, URL its caller dials) for every edge; a split run's control proxies under the
    edge's name marked ` (control)`: their calls are the control arm's, which no fault
    touched. A control proxy sits in the same Toxiproxy as the edge's, reached by the same host
    (its own listen address says `0.0.0.0` in a container or pod)."""
    urls: list[tuple[str, str]] = list(platform.edge_urls.items())
    for edge, proxy in getattr(platform, "control_proxies", {}).items():
        host = urlsplit(platform.edge_urls.get(edge, "")).hostname
        port = urlsplit(proxy.url).port
        listen_host = urlsplit(proxy.url).hostname
        if listen_host in ("0.0.0.0", "::") and host:
            urls.append((edge + CONTROL_SUFFIX, f"http://{host}:{port}"))
        else:
            urls.append((edge + CONTROL_SUFFIX, proxy.url))
    return urls


def fault_spans(obs: Observations, system: SystemSpec, now_s: float) -> list[FaultSpan]:
    """Each fault with the edges it hit: its own, or every edge into the services whose
    instances it hit; it ends when reverted, else with the faults phase."""
    faults_phase = obs.phase("faults")
    default_end = faults_phase.end if faults_phase else now_s
    return [
        FaultSpan(
            window.name,
            tuple(_edges_hit(window, system)),
            window.applied_at,
            window.reverted_at or default_end,
        )
        for window in obs.faults
    ]


def _edges_hit(window: FaultWindow, system: SystemSpec) -> list[str]:
    edges = [target for target in window.targets if "->" in target]
    if edges:
        return edges
    return [e.name for service in window.target_services for e in system.edges_into(service)]


def _store_rss_mb(store: TraceStore) -> float | None:
    """The store's resident memory once it holds the run, where it is a process of ours."""
    pid = getattr(store, "pid", None)
    if not pid:
        return None
    try:
        return round(psutil.Process(pid).memory_info().rss / 1e6, 1)
    except psutil.Error:
        return None


def collect_traces(
    store: TraceStore | None,
    system: SystemSpec,
    obs: Observations,
    edge_urls: list[tuple[str, str]],
    run_id: str,
    on_message: Callable[[str], None] = lambda message: None,
) -> None:
    """Fill `obs.traces`; a store that fails is said in it and in a message, never hidden."""
    if store is None:
        return
    now_s = time.time()
    faults = fault_spans(obs, system, now_s)
    start_s = (obs.phases[0].start if obs.phases else now_s) - READ_MARGIN_S
    summary: dict[str, Any] = {"backend": f"jaeger {store.version}", "ui": store.query_url}
    try:
        export_fault_spans(store.harness_otlp_url, faults, run_id)
        time.sleep(SETTLE_S)
        read = read_traces(store.query_url, start_s, time.time(), system.entrypoint)
    except FirebreakError as exc:
        summary["error"] = str(exc)
        obs.traces = summary
        on_message(f"Warning: the run's traces could not be read: {exc}")
        return
    addresses = edge_addresses(edge_urls)
    views = [
        view_trace(trace_id, spans, system.entrypoint, addresses)
        for trace_id, spans in read.traces.items()
    ]
    declared = [edge.name for edge in system.edges()]
    declared += sorted({name for name in addresses.values() if name.endswith(CONTROL_SUFFIX)})
    observed, around_proxy = observed_edges(views, system.entrypoint, addresses)
    summary.update(
        {
            "services": read.services,
            "traced_services": system.traced_services(),
            # declared `traces: otlp` and sent nothing: its requests' paths stop where it is
            "silent": [s for s in system.traced_services() if s not in read.services],
            "traces": len(read.traces),
            "spans": read.span_count,
            "front_door_traces": sum(1 for view in views if view.root is not None),
            "read_s": round(read.read_s, 3),
            "read_bytes": read.json_bytes,
            "faults": [paths_for_fault(views, fault) for fault in faults],
            "edge_seconds": edge_seconds(views),
            "graph": graph_against_declared(observed, declared, around_proxy),
        }
    )
    rss_mb = _store_rss_mb(store)
    if rss_mb is not None:
        summary["store_rss_mb"] = rss_mb
    obs.traces = summary
    if summary["silent"]:
        on_message(
            "Warning: these services declare `traces: otlp` but sent no span to the run's "
            f"Jaeger: {', '.join(summary['silent'])} (their logs may say why)."
        )
