"""Firebreak in pytest: chaos scenarios as tests, for CI gates.

Registered through the `pytest11` entry point, so installing Firebreak is enough.

Run every scenario in a folder as one test each (named after the file), failing with the failed
checks and their numbers::

    pytest --firebreak-scenarios scenarios/ --firebreak-time-scale 0.3

Without other paths on the command line only the scenarios are collected; with paths
(`pytest tests/ --firebreak-scenarios scenarios/`) the scenarios are collected beside them.

Or write the test yourself, with the `chaos` marker and the `firebreak` fixture::

    @pytest.mark.chaos(scenario="scenarios/payments-down.yaml", time_scale=0.3,
                       env={"orders": {"FIREBREAK_DISABLE": "idempotency"}})
    def test_checkout_survives_payments_outage(firebreak):
        result = firebreak.result          # runs the marker's scenario on first use
        assert result.check("data integrity").passed
        result.assert_passed()             # fails listing every failed check with its numbers

    def test_any_scenario(firebreak):
        firebreak.run("scenarios/default.yaml", time_scale=0.3, seed=7).assert_passed()

The rules, in full:

- `firebreak.run(scenario_path=None, *, time_scale=None, seed=None, env=None)` runs a scenario and
  returns a `ChaosResult`; it does not fail the test by itself, so a test can also assert that a
  scenario *fails*. Each argument defaults to the `chaos` marker's, then to the command line.
- `firebreak.result` is the latest run's result; the first time it is read in a marked test that
  has not called `run()`, it runs the marker's scenario.
- A marked test that never calls `run()` nor reads `result` (with or without the fixture) has its
  scenario run after its body, and fails unless every check passed: the marker alone is a gate.
- A scenario that cannot be run (an `InputError`) fails the test with its file:line message;
  nothing is started.
- Every run prints its report path (the HTML report, else the journal) to the test's captured
  output, which pytest shows with a failure and with `-rA`, and records it as the
  `firebreak_report` user property (a JUnit XML property).
- Relative scenario paths are resolved against pytest's rootdir; `env` is
  `{service: {VARIABLE: value}}`, extra environment for that service's instances.
- Ctrl-C or SIGTERM during a run reverts its faults, tears the system down and writes its
  reports, then stops the pytest session as Ctrl-C would (pytest's KeyboardInterrupt summary):
  the next scenario does not start.
- At the start of a session, whatever an earlier, killed session left running (known from the
  ledgers of processes that are gone) is removed first, so its ports are free again.
- Options (`pytest --help`): `--firebreak-scenarios`, `--firebreak-time-scale` (CI: 0.2-0.3),
  `--firebreak-out`, `--firebreak-platform`, `--firebreak-port-offset`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.chaos_result import ChaosResult
from harness.errors import FirebreakError, InputError
from harness.run_files import new_run_dir

__all__ = ["ChaosResult", "Firebreak", "FirebreakSettings"]

MARKER = "chaos"
REPORT_PROPERTY = "firebreak_report"
SCENARIO_SUFFIXES = (".yaml", ".yml")
EnvOverrides = dict[str, dict[str, str]]


# -- running ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FirebreakSettings:
    """The command-line options, resolved once per pytest session."""

    scenarios: Path | None
    time_scale: float
    out_dir: Path | None
    platform: str | None
    port_offset: int
    rootpath: Path

    def resolve(self, scenario_path: str | Path) -> Path:
        path = Path(scenario_path)
        return path if path.is_absolute() else self.rootpath / path


SETTINGS_KEY = pytest.StashKey[FirebreakSettings]()
SESSION_KEY = pytest.StashKey["Firebreak"]()


def run_scenario(
    settings: FirebreakSettings,
    scenario_path: Path,
    item: pytest.Item,
    *,
    time_scale: float,
    seed: int | None = None,
    env: EnvOverrides | None = None,
) -> ChaosResult:
    """Check, run and judge one scenario; bad input fails the test before anything starts."""
    # imported here: every pytest session loads this plugin, most never run a scenario
    from harness.runner import RunOptions, ScenarioRunner
    from harness.scenario import load_scenario_and_system

    env = env or {}
    try:
        scenario, system = load_scenario_and_system(scenario_path)
        unknown = sorted(set(env) - set(system.services))
        if unknown:
            raise InputError(
                f"The service(s) {unknown} are not in system `{system.name}`; expected one of "
                f"{sorted(system.services)}.",
                field="env",
            )
        options = RunOptions(
            time_scale=time_scale,
            seed=seed,
            out_dir=new_run_dir(f"run-{scenario.name}", base=settings.out_dir),
            platform=settings.platform,
            env_overrides=env,
            port_offset=settings.port_offset,
        )
        runner = ScenarioRunner(scenario, system, options, on_message=_say)
        _say(f"running `{scenario.name}` (time scale {time_scale}) in {options.out_dir}")
        run_result = runner.run()
    except InputError as exc:
        pytest.fail(f"The scenario cannot be run (nothing was started): {exc}", pytrace=False)
    except FirebreakError as exc:
        pytest.fail(f"Firebreak could not run `{scenario_path}`: {exc}", pytrace=False)
    result = ChaosResult(scenario.name, run_result)
    _say(f"{scenario.name}: {result.verdict}")
    _say(f"report: {result.report_path}")
    item.user_properties.append((REPORT_PROPERTY, str(result.report_path)))
    return result


def _say(message: str) -> None:
    # printed, not logged: pytest captures it per test and shows it with failures and with -rA
    print(f"firebreak: {message}", flush=True)


class Firebreak:
    """What the `firebreak` fixture gives a test: `run()`, then `result` (see the module doc)."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item
        self._settings = item.config.stash[SETTINGS_KEY]
        self._marker = item.get_closest_marker(MARKER)
        self.results: list[ChaosResult] = []
        self.used = False  # run() called or result read: the test judges for itself

    def run(
        self,
        scenario_path: str | Path | None = None,
        *,
        time_scale: float | None = None,
        seed: int | None = None,
        env: EnvOverrides | None = None,
    ) -> ChaosResult:
        """Run a scenario and return its result; defaults come from the `chaos` marker, then
        from the command line. Does not fail the test on failed checks: assert on the result."""
        self.used = True
        marked = self._marker_options()
        scenario = scenario_path if scenario_path is not None else marked.get("scenario")
        if scenario is None:
            pytest.fail(
                "`firebreak.run()` needs a scenario: pass its path, or mark the test with "
                '`@pytest.mark.chaos(scenario="scenarios/NAME.yaml")`.',
                pytrace=False,
            )
        result = run_scenario(
            self._settings,
            self._settings.resolve(scenario),
            self._item,
            time_scale=_first(time_scale, marked.get("time_scale"), self._settings.time_scale),
            seed=_first(seed, marked.get("seed")),
            env=_first(env, marked.get("env")),
        )
        self.results.append(result)
        return result

    @property
    def result(self) -> ChaosResult:
        """The latest run's result; in a marked test, runs the marker's scenario if none ran."""
        self.used = True
        if not self.results:
            self.run()
        return self.results[-1]

    def judge_marked_run(self) -> None:
        """For a marked test that judged nothing itself: run the scenario, fail unless passed."""
        result = self.run()
        if not result.passed:
            pytest.fail(result.failure_message(), pytrace=False)

    def _marker_options(self) -> dict[str, Any]:
        if self._marker is None:
            return {}
        options = dict(self._marker.kwargs)
        if self._marker.args:
            options.setdefault("scenario", self._marker.args[0])
        unknown = sorted(set(options) - {"scenario", "time_scale", "seed", "env"})
        if unknown:
            pytest.fail(
                f"`@pytest.mark.chaos` got unknown argument(s) {unknown}; it takes `scenario`, "
                "`time_scale`, `seed` and `env`.",
                pytrace=False,
            )
        return options


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _session_for(item: pytest.Item) -> Firebreak:
    if SESSION_KEY not in item.stash:
        item.stash[SESSION_KEY] = Firebreak(item)
    return item.stash[SESSION_KEY]


