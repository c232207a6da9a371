"""The resilience toolkit on a faked wire: breaker, bulkhead, retries, timeouts, switches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from sample_system.common import (
    Dependency,
    DependencyPolicy,
    DependencyUnavailable,
    Metrics,
    ServiceEnv,
    with_fallback,
)

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
FAST_POLICY = DependencyPolicy(
    attempt_timeout_s=0.2, deadline_s=1.0, attempts=3, bulkhead_size=4, wait_initial_s=0.001
)


def make_dependency(
    handler: Handler,
    *,
    policy: DependencyPolicy = FAST_POLICY,
    disabled: frozenset[str] = frozenset(),
    threshold: int = 3,
    reset_s: float = 0.3,
) -> Dependency:
    env = ServiceEnv(
        service="test",
        disabled=disabled,
        breaker_failure_threshold=threshold,
        breaker_reset_s=reset_s,
    )
    return Dependency(
        "stub", "http://stub", policy, env, Metrics(), transport=httpx.MockTransport(handler)
    )


def sample(dependency: Dependency, metric: str, **labels: str) -> float:
    value = dependency.metrics.registry.get_sample_value(
        metric, {"dependency": dependency.name, **labels}
    )
    return value or 0.0


def answering(status_code: int, delay_s: float = 0.0) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        if delay_s:
            await asyncio.sleep(delay_s)
        return httpx.Response(status_code, json={"ok": status_code < 400})

    return handler


async def failing_calls(dependency: Dependency, count: int) -> list[str]:
    reasons = []
    for _ in range(count):
        with pytest.raises(DependencyUnavailable) as caught:
            await dependency.call("GET", "/x", idempotent=False)
        reasons.append(caught.value.reason)
    return reasons


async def test_breaker_opens_after_threshold_failures_and_exports_open() -> None:
    dependency = make_dependency(answering(500), threshold=3)
    await dependency.start()
    assert sample(dependency, "dependency_breaker_state") == 0

    assert await failing_calls(dependency, 3) == ["status", "status", "status"]
    assert sample(dependency, "dependency_breaker_state") == 2

    assert await failing_calls(dependency, 1) == ["breaker_open"]
    # Short-circuited: no HTTP attempt went out for the fourth call.
    assert sample(dependency, "dependency_attempts_total") == 3
    assert sample(dependency, "dependency_failures_total", reason="breaker_open") == 1


async def test_breaker_reports_half_open_after_reset_and_closes_on_success() -> None:
    healthy = False

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if healthy else 503)

    dependency = make_dependency(handler, threshold=2, reset_s=0.2)
    await failing_calls(dependency, 2)
    assert sample(dependency, "dependency_breaker_state") == 2
    await asyncio.sleep(0.25)
    # No call has arrived yet, yet the exported state already says the next call is a probe.
    assert sample(dependency, "dependency_breaker_state") == 1
    healthy = True
    response = await dependency.call("GET", "/x", idempotent=True)
    assert response.status_code == 200
    assert sample(dependency, "dependency_breaker_state") == 0


async def test_client_errors_do_not_trip_the_breaker() -> None:
    dependency = make_dependency(answering(404), threshold=2)
    for _ in range(5):
        response = await dependency.call("GET", "/x", idempotent=True)
        assert response.status_code == 404
    assert sample(dependency, "dependency_breaker_state") == 0
    assert sample(dependency, "dependency_retries_total") == 0


async def test_bulkhead_fails_fast_when_full() -> None:
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200)

    policy = DependencyPolicy(attempt_timeout_s=2.0, deadline_s=2.0, bulkhead_size=1)
    dependency = make_dependency(handler, policy=policy)
    in_flight = asyncio.create_task(dependency.call("GET", "/slow", idempotent=True))
    await asyncio.sleep(0.05)

    started_s = asyncio.get_running_loop().time()
    with pytest.raises(DependencyUnavailable) as caught:
        await dependency.call("GET", "/x", idempotent=True)
    assert caught.value.reason == "bulkhead_full"
    assert asyncio.get_running_loop().time() - started_s < 0.05
    release.set()
    assert (await in_flight).status_code == 200
    assert sample(dependency, "dependency_failures_total", reason="bulkhead_full") == 1


async def test_without_bulkheads_calls_queue_instead_of_failing() -> None:
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200)

    policy = DependencyPolicy(attempt_timeout_s=2.0, deadline_s=2.0, bulkhead_size=1)
    dependency = make_dependency(handler, policy=policy, disabled=frozenset({"bulkheads"}))
    calls = [asyncio.create_task(dependency.call("GET", "/x", idempotent=True)) for _ in range(3)]
    await asyncio.sleep(0.05)
    release.set()
    assert [response.status_code for response in await asyncio.gather(*calls)] == [200] * 3


async def test_idempotent_calls_are_retried_and_others_are_not() -> None:
    dependency = make_dependency(answering(500), threshold=100)
    with pytest.raises(DependencyUnavailable):
        await dependency.call("GET", "/x", idempotent=True)
    assert sample(dependency, "dependency_attempts_total") == 3
    assert sample(dependency, "dependency_retries_total") == 2

    with pytest.raises(DependencyUnavailable):
        await dependency.call("POST", "/x", idempotent=False)
    assert sample(dependency, "dependency_attempts_total") == 4
    assert sample(dependency, "dependency_retries_total") == 2
    assert sample(dependency, "dependency_calls_total") == 2


async def test_a_retry_recovers_from_one_failed_attempt() -> None:
    answers = iter([503, 200])

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers))

    dependency = make_dependency(handler)
    assert (await dependency.call("GET", "/x", idempotent=True)).status_code == 200
    assert sample(dependency, "dependency_retries_total") == 1


async def test_without_retries_an_idempotent_call_makes_one_attempt() -> None:
    dependency = make_dependency(answering(500), disabled=frozenset({"retries"}))
    await failing_calls(dependency, 1)
    assert sample(dependency, "dependency_attempts_total") == 1


async def test_a_slow_drip_is_cut_by_the_attempt_timeout() -> None:
    async def drip() -> AsyncIterator[bytes]:
        # Each chunk comes well within httpx's read timeout, the whole body far beyond it.
        for _ in range(40):
            await asyncio.sleep(0.05)
            yield b"x"

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_AsyncStream(drip()))

    policy = DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.5, attempts=1)
    dependency = make_dependency(handler, policy=policy)
    started_s = asyncio.get_running_loop().time()
    with pytest.raises(DependencyUnavailable) as caught:
        await dependency.call("GET", "/x", idempotent=True)
    assert caught.value.reason == "timeout"
    assert asyncio.get_running_loop().time() - started_s < 0.4


async def test_the_overall_deadline_bounds_all_attempts() -> None:
    policy = DependencyPolicy(attempt_timeout_s=0.15, deadline_s=0.25, attempts=5)
    dependency = make_dependency(answering(200, delay_s=1.0), policy=policy, threshold=100)
    started_s = asyncio.get_running_loop().time()
    with pytest.raises(DependencyUnavailable) as caught:
        await dependency.call("GET", "/x", idempotent=True)
    assert caught.value.reason == "timeout"
    assert asyncio.get_running_loop().time() - started_s < 0.4
    assert sample(dependency, "dependency_attempts_total") == 2


async def test_without_timeouts_a_slow_answer_is_awaited() -> None:
    policy = DependencyPolicy(attempt_timeout_s=0.05, deadline_s=0.05)
    dependency = make_dependency(
        answering(200, delay_s=0.2), policy=policy, disabled=frozenset({"timeouts"})
    )
    assert (await dependency.call("GET", "/x", idempotent=True)).status_code == 200


async def test_without_breakers_failures_never_short_circuit() -> None:
    dependency = make_dependency(answering(500), threshold=2, disabled=frozenset({"breakers"}))
    assert await failing_calls(dependency, 4) == ["status"] * 4
    assert sample(dependency, "dependency_breaker_state") == 0


async def test_with_fallback_serves_and_counts_the_fallback() -> None:
    dependency = make_dependency(answering(500))

    async def call() -> str:
        await dependency.call("GET", "/x", idempotent=False)
        return "real"

    outcome = await with_fallback(dependency, call, lambda exc: f"fallback ({exc.reason})")
    assert (outcome.value, outcome.degraded) == ("fallback (status)", True)
    assert sample(dependency, "dependency_fallbacks_total") == 1


async def test_without_fallbacks_the_failure_propagates() -> None:
    dependency = make_dependency(answering(500), disabled=frozenset({"fallbacks"}))

    async def call() -> str:
        await dependency.call("GET", "/x", idempotent=False)
        return "real"

    with pytest.raises(DependencyUnavailable):
        await with_fallback(dependency, call, lambda exc: "fallback")
    assert sample(dependency, "dependency_fallbacks_total") == 0


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            yield chunk
