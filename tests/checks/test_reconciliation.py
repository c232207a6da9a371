"""Writes reconciled across services: the pure reconciliation, its verdict, and the `reconcile:`
declaration of system.yaml as a foreign team would write it (issue 21 §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checks.reconciliation import check_reconciliation, integrity_checks, reconcile
from harness.errors import SystemSpecError
from harness.reconcile_spec import Record, Relation, parse_records
from harness.system import load_system
from tests.conftest import SAMPLE_SYSTEM

RELATIONS = {
    "order": Relation(
        service="orders", path="/r", system_of_record=True, pending=["pending_payment"]
    ),
    "charge": Relation(service="payments", path="/r", void=["refunded"]),
    "reservation": Relation(service="inventory", path="/r", per="line", void=["released"]),
}


def order(ref: str, state: str = "confirmed", lines: tuple[str, ...] = ("7",)) -> Record:
    return Record(ref=ref, id=f"o-{ref}", state=state, lines=list(lines))


def charge(ref: str, id: str, state: str = "succeeded") -> Record:
    return Record(ref=ref, id=id, state=state)


def reservation(ref: str, id: str, line: str = "7", state: str = "reserved") -> Record:
    return Record(ref=ref, id=id, line=line, state=state)


def healthy(refs: list[str]) -> dict[str, list[Record]]:
    return {
        "order": [order(r) for r in refs],
        "charge": [charge(r, f"c-{r}") for r in refs],
        "reservation": [reservation(r, f"r-{r}") for r in refs],
    }


def counts(findings: dict, relation: str) -> dict[str, int]:
    found = findings["relations"][relation]
    return {kind: found[kind] for kind in ("missing", "multiple", "orphans", "pending")}


NONE = {"missing": 0, "multiple": 0, "orphans": 0, "pending": 0}


def test_every_accepted_write_whole_everywhere_passes_and_names_what_it_read():
    findings = reconcile(["a", "b"], healthy(["a", "b"]), RELATIONS)
    assert all(counts(findings, name) == NONE for name in RELATIONS)
    result = check_reconciliation(findings)
    assert result.passed and result.kind == "integrity"
    assert "`orders` /r (2 records)" in result.summary
    assert "`payments` /r" in result.summary and "`inventory` /r" in result.summary


def test_a_second_charge_for_one_order_under_a_new_key_is_a_multiple_named_by_its_order():
    answers = healthy(["a", "b"])
    answers["charge"].append(charge("b", "c-b-again"))  # the retry's own key, the same order
    findings = reconcile(["a", "b"], answers, RELATIONS)
    assert counts(findings, "charge") == {**NONE, "multiple": 1}
    result = check_reconciliation(findings)
    assert not result.passed
    assert "`charge` at `payments`: 1 write(s) with more than 1 record(s) each" in result.summary
    assert "b: 2 records (c-b, c-b-again)" in result.summary


def test_stock_reserved_twice_for_one_line_is_a_multiple_with_the_line():
    answers = healthy(["a"])
    answers["reservation"].append(reservation("a", "r-a-2"))
    findings = reconcile(["a"], answers, RELATIONS)
    assert counts(findings, "reservation") == {**NONE, "multiple": 1}
    assert findings["relations"]["reservation"]["examples"]["multiple"] == [
        "a line 7: 2 records (r-a, r-a-2)"
    ]


def test_a_record_whose_write_exists_nowhere_is_an_orphan():
    answers = healthy(["a"])
    answers["reservation"].append(reservation("ghost", "r-9"))  # its order failed: never stored
    answers["charge"].append(charge("ghost", "c-9"))
    findings = reconcile(["a"], answers, RELATIONS)
    assert counts(findings, "reservation") == {**NONE, "orphans": 1}
    assert counts(findings, "charge") == {**NONE, "orphans": 1}
    assert "ghost (c-9)" in check_reconciliation(findings).summary


def test_a_write_taken_without_the_load_seeing_it_must_be_whole_but_is_no_orphan():
    # the answer to "b" was lost at the front door: orders holds it, so its charge is no orphan
    answers = healthy(["a", "b"])
    findings = reconcile(["a"], answers, RELATIONS)
    assert all(counts(findings, name) == NONE for name in RELATIONS)
    assert findings["taken_unconfirmed"] == 1
    # ...and it must have all it should: without its reservation, that line is missing
    answers["reservation"] = [r for r in answers["reservation"] if r.ref != "b"]
    findings = reconcile(["a"], answers, RELATIONS)
    assert counts(findings, "reservation") == {**NONE, "missing": 1}


def test_an_accepted_order_lost_or_without_its_charge_is_missing():
    answers = healthy(["a", "b"])
    answers["order"] = [order("a")]
    answers["charge"] = [charge("a", "c-a")]
    answers["reservation"] = [reservation("a", "r-a")]
    findings = reconcile(["a", "b"], answers, RELATIONS)
    assert {name: counts(findings, name)["missing"] for name in RELATIONS} == {
        "order": 1,
        "charge": 1,
        "reservation": 1,
    }


def test_undone_records_count_as_none_and_pending_ones_are_reported():
    answers = healthy(["a", "b"])
    answers["charge"].append(charge("a", "c-a-refunded", state="refunded"))
    answers["reservation"].append(reservation("gone", "r-x", state="released"))
    answers["order"] = [order("a"), order("b", state="pending_payment")]
    findings = reconcile(["a", "b"], answers, RELATIONS)
    assert counts(findings, "charge") == NONE
    assert counts(findings, "reservation") == NONE
    assert counts(findings, "order") == {**NONE, "pending": 1}
    assert "1 record(s) still pending after the settle wait (e.g. b (pending_payment))" in (
        check_reconciliation(findings).summary
    )


def test_a_line_of_the_order_without_a_reservation_and_one_on_no_line_are_both_named():
    answers = healthy([])
    answers["order"] = [order("a", lines=("7", "8"))]
    answers["charge"] = [charge("a", "c-a")]
    answers["reservation"] = [reservation("a", "r-1", line="7"), reservation("a", "r-2", "9")]
    findings = reconcile(["a"], answers, RELATIONS)
    examples = findings["relations"]["reservation"]["examples"]
    assert examples["missing"] == ["a line 8"]
    assert examples["orphans"] == ["a line 9: not a line of the write"]


def test_a_relation_that_did_not_answer_is_no_evidence_and_fails():
    answers: dict = healthy(["a"])
    answers["charge"] = "payments/r answered 404"
    result = check_reconciliation(reconcile(["a"], answers, RELATIONS))
    assert not result.passed
    assert "no evidence from `charge` at `payments` /r: payments/r answered 404" in result.summary


def test_a_records_answer_of_the_wrong_shape_says_what_is_wrong():
    records, problem = parse_records({"records": [{"id": 3}]})
    assert records is None and problem is not None and "records.0.ref" in problem
    records, problem = parse_records({"records": [{"ref": "k", "id": 3, "amount": 5}]})
    assert problem is None and records == [Record(ref="k", id=3)]


def test_integrity_is_judged_where_declared_and_no_evidence_when_asked_for_nothing():
    findings = reconcile(["a"], healthy(["a"]), RELATIONS)
    assert integrity_checks(None, findings, wanted=False) == []
    assert integrity_checks(None, None, wanted=None) == []  # nothing declared, nothing asked
    assert [c.name for c in integrity_checks({}, findings, wanted=None)] == [
        "writes reconciled across services"
    ]
    asked = integrity_checks({}, None, wanted=True)
    assert [c.passed for c in asked] == [False] and "no evidence" in asked[0].summary


FOREIGN = """\
name: transfers
entrypoint: api
services:
  api:
    command: ["java", "-jar", "api.jar"]
    port: 19101
    dependencies:
      ledger: {env: LEDGER_URL}
  ledger:
    command: ["java", "-jar", "ledger.jar"]
    port: 19102
