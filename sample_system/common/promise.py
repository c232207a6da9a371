"""What a service publishes it will do, even when its own dependencies fail (contracts.md §5)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FallbackPromise(BaseModel):
    """The answer given in place of a failed dependency, and the marker it carries."""

    answer: str
    degraded_marker: str | None
    # the status answered while that dependency fails (null: the answer is not a status)
    status: int | None = Field(default=None, ge=100, le=599)


class EndpointPromise(BaseModel):
    """One endpoint's latency and availability promise and its answers under failure."""

    method: str
    route: str
    latency_p99_ms: int
    # The share of requests answered without a 5xx; a degraded answer counts as available.
    availability: float = Field(ge=0.0, le=1.0)
    on_dependency_failure: dict[str, FallbackPromise] = Field(default_factory=dict)


class Promise(BaseModel):
    """Everything one service promises its consumers."""

    service: str
    endpoints: list[EndpointPromise]
