"""A Compose service's `env_file:` read into its `environment`, as Compose reads it: each file's
`NAME=value` lines (the `.env` syntax, interpolated against the project's environment), in order,
a later file winning, and `environment` winning over them all. A dependency's address is often
in such a file (`CART_ADDR=cart:7070`), so init must see it to find the edge."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.init.interpolation import read_dotenv
from harness.yaml_source import YamlSource, dotted


def fold_env_files(
    spec: dict[str, Any],
    path: Path,
    source: YamlSource,
    name: str,
    environment_of_project: Mapping[str, str],
) -> None:
    """A service's `env_file` entries read into its `environment`, under what `environment`
    says (it wins, as in Compose): files relative to this Compose file, read in order, a
    later one winning; `required: false` lets one be missing."""
    entries = spec.get("env_file")
    if entries is None:
        return
    listed = isinstance(entries, list)
    from_files: dict[str, str] = {}
    for index, entry in enumerate(entries if listed else [entries]):
        at: tuple[str | int, ...] = ("services", name, "env_file", *([index] if listed else []))
        relative = entry.get("path") if isinstance(entry, dict) else entry
        required = entry.get("required", True) if isinstance(entry, dict) else True
        if not isinstance(relative, str) or not isinstance(required, bool):
            raise InputError(
                "expected a file path, or a mapping with `path:` (and `required:` true or false).",
                path=str(path),
                line=source.line_of(at),
                field=dotted(at),
            )
        target = path.parent / relative
        if not target.is_file():
            if not required:
                continue
            raise InputError(
                f"The env file `{relative}` cannot be read ({target} is not a file); expected "
                "it beside the Compose file, or `required: false`.",
                path=str(path),
                line=source.line_of(at),
                field=dotted(at),
            )
        from_files.update(read_dotenv(target, environment_of_project))
    environment = spec.get("environment")
    if isinstance(environment, list) and all(isinstance(i, str) for i in environment):
        environment = {
            k: (v if eq else None) for k, eq, v in (i.partition("=") for i in environment)
        }
    if environment is None or isinstance(environment, dict):
        spec["environment"] = {**from_files, **(environment or {})}
        del spec["env_file"]
