"""`junit.xml`: one testsuite per run, one testcase per check, in the form CI servers read.

The shape is the common Jenkins/Surefire one (`junit-10.xsd`): testsuites > testsuite[name,
tests, failures, errors, skipped, time, timestamp] > testcase[name, classname, time], with
`<failure message>` for a failed check, `<error message>` for a run that was aborted, ended in
a harness error or was inconclusive (the machine interfered: then a check that failed is
`<skipped>`, since its failure cannot be trusted either), and `<system-out>` carrying the check's
sentence. Checks are judged after the
run, so a testcase has no duration of its own: its time is 0.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks.base import CheckResult
from harness.reports.journal import Journal
from harness.reports.summary import numbers_text, verdict_sentence


def _failure_message(check: CheckResult) -> str:
    # CI servers show the message in one line: the sentence first, then the numbers behind it
    bounds = f"; tolerance: {numbers_text(check.tolerance)}" if check.tolerance else ""
    return f"{check.summary} ({numbers_text(check.numbers)}{bounds})"


def _testcase(suite: ET.Element, name: str, classname: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=classname, time="0")


def build_junit(journal: Journal) -> ET.Element:
    """The `<testsuites>` element of a run."""
    scenario = str(journal.scenario.get("name") or journal.run_id)
    inconclusive = journal.outcome == "inconclusive"
    failed = sum(1 for c in journal.checks if c.counted_failure)
    set_aside = sum(1 for c in journal.checks if c.set_aside)
    failures = 0 if inconclusive else failed
    errors = 1 if journal.outcome in ("aborted", "error", "inconclusive") else 0
    duration_s = max(journal.ended_at - journal.started_at, 0.0)
    # junit-10.xsd wants a timestamp without a zone; UTC is the only unambiguous choice
    timestamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(journal.started_at))
    counts = {
        "tests": str(len(journal.checks) + errors),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(set_aside + (failed if inconclusive else 0)),
        "time": f"{duration_s:.3f}",
    }
    # junit-10.xsd has no `skipped` on <testsuites>, only on <testsuite>
    root = ET.Element(
        "testsuites", name="firebreak", **{k: v for k, v in counts.items() if k != "skipped"}
    )
    suite = ET.SubElement(
        root, "testsuite", name=scenario, **counts, timestamp=timestamp, id=journal.run_id
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("run_id", journal.run_id),
        ("outcome", journal.outcome),
        ("seed", str(journal.seed)),
        ("platform", journal.platform),
        ("verdict", verdict_sentence(journal)),
    ):
        ET.SubElement(properties, "property", name=key, value=value)
    for check in journal.checks:
        case = _testcase(suite, check.name, f"firebreak.{check.kind}")
        if check.counted_failure and inconclusive:
            ET.SubElement(
                case, "skipped", message=f"inconclusive run; would have failed: {check.summary}"
            )
        elif check.set_aside:
            ET.SubElement(case, "skipped", message=f"set aside: {check.set_aside}")
        elif not check.passed:
            failure = ET.SubElement(
                case, "failure", message=_failure_message(check), type=f"firebreak.{check.kind}"
            )
            failure.text = check.summary
        judged = f" (judged from: {check.judged_from})" if check.judged_from else ""
        ET.SubElement(case, "system-out").text = check.summary + judged
    if errors:
        case = _testcase(suite, f"run {journal.outcome}", "firebreak.run")
        reason = {
            "aborted": journal.abort_reason,
            "error": journal.error,
        }.get(journal.outcome) or verdict_sentence(journal)
        error = ET.SubElement(case, "error", message=reason, type=f"firebreak.{journal.outcome}")
        error.text = reason
    ET.SubElement(suite, "system-out").text = verdict_sentence(journal)
    return root


def render_junit(journal: Journal) -> str:
    root = build_junit(journal)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(journal: Journal, path: Path) -> Path:
    path.write_text(render_junit(journal), encoding="utf-8")
    return path
