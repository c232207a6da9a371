"""OpenTelemetry traces, when the platform asks for them (`OTEL_EXPORTER_OTLP_ENDPOINT` set):
the usual FastAPI and httpx instrumentations, and the resilience toolkit's own marks.

The marks have documented names (docs/traces.md), which Firebreak reads to say where a failure
was absorbed:

- a span `call <dependency>` (kind internal, attribute `peer.service`) wraps one logical call;
  its attempts are its children (httpx's client spans); it ends with an error status when the
  call failed, and `resilience.failure_reason` says why;
- its event `retry` (attribute `attempt`) marks each attempt after the first;
- its event `breaker.rejected` marks a call the open breaker refused (no attempt was made);
- the event `fallback` (attribute `peer.service`) on the span that served it marks a fallback.

Without the variable nothing is set up, and the marks go to OpenTelemetry's no-op tracer.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace

# health, metrics and promise reads are the platform's, not the system's traffic
UNTRACED_PATHS = "/health/live,/health/ready,/metrics,/promise"
TRACER = trace.get_tracer("sample_system.resilience")


def tracing_asked() -> bool:
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true"
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")) and not disabled


def start_tracing(app: FastAPI) -> None:
    """Send this service's spans where the standard variables say; its name and resource
    attributes come from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES."""
    if not tracing_asked():
        return
    # imported here: a service without traces pays nothing for them
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # the ASGI send/receive spans say nothing a reader of failures needs
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"]
    )
    HTTPXClientInstrumentor().instrument()


def stop_tracing() -> None:
    """Send what is left before the process ends."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()
