"""The standard OpenTelemetry settings a traced service gets: where to send its spans, its name,
and which run and replica it is. Nothing here is Firebreak's own: any SDK reads these."""

from __future__ import annotations

# the resource attributes Firebreak adds, so a span says which run and which replica made it
RUN_ATTRIBUTE = "firebreak.run"
INSTANCE_ATTRIBUTE = "service.instance.id"
# spans reach the store within half a second of ending (the SDKs' default is 5 s), so a run's
# last seconds are in the store when it is read
BATCH_DELAY_MS = 500


def otel_environment(
    endpoint: str, service: str, run_id: str, instance_id: str | None = None
) -> dict[str, str]:
    """What a traced replica's environment holds. `endpoint` is the OTLP/HTTP base URL as the
    replica reaches it (a loopback port, a container's or a Service's name)."""
    attributes = [f"{RUN_ATTRIBUTE}={run_id}"]
    if instance_id:
        attributes.append(f"{INSTANCE_ATTRIBUTE}={instance_id}")
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": ",".join(attributes),
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
        "OTEL_BSP_SCHEDULE_DELAY": str(BATCH_DELAY_MS),
        # traces only: an SDK that would also export metrics or logs must not knock in vain
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
