"""One promise, wherever it is declared: the merge of `/promise`, system.yaml and the scenario
into one view (sources, precedence, `during`), every check reading that view and nothing else,
and containment's latency bound taken from a promise written only in the scenario (issue 21)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from harness.checks.containment import check_containment
from harness.checks.evaluate import evaluate
from harness.checks.promise_view import (
    SOURCE_DECLARED,
    SOURCE_PUBLISHED,
    SOURCE_SCENARIO,
    Limit,
    resolve_promises,
)
from harness.checks.promises import check_promises
from harness.checks.recovery import check_recovery
from harness.observe.promises import merge_promises
from harness.observe.series import FaultWindow, Observations
from harness.scenario import Expectations, PromiseOverride, ToleranceSpec
from harness.system import load_system
from tests.checks.made_observations import PHASES, front_door_series, in_faults
from tests.conftest import REPO_ROOT

SYSTEM = """\
name: fx
entrypoint: quotes
services:
  quotes:
    command: ["node", "quotes.js"]
    port: 19101
    metrics: false
    promises:
      - {method: GET, route: "/quotes/{pair}", latency_p99_ms: 800, availability: 0.98}
    dependencies:
      news: {env: NEWS_URL, optional: true}
  news:
    command: ["node", "news.js"]
    port: 19102
    metrics: false
"""
PUBLISHED_QUOTES = {
    "endpoints": [
        # system.yaml names this endpoint too: the file's promise replaces this one whole
        {"method": "GET", "route": "/quotes/{pair}", "latency_p99_ms": 300, "availability": 0.9},
        {"method": "GET", "route": "/pairs", "latency_p99_ms": 100, "availability": 0.999},
        {"method": "GET", "route": "/healthz", "latency_p99_ms": 5},  # not traffic
        {"route": "/broken"},  # unreadable: said, not judged
    ]
}
QUOTES = "GET /quotes/{pair}"


def merged_observations(tmp_path: Path, front_door=None) -> Observations:
    """The bring-up's merge of a published `/promise` and system.yaml, as the journal holds it."""
    path = tmp_path / "system.yaml"
    path.write_text(SYSTEM)
    promises = merge_promises({"quotes": PUBLISHED_QUOTES}, {}, load_system(path))
    return Observations(front_door=front_door or [], phases=PHASES, promises=promises)


def test_each_limit_names_its_source_and_the_more_specific_wins(tmp_path):
    obs = merged_observations(tmp_path)
    scenario = {"quotes": PromiseOverride(latency_p99_ms=1500, during=["faults"])}
    view = resolve_promises(obs, scenario, "quotes")
    quotes, pairs = view.of("quotes").endpoints  # /healthz and the unreadable one left out
    assert (quotes.label, quotes.source, pairs.source) == (
        QUOTES,
        SOURCE_DECLARED,
        SOURCE_PUBLISHED,
    )
    # the file over the published document, for the endpoint both name
    assert quotes.limits("baseline").latency_p99_ms == Limit(800, SOURCE_DECLARED)
    # the scenario over both, only in the phases its `during` names, and only for what it gives
    assert quotes.limits("faults").latency_p99_ms == Limit(1500, SOURCE_SCENARIO)
    assert quotes.limits("faults").availability == Limit(0.98, SOURCE_DECLARED)
    assert pairs.limits("faults").latency_p99_ms == Limit(1500, SOURCE_SCENARIO)
    assert pairs.limits("recovery").availability == Limit(0.999, SOURCE_PUBLISHED)
    # the service as a whole: the loosest endpoint, with where it was written
    assert view.promised_p99("quotes", "baseline") == Limit(800, SOURCE_DECLARED)
    assert view.promised_p99("quotes", "faults") == Limit(1500, SOURCE_SCENARIO)
    assert view.of("quotes").as_a_whole("faults").availability == Limit(0.98, SOURCE_DECLARED)
    assert view.promised_p99("news", "faults") is None
    assert view.problems() == [
        "`quotes`'s published promise: /promise: endpoints[3]: Field required"
    ]


