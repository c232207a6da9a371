"""Compose files read the way `docker compose -f a.yml -f b.yml config` reads them: the `.env`
beside the first file (the process environment wins over it), interpolation, top-level `include`,
`extends` (same file or `file:`), several files merged in order, and `profiles`.

The result is one mapping of resolved services; each keeps where its fields were written, so a
value found wrong later is reported at its file and line. Relative build contexts are made
absolute here, because each file's are relative to a different folder (an `-f` file's to the
first file's folder, an included or extended file's to its own).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.init.compose_env_files import fold_env_files
from harness.init.compose_source import interpolated, kind, read_source
from harness.init.interpolation import read_dotenv
from harness.yaml_source import FieldPath, YamlSource, dotted

# fields whose later value replaces the earlier one instead of being merged with it
REPLACED_FIELDS = ("command", "entrypoint")


@dataclass(frozen=True)
class Origin:
    """Where (part of) a service was written: the file, and the service's path in it."""

    source: YamlSource
    prefix: FieldPath


@dataclass
class ComposeProject:
    files: list[Path]
    name: str | None
    services: dict[str, dict[str, Any]]
    origins: dict[str, list[Origin]]
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # services of an inactive profile

    def error(self, service: str, field_path: Sequence[str | int], message: str) -> InputError:
        """An InputError at the file and line where `services.<service>.<field_path>` was written
        (the last file that wrote it, as the last one wins)."""
        path, line = locate(self.origins.get(service, []), tuple(field_path))
        return InputError(
            message,
            path=str(path or self.files[0]),
            line=line,
            field=dotted(("services", service, *field_path)),
        )


def locate(origins: Sequence[Origin], rest: FieldPath) -> tuple[Path | None, int | None]:
    for origin in reversed(origins):
        if (*origin.prefix, *rest) in origin.source.lines:
            return origin.source.path, origin.source.lines[(*origin.prefix, *rest)]
    if origins:
        last = origins[-1]
        return last.source.path, last.source.line_of((*last.prefix, *rest))
    return None, None


