"""Malformed manifests end in exit 2 naming the file and the line or field, never a traceback,
and nothing is written (a rerun must not say "exists already")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.cli.init_cmd import draft
from harness.cli.main import main
from harness.errors import InputError

WEB = (
    "apiVersion: apps/v1\n"  # line 1
    "kind: Deployment\n"
    "metadata:\n"
    "  name: web\n"
    "spec:\n"
    "  replicas: 2\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: web}\n"
    "    spec:\n"
    "      containers:\n"  # line 11
    "      - name: web\n"  # line 12
    "        image: shop/web:1\n"
    "        command: [node, web.js]\n"
    "        ports:\n"  # line 15
    "        - containerPort: 8080\n"  # line 16
    "        env:\n"
    "        - {name: A, value: b}\n"
)


def web_with(old: str, new: str) -> str:
    assert old in WEB
    return WEB.replace(old, new)


@dataclass(frozen=True)
class Case:
    files: dict[str, str | bytes]  # under the folder given as --from (or the one file)
    culprit: str  # the file the error must name
    line: int | None
    field: str | None
    says: str
    source: str = "k8s"


CASES = {
    "binary file": Case(
        {"k8s/logo.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        "logo.yaml",
        None,
        None,
        "not text",
    ),
    "a document that is not a mapping": Case(
        {"k8s/web.yaml": WEB + "---\n- web\n- cart\n"}, "web.yaml", 20, None, "found list"
    ),
    "a string where a container is expected": Case(
        {"k8s/web.yaml": web_with("      - name: web\n", "      - nginx\n      - name: web\n")},
        "web.yaml",
        11,
        "spec.template.spec.containers[0]",
        "Expected a container",
    ),
    "a containerPort that is a name": Case(
        {"k8s/web.yaml": web_with("containerPort: 8080", "containerPort: http")},
        "web.yaml",
        16,
        "spec.template.spec.containers[0].ports[0].containerPort",
        "found 'http'",
    ),
    "a containerPort out of range": Case(
        {"k8s/web.yaml": web_with("containerPort: 8080", "containerPort: 80800")},
        "web.yaml",
        16,
        "spec.template.spec.containers[0].ports[0].containerPort",
        "from 1 to 65535",
    ),
    "a Helm template": Case(
        {"k8s/web.yaml": web_with("replicas: 2", "replicas: {{ .Values.replicas }}")},
        "web.yaml",
        6,
        None,
        "helm template NAME CHART > rendered.yaml",
    ),
    "a quoted Helm template given as the file": Case(
        {"web.yaml": web_with("image: shop/web:1", 'image: "{{ .Values.image }}"')},
        "web.yaml",
        13,
        None,
        "This is a Helm template",
        source="web.yaml",
    ),
    "a Helm chart folder": Case(
        {"k8s/Chart.yaml": "apiVersion: v2\nname: shop\n", "k8s/templates/web.yaml": WEB},
        "Chart.yaml",
        None,
        None,
        "This folder is a Helm chart",
    ),
    "kustomize pointing to a missing file": Case(
        {
            "k8s/kustomization.yaml": "resources:\n- web.yaml\n- cart.yaml\n",
            "k8s/web.yaml": WEB,
        },
        "kustomization.yaml",
        3,
        "resources[1]",
        "`cart.yaml` does not exist",
    ),
    "kustomize cycle": Case(
        {
            "k8s/kustomization.yaml": "resources: [web.yaml, ../shared]\n",
            "k8s/web.yaml": WEB,
            "shared/kustomization.yaml": "bases: [../k8s]\n",
        },
        "shared/kustomization.yaml",
        1,
        "bases[0]",
        "leads back to a kustomization that includes this one",
    ),
    "kustomize resource that is not a path": Case(
        {
            "k8s/kustomization.yaml": "resources:\n- web.yaml\n- {path: cart.yaml}\n",
            "k8s/web.yaml": WEB,
        },
        "kustomization.yaml",
        3,
        "resources[1]",
        "Expected a file or folder path",
    ),
    "empty folder": Case({"k8s/.keep": ""}, "k8s", None, None, "No workload"),
    "invalid YAML": Case(
        {"k8s/web.yaml": web_with("  name: web\n", "  name: [web\n")},
        "web.yaml",
        5,
        None,
        "not valid YAML",
    ),
    "a List with a non-mapping item": Case(
        {
            "k8s/list.yaml": "apiVersion: v1\nkind: List\nitems:\n- "
            + WEB.replace("\n", "\n  ")
            + "\n- web\n"
        },
        "list.yaml",
        1,
        "items[1]",
        "Expected a Kubernetes object",
    ),
    "env as a mapping": Case(
        {"k8s/web.yaml": web_with("        - {name: A, value: b}\n", "          A: b\n")},
        "web.yaml",
        12,
        "spec.template.spec.containers[0].env",
        "Expected a list of variables",
    ),
    "replicas as a word": Case(
        {"k8s/web.yaml": web_with("replicas: 2", "replicas: two")},
        "web.yaml",
        6,
        "spec.replicas",
        "Expected a whole number",
    ),
    "a workload without a name": Case(
        {"k8s/web.yaml": web_with("  name: web\n", "  labels: {app: web}\n")},
        "web.yaml",
        1,
        "metadata.name",
        "needs a name",
    ),
    "containers as a mapping": Case(
        {"k8s/web.yaml": web_with("      - name: web\n", "        web:\n          name: web\n")},
        "web.yaml",
        11,
        "spec.template.spec.containers",
        "Expected a list of containers",
    ),
    "an initContainer command as a word": Case(
        {
            "k8s/web.yaml": web_with(
                "      containers:\n",
                "      initContainers:\n      - name: wait\n        command: {sh: x}\n"
                "      containers:\n",
            )
        },
        "web.yaml",
        12,
        "spec.template.spec.initContainers[0].command",
        "Expected a list of strings",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_malformed_manifest_is_refused_with_its_file_and_line_or_field(tmp_path, case):
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    source, out = tmp_path / case.source, tmp_path / "out" / "system.yaml"
    with pytest.raises(InputError) as raised:
        draft(source, out, None)
    error = raised.value
    assert error.path is not None and error.path.endswith(case.culprit), error
    assert (error.line, error.field) == (case.line, case.field), error
    assert case.says in str(error)
    assert main(["init", "--from", str(source), "--out", str(out)]) == 2
    assert not out.parent.exists()  # nothing written, not even the folder
