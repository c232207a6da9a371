"""A scenario, as described by its YAML file: system, load, phases, faults, expectations.

`load_scenario_and_system` reads and checks a scenario in two steps. Pydantic checks each field
(types, units, ranges, unknown keys) and `validate_model` turns its first error into file:line and
the field; then the scenario is checked against its system (edges, services, replica counts, the
fault window), citing each field's line through `YamlSource.line_of`. Any problem is a
`ScenarioError` (exit 2) and nothing is started. The format is described in docs/scenarios.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from harness.durations import DurationS
from harness.errors import ScenarioError
from harness.fault_protocols import fault_protocol_problem
from harness.fault_targets import (
    EdgeTarget,
    InstanceTarget,
    ServiceTarget,
    Strict,
    candidate_instances,
    edge_named,
    edges_of_target,
    unknown_service_message,
)
from harness.scenario_faults import (
    FAULT_TYPES,
    INSTANCE_FAULT_TYPES,
    PROXY_FAULT_TYPES,
    TOXIC_FAULT_TYPES,
    BandwidthFault,
    DownFault,
    FaultBase,
    FaultSpec,
    InstanceFault,
    KillFault,
    LatencyFault,
    LimitDataFault,
    Name,
    PauseFault,
    PositiveDurationS,
    ResetPeerFault,
    SlicerFault,
    SlowCloseFault,
    TimeoutFault,
)
from harness.system import SystemSpec, load_system
from harness.yaml_source import YamlSource, dotted, load_yaml, validate_model

__all__ = [
    "FAULT_TYPES",
    "INSTANCE_FAULT_TYPES",
    "PHASE_NAMES",
    "PROXY_FAULT_TYPES",
    "TOXIC_FAULT_TYPES",
    "BandwidthFault",
    "DownFault",
    "EdgeTarget",
    "Expectations",
    "FaultSpec",
    "Guardrail",
    "InstanceTarget",
    "KillFault",
    "LatencyFault",
    "LimitDataFault",
    "LoadSpec",
    "PauseFault",
    "PhasesSpec",
    "PromiseOverride",
    "ResetPeerFault",
    "Scenario",
    "ServiceTarget",
    "SlicerFault",
    "SlowCloseFault",
    "SteadyStateSpec",
    "TimeoutFault",
    "ToleranceSpec",
    "check_against_system",
    "load_scenario",
    "load_scenario_and_system",
    "scenario_json_schema",
]

PHASE_NAMES = ("warmup", "baseline", "faults", "recovery")
GUARDRAIL_METRICS = ("front_door_error_rate", "front_door_p99_ms")
# a fault ending a hair after the window because of float sums is still inside it
_WINDOW_SLACK_S = 1e-9
# the shortest a phase becomes under --time-scale (never longer than the scenario wrote)
SCALED_PHASE_FLOOR_S = {"warmup": 3.0, "baseline": 5.0, "recovery": 10.0}


# --- load, phases ----------------------------------------------------------------------------


class LoadSpec(Strict):
    users: Annotated[int, Field(ge=1)] = 10
    spawn_rate: Annotated[float, Field(gt=0, description="users started per second")] = 10.0
    workers: Annotated[int, Field(ge=0, description="Locust workers; 0 = one process")] = 0
    # passed to the locustfile as FIREBREAK_TASK_WEIGHTS (JSON): task name -> weight
    tasks: dict[str, Annotated[int, Field(ge=0)]] | None = None


class PhasesSpec(Strict):
    """Phase lengths in seconds, run in field order; the runner holds nothing else."""

    warmup_s: DurationS = Field(0.0, alias="warmup")
    baseline_s: PositiveDurationS = Field(alias="baseline")
    faults_s: PositiveDurationS = Field(alias="faults")
    recovery_s: DurationS = Field(0.0, alias="recovery")

    def lengths_s(self) -> dict[str, float]:
        """Phase name → length in seconds, in run order."""
        return dict(zip(PHASE_NAMES, self.as_tuple_s(), strict=True))

    def as_tuple_s(self) -> tuple[float, float, float, float]:
        return (self.warmup_s, self.baseline_s, self.faults_s, self.recovery_s)


# --- expectations, guardrails ----------------------------------------------------------------


class SteadyStateSpec(Strict):
    """Before the faults and after recovery: the front door's errors, degraded answers and p99,
    and (where services export them) fallbacks served and breakers open."""

    error_rate_max: Annotated[float, Field(ge=0, le=1)] = 0.01
    p99_ms_max: Annotated[float, Field(gt=0)] | None = None
    # also the most of a dependency's calls a caller may answer from its fallback
    degraded_rate_max: Annotated[float, Field(ge=0, le=1)] = 0.01
    allow_open_breakers: bool = False


class PromiseOverride(Strict):
    """A scenario's tighter or looser limits for one service's published promise."""

    latency_p99_ms: Annotated[float, Field(gt=0)] | None = None
    availability: Annotated[float, Field(gt=0, le=1)] | None = None
    # The phases these limits hold in; the published promise holds in the others. Lets a
    # scenario say "orders may refuse more while inventory is frozen" without loosening baseline.
    during: list[Literal["baseline", "faults", "recovery"]] | None = None


class ToleranceSpec(Strict):
    """How far an indicator may move from baseline and still count as unmoved."""

    error_rate_delta: Annotated[float, Field(ge=0, le=1)] = 0.02
    p99_factor: Annotated[float, Field(ge=1)] = 3.0
    p99_floor_ms: Annotated[float, Field(ge=0)] = 50.0


class Expectations(Strict):
    steady_state: SteadyStateSpec = SteadyStateSpec()
    promises: dict[str, PromiseOverride] = {}
    fallbacks: list[str] = []  # edges whose fallback must fire during the faults phase
    breakers: list[str] = []  # edges whose breaker must open during the faults and close after
    blast_radius: list[str] = []  # services allowed to move, besides the targets
    recovery_s_max: DurationS | None = None
    # None: judged when the system declares integrity paths or relations (declared is judged);
    # true: judged, and nothing declared fails as no evidence; false: not judged
    integrity: bool | None = None
    tolerance: ToleranceSpec = ToleranceSpec()
    # attempts that reached a faulted dependency per logical call its caller made, on every
    # faulted edge (a number) or per edge (`caller->callee: ratio`); judged on every faulted edge
    # whether or not it is given (harness/checks/amplification.py has the default budget)
    max_amplification: (
        Annotated[float, Field(ge=1)] | dict[str, Annotated[float, Field(ge=1)]] | None
    ) = None


class Guardrail(Strict):
    """Abort the run when `metric` stays above `above` for `for` seconds."""

    metric: Literal["front_door_error_rate", "front_door_p99_ms"]
    above: float
    for_s: DurationS = Field(0.0, alias="for")


# --- the scenario ----------------------------------------------------------------------------


class Scenario(Strict):
    name: Name
    description: Annotated[str, Field(min_length=1, description="what this scenario proves")]
    system: str  # relative to the scenario file
    platform: Literal["local", "docker", "kubernetes"] = "local"
    seed: int = 1
    load: LoadSpec = LoadSpec()
    phases: PhasesSpec
    faults: list[FaultSpec] = []
    expect: Expectations = Expectations()
    guardrails: list[Guardrail] = []
    # the fault on an experiment arm beside an untouched control arm, judged as their
    # difference (harness/split_plan.py; local and Docker platforms)
    split: bool = False
    _path: Path = PrivateAttr(default=Path("scenario.yaml"))

    @model_validator(mode="before")
    @classmethod
    def _name_unnamed_faults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("faults"), list):
            return data
        named = []
        for index, fault in enumerate(data["faults"]):
            if isinstance(fault, dict) and fault.get("name") is None and "type" in fault:
                # dashes: the default name must itself be a valid name (`reset_peer` is not)
                fault = {**fault, "name": f"{str(fault['type']).replace('_', '-')}-{index}"}
            named.append(fault)
        return {**data, "faults": named}

    @property
    def path(self) -> Path:
        """The file this scenario was read from."""
        return self._path

    @property
    def system_path(self) -> Path:
        return (self._path.parent / self.system).resolve()

    @property
    def total_duration_s(self) -> float:
        return sum(self.phases.as_tuple_s())

    def fault_end_s(self, fault: FaultBase) -> float:
        """When `fault` ends, as an offset from the start of the faults phase."""
        if fault.duration_s is None:
            return self.phases.faults_s
        return fault.at_s + fault.duration_s

    def task_weights_env(self) -> dict[str, str]:
        """The environment that hands the task mix to the locustfile (empty without one)."""
        if self.load.tasks is None:
            return {}
        return {"FIREBREAK_TASK_WEIGHTS": json.dumps(self.load.tasks, sort_keys=True)}

    def scaled(self, time_scale: float) -> Scenario:
        """A copy with every phase and fault time multiplied by `time_scale`.

        Fault parameters (`latency_ms`...), guardrail windows and `recovery_s_max` are not scaled:
        they describe the system, whose timeouts and breakers keep their own clock.
        """
        if not time_scale > 0 or math.isinf(time_scale):
            raise ScenarioError(
                f"The time scale {time_scale} cannot be used; expected a number above 0, "
                "such as 0.2 for a run five times shorter."
            )

        def scale(seconds: float) -> float:
            # rounded to the microsecond so that 24 * 0.2 prints as 4.8, not 4.800000000000001
            return round(seconds * time_scale, 6)

        # warm-up, baseline and recovery keep a floor: the system's breakers, retries and
        # the recovery check's stability window run on their own clock, so a verdict taken over
        # a too-short phase would measure the scale, not the system
        phases = self.phases.model_copy(
            update={
                f"{name}_s": max(scale(length_s), min(length_s, SCALED_PHASE_FLOOR_S.get(name, 0)))
                for name, length_s in self.phases.lengths_s().items()
            }
        )
        faults = [
            fault.model_copy(
                update={
                    "at_s": scale(fault.at_s),
                    "duration_s": None if fault.duration_s is None else scale(fault.duration_s),
                }
            )
            for fault in self.faults
        ]
        copy = self.model_copy(update={"phases": phases, "faults": faults})
        copy._path = self._path
        return copy


def load_scenario_and_system(path: Path | str) -> tuple[Scenario, SystemSpec]:
    """Read a scenario and its system and check them together; any problem raises an
    `InputError` (`ScenarioError`, or `SystemSpecError` for the system file's own problems)."""
    path = Path(path)
    source = load_yaml(path, ScenarioError)
    _check_fault_types(source)
    scenario = validate_model(source, Scenario, ScenarioError)
    scenario._path = path.resolve()
    _check_fault_window(source, scenario)
    _check_unique_fault_names(source, scenario)
    system_path = scenario.system_path
    if not system_path.is_file():
        raise _fail(
            source,
            ("system",),
            f"The system file `{scenario.system}` does not exist (looked for {system_path}); "
            "expected a path to a system.yaml, relative to the scenario file.",
        )
    system = load_system(system_path)
    check_against_system(source, scenario, system)
    return scenario, system


def load_scenario(path: Path | str) -> Scenario:
    """Read and fully check a scenario (its system included)."""
    return load_scenario_and_system(path)[0]


def _fail(source: YamlSource, field_path: tuple[str | int, ...], message: str) -> ScenarioError:
    return ScenarioError(
        message, path=str(source.path), line=source.line_of(field_path), field=dotted(field_path)
    )


def _check_fault_types(source: YamlSource) -> None:
    # checked before pydantic, whose discriminator error names neither the field nor the value
    faults = source.data.get("faults") if isinstance(source.data, dict) else None
    if not isinstance(faults, list):
        return
    valid = ", ".join(f"`{t}`" for t in FAULT_TYPES)
    for index, fault in enumerate(faults):
        if not isinstance(fault, dict):
            continue
        if "type" not in fault:
            raise _fail(
                source, ("faults", index), f"A fault needs a `type`; expected one of {valid}."
            )
        if fault["type"] not in FAULT_TYPES:
            raise _fail(
                source,
                ("faults", index, "type"),
                f"Unknown fault type `{fault['type']}`; expected one of {valid}.",
            )


def _check_fault_window(source: YamlSource, scenario: Scenario) -> None:
    window_s = scenario.phases.faults_s
    for index, fault in enumerate(scenario.faults):
        if fault.at_s >= window_s:
            raise _fail(
                source,
                ("faults", index, "at"),
                f"The fault starts at {fault.at_s:g} s, but the faults phase lasts "
                f"{window_s:g} s; expected an offset below {window_s:g} s from its start.",
            )
        if isinstance(fault, KillFault) and fault.replace and fault.duration_s is not None:
            raise _fail(
                source,
                ("faults", index, "duration"),
                "A kill with `replace: true` is instantaneous and has no duration; expected "
                "no `duration`, or `replace: false` to keep the replica gone for that long.",
            )
        end_s = scenario.fault_end_s(fault)
        if end_s > window_s + _WINDOW_SLACK_S:
            raise _fail(
                source,
                ("faults", index, "duration"),
                f"The fault ends at {end_s:g} s (at {fault.at_s:g} s + {fault.duration_s:g} s), "
                f"after the faults phase ends at {window_s:g} s; expected `at` + `duration` "
                f"of at most {window_s:g} s.",
            )


def _check_unique_fault_names(source: YamlSource, scenario: Scenario) -> None:
    first_index: dict[str, int] = {}
    for index, fault in enumerate(scenario.faults):
        assert fault.name is not None  # the scenario names every fault
        if fault.name in first_index:
            raise _fail(
                source,
                ("faults", index, "name"),
                f"The fault name `{fault.name}` is already used by "
                f"faults[{first_index[fault.name]}]; expected a name unique in the scenario.",
            )
        first_index[fault.name] = index


def check_against_system(source: YamlSource, scenario: Scenario, system: SystemSpec) -> None:
    """Every edge, service and replica count the scenario names exists in `system`."""
    for index, fault in enumerate(scenario.faults):
        try:
            if isinstance(fault, InstanceFault):
                candidate_instances(system, fault.target)
            else:
                edges_of_target(system, fault.target)
        except ValueError as exc:
            raise _fail(source, _target_field(fault, index, system), str(exc)) from None
        edges = [] if isinstance(fault, InstanceFault) else edges_of_target(system, fault.target)
        names = [edge.name for edge in edges]
        problem = fault_protocol_problem(str(fault.type), fault.name or "", names, system)
        if problem:
            raise _fail(source, ("faults", index, "type"), problem)
    for service in scenario.expect.promises:
        if service not in system.services:
            field_path = ("expect", "promises", service)
            raise _fail(source, field_path, unknown_service_message(system, service))
    for index, service in enumerate(scenario.expect.blast_radius):
        if service not in system.services:
            field_path = ("expect", "blast_radius", index)
            raise _fail(source, field_path, unknown_service_message(system, service))
    for field_name in ("fallbacks", "breakers"):
        for index, edge_name in enumerate(getattr(scenario.expect, field_name)):
            try:
                edge_named(system, edge_name)
            except ValueError as exc:
                raise _fail(source, ("expect", field_name, index), str(exc)) from None
    if isinstance(scenario.expect.max_amplification, dict):
        for edge_name in scenario.expect.max_amplification:
            try:
                edge_named(system, edge_name)
            except ValueError as exc:
                raise _fail(source, ("expect", "max_amplification", edge_name), str(exc)) from None


def _target_field(fault: FaultBase, index: int, system: SystemSpec) -> tuple[str | int, ...]:
    """The part of a fault's target an error is about: the service if unknown, else the selector."""
    target = getattr(fault, "target", None)
    if isinstance(target, InstanceTarget):
        known = target.service in system.services
        selector = next((k for k in ("count", "labels") if getattr(target, k) is not None), None)
        key = selector if known and selector else "service"
        return ("faults", index, "target", key)
    if isinstance(target, EdgeTarget):
        return ("faults", index, "target", "edge")
    if isinstance(target, ServiceTarget):
        return ("faults", index, "target", "service")
    return ("faults", index, "target")


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, for editors (what a person may write)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Firebreak scenario"
    return schema