def _as_mapping(value: Any, path: FieldPath) -> dict[str, Any]:
    """environment, labels, build.args: a list of `NAME=value` or a mapping, as a mapping."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {k: (v if eq else None) for k, eq, v in (i.partition("=") for i in value)}
    raise MergeError(f"expected a list of `NAME=value` or a mapping, not a {kind(value)}", path)


def _depends_mapping(value: Any, path: FieldPath) -> dict[str, Any]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {name: {"condition": "service_started"} for name in value}
    if isinstance(value, dict):
        return dict(value)
    raise MergeError(f"expected a list of service names or a mapping, not a {kind(value)}", path)


class MergeError(ValueError):
    def __init__(self, message: str, path: FieldPath) -> None:
        self.path = path
        super().__init__(message)


def merge(base: Any, override: Any, path: FieldPath) -> Any:
    """`override` laid over `base` as Compose merges files and `extends`: mappings key by key,
    `command`/`entrypoint` replaced, environment and depends_on by name, other lists appended
    (without repeating an entry)."""
    key = path[-1] if path else None
    service_field = len(path) == 3 and path[0] == "services"
    if service_field and key in REPLACED_FIELDS:
        return override
    if service_field and key in ("environment", "labels"):
        return {**_as_mapping(base, path), **_as_mapping(override, path)}
    if service_field and key == "depends_on":
        return {**_depends_mapping(base, path), **_depends_mapping(override, path)}
    if service_field and key == "build":
        base = {"context": base} if isinstance(base, str) else base
        override = {"context": override} if isinstance(override, str) else override
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for name, value in override.items():
            merged[name] = merge(base[name], value, (*path, name)) if name in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + [item for item in override if item not in base]
    if isinstance(base, dict | list) or isinstance(override, dict | list):
        raise MergeError(f"a {kind(override)} cannot override a {kind(base)}", path)
    return override


@dataclass
class _File:
    path: Path
    source: YamlSource
    data: dict[str, Any]
    services: dict[str, dict[str, Any]]
    origins: dict[str, list[Origin]]
    # services whose `extends` is applied: a base is resolved once however many extend it
    extended: dict[str, tuple[dict[str, Any], list[Origin]]] = field(default_factory=dict)


class _Loader:
    """Loads files with one environment; remembers what it loaded, for `extends: {file:}`."""

    def __init__(self, environment: Mapping[str, str], notes: list[str]) -> None:
        self.environment = environment
        self.notes = notes

    def load(self, path: Path, base_dir: Path, including: tuple[Path, ...] = ()) -> _File:
        model = self._read(path)
        self._include(model, including)
        for name in list(model.services):
            model.services[name], model.origins[name] = self._extended(model, name, ())
        _absolute_builds(model.services, base_dir)
        return model

    def _read(self, path: Path) -> _File:
        source = read_source(path)
        data = interpolated(source, self.environment, self.notes)
        services = data.get("services") or {}
        if not isinstance(services, dict):
            raise InputError(
                f"`services` is a {kind(services)}; expected a mapping of service names to "
                "their settings.",
                path=str(path),
                line=source.line_of(("services",)),
                field="services",
            )
        for name, spec in services.items():
            if spec is not None and not isinstance(spec, dict):
                raise InputError(
                    f"This service is a {kind(spec)}; expected a mapping (image, command, "
                    "ports...).",
                    path=str(path),
                    line=source.line_of(("services", name)),
                    field=f"services.{name}",
                )
        specs = {str(name): dict(spec or {}) for name, spec in services.items()}
        for name, spec in specs.items():
            fold_env_files(spec, path, source, name, self.environment)
        origins = {str(name): [Origin(source, ("services", name))] for name in services}
        return _File(path, source, data, specs, origins)

    def _include(self, model: _File, including: tuple[Path, ...]) -> None:
        entries = model.data.get("include") or []
        if not isinstance(entries, list):
            entries = [entries]
        for index, entry in enumerate(entries):
            where = {"path": str(model.path), "line": model.source.line_of(("include", index))}
            paths: Any = entry.get("path") if isinstance(entry, dict) else entry
            paths = paths if isinstance(paths, list) else [paths]
            if not paths or not all(isinstance(p, str) for p in paths):
                raise InputError(
                    "expected a file path, or a mapping with `path:`.",
                    field=f"include[{index}]",
                    **where,
                )
            for relative in paths:
                target = (model.path.parent / relative).resolve()
                if target in (*including, model.path.resolve()):
                    raise InputError(
                        f"`{relative}` includes itself (directly or through another file); "
                        "expected include files that form no cycle.",
                        field=f"include[{index}]",
                        **where,
                    )
                if not target.is_file():
                    raise InputError(
                        f"The included file `{relative}` cannot be read ({target} is not a file).",
                        field=f"include[{index}]",
                        **where,
                    )
                included = self._included_loader(entry, target, model.path.parent).load(
                    target, target.parent, (*including, model.path.resolve())
                )
                for name, spec in included.services.items():
                    if name in model.services:
                        raise InputError(
                            f"The service `{name}` is defined here and in the included "
                            f"`{relative}`; expected each service once.",
                            path=str(model.path),
                            line=model.source.line_of(("services", name)),
                            field=f"services.{name}",
                        )
                    model.services[name] = spec
                    model.origins[name] = included.origins[name]

    def _included_loader(self, entry: Any, target: Path, here: Path) -> _Loader:
        """An included project reads its own `.env` (or `env_file:`, relative to the including
        file's folder `here`) over this environment, as compose-go does."""
        env_files = entry.get("env_file") if isinstance(entry, dict) else None
        if env_files is None:
            env_files = [target.parent / ".env"] if (target.parent / ".env").is_file() else []
        env_files = env_files if isinstance(env_files, list) else [env_files]
        environment = dict(self.environment)
        for env_file in env_files:
            environment.update(read_dotenv(here / str(env_file), environment))
        return _Loader(environment, self.notes)

    def _extended(
        self, model: _File, name: str, chain: tuple[tuple[Path, str], ...]
    ) -> tuple[dict[str, Any], list[Origin]]:
        """A service with its `extends` applied (the base first, then the service over it)."""
        spec, origins = model.services[name], model.origins[name]
        link = (model.path.resolve(), name)
        if "extends" not in spec:
            return spec, origins
        if name in model.extended:
            return model.extended[name]
        here = {"path": str(origins[-1].source.path), "field": f"services.{name}.extends"}
        here["line"] = locate(origins, ("extends",))[1]
        if link in chain:
            cycle = " → ".join(f"{n}" for _, n in (*chain, link))
            raise InputError(
                f"`extends` goes round in a cycle ({cycle}); expected a base service.", **here
            )
        extends = spec["extends"]
        reference, file = (extends, None) if isinstance(extends, str) else (None, None)
        if isinstance(extends, dict):
            reference, file = extends.get("service"), extends.get("file")
        if not isinstance(reference, str) or not isinstance(file, str | None):
            raise InputError("expected a service name, or `{service: NAME, file: PATH}`.", **here)
        base_model = model
        if file is not None:
            target = model.path.parent / file
            if not target.is_file():
                raise InputError(
                    f"`extends.file` `{file}` cannot be read ({target} is not a file).", **here
                )
            base_model = self.load_for_extends(target)
        if reference not in base_model.services:
            known = ", ".join(f"`{n}`" for n in base_model.services) or "none"
            raise InputError(
                f"`extends` names `{reference}`, which {base_model.path.name} does not define; "
                f"expected one of: {known}.",
                **here,
            )
        base, base_origins = self._extended(base_model, reference, (*chain, link))
        override = {k: v for k, v in spec.items() if k != "extends"}
        try:
            merged = merge(copy.deepcopy(base), override, ("services", name))
        except MergeError as exc:
            raise InputError(f"{exc}.", path=here["path"], field=dotted(exc.path)) from None
        model.extended[name] = (merged, [*base_origins, *origins])
        return model.extended[name]

    def load_for_extends(self, path: Path) -> _File:
        """Another file's services, for `extends: {file:}`: read and included, and its build
        contexts made relative to its own folder; its `extends` are resolved on demand."""
        model = self._read(path)
        self._include(model, ())
        _absolute_builds(model.services, path.parent)
        return model


def _absolute_builds(services: dict[str, dict[str, Any]], base_dir: Path) -> None:
    for spec in services.values():
        build = spec.get("build")
        if isinstance(build, str):
            spec["build"] = str((base_dir / build).resolve())
        elif isinstance(build, dict) and isinstance(build.get("context", "."), str):
            context = (base_dir / build.get("context", ".")).resolve()
            spec["build"] = {**build, "context": str(context)}


def load_compose(
    files: Sequence[Path],
    environ: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
) -> ComposeProject:
    """The services of `files` merged as `docker compose -f A -f B` merges them. `environ` is
    the process environment (default: os.environ); it wins over the `.env` beside the first
    file. Active profiles are `profiles` plus `COMPOSE_PROFILES`."""
    project_dir = files[0].parent
    process = dict(os.environ if environ is None else environ)
    dotenv = project_dir / ".env"
    environment = {**read_dotenv(dotenv, process), **process} if dotenv.is_file() else process
    notes: list[str] = []
    loader = _Loader(environment, notes)
    services: dict[str, dict[str, Any]] = {}
    origins: dict[str, list[Origin]] = {}
    name = None
    for path in files:
        model = loader.load(path, project_dir)
        name = model.data.get("name", name)
        for service, spec in model.services.items():
            if service in services:
                try:
                    spec = merge(services[service], spec, ("services", service))
                except MergeError as exc:
                    rest = exc.path[2:]
                    where, line = locate(model.origins[service], rest)
                    raise InputError(
                        f"{exc}.", path=str(where or path), line=line, field=dotted(exc.path)
                    ) from None
            services[service] = spec
            origins[service] = [*origins.get(service, []), *model.origins[service]]
    project = ComposeProject(list(files), name, services, origins, notes)
    active = {*profiles, *filter(None, environment.get("COMPOSE_PROFILES", "").split(","))}
    _check_depends_on(project)
    _apply_profiles(project, active)
    return project


def _apply_profiles(project: ComposeProject, active: set[str]) -> None:
    """A service with `profiles` runs only when one of them is active (none is, by default)."""
    for name, spec in list(project.services.items()):
        wanted = spec.get("profiles")
        if wanted is None:
            continue
        if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
            raise project.error(name, ("profiles",), "expected a list of profile names.")
        if "*" in active or active & set(wanted):
            continue
        del project.services[name]
        project.left_out.append(name)
        project.notes.append(
            f"`{name}` is in the profile(s) {', '.join(wanted)}, which are not active: left out "
            "(as `docker compose up` does; set COMPOSE_PROFILES to keep it)"
        )


def depends_on_names(project: ComposeProject, name: str) -> list[str]:
    """The services `name` depends on, in either of Compose's two forms."""
    value = project.services[name].get("depends_on") or []
    if isinstance(value, dict):
        return [str(n) for n in value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise project.error(name, ("depends_on",), "expected a list of service names or a mapping.")


def _check_depends_on(project: ComposeProject) -> None:
    """Every service depended on exists (unless marked `required: false`), with no cycle."""
    for name, spec in project.services.items():
        for index, needed in enumerate(depends_on_names(project, name)):
            condition = spec["depends_on"][needed] if isinstance(spec["depends_on"], dict) else {}
            optional = isinstance(condition, dict) and condition.get("required") is False
            if needed not in project.services and not optional:
                known = ", ".join(f"`{n}`" for n in project.services)
                at = index if isinstance(spec["depends_on"], list) else needed
                raise project.error(
                    name,
                    ("depends_on", at),
                    f"`{needed}` is not a service here; expected one of {known}.",
                )
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = " → ".join([*path[path.index(name) :], name])
            raise project.error(
                path[-1],
                ("depends_on",),
                f"depends_on goes round in a cycle ({cycle}); expected an order to start them in.",
            )
        state[name] = "open"
        for needed in depends_on_names(project, name):
            if needed in project.services:
                visit(needed, [*path, name])
        state[name] = "done"

    for name in project.services:
        visit(name, [])
