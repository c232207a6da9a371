"""How the load generator reads an answer: failed, degraded, and which fallbacks it names."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from harness.load.answers import (
    DEGRADED_RULE_ENV,
    NO_ANSWER,
    UNKNOWN_STATUS,
    UNNAMED_MARKER,
    AnswerRule,
    answer_status,
    degraded_markers,
    is_failure,
)

HEADER_RULE = AnswerRule()
JSON_RULE = AnswerRule(header=None, json_field="degraded")


def answer(headers: dict[str, str] | None = None, body: object = None) -> SimpleNamespace:
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    return SimpleNamespace(headers=headers, text="" if body is None else json.dumps(body))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Degraded": "recs"}, ["recs"]),
        ({"x-degraded": "recs"}, ["recs"]),
        ({"X-Degraded": "inventory, recs"}, ["inventory", "recs"]),
        ({"X-Degraded": ""}, []),
        ({"X-Degraded": "  "}, []),
        ({}, []),
    ],
)
def test_by_default_the_x_degraded_header_names_the_markers(headers, expected) -> None:
    assert degraded_markers(answer(headers), HEADER_RULE) == expected


def test_a_missing_answer_or_one_without_headers_names_no_marker() -> None:
    assert degraded_markers(None, HEADER_RULE) == []
    assert degraded_markers(SimpleNamespace(headers=None), HEADER_RULE) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"degraded": ["news"]}, ["news"]),
        ({"degraded": ["news", "rates"]}, ["news", "rates"]),
        ({"degraded": []}, []),
        ({"degraded": "news"}, ["news"]),
        ({"degraded": True}, [UNNAMED_MARKER]),
        ({"degraded": False}, []),
        ({"quote": 1}, []),
        ([1, 2], []),
    ],
)
def test_a_json_field_rule_reads_the_body(body, expected) -> None:
    assert degraded_markers(answer(body=body), JSON_RULE) == expected


def test_a_json_field_rule_follows_a_dotted_path_and_ignores_bodies_that_are_not_json() -> None:
    nested = AnswerRule(header=None, json_field="meta.fallbacks")
    assert degraded_markers(answer(body={"meta": {"fallbacks": ["recs"]}}), nested) == ["recs"]
    not_json = SimpleNamespace(headers={"Content-Type": "text/html"}, text='{"degraded": ["x"]}')
    assert degraded_markers(not_json, JSON_RULE) == []
    broken = SimpleNamespace(headers={"Content-Type": "application/json"}, text="{not json")
    assert degraded_markers(broken, JSON_RULE) == []


def test_a_rule_with_both_reads_both_without_counting_a_marker_twice() -> None:
    both = AnswerRule(header="X-Degraded", json_field="degraded")
    seen = answer({"X-Degraded": "recs"}, {"degraded": ["recs", "inventory"]})
    assert degraded_markers(seen, both) == ["recs", "inventory"]


def test_the_rule_reaches_the_child_as_json_in_the_environment() -> None:
    assert AnswerRule.from_env({}) == AnswerRule()
    rule = AnswerRule.from_env({DEGRADED_RULE_ENV: '{"header": null, "json_field": "degraded"}'})
    assert rule == JSON_RULE


@pytest.mark.parametrize(
    ("exception", "status", "expected"),
    [
        (None, 200, False),
        (None, 503, True),
        (None, 0, True),  # connection error or timeout in FastHttpUser
        (ConnectionError("refused"), None, True),
        (RuntimeError("marked failed by the locustfile"), 200, True),
    ],
)
def test_failure_is_locusts_verdict_or_a_5xx_or_no_status(exception, status, expected) -> None:
    assert is_failure(exception, SimpleNamespace(status_code=status)) is expected


@pytest.mark.parametrize(
    ("exception", "response", "expected"),
    [
        (None, SimpleNamespace(status_code=200), "200"),
        (None, SimpleNamespace(status_code=503), "503"),
        # a 200 the locustfile rejected (an error body, say) was still answered 200
        (RuntimeError("marked failed by the locustfile"), SimpleNamespace(status_code=200), "200"),
        (ConnectionError("refused"), SimpleNamespace(status_code=0), NO_ANSWER),
        (ConnectionError("reset"), None, NO_ANSWER),
        (None, SimpleNamespace(status_code=0), NO_ANSWER),
        (None, None, UNKNOWN_STATUS),  # a locustfile's own client that fired no response
    ],
)
def test_the_status_is_what_the_caller_was_answered_or_none(exception, response, expected) -> None:
    assert answer_status(exception, response) == expected
