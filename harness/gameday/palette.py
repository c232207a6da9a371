"""The console's fault palette: every fault type of the scenario format, with its parameters as
a form describes them, and a console request turned into the same fault model a scenario file
gives (validated by the same pydantic models, so a fault the console accepts is one a scenario
may hold, and `--replay` can write it back).

Pure logic: nothing here touches a platform."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from harness.errors import InputError
from harness.fault_targets import candidate_instances, edges_of_target
from harness.scenario_faults import INSTANCE_FAULT_TYPES, FaultBase, FaultSpec, InstanceFault
from harness.system import SystemSpec

# the fields every fault has, set by the console itself rather than by the form's parameters
NOT_PARAMETERS = {"name", "at", "duration", "target", "type"}
# a parameter's unit, read from its name's suffix (the scenario format's own convention)
UNITS = {"_ms": "ms", "_us": "µs", "_kbps": "KB/s", "_bytes": "bytes", "_s": "s"}
_ADAPTER: TypeAdapter[Any] = TypeAdapter(FaultSpec)
# one line each, in the words of docs/scenarios.md
DESCRIPTIONS = {
    "latency": "Delay every answer on the edge (Toxiproxy latency, with optional jitter).",
    "bandwidth": "Throttle the edge to a rate in kilobytes per second.",
    "slow_close": "Delay closing the connection after the answer.",
    "timeout": "Blackhole the edge: data stops; 0 ms holds connections until reverted.",
    "reset_peer": "Reset connections (TCP RST), after an optional delay.",
    "slicer": "Cut answers into small pieces with delays between them.",
    "limit_data": "Close connections after so many bytes.",
    "down": "Take the edge's proxy down: connections are refused.",
    "http_error": "Answer a share of the edge's HTTP requests with a status; the callee never "
    "sees them.",
    "http_abort": "Close a share of the edge's HTTP connections once the request is read.",
    "http_delay": "Hold back a share of the callee's answers before their headers go out.",
    "grpc_error": "Answer a share of the edge's gRPC calls with a gRPC status (UNAVAILABLE...); "
    "the callee never sees them.",
    "kill": "Kill instances of a service; with replace, the platform starts new ones.",
    "pause": "Freeze instances of a service (SIGSTOP, the engine's pause) until reverted.",
}


class ConsoleRequestError(InputError):
    """A console request that cannot become a fault: the message names the field."""


class ConsoleConflict(InputError):
    """A request the exercise cannot take now (still measuring the baseline, already ended)."""


def _models() -> dict[str, type[FaultBase]]:
    union = get_args(FaultSpec)[0]
    models = {}
    for model in get_args(union):
        fault_type = get_args(model.model_fields["type"].annotation)[0]
        models[fault_type] = model
    return models


FAULT_MODELS = _models()


def _unit_and_label(name: str) -> tuple[str | None, str]:
    for suffix, unit in UNITS.items():
        if name.endswith(suffix):
            return unit, name[: -len(suffix)].replace("_", " ")
    return None, name.replace("_", " ")


def _parameter(name: str, schema: dict[str, Any], required: set[str]) -> dict[str, Any]:
    unit, label = _unit_and_label(name)
    kind = schema.get("type", "string")
    return {
        "name": name,
        "label": label,
        "unit": unit,
        "type": kind if kind in ("integer", "number", "boolean") else "string",
        "default": schema.get("default"),
        "required": name in required,
        "minimum": schema.get("minimum", schema.get("exclusiveMinimum")),
        "maximum": schema.get("maximum"),
        "choices": schema.get("enum"),
        "description": schema.get("description", ""),
    }


def palette() -> list[dict[str, Any]]:
    """Every fault type, its kind (`edge` or `instance`) and its parameters, defaults filled."""
    entries = []
    for fault_type, model in FAULT_MODELS.items():
        schema = model.model_json_schema(by_alias=True)
        required = set(schema.get("required", []))
        entries.append(
            {
                "type": fault_type,
                "kind": "instance" if fault_type in INSTANCE_FAULT_TYPES else "edge",
                "description": DESCRIPTIONS.get(fault_type, ""),
                "params": [
                    _parameter(name, field, required)
                    for name, field in schema["properties"].items()
                    if name not in NOT_PARAMETERS
                ],
            }
        )
    return entries


def targets(system: SystemSpec) -> dict[str, list[str]]:
    """What each kind of fault can hit: edges by name, services (for their instances)."""
    return {
        "edge": [edge.name for edge in system.edges()],
        "instance": list(system.services),
    }


def fault_from_request(
    request: dict[str, Any], name: str, system: SystemSpec
) -> tuple[FaultBase, float | None]:
    """The fault model a console request describes, named `name`, and its duration in seconds
    (None: until stopped). `ConsoleRequestError` names the field at fault."""
    fault_type = request.get("type")
    if fault_type not in FAULT_MODELS:
        valid = ", ".join(f"`{t}`" for t in FAULT_MODELS)
        raise ConsoleRequestError(
            f"Unknown fault type `{fault_type}`; expected one of {valid}.", field="type"
        )
    params = request.get("params") or {}
    if not isinstance(params, dict):
        raise ConsoleRequestError("Expected the parameters as an object.", field="params")
    unknown = sorted(set(params) & NOT_PARAMETERS)
    if unknown:
        raise ConsoleRequestError(
            f"`{unknown[0]}` is set by the console, not a parameter.", field=f"params.{unknown[0]}"
        )
    duration_s = request.get("duration_s")
    if duration_s is not None and (
        not isinstance(duration_s, int | float) or isinstance(duration_s, bool) or duration_s <= 0
    ):
        raise ConsoleRequestError(
            f"The duration {duration_s!r} cannot be used; expected seconds above 0, or none "
            "(until stopped).",
            field="duration_s",
        )
    document = {
        **params,
        "type": fault_type,
        "name": name,
        "target": request.get("target"),
        "at": 0,
        "duration": duration_s,
    }
    try:
        spec = _ADAPTER.validate_python(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        # pydantic's location starts with the union's tag (the fault type): drop it
        field = ".".join(str(part) for part in error["loc"] if str(part) != fault_type)
        if field and not field.startswith("target") and field != "duration":
            field = f"params.{field}"
        raise ConsoleRequestError(f"{error['msg']}.", field=field or None) from None
    _check_target(spec, system)
    return spec, duration_s


def _check_target(spec: FaultBase, system: SystemSpec) -> None:
    try:
        if isinstance(spec, InstanceFault):
            candidate_instances(system, spec.target)
        else:
            edges_of_target(system, spec.target)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise ConsoleRequestError(str(exc), field="target") from None
