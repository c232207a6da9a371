"""Compose's variable interpolation and its `.env` files, as the Compose specification defines them.

`${VAR}` and `$VAR` take a variable's value (blank when it is not set, as Compose does, and said
so); `${VAR:-default}` / `${VAR-default}` fall back when it is unset or empty / only unset;
`${VAR:?err}` / `${VAR?err}` refuse to go on; `${VAR:+alt}` / `${VAR+alt}` give `alt` when it is
set and non-empty / set; `$$` is a literal `$`. The text after an operator is itself interpolated,
and only when it is used (a default nobody needs does not report its own unset variables).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import InputError

NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class UnresolvedError(ValueError):
    """A value that cannot be interpolated: a required variable is missing, or a `${...}` that
    is not a template Compose knows. `variable` is None for a malformed template."""

    def __init__(self, message: str, variable: str | None = None) -> None:
        self.variable = variable
        super().__init__(message)


@dataclass
class Interpolator:
    """Interpolates strings against `environment`; every variable used while unset is kept in
    `unset` (Compose warns about them and uses a blank)."""

    environment: Mapping[str, str]
    unset: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> str:
        out: list[str] = []
        index = 0
        while index < len(text):
            dollar = text.find("$", index)
            if dollar < 0:
                out.append(text[index:])
                break
            out.append(text[index:dollar])
            value, index = self._one(text, dollar)
            out.append(value)
        return "".join(out)

    def _lookup(self, name: str) -> str | None:
        return self.environment.get(name)

    def _one(self, text: str, dollar: int) -> tuple[str, int]:
        """The replacement of the `$...` at `dollar`, and where the text goes on."""
        after = text[dollar + 1 : dollar + 2]
        if after == "$":
            return "$", dollar + 2
        if after != "{":
            named = NAME.match(text, dollar + 1)
            if named is None:  # `$`, `$}`, `^REGEX$`: a plain dollar sign
                return "$", dollar + 1
            return self._plain(named.group(0)), named.end()
        close = _closing_brace(text, dollar + 1)
        if close < 0:
            raise UnresolvedError(f"`{text[dollar:]}` opens `${{` and never closes it")
        return self._braced(text[dollar + 2 : close], text[dollar : close + 1]), close + 1

    def _plain(self, name: str) -> str:
        value = self._lookup(name)
        if value is None:
            self.unset.append(name)
            return ""
        return value

    def _braced(self, inner: str, template: str) -> str:
        named = NAME.match(inner)
        if named is None:
            raise UnresolvedError(f"`{template}` is not a variable reference Compose knows")
        name, rest = named.group(0), inner[named.end() :]
        if not rest:
            return self._plain(name)
        operator = next((op for op in OPERATORS if rest.startswith(op)), None)
        if operator is None:
            raise UnresolvedError(
                f"`{template}` is not a variable reference Compose knows (after `{name}` it "
                "expects `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`)"
            )
        argument = rest[len(operator) :]
        value = self._lookup(name)
        usable = value is not None and (value != "" or not operator.startswith(":"))
        if operator.endswith("-"):
            return value if usable and value is not None else self(argument)
        if operator.endswith("+"):
            return self(argument) if usable else (value or "")
        if not usable:
            reason = self(argument)
            state = "is not set" if value is None else "is empty"
            raise UnresolvedError(
                f"the required variable `{name}` {state}" + (f": {reason}" if reason else ""),
                variable=name,
            )
        return value or ""


def _closing_brace(text: str, opening: int) -> int:
    """The index of the `}` closing the `{` at `opening`, counting nested braces (a default may
    be `${X:-{"json":1}}`), or -1."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def interpolate(text: str, environment: Mapping[str, str]) -> str:
    """`text` with its variables replaced (see the module's docstring)."""
    return Interpolator(environment)(text)


DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:[=:]\s*(.*))?$")


def read_dotenv(path: Path, outer: Mapping[str, str]) -> dict[str, str]:
    """The variables of a `.env` file: `NAME=value` lines, `export ` allowed, `#` comments;
    single quotes keep the text as written, double quotes and bare values are interpolated
    (against the variables above them, then `outer`)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"This env file cannot be read: {exc}.", path=str(path)) from None
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = DOTENV_LINE.match(line)
        if match is None:
            raise InputError(
                "This line is not a variable; expected `NAME=value` (or a `#` comment).",
                path=str(path),
                line=number,
            )
        name, raw = match.group(1), (match.group(2) or "").strip()
        environment = {**outer, **found}
        try:
            found[name] = _dotenv_value(raw, environment)
        except UnresolvedError as exc:
            raise InputError(f"{exc}.", path=str(path), line=number, field=name) from None
    return found


SINGLE_QUOTED = re.compile(r"^'([^']*)'\s*(?:#.*)?$")
DOUBLE_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$')


def _dotenv_value(raw: str, environment: Mapping[str, str]) -> str:
    if quoted := SINGLE_QUOTED.match(raw):
        return quoted.group(1)
    if quoted := DOUBLE_QUOTED.match(raw):
        unescaped = quoted.group(1).replace("\\n", "\n").replace('\\"', '"')
        return interpolate(unescaped, environment)
    bare = re.split(r"\s+#", raw, maxsplit=1)[0].strip()  # ` # comment` ends a bare value
    return interpolate(bare, environment)