reconcile:
  transfer: {service: api, path: /admin/transfers, system_of_record: true,
             pending: [SUBMITTED], void: [REJECTED]}
  entry:
    service: ledger
    path: /admin/entries
    count: 2                  # a debit and a credit per transfer
    store: per_replica
"""


def test_a_foreign_system_declares_its_own_relations(tmp_path: Path):
    path = tmp_path / "system.yaml"
    path.write_text(FOREIGN)
    system = load_system(path)
    assert system.reconcile["entry"].count == 2
    assert system.reconcile["entry"].store == "per_replica"
    assert system.reconcile["transfer"].void == ["REJECTED"]
    entries = [Record(ref="t1", id=n) for n in (1, 2)] + [Record(ref="t2", id=3)]
    findings = reconcile(["t1", "t2"], {"transfer": [], "entry": entries}, system.reconcile)
    assert findings["relations"]["entry"]["examples"]["missing"] == ["t2"]  # one leg of two
    assert load_system(SAMPLE_SYSTEM).reconcile["reservation"].per == "line"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("service: ledger", "reconcile.entry.service", "`legder`, which is not a service"),
        ("system_of_record: true,", "reconcile.transfer", "No relation is marked"),
        ("count: 2 ", "reconcile.entry.count", "greater than or equal to 1"),
    ],
)
def test_a_bad_relation_names_file_line_and_field(tmp_path: Path, change, field, message):
    broken = {
        "service: ledger": ("service: ledger", "service: legder"),
        "system_of_record: true,": ("system_of_record: true,", ""),
        "count: 2 ": ("count: 2 ", "count: 0 "),
    }[change]
    path = tmp_path / "system.yaml"
    path.write_text(FOREIGN.replace(*broken))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    assert caught.value.field == field
    assert caught.value.line is not None and caught.value.line > 12
    assert message in str(caught.value)


def test_a_line_short_of_its_count_is_missing_even_when_the_write_lists_no_lines():
    relations = {
        "shipment": Relation(service="ship", path="/s", system_of_record=True),
        "parcel": Relation(service="pack", path="/p", per="line", count=2),
    }
    answers = {
        "shipment": [Record(ref="s1")],
        "parcel": [Record(ref="s1", id=n, line=line) for n, line in ((1, "a"), (2, "a"), (3, "b"))],
    }
    found = reconcile(["s1"], answers, relations)["relations"]["parcel"]
    assert found["examples"] == {"missing": ["s1 line b"]}
