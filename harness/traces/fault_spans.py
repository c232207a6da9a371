"""Firebreak's own faults as spans in the run's trace store (service `firebreak`), so a trace
viewer shows each fault, what it hit and its window beside the requests it touched.

Written as OTLP/HTTP JSON, a documented wire format: seven fields a span, which the OpenTelemetry
SDK would only wrap (the harness keeps the SDK out of its own process)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from harness.errors import PlatformError
from harness.traces.request_paths import FaultSpan

FIREBREAK_SERVICE = "firebreak"
SPAN_KIND_INTERNAL = 1


def _attribute(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def fault_spans_json(faults: list[FaultSpan], run_id: str) -> dict[str, Any]:
    spans = [
        {
            "traceId": secrets.token_hex(16),
            "spanId": secrets.token_hex(8),
            "name": f"fault {fault.name}",
            "kind": SPAN_KIND_INTERNAL,
            "startTimeUnixNano": str(int(fault.start_s * 1e9)),
            "endTimeUnixNano": str(int(fault.end_s * 1e9)),
            "attributes": [
                _attribute("firebreak.fault", fault.name),
                _attribute("firebreak.targets", ", ".join(fault.edges)),
            ],
        }
        for fault in faults
    ]
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        _attribute("service.name", FIREBREAK_SERVICE),
                        _attribute("firebreak.run", run_id),
                    ]
                },
                "scopeSpans": [{"scope": {"name": "firebreak"}, "spans": spans}],
            }
        ]
    }


def export_fault_spans(otlp_url: str, faults: list[FaultSpan], run_id: str) -> None:
    """POST the faults to the store's OTLP/HTTP receiver."""
    if not faults:
        return
    try:
        answer = httpx.post(
            f"{otlp_url}/v1/traces", json=fault_spans_json(faults, run_id), timeout=5.0
        )
    except httpx.HTTPError as exc:
        raise PlatformError(f"Jaeger's OTLP receiver at {otlp_url} did not answer: {exc}.") from exc
    if answer.status_code >= 300:
        raise PlatformError(
            f"Jaeger's OTLP receiver refused the faults' spans: {answer.status_code} "
            f"{answer.text[:200]}"
        )
