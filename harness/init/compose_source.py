"""One Compose file read as text and interpolated: a binary file, a file that is not UTF-8, an
empty one, a key written twice or an unrendered Helm template is refused with its file and line,
and every `${VAR}` is replaced (keys are not interpolated, as in Compose)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError
from harness.init.interpolation import Interpolator, UnresolvedError
from harness.yaml_source import FieldPath, YamlSource, dotted, parse_yaml

# Go/Helm templates are not Compose: `{{ .Values.port }}` in a value means an unrendered chart.
# Labels, health checks and logging may hold Go format strings (`docker inspect --format`).
TEMPLATE = re.compile(r"\{\{.*\}\}")
TEMPLATE_ALLOWED = ("labels", "healthcheck", "logging")


class _ComposeLoader(yaml.SafeLoader):
    """YAML as Compose reads it (1.2's core schema), where PyYAML reads 1.1: `22:22` is a string,
    not the base-60 number 1342 (a port mapping written unquoted would become a wrong port);
    `yes`, `no`, `on` and `off` are strings, not booleans (`DEBUG: yes` stays `yes`, and a key
    `on:` stays `on`); `1_000` is a string; `0o17` is the octal number 15."""


BOOL_1_2 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INT_1_2 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
FLOAT_1_2 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
# (and no timestamps: `2001-12-14` stays the string a variable holds)
_REPLACED_1_1 = (
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
)
_ComposeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _REPLACED_1_1]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _firsts in (
    ("tag:yaml.org,2002:bool", BOOL_1_2, "tTfF"),
    ("tag:yaml.org,2002:int", INT_1_2, "-+0123456789"),
    ("tag:yaml.org,2002:float", FLOAT_1_2, "-+.0123456789"),
):
    _ComposeLoader.add_implicit_resolver(_tag, _pattern, list(_firsts))


def _construct_int_1_2(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)


_ComposeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int_1_2)


def read_source(path: Path) -> YamlSource:
    """A Compose file parsed, or an InputError saying why it is not YAML text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"The Compose file cannot be read: {exc.strerror}.", path=str(path)
        ) from None
    if b"\x00" in raw:
        raise InputError(
            "This is a binary file; expected a Compose file (YAML text).", path=str(path)
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"This file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); expected a Compose file "
            "saved as UTF-8.",
            path=str(path),
            line=line,
        ) from None
    source = parse_yaml(text, path)
    if source.data is None:
        raise InputError(
            "The Compose file is empty; expected a `services:` mapping.", path=str(path)
        )
    if not isinstance(source.data, dict):
        raise InputError(
            f"The top of this file is a {kind(source.data)}; expected a Compose mapping with "
            "`services:`.",
            path=str(path),
            line=1,
        )
    _refuse_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), path)
    return dataclasses.replace(source, data=yaml.load(text, Loader=_ComposeLoader))


def _refuse_duplicate_keys(node: yaml.Node | None, path: Path) -> None:
    """Compose refuses a key written twice in one mapping; PyYAML would keep the last quietly."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in seen:
                    raise InputError(
                        f"The key `{key.value}` is written twice in one mapping; expected each "
                        "key once.",
                        path=str(path),
                        line=key.start_mark.line + 1,
                    )
                seen.add(key.value)
            _refuse_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number"}
    return names.get(type(value), type(value).__name__)


def interpolated(source: YamlSource, environment: Mapping[str, str], notes: list[str]) -> Any:
    """The document with every string value interpolated (keys are not, as in Compose)."""

    def walk(value: Any, at: FieldPath) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*at, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*at, i)) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        where = {"path": str(source.path), "line": source.line_of(at), "field": dotted(at)}
        in_service = len(at) > 2 and at[0] == "services"
        if in_service and at[2] not in TEMPLATE_ALLOWED and TEMPLATE.search(value):
            raise InputError(
                f"`{value}` is a Go/Helm template, not a Compose value; expected plain values "
                "(render a chart with `helm template` and feed its manifests instead).",
                **where,
            )
        interpolator = Interpolator(environment)
        try:
            text = interpolator(value)
        except UnresolvedError as exc:
            raise InputError(f"`{value}` cannot be interpolated: {exc}.", **where) from None
        for name in dict.fromkeys(interpolator.unset):
            notes.append(
                f"`{name}` is not set: blank in {where['field']} "
                f"({source.path.name}:{where['line']}), as Compose does"
            )
        return text

    return walk(source.data, ())
