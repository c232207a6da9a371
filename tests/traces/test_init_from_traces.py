"""`firebreak init --from-traces`: the sample with every dependency written as a fixed address in
its services' `env` and no edge declared; a short traced run drafts each edge back, with the
variable its caller reads. About 20 s."""

from __future__ import annotations

import subprocess
import sys

import yaml

from harness.system import load_system
from tests.conftest import REPO_ROOT, SAMPLE_SYSTEM


def undeclared_sample(folder):
    """The sample's system.yaml with each edge turned into a plain address in the caller's env."""
    source = yaml.safe_load(SAMPLE_SYSTEM.read_text())
    source["locustfile"] = str(REPO_ROOT / "sample_system" / "locustfile.py")
    for spec in source["services"].values():
        spec["workdir"] = str(REPO_ROOT)
        for callee, dependency in spec.pop("dependencies", {}).items():
            port = source["services"][callee]["port"]
            spec.setdefault("env", {})[dependency["env"]] = f"http://127.0.0.1:{port}"
    path = folder / "system.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    return path


def firebreak(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=None,
    )


def test_a_short_traced_run_drafts_every_edge_with_the_variable_its_caller_reads(tmp_path):
    system = undeclared_sample(tmp_path)
    out = tmp_path / "drafted.yaml"
    done = firebreak("init", "--from-traces", str(system), "--duration", "6s", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    drafted = load_system(out)
    sample = load_system(SAMPLE_SYSTEM)
    assert {e.name for e in drafted.edges()} == {e.name for e in sample.edges()}
    for edge in sample.edges()[1:]:
        expected = sample.services[edge.caller].dependencies[edge.callee].env
        assert drafted.services[edge.caller].dependencies[edge.callee].env == expected, edge
        # the fixed address is gone: the edge's proxy address replaces it in runs
        assert expected not in drafted.services[edge.caller].env
    assert "optional" in done.stdout  # what traces cannot tell is said


def test_a_system_that_sends_no_traces_is_refused_before_anything_starts(tmp_path):
    source = yaml.safe_load(SAMPLE_SYSTEM.read_text())
    for spec in source["services"].values():
        spec.pop("traces", None)
    path = tmp_path / "system.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    done = firebreak("init", "--from-traces", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "traces: otlp" in done.stdout + done.stderr
    assert not (tmp_path / "system.from-traces.yaml").exists()
