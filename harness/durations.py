"""Durations as people write them in scenarios: `500ms`, `30s`, `2m`, `1m30s`, `1h`, or `12`.

Everything is parsed into float seconds, so code downstream never guesses a unit; `DurationS` is
the pydantic type that does it while a model is validated, with a JSON Schema that editors can use.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

SECONDS_PER_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
# units largest first, each at most once: `1m30s` reads one way only; `30s1m` is a typo
_DURATION_PATTERN = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?(?:(?P<ms>\d+(?:\.\d+)?)ms)?$"
)
_BARE_SECONDS_PATTERN = re.compile(r"^\d+(?:\.\d+)?$")
DURATION_JSON_PATTERN = (
    r"^(\d+(\.\d+)?h)?(\d+(\.\d+)?m(?!s))?(\d+(\.\d+)?s)?(\d+(\.\d+)?ms)?$|^\d+(\.\d+)?$"
)
EXPECTED_DURATION = (
    "expected a duration such as `500ms`, `30s`, `2m`, `1m30s` or a bare number of seconds"
)

EXPECTED_NON_NEGATIVE = "expected a duration of zero or more, such as `0s`, `500ms` or `30s`"


def parse_duration_s(value: str | int | float) -> float:
    """Seconds in `value`; raises `ValueError` saying what was expected for anything else."""
    # bool is an int to Python, but `true` as a duration is a mistake in the YAML
    if isinstance(value, bool):
        raise ValueError(f"`{value}` is not a duration; {EXPECTED_DURATION}")
    if isinstance(value, int | float):
        return _non_negative_finite(float(value), value)
    if not isinstance(value, str):
        raise ValueError(f"`{value!r}` is not a duration; {EXPECTED_DURATION}")
    text = value.strip()
    if text.startswith("-"):
        raise ValueError(f"`{value}` is negative; {EXPECTED_NON_NEGATIVE}")
    if _BARE_SECONDS_PATTERN.match(text):
        return float(text)
    match = _DURATION_PATTERN.match(text)
    if not text or match is None or not any(match.groupdict().values()):
        raise ValueError(f"`{value}` is not a duration; {EXPECTED_DURATION}")
    return sum(
        float(amount) * SECONDS_PER_UNIT[unit]
        for unit, amount in match.groupdict().items()
        if amount is not None
    )


def _non_negative_finite(seconds: float, original: Any) -> float:
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"`{original}` is not a finite duration; {EXPECTED_DURATION}")
    if seconds < 0:
        raise ValueError(f"`{original}` is negative; {EXPECTED_NON_NEGATIVE}")
    return seconds


def format_duration(seconds: float) -> str:
    """A short label for `seconds`: `0s`, `750ms`, `12s`, `1.5s`, `2m`, `1m30s`."""
    if seconds < 1 and seconds != 0:
        return f"{seconds * 1000:g}ms"
    minutes, rest_s = divmod(seconds, 60.0)
    if minutes == 0:
        return f"{round(rest_s, 3):g}s"
    if rest_s == 0:
        return f"{minutes:g}m"
    return f"{minutes:g}m{round(rest_s, 3):g}s"


# The JSON Schema describes what a person may write (a string or a number), not the float it
# becomes, so editors accept `30s`.
DurationS = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": DURATION_JSON_PATTERN},
            ],
            "description": "A duration: `500ms`, `30s`, `2m`, `1m30s`, or a number of seconds.",
        }
    ),
]
