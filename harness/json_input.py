"""Reading a JSON document a user points Firebreak at (a journal, a sweep's map): a file that
cannot be read or is not a JSON object is bad input (exit 2), named with its path and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import InputError


def read_json_object(
    path: Path, noun: str, expected: str, error: type[InputError] = InputError
) -> dict[str, Any]:
    """The JSON object in `path`; `noun` names it ("journal"), `expected` says what it should
    have been ("a Firebreak journal")."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"The {noun} cannot be read: {exc.strerror}.", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"This is not valid JSON ({exc.msg}); expected {expected}.",
            path=str(path),
            line=exc.lineno,
        ) from None
    if not isinstance(data, dict):
        raise error(f"Expected a JSON object at the top of the {noun}.", path=str(path))
    return data
