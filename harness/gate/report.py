"""A gate's files beside its scenarios' own: one `junit.xml` holding every scenario's suite (as
each run's own junit.xml has it), and `summary.md`, one line per scenario."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.errors import InputError
from harness.gate.runner import GateOutcome
from harness.reports.journal import read_journal
from harness.reports.junit import build_junit


def write_gate_junit(outcome: GateOutcome) -> Path:
    """Every scenario's `<testsuite>`; one that left no journal is a suite with one error."""
    root = ET.Element("testsuites", name="firebreak gate")
    for scenario in outcome.scenarios:
        journal_path = outcome.folder / scenario.folder / "journal.json"
        try:
            suites = list(build_junit(read_journal(journal_path)))
        except InputError:
            suites = [_error_suite(scenario.name, scenario.verdict)]
        root.extend(suites)
    ET.indent(root)
    path = outcome.folder / "junit.xml"
    text = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n", encoding="utf-8")
    return path


def _error_suite(name: str, why: str) -> ET.Element:
    suite = ET.Element("testsuite", name=name, tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", name="run", classname=name, time="0")
    ET.SubElement(case, "error", message=why)
    return suite


def write_gate_summary(outcome: GateOutcome) -> Path:
    lines = [
        "# Firebreak gate",
        "",
        f"{len(outcome.scenarios)} scenario(s) on {len(outcome.deployments)} deployment(s), "
        f"{outcome.wall_s:.0f} s in all"
        + (f"; interrupted ({outcome.interrupted})" if outcome.interrupted else "")
        + ".",
        "",
        "| scenario | deployment | outcome | time | verdict |",
        "|---|---|---|---|---|",
    ]
    for s in outcome.scenarios:
        verdict = s.verdict.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {s.name} | {s.deployment} | {s.outcome} | {s.wall_s:.0f} s | {verdict} |")
    path = outcome.folder / "summary.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
