"""How the load generator reads one answer: did it fail, is it degraded, and which fallbacks does
it name (its degraded markers)?

Pure and free of Locust and pydantic: the load child imports it for every request. The rule comes
from the entrypoint's `degraded:` in system.yaml (`harness.service_contract.DegradedRule`) and
reaches the child as JSON in `FIREBREAK_DEGRADED_RULE`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEGRADED_RULE_ENV = "FIREBREAK_DEGRADED_RULE"
# where the locustfile appends the key of every order it saw accepted (the integrity check's input)
ACCEPTED_ORDERS_ENV = "FIREBREAK_ACCEPTED_ORDERS_FILE"
DEFAULT_HEADER = "X-Degraded"
# which replica answered, added by the front door's balancer in a split run (issue 24): the
# harness, not the system, sets it, so attributing an answer to an arm needs no service change
SERVED_BY_HEADER = "X-Firebreak-Served-By"
# a degraded answer that names no fallback still counts, under this marker
UNNAMED_MARKER = "?"


@dataclass(frozen=True)
class AnswerRule:
    header: str | None = DEFAULT_HEADER
    json_field: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AnswerRule:
        if not data:
            return cls()
        return cls(header=data.get("header"), json_field=data.get("json_field"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AnswerRule:
        raw = environ.get(DEGRADED_RULE_ENV)
        return cls.from_mapping(json.loads(raw)) if raw else cls()


def is_failure(exception: BaseException | None, response: Any) -> bool:
    """Locust's own verdict (the locustfile can override it), and always 5xx or no status."""
    if exception is not None:
        return True
    status = getattr(response, "status_code", None)
    return status is None or status == 0 or status >= 500


# the status key of an answer that never came (refused, reset, timed out: Locust's status 0)
NO_ANSWER = "none"
# a request a locustfile reported without a response object: its status is not known
UNKNOWN_STATUS = "unknown"


def answer_status(exception: BaseException | None, response: Any) -> str:
    """The status an answer carried, as the load stream counts it: `"503"`, `"none"` when no
    answer came, `"unknown"` when a locustfile fired the request with no response to read.
    Read from the response even when the locustfile failed it (`catch_response`): a 200 it
    rejected is still what the caller was answered."""
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and status > 0:
        return str(status)
    if status is None and exception is None:
        return UNKNOWN_STATUS
    return NO_ANSWER


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        value = headers.get(name)
        if value is None:
            value = headers.get(name.lower())
    except Exception:  # a half-built response after a connection error
        return None
    return None if value is None else str(value)


def _json_field(response: Any, dotted_path: str) -> Any:
    content_type = _header(response, "Content-Type") or ""
    if "json" not in content_type.lower():
        return None
    try:
        text = response.text
        value: Any = json.loads(text) if text else None
    except Exception:  # not JSON after all, or a body that cannot be read
        return None
    for part in dotted_path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _markers_of(value: Any) -> list[str]:
    if value is True:
        return [UNNAMED_MARKER]
    if isinstance(value, str):
        names = [part.strip() for part in value.split(",") if part.strip()]
        return names
    if isinstance(value, list | tuple):
        return [str(item) for item in value if str(item).strip()]
    return []


def degraded_markers(response: Any, rule: AnswerRule) -> list[str]:
    """The markers a successful answer carries; empty when the answer is whole."""
    if response is None:
        return []
    found: list[str] = []
    if rule.header:
        found += _markers_of(_header(response, rule.header))
    if rule.json_field:
        found += [m for m in _markers_of(_json_field(response, rule.json_field)) if m not in found]
    return found
