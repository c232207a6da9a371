"""Kubernetes manifests read as teams keep them: one multi-document file, a folder split into
subfolders, a kustomize tree (`resources:` and the older `bases:`), or `helm template` output.

Every object keeps the file and line it came from, because a draft's errors must point at the
text the user wrote. Kustomize's transformations (patches, name prefixes, image overrides) are
not applied: they are listed, with the command that applies them. A Helm chart's templates are
not YAML until Helm renders them, so they are refused with the command that does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml")
# kustomize fields that change objects; read as written, each is said not to be applied
KUSTOMIZE_TRANSFORMS = (
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "components",
    "images",
    "replicas",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "configMapGenerator",
    "secretGenerator",
)
# `{{ .Values.x }}`, `{{- include ... }}`, `{{ toYaml . | nindent 4 }}`: Go templates only Helm
# renders. Rendered manifests may hold other `{{ }}` (a Prometheus rule's `{{ $labels.pod }}`),
# so only Helm's own names mark a template; any other `{{` is suspected only if YAML fails.
HELM_TEMPLATE = re.compile(
    r"\{\{-?[^}\n]*(\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|toYaml|nindent)"
)
HELM_HINT = (
    "expected rendered manifests: run `helm template NAME CHART > rendered.yaml` "
    "and pass that file (`--from rendered.yaml`)."
)


class Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its line (1-based) in its file."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are `Located`."""


def _located_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    mapping = Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _located_mapping)


@dataclass(frozen=True)
class ManifestDocument:
    """One Kubernetes object and where it was written."""

    data: Located
    path: Path

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def name(self) -> str:
        metadata = self.data.get("metadata")
        return str(metadata.get("name") or "") if isinstance(metadata, dict) else ""

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.data.line}"


@dataclass
class ManifestSet:
    documents: list[ManifestDocument] = field(default_factory=list)
    # objects in files beside a kustomization that it does not list: searched for a load
    # generator only (Online Boutique leaves its loadgenerator.yaml out of its kustomization)
    unlisted: list[ManifestDocument] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen_files: set[Path] = field(default_factory=set)


