"""The faults a scenario can inject and the targets they hit, as pydantic models.

One model per fault type, discriminated on `type`; parameters carry their unit in their name and
mean what Toxiproxy means by them. The target helpers resolve a target against a system: they
raise `ValueError` naming the valid choices, which `harness.scenario` turns into a `ScenarioError`
citing the field's line.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    WithJsonSchema,
    field_validator,
)

from harness.durations import DurationS
from harness.fault_targets import InstanceTarget, ProxyTarget, Strict
from harness.faults.toxiproxy import TOXIC_TYPES
from harness.grpc_status import GRPC_METHOD_PATTERN, GRPC_STATUS_CODES, grpc_code

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# the toxics are Toxiproxy's own: one list, kept beside the client that sends them
TOXIC_FAULT_TYPES = TOXIC_TYPES
# answered by the edge's HTTP frontend on the run's balancer (`harness/balancer/http_faults.lua`)
HTTP_FAULT_TYPES = ("http_error", "http_abort", "http_delay")
# answered the same way, in gRPC's words, on an edge that speaks gRPC (`protocol: grpc`)
GRPC_FAULT_TYPES = ("grpc_error",)
# the faults that need the edge served in HTTP mode
HTTP_MODE_FAULT_TYPES = (*HTTP_FAULT_TYPES, *GRPC_FAULT_TYPES)
PROXY_FAULT_TYPES = (*TOXIC_FAULT_TYPES, "down", *HTTP_MODE_FAULT_TYPES)
INSTANCE_FAULT_TYPES = ("kill", "pause")
FAULT_TYPES = (*PROXY_FAULT_TYPES, *INSTANCE_FAULT_TYPES)


def _check_name(value: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise ValueError(
            f"`{value}` is not a valid name; expected lower-case letters, digits and dashes, "
            "such as `slow-recs`"
        )
    return value


Name = Annotated[
    str, AfterValidator(_check_name), WithJsonSchema({"type": "string", "pattern": NAME_PATTERN})
]
PositiveDurationS = Annotated[DurationS, Field(gt=0)]


# --- faults ----------------------------------------------------------------------------------


class FaultBase(Strict):
    name: Name | None = None  # filled in by the scenario: `<type>-<index>`
    at_s: DurationS = Field(0.0, alias="at", description="offset from the start of `faults`")
    # None: until the end of the faults phase
    duration_s: PositiveDurationS | None = Field(None, alias="duration")


class _ToxicFault(FaultBase):
    target: ProxyTarget
    stream: Literal["upstream", "downstream"] = "downstream"
    toxicity: Annotated[float, Field(gt=0, le=1, description="share of connections hit")] = 1.0


class LatencyFault(_ToxicFault):
    type: Literal["latency"]
    latency_ms: Annotated[int, Field(ge=0)]
    jitter_ms: Annotated[int, Field(ge=0)] = 0


class BandwidthFault(_ToxicFault):
    type: Literal["bandwidth"]
    rate_kbps: Annotated[int, Field(ge=0, description="kilobytes per second, as Toxiproxy")]


class SlowCloseFault(_ToxicFault):
    type: Literal["slow_close"]
    delay_ms: Annotated[int, Field(ge=0)]


class TimeoutFault(_ToxicFault):
    type: Literal["timeout"]
    timeout_ms: Annotated[int, Field(ge=0, description="0 = a blackhole until reverted")]


class ResetPeerFault(_ToxicFault):
    type: Literal["reset_peer"]
    timeout_ms: Annotated[int, Field(ge=0)] = 0


class SlicerFault(_ToxicFault):
    type: Literal["slicer"]
    average_size_bytes: Annotated[int, Field(gt=0)]
    size_variation_bytes: Annotated[int, Field(ge=0)] = 0
    delay_us: Annotated[int, Field(ge=0)] = 0


class LimitDataFault(_ToxicFault):
    type: Literal["limit_data"]
    bytes: Annotated[int, Field(ge=0)]


class DownFault(FaultBase):
    type: Literal["down"]
    target: ProxyTarget


HTTP_METHOD_PATTERN = r"^[A-Z]+$"
HEADER_NAME_PATTERN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"
# a rule travels in one runtime API command, hex-encoded, inside HAProxy's 16 KiB buffer
MAX_BODY_BYTES = 2048


def _header_lines(value: Any) -> Any:
    """`Retry-After: 2; X-Why: test` (a console's text field) as the mapping a file gives."""
    if not isinstance(value, str):
        return value
    headers = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        name, colon, text = part.partition(":")
        if not colon:
            raise ValueError(f"`{part}` is not a header; expected `Name: value`")
        headers[name.strip()] = text.strip()
    return headers


class _HttpFault(FaultBase):
    """A share of the HTTP requests on an edge, optionally only one method and path prefix."""

    target: ProxyTarget
    percent: Annotated[float, Field(gt=0, le=100, description="share of matching requests")] = 100.0
    method: Annotated[str, Field(pattern=HTTP_METHOD_PATTERN)] | None = None
    path_prefix: str | None = None

    @field_validator("path_prefix")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("/") or any(c.isspace() for c in value)):
            raise ValueError(
                f"`{value}` is not a path prefix; expected one that starts with `/` and has no "
                "spaces, such as `/charges`"
            )
        return value

    def match_text(self) -> str:
        """`POST /charges*`, `GET *`, or `every request`: which requests the fault draws from."""
        if self.method is None and self.path_prefix is None:
            return "every request"
        return f"{self.method or 'any method'} {self.path_prefix or '/'}*"


