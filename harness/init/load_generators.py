"""A load generator found among a team's workloads becomes the run's load, not a service.

Firebreak drives load with Locust: when the team's generator is Locust and its locustfile can be
found (beside the manifests, in the generator's source folder, or named in its command), the
draft uses it. Any other tool is said so: its script must be redone as a locustfile.
"""

from __future__ import annotations

from pathlib import Path

from harness.init.entrypoint import image_words
from harness.init.manifest_files import ManifestDocument
from harness.init.workloads import Workload

LOCUSTFILE = "locustfile.py"


def _named_scripts(workload: Workload) -> list[str]:
    """Python files its command names (`locust -f /mnt/locust/tasks.py`): their base names."""
    return [Path(p).name for p in [*workload.command, *workload.args] if p.endswith(".py")]


def find_locustfile(workload: Workload, folder: Path) -> Path | None:
    """The generator's locustfile, searched beside the manifests and in the source folders a
    repository keeps them in (`src/loadgenerator/locustfile.py` in Online Boutique)."""
    names = list(dict.fromkeys([workload.name, *image_words(workload.image)[-1:]]))
    files = list(dict.fromkeys([*_named_scripts(workload), LOCUSTFILE]))
    bases = [folder, folder.parent, folder.parent.parent]
    subfolders = ["", *names, *(f"src/{n}" for n in names)]
    for base in bases:
        for sub in subfolders:
            for file in files:
                candidate = base / sub / file if sub else base / file
                if candidate.is_file():
                    return candidate.resolve()
    return None


def locustfile_in_config_maps(documents: list[ManifestDocument]) -> str | None:
    """A ConfigMap holding a locustfile (a common way to ship one): where, in words."""
    for document in documents:
        data = document.data.get("data") if document.kind == "ConfigMap" else None
        if not isinstance(data, dict):
            continue
        for key, text in data.items():
            if str(key).endswith(".py") and "locust" in str(text):
                return f"ConfigMap `{document.name}` ({document.where}), key `{key}`"
    return None


def load_generator_notes(workload: Workload, found_locustfile: Path | None) -> list[str]:
    env = (workload.container or {}).get("env") or []
    targets = [f"{v['name']}={v['value']}" for v in env if isinstance(v, dict) and "value" in v]
    notes = [
        f"{workload.label} is a load generator ({workload.load_tool}): it becomes the load, not "
        "a service" + (f"; it is set with {', '.join(targets)}" if targets else "")
    ]
    if found_locustfile is not None:
        notes.append(f"`{workload.name}`'s locustfile {found_locustfile} is the load (confirm)")
    elif workload.load_tool not in ("locust", "loadgenerator"):
        notes.append(
            f"`{workload.name}` runs {workload.load_tool}: Firebreak's load is Locust, so write a "
            "locustfile.py that does what its script does"
        )
    return notes
