"""junit.xml: counts, failure messages with numbers, and the schema CI servers read."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import xmlschema

from harness.reports.junit import render_junit, write_junit
from tests.fixtures.journals.make_journal import make_journal
from tests.reports.conftest import JOURNALS

SCHEMA = xmlschema.XMLSchema(JOURNALS / "junit-10.xsd")


def test_one_testcase_per_check_with_its_kind_as_classname(passed_journal):
    root = ET.fromstring(render_junit(passed_journal))
    suite = root.find("testsuite")
    assert suite.get("name") == "recommendations-latency"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.name for c in passed_journal.checks]
    assert {c.get("classname") for c in cases} == {
        f"firebreak.{c.kind}" for c in passed_journal.checks
    }
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "0", "0")
    assert all(c.find("system-out").text for c in cases)


def test_failed_check_carries_its_numbers_in_the_failure_message(failed_journal):
    suite = ET.fromstring(render_junit(failed_journal)).find("testsuite")
    assert suite.get("failures") == "2"
    failures = {c.get("name"): c.find("failure") for c in suite.findall("testcase")}
    promise = failures["promise gateway GET /products/{id} (faults)"]
    assert "p99_ms=912" in promise.get("message")
    assert "latency_p99_ms=300" in promise.get("message")
    assert failures["steady state (baseline)"] is None


def test_aborted_run_adds_an_errored_testcase():
    suite = ET.fromstring(render_junit(make_journal("aborted"))).find("testsuite")
    assert (suite.get("tests"), suite.get("errors")) == ("8", "1")
    error = suite.find("testcase[@classname='firebreak.run']/error")
    assert "Guardrail" in error.get("message")


def test_every_outcome_is_valid_against_the_jenkins_junit_schema(tmp_path):
    for outcome in ("passed", "failed", "aborted", "error"):
        path = write_junit(make_journal(outcome), tmp_path / f"{outcome}.xml")
        SCHEMA.validate(str(path))


def test_names_with_markup_characters_are_escaped(passed_journal):
    passed_journal.checks[0].name = 'a <b> & "c"'
    root = ET.fromstring(render_junit(passed_journal))
    assert root.find("testsuite/testcase").get("name") == 'a <b> & "c"'
