"""W3C trace context on every load request (issue 25): with `FIREBREAK_TRACEPARENT=1` each
request a locustfile makes carries a fresh `traceparent` (sampled), so every front-door request
starts a trace of its own, whatever the locustfile says. A header the locustfile set itself is
kept. Imported only in the Locust child (it patches Locust's sessions)."""

from __future__ import annotations

import os
import secrets
from typing import Any

TRACEPARENT_ENV = "FIREBREAK_TRACEPARENT"
HEADER = "traceparent"


def new_traceparent() -> str:
    """`00-<trace id>-<parent id>-01`: version 0, random ids, sampled."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def _with_traceparent(headers: Any) -> dict[str, Any]:
    found = dict(headers or {})
    if not any(str(name).lower() == HEADER for name in found):
        found[HEADER] = new_traceparent()
    return found


def install_if_asked() -> bool:
    """Patch Locust's two HTTP sessions where the run asks for trace context."""
    if os.environ.get(TRACEPARENT_ENV) != "1":
        return False
    from locust.clients import HttpSession
    from locust.contrib.fasthttp import FastHttpSession

    for session in (HttpSession, FastHttpSession):
        original = session.request

        def request(
            self: Any, method: Any, url: Any, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            kwargs["headers"] = _with_traceparent(kwargs.get("headers"))
            return _original(self, method, url, *args, **kwargs)

        session.request = request  # type: ignore[method-assign]
    return True