def test_the_journal_form_says_where_each_limit_came_from_per_phase_where_they_differ(tmp_path):
    obs = merged_observations(tmp_path)
    scenario = {"quotes": PromiseOverride(latency_p99_ms=1500, during=["faults"])}
    recorded = resolve_promises(obs, scenario, "quotes").to_json()["quotes"]
    assert recorded["judged_over"] == "each promised endpoint, at the front door"
    assert recorded["scenario"] == {
        "latency_p99_ms": 1500,
        "availability": None,
        "during": ["faults"],
    }
    by_endpoint = {row["endpoint"]: row for row in recorded["endpoints"]}
    assert set(by_endpoint) == {QUOTES, "GET /pairs"}
    limits = by_endpoint[QUOTES]["limits"]
    assert limits["faults"] == {
        "latency_p99_ms": 1500,
        "latency_p99_ms_from": SOURCE_SCENARIO,
        "availability": 0.98,
        "availability_from": SOURCE_DECLARED,
    }
    assert limits["baseline"]["latency_p99_ms_from"] == SOURCE_DECLARED
    # without a scenario every phase shares one set of limits, recorded once
    plain = resolve_promises(obs, {}, "quotes").to_json()["quotes"]["endpoints"][0]["limits"]
    assert plain == {
        "latency_p99_ms": 800,
        "latency_p99_ms_from": SOURCE_DECLARED,
        "availability": 0.98,
        "availability_from": SOURCE_DECLARED,
    }


def test_a_scenario_promise_for_an_entrypoint_without_endpoints_holds_for_every_load_endpoint():
    front_door = front_door_series(latency_ms=lambda t: 300.0 if in_faults(t) else 20.0)
    obs = Observations(front_door=front_door, phases=PHASES)
    view = resolve_promises(obs, {"quotes": PromiseOverride(latency_p99_ms=250)}, "quotes")
    row = view.to_json()["quotes"]["endpoints"][0]
    assert row["endpoint"] == "every endpoint the load called"
    assert row["promised_in"] == SOURCE_SCENARIO
    (result,) = check_promises(obs, "quotes", view, targeted_services={"news"})
    assert not result.passed
    assert "broke its promise (promised in: scenario): GET /quotes/{pair} during faults: p99" in (
        result.summary
    )
    assert "> 250 ms (200 of 200 slower" in result.summary
    assert result.tolerance[QUOTES]["latency_p99_ms_from"] == SOURCE_SCENARIO
    # a service other than the entrypoint is held to it as a whole
    assert resolve_promises(obs, {"news": PromiseOverride(availability=0.9)}, "quotes").of(
        "news"
    ).as_a_whole("baseline").availability == Limit(0.9, SOURCE_SCENARIO)


# --- containment's latency bound: a promise written only in the scenario counts --------------


def slowed_behind_a_fallback() -> Observations:
    """The commonest foreign pattern: an optional dependency behind a 250-300 ms timeout and a
    fallback. Slowed, the front door answers 200 to everything, its p99 from 60 to 300 ms."""
    front_door = front_door_series(
        latency_ms=lambda t: 300.0 if in_faults(t) else 60.0,
        markers=lambda t: {"news": 20} if in_faults(t) else {},
    )
    window = FaultWindow("news-slowed", "latency", ["quotes->news"], ["news"], 20.0, 30.0)
    return Observations(front_door=front_door, phases=PHASES, faults=[window])


def containment(obs: Observations, scenario_promises: dict[str, PromiseOverride]):
    view = resolve_promises(obs, scenario_promises, "quotes")
    (result,), _ = check_containment(obs, ["news"], ToleranceSpec(), "quotes", promises=view)
    return result


def test_containment_takes_its_latency_bound_from_a_promise_given_only_in_the_scenario():
    obs = slowed_behind_a_fallback()
    held = containment(obs, {"quotes": PromiseOverride(latency_p99_ms=800, availability=0.98)})
    assert held.passed, held.summary
    assert held.tolerance["promised_p99_ms"] == {"quotes": 800}
    assert held.tolerance["promised_p99_from"] == {"quotes": SOURCE_SCENARIO}
    # the same seconds with no promise anywhere, or a tighter one: a spread to the front door
    unpromised = containment(obs, {})
    assert not unpromised.passed and unpromised.numbers["escaped"] == ["quotes"]
    assert "[no latency promised]" in unpromised.summary
    tighter = containment(obs, {"quotes": PromiseOverride(latency_p99_ms=200)})
    assert not tighter.passed
    assert "[promised p99 200 ms (scenario)]" in tighter.summary