@pytest.fixture
def firebreak(request: pytest.FixtureRequest) -> Firebreak:
    """Runs Firebreak scenarios for this test: `firebreak.run(path)`, `firebreak.result`."""
    return _session_for(request.node)


# -- scenario files as tests --------------------------------------------------------------------
class ScenarioFile(pytest.File):
    """A scenario YAML file: one test, named after the file, that runs it and judges it."""

    def collect(self) -> Iterator[pytest.Item]:
        # not parsed here: a broken scenario must fail its own test, not abort the collection
        item = ScenarioItem.from_parent(self, name=self.path.stem)
        item.add_marker(MARKER)
        yield item


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        settings = self.config.stash[SETTINGS_KEY]
        result = run_scenario(settings, self.path, self, time_scale=settings.time_scale)
        if not result.passed:
            pytest.fail(result.failure_message(), pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario {self.name}"


# -- hooks --------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("firebreak", "Firebreak chaos scenarios")
    group.addoption(
        "--firebreak-scenarios",
        metavar="DIR",
        default=None,
        help="collect every *.yaml scenario in DIR (or one file) as a test",
    )
    group.addoption(
        "--firebreak-time-scale",
        metavar="F",
        type=float,
        default=1.0,
        help="multiply every phase and fault time by F (default 1.0; CI uses 0.2-0.3)",
    )
    group.addoption(
        "--firebreak-out",
        metavar="DIR",
        default=None,
        help="the folder runs write into (default $FIREBREAK_REPORTS, else reports/)",
    )
    group.addoption(
        "--firebreak-platform",
        choices=["local", "docker", "kubernetes"],
        default=None,
        help="run on this platform instead of the scenario's",
    )
    group.addoption(
        "--firebreak-port-offset",
        metavar="N",
        type=int,
        default=0,
        help="add N to every service port, so runs on one machine do not clash (default 0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chaos(scenario=PATH, time_scale=None, seed=None, env=None): run a Firebreak scenario "
        "for this test; see the `firebreak` fixture.",
    )
    time_scale = config.getoption("firebreak_time_scale")
    if time_scale <= 0:
        raise pytest.UsageError(f"`--firebreak-time-scale` must be above 0, not {time_scale}.")
    invocation_dir = config.invocation_params.dir
    scenarios = config.getoption("firebreak_scenarios")
    out_dir = config.getoption("firebreak_out")
    settings = FirebreakSettings(
        scenarios=(invocation_dir / scenarios).resolve() if scenarios else None,
        time_scale=time_scale,
        out_dir=(invocation_dir / out_dir).resolve() if out_dir else None,
        platform=config.getoption("firebreak_platform"),
        port_offset=config.getoption("firebreak_port_offset"),
        rootpath=config.rootpath,
    )
    config.stash[SETTINGS_KEY] = settings
    if settings.scenarios is not None:
        _add_scenarios_to_args(config, settings.scenarios)


def pytest_sessionstart(session: pytest.Session) -> None:
    # a session that was killed (a CI job's timeout, a SIGKILL) left its systems running and
    # holding their ports: remove what the ledgers of dead owners still hold, before any test
    from harness.cleanup import clean_orphans

    leftovers = clean_orphans()
    if leftovers.ledgers or leftovers.docker_resources_removed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            f"firebreak: cleaned up after {leftovers.ledgers} run(s) whose process was killed: "
            f"{leftovers.processes_killed} processes, {leftovers.proxies_deleted} proxies, "
            f"{leftovers.docker_resources_removed} Docker resources."
        )
        if reporter is not None:
            reporter.write_line(message, yellow=True)


def _add_scenarios_to_args(config: pytest.Config, scenarios: Path) -> None:
    if not scenarios.exists():
        raise pytest.UsageError(f"`--firebreak-scenarios {scenarios}` does not exist.")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        # `pytest --firebreak-scenarios DIR` alone means "run the scenarios", not the whole suite
        config.args = [str(scenarios)]
        return
    given = {(config.invocation_params.dir / arg).resolve() for arg in config.args}
    if scenarios not in given:
        config.args.append(str(scenarios))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    scenarios = parent.config.stash[SETTINGS_KEY].scenarios
    if scenarios is None or file_path.suffix not in SCENARIO_SUFFIXES:
        return None
    if file_path != scenarios and scenarios not in file_path.parents:
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    # after a marked test's body passed without judging a run itself, the marker is the gate;
    # inside the call phase, so the run's output is captured with the test's
    outcome = yield
    if pyfuncitem.get_closest_marker(MARKER) is not None:
        session = _session_for(pyfuncitem)
        if not session.used:
            session.judge_marked_run()
    return outcome
