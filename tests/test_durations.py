"""Durations parse into float seconds; anything else is refused with what was expected."""

from __future__ import annotations

import pytest

from harness.durations import format_duration, parse_duration_s


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30.0),
        ("2m", 120.0),
        ("1m30s", 90.0),
        ("1h", 3600.0),
        ("1m500ms", 60.5),
        ("1.5s", 1.5),
        ("0s", 0.0),
        ("12", 12.0),
        ("0.25", 0.25),
        (" 2s ", 2.0),
        (12, 12.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_durations_parse_into_seconds(text: str | float, seconds: float) -> None:
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["-1s", "-3", -0.5])
def test_negative_durations_are_refused(text: str | float) -> None:
    with pytest.raises(ValueError, match="negative; expected a duration of zero or more"):
        parse_duration_s(text)


@pytest.mark.parametrize(
    "text", ["abc", "3x", "", "30s1m", "1.s", "5 s", "10 minutes", "inf", "1d", "ms"]
)
def test_garbage_and_unknown_units_are_refused_with_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration; expected a duration such as `500ms`"):
        parse_duration_s(text)


@pytest.mark.parametrize("value", [True, None, [1], float("nan")])
def test_values_that_are_not_durations_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration_s(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0, "0s"), (0.75, "750ms"), (12, "12s"), (1.5, "1.5s"), (120, "2m"), (90, "1m30s")],
)
def test_format_duration_gives_short_labels(seconds: float, label: str) -> None:
    assert format_duration(seconds) == label
    assert parse_duration_s(label) == pytest.approx(seconds)
