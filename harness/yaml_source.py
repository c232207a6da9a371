"""YAML documents that remember where each value came from.

Input errors must name the file, the line and the field, so a document is loaded twice over the
same text: once as plain data for pydantic and once as a node tree from which each field path gets
its line. A pydantic `ValidationError` is then turned into an `InputError` that cites them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from harness.errors import InputError

FieldPath = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class YamlSource:
    """A parsed YAML document with the line (1-based) of every mapping key and sequence item."""

    path: Path
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, field_path: Sequence[str | int]) -> int | None:
        """The line of the deepest part of `field_path` that exists in the document."""
        parts = tuple(field_path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), None)


def _index_lines(node: yaml.Node, prefix: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*prefix, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*prefix, key), lines)
            # the value's own line stays the key's line: that is where a reader looks
            lines[(*prefix, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            _index_lines(item, (*prefix, index), lines)


def load_yaml(path: Path, error_type: type[InputError] = InputError) -> YamlSource:
    """Read and parse `path`; a missing file or a YAML syntax error becomes `error_type`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error_type("The file does not exist.", path=str(path)) from None
    except OSError as exc:
        raise error_type(f"The file cannot be read: {exc.strerror}.", path=str(path)) from None
    return parse_yaml(text, path, error_type)


def parse_yaml(text: str, path: Path, error_type: type[InputError] = InputError) -> YamlSource:
    """Parse YAML `text` that came from `path` (used in messages)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error_type(f"This is not valid YAML: {problem}.", path=str(path), line=line) from None
    lines: dict[FieldPath, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlSource(path=path, data=data, lines=lines)


def dotted(field_path: Sequence[str | int]) -> str:
    """`("services", "gateway", "port")` → `services.gateway.port`; list items as `[0]`."""
    text = ""
    for part in field_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _readable_pydantic_message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "This field is required but missing."
    if kind == "extra_forbidden":
        return "This field is not known here; check its spelling."
    message = str(error.get("msg", "is not valid"))
    message = message.removeprefix("Value error, ")
    if not message.endswith("."):
        message += "."
    return message[0].upper() + message[1:]


def validate_model(
    source: YamlSource,
    model: type[ModelT],
    error_type: type[InputError] = InputError,
    context: dict[str, Any] | None = None,
) -> ModelT:
    """Validate `source.data` as `model`; the first error cites file:line and the field."""
    if not isinstance(source.data, dict):
        raise error_type(
            "Expected a YAML mapping (key: value lines) at the top of the file.",
            path=str(source.path),
            line=1,
        )
    try:
        return model.model_validate(source.data, context=context)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(part for part in first["loc"] if isinstance(part, str | int))
        # pydantic adds union/discriminator tags to loc; keep only parts the document has
        doc_loc = _document_path(source.data, loc)
        raise error_type(
            _readable_pydantic_message(first),
            path=str(source.path),
            line=source.line_of(doc_loc),
            field=dotted(doc_loc) or None,
        ) from None


def _document_path(data: Any, loc: FieldPath) -> FieldPath:
    kept: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_mapping or in_list:
            kept.append(part)
            node = node[part]
        elif isinstance(node, dict) and index == len(loc) - 1:
            kept.append(part)  # a missing or unknown key: name it
        # else: a tag pydantic added (e.g. the union member), skip it
    return tuple(kept)