def test_the_baseline_ends_before_the_second_a_fault_began_in():
    # news slowed at 19.7 s: second 19's answers already waited for it. Counted as baseline,
    # they would lift its p99 to 300 ms and the bound derived from it above the spread.
    obs = slowed_behind_a_fallback()
    obs.front_door = front_door_series(latency_ms=lambda t: 300.0 if 19 <= t < 30 else 60.0)
    obs.faults = [replace(obs.faults[0], applied_at=19.7)]
    spread = containment(obs, {})
    assert not spread.passed and spread.numbers["escaped"] == ["quotes"]
    assert spread.numbers["quotes"]["front door"]["baseline_p99_ms"] < 100


def test_containment_uses_the_limit_that_holds_in_the_faults_phase():
    obs = slowed_behind_a_fallback()
    only_after = {"quotes": PromiseOverride(latency_p99_ms=800, during=["recovery"])}
    assert not containment(obs, only_after).passed
    during_faults = {"quotes": PromiseOverride(latency_p99_ms=800, during=["faults"])}
    assert containment(obs, during_faults).passed


def test_recovery_reads_the_promise_that_holds_in_the_recovery_phase():
    obs = slowed_behind_a_fallback()
    obs.front_door = front_door_series(latency_ms=lambda t: 300.0 if t >= 20 else 60.0)
    promised = {"quotes": PromiseOverride(latency_p99_ms=800, during=["recovery"])}
    view = resolve_promises(obs, promised, "quotes")
    result = check_recovery(obs, "quotes", ToleranceSpec(), 10, view)
    assert result.passed, result.summary
    assert result.tolerance["promised_p99_ms"] == 800
    assert result.tolerance["promised_p99_from"] == SOURCE_SCENARIO
    unpromised = check_recovery(obs, "quotes", ToleranceSpec(), 10, resolve_promises(obs, {}, ""))
    assert not unpromised.passed  # 300 ms is five times the baseline's 60 ms


def test_the_evaluation_records_the_view_it_judged_with():
    obs = slowed_behind_a_fallback()
    expect = Expectations(
        promises={"quotes": PromiseOverride(latency_p99_ms=800)}, blast_radius=["news"]
    )
    evaluation = evaluate(obs, expect, "quotes")
    checks = {c.name: c for c in evaluation.checks}
    assert checks["containment news-slowed"].passed
    assert checks["promise quotes"].numbers["promised_in"] == SOURCE_SCENARIO
    recorded = evaluation.evidence["promises"]["quotes"]["endpoints"][0]
    assert recorded["limits"]["latency_p99_ms_from"] == SOURCE_SCENARIO


# --- no check reads a promise source directly -------------------------------------------------

# the sources themselves: where each is read, validated or written at bring-up, and the view
SOURCE_MODULES = {
    "harness/checks/promise_view.py",
    "harness/observe/promises.py",
    "harness/bring_up.py",
    "harness/system.py",
    "harness/system_checks.py",  # checks the promises system.yaml writes, as it reads them
    "harness/scenario.py",
}


def _direct_reads(path: Path) -> list[str]:
    """`x.promises` read anywhere but as an argument of `resolve_promises`, and any use of
    `endpoint_promises` (the journal's raw form)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    handed_to_view = {
        id(node)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "resolve_promises"
        for argument in call.args
        for node in ast.walk(argument)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "promises":
            if isinstance(node.ctx, ast.Load) and id(node) not in handed_to_view:
                found.append(f"{ast.unparse(node)} (line {node.lineno})")
        elif isinstance(node, ast.Name) and node.id == "endpoint_promises":
            found.append(f"endpoint_promises (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom):
            found += [
                f"import of endpoint_promises (line {node.lineno})"
                for alias in node.names
                if alias.name == "endpoint_promises"
            ]
    return found


def test_no_module_reads_a_promise_source_except_through_the_view():
    readers = {}
    for path in sorted((REPO_ROOT / "harness").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative not in SOURCE_MODULES and (found := _direct_reads(path)):
            readers[relative] = found
    assert readers == {}, f"read the promises from `resolve_promises`' view instead: {readers}"


def test_the_grep_finds_a_direct_read(tmp_path):
    # the test above must be able to fail: a check reading the journal's promises is caught
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from harness.observe.promises import endpoint_promises\n"
        "def bound(obs, expect):\n"
        "    resolve_promises(obs, expect.promises, 'x')\n"
        "    return obs.promises, expect.promises\n"
    )
    assert _direct_reads(sneaky) == [
        "import of endpoint_promises (line 1)",
        "obs.promises (line 4)",
        "expect.promises (line 4)",
    ]
