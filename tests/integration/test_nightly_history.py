"""The nightly history workflow of docs/ci.md, run as a script, night after night over five real
commits of the sample: a defect is committed at the third (the sample's fallbacks switched off
in its code) and fixed at the fifth.

The steps are read from docs/ci.md itself, so the documented workflow is what is tested: each
`run:` step runs in bash in a git work tree of the sample, with GitHub's rule for a failed job
(a later step runs only with `if: always()`); the artifact steps (`uses:`) are the `history/`
folder kept from night to night, as the artifact keeps it. Cost: five gates of the default
scenario at time scale 0.3 (about 22 s each) and five history pages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest
import yaml

from harness.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_PASSED
from tests.conftest import REPO_ROOT
from tests.git_repo import git

DEFECT_CHECK = "fallback fired gateway->recommendations"
CONFIG = Path("sample_system") / "common" / "config.py"
HEALTHY = 'env.get("FIREBREAK_DISABLE", "")'
DEFECTIVE = 'env.get("FIREBREAK_DISABLE", "fallbacks")'
# Each night: a commit, then the workflow. The third commits the defect, the fifth fixes it.
NIGHTS = [
    ("the sample as shipped", None),
    ("README: say who owns the store", None),
    ("gateway: serve recommendations without the fallback", (HEALTHY, DEFECTIVE)),
    ("README: a typo", None),
    ("gateway: the fallback is back", (DEFECTIVE, HEALTHY)),
]
RETRIES_WHEN_INCONCLUSIVE = 1


@dataclass
class Step:
    name: str
    run: str | None
    always: bool
    continue_on_error: bool


def workflow_steps() -> list[Step]:
    """The YAML block of docs/ci.md that charts the history, as GitHub would read its steps."""
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    block = next(b for b in blocks if "firebreak history" in b)
    steps = yaml.safe_load(block)
    assert isinstance(steps, list) and steps, "docs/ci.md: the history workflow has no steps"
    return [
        Step(
            name=s["name"],
            run=s.get("run"),
            always=s.get("if", "").startswith("always()"),
            continue_on_error=bool(s.get("continue-on-error")),
        )
        for s in steps
    ]


def run_night(steps: list[Step], checkout: Path, night: int) -> dict[str, int]:
    """Every step of one night's job, in order: its exit code by step name (skipped: absent)."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    codes: dict[str, int] = {}
    job_failed = False
    for step in steps:
        if step.run is None or (job_failed and not step.always):
            continue  # an action: the artifact is the history/ folder kept between nights
        script = step.run.replace("${{ github.run_id }}", f"900{night}")
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        codes[step.name] = done.returncode
        (checkout.parent / f"night-{night}-{len(codes)}.log").write_text(
            f"$ {script}\n{done.stdout}\n{done.stderr}"
        )
        if done.returncode != 0 and not step.continue_on_error:
            job_failed = True
    return codes


def commit(checkout: Path, message: str, change: tuple[str, str] | None, night: int) -> str:
    if change is not None:
        path = checkout / CONFIG
        before, after = change
        text = path.read_text(encoding="utf-8")
        assert before in text, f"{CONFIG} no longer reads {before!r}: update this test"
        path.write_text(text.replace(before, after), encoding="utf-8")
    elif night > 0:
        with (checkout / "sample_system" / "README.md").open("a", encoding="utf-8") as readme:
            readme.write(f"\n<!-- {message} -->\n")
    git(checkout, "add", "-A", "sample_system", "scenarios")
    # one day apart, so the history's order is the commits' order however fast the test runs
    date = f"2026-01-0{night + 1}T09:00:00+00:00"
    git(checkout, "commit", "-q", "-m", message, date=date)
    return git(checkout, "rev-parse", "HEAD")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A git work tree holding the sample and its default scenario, as a team's repo would."""
    checkout = tmp_path / "shop"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO_ROOT / "sample_system", checkout / "sample_system", ignore=ignore)
    (checkout / "scenarios").mkdir()
    shutil.copy(REPO_ROOT / "scenarios" / "default.yaml", checkout / "scenarios" / "default.yaml")
    (checkout / ".gitignore").write_text("history/\nhistory-report/\n__pycache__/\n")
    git(checkout, "init", "-q", "-b", "main")
    return checkout


def test_the_nightly_workflow_names_the_commit_that_broke_the_fallback_and_the_one_that_fixed_it(
    shop: Path,
):
    steps = workflow_steps()
    gate_step = next(s.name for s in steps if s.run and "firebreak gate" in s.run)
    history_step = next(s.name for s in steps if s.run and "firebreak history" in s.run)
    commits: list[str] = []
    nights: list[dict[str, int]] = []
    for night, (message, change) in enumerate(NIGHTS):
        commits.append(commit(shop, message, change, night))
        for attempt in range(RETRIES_WHEN_INCONCLUSIVE + 1):
            codes = run_night(steps, shop, night)
            if codes.get(gate_step) != EXIT_INCONCLUSIVE or attempt == RETRIES_WHEN_INCONCLUSIVE:
                break
            # a busy machine says nothing: that night's folder leaves the record, as a rerun would
            shutil.rmtree(shop / "history" / f"{commits[-1][:7]}-900{night}")
        nights.append(codes)

    gates = [n[gate_step] for n in nights]
    charts = [n[history_step] for n in nights]
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(shop.parent.glob("night-*.log")))
    # the gate fails while the defect is in, and the chart fails only the night it came in
    assert gates == [EXIT_PASSED, EXIT_PASSED, EXIT_FAILED, EXIT_FAILED, EXIT_PASSED], logs
    assert charts == [EXIT_PASSED, EXIT_PASSED, EXIT_FAILED, EXIT_PASSED, EXIT_PASSED], logs

    page = (shop / "history-report" / "history.html").read_text(encoding="utf-8")
    check = escape(DEFECT_CHECK)
    assert re.search(rf"{check}</b> turned red at <code[^>]*>{commits[2][:10]}", page)
    assert re.search(rf"{check}</b> back to green at <code[^>]*>{commits[4][:10]}", page)
    assert "No regression at the newest revision" in page
    for sha in commits:  # five columns, one per commit, none of them dirty
        assert f">{sha[:10]}</th>" in page
        assert f"{sha[:10]}+dirty" not in page
    journals = sorted((shop / "history").glob("*/**/journal.json"))
    assert len(journals) == len(NIGHTS)
