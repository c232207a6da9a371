"""What a scenario's fault hits, as pydantic models, and those targets resolved against a system:
an edge by name or `{edge:}`, every edge into a service (`{service:}`), or instances of a service
(all, `count`, `percent` or `labels`). The helpers raise `ValueError` naming the valid choices,
which `harness.scenario` turns into a `ScenarioError` citing the field's line."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from harness.system import Edge, SystemSpec


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EdgeTarget(Strict):
    edge: str


class ServiceTarget(Strict):
    """Every edge into the service (for a toxic or `down`)."""

    service: str


def _label_text(value: Any) -> Any:
    # `replica: 0` in YAML is an int; labels are strings, as in Kubernetes
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class InstanceTarget(Strict):
    """Instances of a service: all of them, `count` or `percent` of them, or those with `labels`."""

    service: str
    count: Annotated[int, Field(gt=0)] | None = None
    percent: Annotated[float, Field(gt=0, le=100)] | None = None
    labels: dict[str, Annotated[str, BeforeValidator(_label_text)]] | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> InstanceTarget:
        chosen = [k for k in ("count", "percent", "labels") if getattr(self, k) is not None]
        if len(chosen) > 1:
            raise ValueError(
                "Choose instances one way: expected at most one of `count`, `percent` and "
                f"`labels`, not {' and '.join(f'`{k}`' for k in chosen)}"
            )
        return self


def _proxy_target_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "edge name"
    if isinstance(value, EdgeTarget) or (isinstance(value, dict) and "edge" in value):
        return "edge mapping"
    if isinstance(value, ServiceTarget) or (isinstance(value, dict) and "service" in value):
        return "service mapping"
    return None


# The tags have spaces so they never collide with a document key when errors are located.
ProxyTarget = Annotated[
    Annotated[str, Tag("edge name")]
    | Annotated[EdgeTarget, Tag("edge mapping")]
    | Annotated[ServiceTarget, Tag("service mapping")],
    Discriminator(
        _proxy_target_kind,
        custom_error_type="invalid_target",
        custom_error_message="This target is neither an edge name nor a mapping with `edge` or "
        "`service`; expected an edge name such as `gateway->recommendations`, `{edge: NAME}` or "
        "`{service: NAME}`",
    ),
]


def edges_of_target(system: SystemSpec, target: str | EdgeTarget | ServiceTarget) -> list[Edge]:
    """The edges a proxy fault hits; `ValueError` names the valid choices when there are none."""
    if isinstance(target, ServiceTarget):
        if target.service not in system.services:
            raise ValueError(unknown_service_message(system, target.service))
        # only the entrypoint has an edge from `load`, so this is every edge into the service
        edges = system.edges_into(target.service)
        if not edges:
            raise ValueError(
                f"No edge leads into `{target.service}`; expected a service that something "
                "calls, or an edge name."
            )
        return edges
    edge_name = target.edge if isinstance(target, EdgeTarget) else target
    return [edge_named(system, edge_name)]


def edge_named(system: SystemSpec, name: str) -> Edge:
    for edge in system.edges():
        if edge.name == name:
            return edge
    valid = ", ".join(f"`{e.name}`" for e in system.edges())
    raise ValueError(
        f"There is no edge `{name}` in system `{system.name}`; expected one of {valid}."
    )


def instance_ids(system: SystemSpec, service: str) -> list[str]:
    """The ids every platform gives a service's replicas: `<service>-<replica index>`."""
    return [f"{service}-{replica}" for replica in range(system.services[service].replicas)]


def instance_labels(service: str, instance_id: str) -> dict[str, str]:
    return {"app": service, "replica": instance_id.rsplit("-", 1)[1]}


def candidate_instances(system: SystemSpec, target: InstanceTarget) -> tuple[list[str], int]:
    """The instances a kill/pause may pick from and how many it picks; `ValueError` if invalid."""
    if target.service not in system.services:
        raise ValueError(unknown_service_message(system, target.service))
    ids = instance_ids(system, target.service)
    if target.labels is not None:
        matching = [
            i for i in ids if instance_labels(target.service, i).items() >= target.labels.items()
        ]
        if not matching:
            raise ValueError(
                f"No instance of `{target.service}` has the labels {target.labels}; expected "
                f"labels `app: {target.service}` and `replica` between 0 and {len(ids) - 1}."
            )
        return matching, len(matching)
    if target.count is not None:
        if target.count > len(ids):
            raise ValueError(
                f"`{target.service}` has {len(ids)} replica(s), so {target.count} cannot be "
                f"picked; expected a count between 1 and {len(ids)}."
            )
        return ids, target.count
    if target.percent is not None:
        # at least one: a percent that rounds to nobody would silently test nothing
        return ids, max(1, math.ceil(len(ids) * target.percent / 100))
    return ids, len(ids)


def unknown_service_message(system: SystemSpec, service: str) -> str:
    valid = ", ".join(f"`{name}`" for name in system.services)
    return f"There is no service `{service}` in system `{system.name}`; expected one of {valid}."
