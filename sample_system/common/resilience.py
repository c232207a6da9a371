"""The resilience toolkit: every call from one sample service to another goes through here.

A :class:`Dependency` call applies, from the outside in:

    bulkhead (fail fast when full)
      -> circuit breaker (purgatory; one per dependency)
        -> overall deadline (asyncio.timeout)
          -> retries with backoff and jitter (stamina; idempotent calls only)
            -> one attempt (httpx timeouts + asyncio.timeout, since httpx misses a slow drip)

Whatever goes wrong comes out as one :class:`DependencyUnavailable` with a ``reason`` (the label
of ``dependency_failures_total``). A 4xx answer is returned, not raised: the dependency worked and
said no, so it must not trip the breaker. :func:`with_fallback` is the one place that turns a
failure into a fallback and counts it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import httpx
import stamina
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import Context, OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

from sample_system.common.config import ServiceEnv
from sample_system.common.metrics import Metrics
from sample_system.common.tracing import TRACER

T = TypeVar("T")
FailureReason = Literal["timeout", "error", "status", "breaker_open", "bulkhead_full"]

# With `timeouts` switched off a call waits, but not forever: a run must still end.
NO_TIMEOUT_CAP_S = 30.0
# With `bulkheads` switched off the connection pool must not act as a (queueing) bulkhead either.
UNBOUNDED_CONNECTIONS = 1000

BREAKER_CLOSED = 0.0
BREAKER_HALF_OPEN = 1.0
BREAKER_OPEN = 2.0


class DependencyUnavailable(Exception):
    """A dependency could not give an answer; the caller serves its fallback or fails."""

    def __init__(
        self,
        dependency: str,
        reason: FailureReason,
        detail: str = "",
        status_code: int | None = None,
    ) -> None:
        self.dependency = dependency
        self.reason = reason
        self.status_code = status_code
        message = f"Dependency `{dependency}` is unavailable ({reason})"
        super().__init__(f"{message}: {detail}." if detail else f"{message}.")


class _AttemptFailed(Exception):
    """One attempt failed in a way worth retrying (timeout, connection error, 5xx)."""

    def __init__(self, reason: FailureReason, detail: str, status_code: int | None = None):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.status_code = status_code


@dataclass(frozen=True)
class DependencyPolicy:
    """How patiently and how often one service calls one dependency."""

    attempt_timeout_s: float
    deadline_s: float
    attempts: int = 2
    bulkhead_size: int = 32
    wait_initial_s: float = 0.01
    wait_max_s: float = 0.05
    wait_jitter_s: float = 0.01


class Dependency:
    """One downstream service, called through every pattern that is switched on."""

    def __init__(
        self,
        name: str,
        base_url: str,
        policy: DependencyPolicy,
        env: ServiceEnv,
        metrics: Metrics,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.policy = policy
        self.metrics = metrics
        self._timeouts = env.enabled("timeouts")
        self._retries = env.enabled("retries")
        self._breakers = env.enabled("breakers")
        self._bulkheads = env.enabled("bulkheads")
        self.fallbacks_enabled = env.enabled("fallbacks")
        self._attempt_timeout_s = policy.attempt_timeout_s if self._timeouts else NO_TIMEOUT_CAP_S
        self._deadline_s = policy.deadline_s if self._timeouts else NO_TIMEOUT_CAP_S
        self._bulkhead = asyncio.Semaphore(policy.bulkhead_size)
        self._breaker_factory = AsyncCircuitBreakerFactory(
            default_threshold=env.breaker_failure_threshold, default_ttl=env.breaker_reset_s
        )
        self._retrying = stamina.AsyncRetryingCaller(
            attempts=policy.attempts,
            timeout=self._deadline_s,
            wait_initial=policy.wait_initial_s,
            wait_max=policy.wait_max_s,
            wait_jitter=policy.wait_jitter_s,
        ).on(_AttemptFailed)
        # The pool matches the bulkhead, so a call the bulkhead admits never queues for a socket.
        pool_size = policy.bulkhead_size if self._bulkheads else UNBOUNDED_CONNECTIONS
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(self._attempt_timeout_s),
            limits=httpx.Limits(
                max_connections=pool_size,
                max_keepalive_connections=pool_size,
                keepalive_expiry=30.0,
            ),
            transport=transport,
        )
        self._breaker_context: Context | None = None
        metrics.register_dependency(name, self.breaker_state)

    async def start(self) -> None:
        """Create the breaker now, so its state is exported (closed) before the first call."""
        await self._get_breaker()

    async def _get_breaker(self) -> AsyncCircuitBreaker:
        breaker = await self._breaker_factory.get_breaker(self.name)
        # The in-memory repository hands out the same context each time: keep it to export.
        self._breaker_context = breaker.context
        return breaker

    async def aclose(self) -> None:
        """Close the keep-alive connections."""
        await self._client.aclose()

    def breaker_state(self) -> float:
        """The breaker's state as exported: 0 closed, 1 half-open, 2 open.

        Purgatory moves open -> half-open only when a call arrives, so an open breaker whose
        reset time has passed is reported as half-open: the next call will be the probe.
        """
        if not self._breakers:
            return BREAKER_CLOSED
        context = self._breaker_context
        if context is None or context.state == "closed":
            return BREAKER_CLOSED
        if context.state == "half-opened":
            return BREAKER_HALF_OPEN
        opened_at_s = context.opened_at or 0.0
        if time.time() > opened_at_s + context.ttl:
            return BREAKER_HALF_OPEN
        return BREAKER_OPEN

    async def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Call the dependency; return its answer (2xx-4xx) or raise DependencyUnavailable.
        The call is one span (`call <name>`, tracing.py), its attempts its children."""
        self.metrics.dependency_calls.labels(self.name).inc()
        request = _Request(method, path, json, params, headers)
        with TRACER.start_as_current_span(
            f"call {self.name}",
            kind=SpanKind.INTERNAL,
            attributes={"peer.service": self.name},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                if not self._bulkheads:
                    return await self._through_breaker(request, idempotent)
                # Fail fast instead of queueing: a full bulkhead means the dependency is slow.
                if self._bulkhead.locked():
                    raise DependencyUnavailable(self.name, "bulkhead_full")
                async with self._bulkhead:
                    return await self._through_breaker(request, idempotent)
            except DependencyUnavailable as exc:
                self.metrics.dependency_failures.labels(self.name, exc.reason).inc()
                span.set_attribute("resilience.failure_reason", exc.reason)
                span.set_status(StatusCode.ERROR, str(exc))
                raise

    async def _through_breaker(self, request: _Request, idempotent: bool) -> httpx.Response:
        if not self._breakers:
            return await self._within_deadline(request, idempotent)
        breaker = await self._get_breaker()
        try:
            async with breaker:
                return await self._within_deadline(request, idempotent)
        except OpenedState as exc:
            trace.get_current_span().add_event("breaker.rejected")
            raise DependencyUnavailable(self.name, "breaker_open") from exc

    async def _within_deadline(self, request: _Request, idempotent: bool) -> httpx.Response:
        attempt_number = 0

        async def attempt() -> httpx.Response:
            nonlocal attempt_number
            attempt_number += 1
            if attempt_number > 1:
                self.metrics.dependency_retries.labels(self.name).inc()
                trace.get_current_span().add_event("retry", {"attempt": attempt_number})
            return await self._attempt(request)

        try:
            async with asyncio.timeout(self._deadline_s):
                if idempotent and self._retries and self.policy.attempts > 1:
                    return await self._retrying(attempt)
                return await attempt()
        except TimeoutError as exc:
            raise DependencyUnavailable(
                self.name, "timeout", f"no answer within the {self._deadline_s:g} s deadline"
            ) from exc
        except _AttemptFailed as exc:
            raise DependencyUnavailable(self.name, exc.reason, exc.detail, exc.status_code) from exc

    async def _attempt(self, request: _Request) -> httpx.Response:
        self.metrics.dependency_attempts.labels(self.name).inc()
        try:
            async with asyncio.timeout(self._attempt_timeout_s):
                response = await self._client.request(
                    request.method,
                    request.path,
                    json=request.json,
                    params=request.params,
                    headers=request.headers,
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise _AttemptFailed(
                "timeout", f"an attempt took over {self._attempt_timeout_s:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise _AttemptFailed("error", f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise _AttemptFailed(
                "status", f"it answered {response.status_code}", response.status_code
            )
        return response


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    json: Any
    params: Mapping[str, str] | None
    headers: Mapping[str, str] | None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a call-or-fallback produced, and whether it is the fallback."""

    value: T
    degraded: bool


async def with_fallback(
    dependency: Dependency,
    call: Callable[[], Awaitable[T]],
    fallback: Callable[[DependencyUnavailable], T],
) -> Outcome[T]:
    """Run ``call``; if the dependency is unavailable, serve ``fallback`` and count it.

    With `fallbacks` switched off the failure propagates, and the service answers 503.
    """
    try:
        return Outcome(await call(), degraded=False)
    except DependencyUnavailable as exc:
        if not dependency.fallbacks_enabled:
            raise
        dependency.metrics.dependency_fallbacks.labels(dependency.name).inc()
        trace.get_current_span().add_event(
            "fallback", {"peer.service": dependency.name, "resilience.failure_reason": exc.reason}
        )
        return Outcome(fallback(exc), degraded=True)
