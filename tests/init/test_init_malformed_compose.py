"""Malformed Compose input never reaches the user as a traceback: each case exits 2 with the file,
the line or field, and what was expected, and leaves no system file behind (so a corrected rerun
never finds one "exists already")."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from harness.cli import init_cmd
from harness.errors import EXIT_BAD_INPUT, InputError
from tests.init.cli import init as init_in_its_own_process

WEB = "services:\n  web:\n    command: python app.py\n"

# (id, files written into the folder, the file named, line or field named, words of the message)
# The first file is the one passed to --from; "b.yml" files are passed as a second --from.
CASES: list[tuple[str, dict[str, str | bytes], str, int | str | None, str]] = [
    ("binary file", {"compose.yaml": b"\x7fELF\x02\x01\x00\x00"}, "compose.yaml", None, "binary"),
    (
        "not utf-8",
        {"compose.yaml": "services:\n  web:\n    image: caf\xe9\n".encode("latin-1")},
        "compose.yaml",
        3,
        "not UTF-8",
    ),
    ("empty file", {"compose.yaml": ""}, "compose.yaml", None, "empty"),
    ("only comments", {"compose.yaml": "# to do\n"}, "compose.yaml", None, "empty"),
    ("top level is a list", {"compose.yaml": "- web\n- db\n"}, "compose.yaml", 1, "is a list"),
    ("no services key", {"compose.yaml": "version: '3'\n"}, "compose.yaml", "services", "services"),
    (
        "services is a list",
        {"compose.yaml": "services:\n  - web\n"},
        "compose.yaml",
        "services",
        "mapping",
    ),
    (
        "service is a string",
        {"compose.yaml": "services:\n  web: nginx\n"},
        "compose.yaml",
        "services.web",
        "is a string",
    ),
    (
        "service is a list",
        {"compose.yaml": "services:\n  web:\n    - image: x\n"},
        "compose.yaml",
        "services.web",
        "is a list",
    ),
    (
        "invalid YAML",
        {"compose.yaml": WEB + "    image: [nginx\n"},
        "compose.yaml",
        5,
        "not valid YAML",
    ),
    (
        "unquoted Helm template",
        {"compose.yaml": WEB + "    image: {{ .Values.image }}\n"},
        "compose.yaml",
        4,
        "not valid YAML",
    ),
    (
        "quoted Helm template",
        {"compose.yaml": WEB + "    image: '{{ .Values.image }}'\n"},
        "compose.yaml",
        "services.web.image",
        "helm template",
    ),
    (
        "escaped ${VAR:-8080} where a port goes",
        {"compose.yaml": WEB + "    ports: ['$${PORT:-8080}:80']\n"},
        "compose.yaml",
        "services.web.ports[0]",
        "expected a number",
    ),
    (
        "replicas from an unset variable",
        {"compose.yaml": WEB + "    deploy: {replicas: '${REPLICAS}'}\n"},
        "compose.yaml",
        "services.web.deploy.replicas",
        "whole number",
    ),
    (
        "replicas in words",
        {"compose.yaml": WEB + "    deploy: {replicas: two}\n"},
        "compose.yaml",
        "services.web.deploy.replicas",
        "whole number",
    ),
    (
        "required variable missing",
        {"compose.yaml": WEB + "    image: 'shop:${TAG:?set TAG to a release}'\n"},
        "compose.yaml",
        "services.web.image",
        "`TAG` is not set: set TAG to a release",
    ),
    (
        "malformed ${ }",
        {"compose.yaml": WEB + "    environment: {A: '${ A}'}\n"},
        "compose.yaml",
        "services.web.environment.A",
        "not a variable reference",
    ),
    (
        "unclosed ${",
        {"compose.yaml": WEB + "    environment:\n      - A=${A\n"},
        "compose.yaml",
        "services.web.environment[0]",
        "never closes",
    ),
    (
        "port out of range",
        {"compose.yaml": WEB + "    ports: ['70000:80']\n"},
        "compose.yaml",
        "services.web.ports[0]",
        "1 to 65535",
    ),
    (
        "port with too many colons",
        {"compose.yaml": WEB + "    ports: ['1:2:3:4']\n"},
        "compose.yaml",
        "services.web.ports[0]",
        "HOST_IP",
    ),
    (
        "long-form port target a name",
        {"compose.yaml": WEB + "    ports: [{target: http}]\n"},
        "compose.yaml",
        "services.web.ports[0].target",
        "not a port",
    ),
    (
        "ports a string",
        {"compose.yaml": WEB + "    ports: '8080:80'\n"},
        "compose.yaml",
        "services.web.ports",
        "list of ports",
    ),
    (
        "environment a string",
        {"compose.yaml": WEB + "    environment: A=1\n"},
        "compose.yaml",
        "services.web.environment",
        "NAME=value",
    ),
    (
        "command a mapping",
        {"compose.yaml": "services:\n  web:\n    command: {run: app}\n"},
        "compose.yaml",
        "services.web.command",
        "command line",
    ),
    (
        "command with an unclosed quote",
        {"compose.yaml": "services:\n  web:\n    command: python -c 'print(1)\n"},
        "compose.yaml",
        "services.web.command",
        "cannot be split",
    ),
    (
        "build a list",
        {"compose.yaml": "services:\n  web:\n    build: [.]\n"},
        "compose.yaml",
        "services.web.build",
        "context",
    ),
    (
        "depends_on cycle",
        {
            "compose.yaml": WEB
            + "    depends_on: [api]\n  api:\n    command: x\n    depends_on: [web]\n"
        },
        "compose.yaml",
        "depends_on",
        "cycle",
    ),
    (
        "depends_on an unknown service",
        {"compose.yaml": WEB + "    depends_on: [db]\n"},
        "compose.yaml",
        "services.web.depends_on[0]",
        "`db` is not a service",
    ),
    (
        "extends an unknown service",
        {"compose.yaml": WEB + "    extends: base\n"},
        "compose.yaml",
        "services.web.extends",
        "does not define",
    ),
    (
        "extends cycle",
        {"compose.yaml": WEB + "    extends: api\n  api:\n    extends: web\n"},
        "compose.yaml",
        "extends",
        "cycle",
    ),
    (
        "extends a missing file",
        {"compose.yaml": WEB + "    extends: {service: base, file: base.yml}\n"},
        "compose.yaml",
        "services.web.extends",
        "cannot be read",
    ),
    (
        "include a missing file",
        {"compose.yaml": "include: [db.yml]\n" + WEB},
        "compose.yaml",
        "include[0]",
        "cannot be read",
    ),
    (
        "include cycle",
        {
            "compose.yaml": "include: [db.yml]\n" + WEB,
            "db.yml": "include: [compose.yaml]\nservices: {}\n",
        },
        "db.yml",
        "include[0]",
        "cycle",
    ),
    (
        "a key written twice",
        {"compose.yaml": WEB + "    image: a\n    image: b\n"},
        "compose.yaml",
        5,
        "twice",
    ),
    (
        "profiles a string",
        {"compose.yaml": WEB + "    profiles: debug\n"},
        "compose.yaml",
        "services.web.profiles",
        "list of profile",
    ),
    (
        "a bad line in .env",
        {"compose.yaml": WEB, ".env": "TAG=1\nthis is not a variable\n"},
        ".env",
        2,
        "NAME=value",
    ),
    (
        "second -f file overrides a list with a string",
        {
            "compose.yaml": WEB + "    ports: ['80']\n",
            "b.yml": "services:\n  web:\n    ports: '81'\n",
        },
        "b.yml",
        "services.web.ports",
        "cannot override",
    ),
]


def _write(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return [folder / n for n in files if n in ("compose.yaml", "b.yml")]


@pytest.mark.parametrize(
    ("files", "named_file", "where", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_malformed_compose_is_refused_with_file_and_place(
    tmp_path, monkeypatch, files, named_file, where, words
):
    monkeypatch.delenv("REPLICAS", raising=False)
    monkeypatch.delenv("TAG", raising=False)
    monkeypatch.delenv("A", raising=False)
    sources = _write(tmp_path, files)
    out = tmp_path / "out" / "system.yaml"
    args = argparse.Namespace(source=sources, out=out, entrypoint=None)
    with pytest.raises(InputError) as raised:
        init_cmd._drafted_text(args)
    error = raised.value
    assert error.exit_code == EXIT_BAD_INPUT
    assert error.path is not None and Path(error.path).name == named_file, str(error)
    if isinstance(where, int):
        assert error.line == where, str(error)
    elif where is not None:
        assert error.field is not None and where in error.field, str(error)
    assert words.lower() in str(error).lower()
    assert not out.exists() and not out.parent.exists()


def init(*args: str) -> subprocess.CompletedProcess[str]:
    return init_in_its_own_process(*args, env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(
    "case_id",
    ["binary file", "service is a string", "required variable missing", "depends_on cycle"],
)
def test_the_command_exits_2_with_one_sentence_and_writes_nothing(tmp_path, case_id):
    files, named_file, where, words = next(c[1:] for c in CASES if c[0] == case_id)
    sources = _write(tmp_path, files)
    out = tmp_path / "system.yaml"
    done = init(*(a for s in sources for a in ("--from", str(s))), "--out", str(out))
    assert done.returncode == EXIT_BAD_INPUT, done.stdout + done.stderr
    assert named_file in done.stderr and words.lower() in done.stderr.lower()
    if isinstance(where, str):
        assert where in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_failure_nobody_foresaw_names_the_input_instead_of_a_traceback(tmp_path, monkeypatch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(WEB)

    def broken(*_args, **_kwargs):
        raise KeyError("ports")

    monkeypatch.setattr(init_cmd, "draft_from_compose", broken)
    out = tmp_path / "system.yaml"
    args = argparse.Namespace(source=[compose], out=out, entrypoint=None)
    with pytest.raises(InputError) as raised:
        init_cmd._drafted_text(args)
    message = str(raised.value)
    assert str(compose) in message and "KeyError" in message and "test_init_malformed" in message
    assert not out.exists()
