"""A failure answered as success is a broken promise (issue 21 §2): a test copy of the sample
whose gateway hides a catalog outage behind a 200 with an error body passes the promise check
(every answer is a 200) and fails the shipped `catalog-down` scenario on its failure answer, with
the numbers. The healthy sample passes the same scenario (test_scenarios_on_sample.py), and the
Node.js example is judged on it in test_examples.py."""

from __future__ import annotations

from pathlib import Path

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run
from tests.integration.test_sample_defects import CI_TIME_SCALE, replace_in, sample_copy

PORT_OFFSET = 2500
PAGE_CHECK = "failure answer gateway GET /products/{id} (catalog-unreachable)"


def gateway_hiding_the_catalog_outage(copy: Path) -> None:
    # the commonest way to get this wrong: the error is caught and the page "answers" anyway
    replace_in(
        copy / "gateway" / "app.py",
        "        for result in catalog_result:\n"
        "            if isinstance(result, BaseException):\n"
        "                raise result\n",
        "        for result in catalog_result:\n"
        "            if isinstance(result, DependencyUnavailable):\n"
        '                return JSONResponse({"error": "the catalog is unavailable"})\n'
        "            if isinstance(result, BaseException):\n"
        "                raise result\n",
    )


def run_catalog_down(system_path: Path, out: Path):
    text = (REPO_ROOT / "scenarios" / "catalog-down.yaml").read_text()
    text = text.replace("system: ../sample_system/system.yaml", f"system: {system_path}")
    path = out.parent / "catalog-down.yaml"
    path.write_text(text)
    scenario, system = load_scenario_and_system(path)

    def run_once(out_dir: Path):
        options = RunOptions(time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET)
        return ScenarioRunner(scenario, system, options).run()

    return judged_run(run_once, out)


def test_a_200_with_an_error_body_during_a_catalog_outage_fails_the_failure_answer(
    tmp_path, toxiproxy_server_binary
):
    copy = sample_copy(tmp_path, gateway_hiding_the_catalog_outage)
    result = run_catalog_down(copy, tmp_path / "run")
    assert result.outcome == "failed" and result.exit_code == 1
    checks = {c.name: c for c in result.checks}
    answer = checks[PAGE_CHECK]
    assert not answer.passed
    numbers = answer.numbers
    assert numbers["answers_with_status"] > 20
    # every page while the cut held was a 200 that neither the promise nor a marker explains
    assert numbers["successes_unexplained"] == numbers["answers_with_status"]
    assert numbers["statuses"].get("503", 0) == 0
    assert (
        f"answered 200 where 503 was promised: {numbers['successes_unexplained']} of "
        f"{numbers['answers_with_status']}"
    ) in answer.summary
    # what the gate missed before: every answer was a 200, so the promise check passed, and
    # no other check saw anything wrong either
    assert checks["promise gateway"].passed, checks["promise gateway"].summary
    assert [c.name for c in result.failed_checks] == [PAGE_CHECK]