class HttpErrorFault(_HttpFault):
    type: Literal["http_error"]
    status: Annotated[int, Field(ge=400, le=599, description="the status answered")] = 503
    body: Annotated[str, Field(max_length=MAX_BODY_BYTES)] = ""
    headers: Annotated[dict[str, str], BeforeValidator(_header_lines)] = Field(
        default_factory=dict, description="such as `Retry-After: 2`; several separated by `;`"
    )

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not re.match(HEADER_NAME_PATTERN, name) or name.lower() == "content-length":
                raise ValueError(
                    f"`{name}` cannot be a header here; expected a header name such as "
                    "`Retry-After` (Content-Length is set from the body)"
                )
            if "\n" in str(text) or "\r" in str(text):
                raise ValueError(f"The value of header `{name}` spans lines; expected one line")
        return {name: str(text) for name, text in value.items()}


class HttpAbortFault(_HttpFault):
    """The connection is closed once the request is read, with no answer."""

    type: Literal["http_abort"]


class HttpDelayFault(_HttpFault):
    """The callee's answer is held back before its headers go out."""

    type: Literal["http_delay"]
    delay_ms: Annotated[int, Field(gt=0)]


class GrpcErrorFault(FaultBase):
    """A share of the gRPC calls on an edge answered with a status, as a "Trailers-Only"
    response (HTTP/2 200, `grpc-status` in the headers, no message); the callee never sees
    them. `grpc_method` narrows it to one method (`/shop.Pricing/Quote`) or one service's
    (`/shop.Pricing/`)."""

    type: Literal["grpc_error"]
    target: ProxyTarget
    code: Annotated[
        int,
        BeforeValidator(grpc_code),
        Field(ge=1, le=16, description="a gRPC status name such as UNAVAILABLE, or 1-16"),
    ] = 14
    message: Annotated[str, Field(max_length=MAX_BODY_BYTES)] = ""
    percent: Annotated[float, Field(gt=0, le=100, description="share of matching calls")] = 100.0
    grpc_method: Annotated[str, Field(pattern=GRPC_METHOD_PATTERN)] | None = None

    @field_validator("message")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("The message spans lines; expected one line")
        return value

    @property
    def code_name(self) -> str:
        return next(name for name, code in GRPC_STATUS_CODES.items() if code == self.code)

    def match_text(self) -> str:
        """`/shop.Pricing/*`, `/shop.Pricing/Quote` or `every call`."""
        if self.grpc_method is None:
            return "every call"
        return self.grpc_method + ("*" if self.grpc_method.endswith("/") else "")


class InstanceFault(FaultBase):
    target: InstanceTarget

    @field_validator("target", mode="before")
    @classmethod
    def _mapping_only(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                f"`{value}` is a name, but this fault hits instances; expected a mapping such "
                "as `{service: inventory, count: 1}`"
            )
        return value


class KillFault(InstanceFault):
    type: Literal["kill"]
    # replace: the platform brings up a new replica at once (a crash); without it the replica
    # stays gone until `duration` ends (a scale-down)
    replace: bool = True


class PauseFault(InstanceFault):
    type: Literal["pause"]


FaultSpec = Annotated[
    LatencyFault
    | BandwidthFault
    | SlowCloseFault
    | TimeoutFault
    | ResetPeerFault
    | SlicerFault
    | LimitDataFault
    | DownFault
    | HttpErrorFault
    | HttpAbortFault
    | HttpDelayFault
    | GrpcErrorFault
    | KillFault
    | PauseFault,
    Field(discriminator="type"),
]