def looks_like_manifests(path: Path) -> bool:
    """Whether a file given as `--from` is Kubernetes manifests (or a Helm template) rather than
    a Compose file. Anything that is not text is read as manifests, whose reader says why not."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    if "\x00" in text:
        return True
    kubernetes_object = re.search(r"^(apiVersion|kind):\s*\S", text, re.MULTILINE)
    return bool(kubernetes_object or HELM_TEMPLATE.search(text)) and not re.search(
        r"^services:\s*$", text, re.MULTILINE
    )


def read_manifests(source: Path) -> ManifestSet:
    """Every Kubernetes object in `source` (a file or a folder), in a stable order."""
    found = ManifestSet()
    if source.is_file():
        _read_file(source, found, found.documents)
    else:
        _read_folder(source, found, trail=[])
    _expand_lists(found)
    return found


def _read_folder(folder: Path, found: ManifestSet, trail: list[Path]) -> None:
    if folder.resolve() in found._seen_files:
        return  # a folder reached twice (a symbolic link, two kustomizations): read once
    found._seen_files.add(folder.resolve())
    chart = folder / "Chart.yaml"
    if chart.is_file():
        raise InputError(f"This folder is a Helm chart; {HELM_HINT}", path=str(chart))
    kustomization = next((folder / n for n in KUSTOMIZATION_NAMES if (folder / n).is_file()), None)
    if kustomization is not None:
        _read_kustomization(kustomization, found, trail)
        return
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue  # .git, .github: not the team's manifests
        if entry.is_dir():
            _read_folder(entry, found, trail)
        elif entry.suffix in MANIFEST_SUFFIXES:
            _read_file(entry, found, found.documents)


def _read_kustomization(kustomization: Path, found: ManifestSet, trail: list[Path]) -> None:
    folder = kustomization.parent.resolve()
    if folder in trail:
        cycle = " -> ".join(str(p) for p in [*trail[trail.index(folder) :], folder])
        raise InputError(
            f"The kustomizations include each other in a cycle ({cycle}); expected a tree.",
            path=str(kustomization),
        )
    if kustomization.resolve() in found._seen_files:
        return  # reached again through another overlay: its objects are read already
    found._seen_files.add(kustomization.resolve())
    spec = _parse(kustomization)
    if len(spec) != 1 or not isinstance(spec[0][1], Located):
        raise InputError(
            "A kustomization must be one mapping (`resources:`, `bases:`...).",
            path=str(kustomization),
            line=1,
        )
    document = spec[0][1]
    changes = [name for name in KUSTOMIZE_TRANSFORMS if document.get(name)]
    if changes:
        found.notes.append(
            f"{kustomization}: its {', '.join(f'`{c}`' for c in changes)} are not applied "
            "(objects are read as written): if they matter, run `kubectl kustomize "
            f"{kustomization.parent}  > rendered.yaml` and pass that file"
        )
    listed: set[Path] = {kustomization.resolve()}
    for key in ("resources", "bases"):
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise InputError(
                f"`{key}` must be a list of files and folders.",
                path=str(kustomization),
                line=document.line,
                field=key,
            )
        for index, entry in enumerate(entries):
            listed.add(_follow(kustomization, key, index, entry, found, [*trail, folder]))
    if not trail:
        _read_unlisted(kustomization.parent, listed, found)


def _follow(
    kustomization: Path,
    key: str,
    index: int,
    entry: Any,
    found: ManifestSet,
    trail: list[Path],
) -> Path:
    line = _entry_line(kustomization, key, index)
    if not isinstance(entry, str) or not entry.strip():
        raise InputError(
            f"Expected a file or folder path, found {entry!r}.",
            path=str(kustomization),
            line=line,
            field=f"{key}[{index}]",
        )
    if "://" in entry or entry.startswith(("github.com/", "git@")):
        found.notes.append(f"{kustomization}: the remote {key} entry `{entry}` is not fetched")
        return kustomization
    target = (kustomization.parent / entry).resolve()
    if target in trail:
        cycle = " -> ".join(str(p) for p in [*trail[trail.index(target) :], target])
        raise InputError(
            f"`{entry}` leads back to a kustomization that includes this one ({cycle}); "
            "expected a tree.",
            path=str(kustomization),
            line=line,
            field=f"{key}[{index}]",
        )
    if target.is_dir():
        if not any((target / n).is_file() for n in KUSTOMIZATION_NAMES):
            found.notes.append(f"{kustomization}: `{entry}` has no kustomization: read as a folder")
        _read_folder(target, found, trail)
    elif target.is_file():
        _read_file(target, found, found.documents)
    else:
        raise InputError(
            f"`{entry}` does not exist beside this kustomization; expected a file or folder.",
            path=str(kustomization),
            line=line,
            field=f"{key}[{index}]",
        )
    return target


def _entry_line(kustomization: Path, key: str, index: int) -> int | None:
    """The line of one `resources:` item (items are strings, which keep no line of their own)."""
    node = yaml.compose(kustomization.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    for key_node, value_node in getattr(node, "value", []):
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
        if key_node.value == key and index < len(items):
            return int(items[index].start_mark.line) + 1
    return None


def _read_unlisted(folder: Path, listed: set[Path], found: ManifestSet) -> None:
    for path in sorted(folder.iterdir()):
        if path.suffix in MANIFEST_SUFFIXES and path.resolve() not in listed:
            try:
                _read_file(path, found, found.unlisted)
            except InputError:
                continue  # kustomize does not read it either: not this draft's problem
            names = [f"{d.kind} `{d.name}`" for d in found.unlisted if d.path == path]
            found.notes.append(
                f"{path.name} is beside the kustomization but not in it: only searched for a "
                f"load generator ({', '.join(names) or 'no objects'})"
            )


def _parse(path: Path) -> list[tuple[int, Any]]:
    """Each document of a file with the line it starts on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"The file cannot be read: {exc.strerror}.", path=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise InputError(
            "This file is not text; expected Kubernetes manifests in YAML.", path=str(path)
        )
    template = HELM_TEMPLATE.search(text)
    if template is not None:
        line = text.count("\n", 0, template.start()) + 1
        raise InputError(
            f"This is a Helm template, not a manifest; {HELM_HINT}", path=str(path), line=line
        )
    documents = []
    loader = _LineLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            documents.append((node.start_mark.line + 1, loader.construct_document(node)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if "{{" in text:
            problem += f" (if this is a Helm template, {HELM_HINT[0].lower()}{HELM_HINT[1:-1]})"
        raise InputError(
            f"This manifest is not valid YAML: {problem}.",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from None
    finally:
        loader.dispose()
    return documents


def _read_file(path: Path, found: ManifestSet, into: list[ManifestDocument]) -> None:
    if path.resolve() in found._seen_files:
        return
    found._seen_files.add(path.resolve())
    for line, data in _parse(path):
        if data is None:
            continue  # an empty document between two `---`
        if not isinstance(data, Located):
            raise InputError(
                f"Expected a Kubernetes object (a mapping with `kind:`), found "
                f"{type(data).__name__} {str(data)[:40]!r}.",
                path=str(path),
                line=line,
            )
        if "kind" not in data:
            found.notes.append(
                f"{path.name}:{data.line}: no `kind`, not a Kubernetes object: skipped"
            )
            continue
        into.append(ManifestDocument(data, path))


def _expand_lists(found: ManifestSet) -> None:
    for documents in (found.documents, found.unlisted):
        for document in list(documents):
            if document.kind != "List":
                continue
            items = document.data.get("items") or []
            if not isinstance(items, list):
                raise InputError(
                    "A List's `items` must be a list of objects.",
                    path=str(document.path),
                    line=document.data.line,
                    field="items",
                )
            for index, item in enumerate(items):
                if not isinstance(item, Located) or "kind" not in item:
                    raise InputError(
                        f"Expected a Kubernetes object (a mapping with `kind:`), found {item!r}.",
                        path=str(document.path),
                        line=document.data.line,
                        field=f"items[{index}]",
                    )
                documents.append(ManifestDocument(item, document.path))
