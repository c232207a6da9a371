"""Shared setup for the sample-system tests (helpers live in sample_system_servers.py)."""

from __future__ import annotations

import pytest
import stamina.instrumentation

# The toolkit counts retries itself; stamina's log line per retry only clutters test output.
stamina.instrumentation.set_on_retry_hooks([])


@pytest.fixture
def anyio_backend() -> str:
    """The toolkit is asyncio-only (asyncio.timeout, asyncio.Semaphore)."""
    return "asyncio"
