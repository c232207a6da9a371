"""A split run's two arms (issue 24): which service's replicas are divided, which of them form the
experiment arm (the fault reaches only them) and which the control (the same load, the same
seconds, untouched). Pure logic, from the system and the resolved timeline.

- **Edge faults** on `caller->callee`: the caller's replicas are divided. The experiment's reach
  the callee through the edge's own proxy, which the fault acts on; the control's through a
  second proxy of that edge that no fault touches.
- **Instance faults** (kill, pause): the targeted replicas are the experiment, the service's other
  replicas the control, behind the same balancer.

The arms can be told apart at the front door only when the divided service is the entrypoint:
the front door's balancer then names the replica that served each answer. Deeper, a request
reaches the divided service through whichever caller replica it met, so the front door's
figures cannot be split by arm; those checks stay time-based (docs/scenarios.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from harness.errors import ScenarioError
from harness.fault_targets import instance_ids
from harness.scenario_faults import HTTP_MODE_FAULT_TYPES
from harness.system import SystemSpec
from harness.timeline import Timeline

EXPERIMENT = "experiment"
CONTROL = "control"
# the key of `Instance.labels` that names a replica's arm where the platform, not the plan, knows
# it (Kubernetes: the pod's Deployment)
INSTANCE_ARM_LABEL = "arm"


@dataclass(frozen=True)
class SplitPlan:
    service: str  # whose replicas are divided
    replicas: int  # how many it runs in the split run (at least 2)
    experiment: tuple[str, ...]  # instance ids the fault reaches
    control: tuple[str, ...]
    edges: tuple[str, ...]  # faulted edges of `service`: each gets a second, control proxy
    added_replica: bool  # the service runs one replica: a second is started for the control
    attributable: bool  # the front door can tell the arms apart
    by_instance: bool = False  # the experiment is the replicas a kill or pause targets

    def arm_of(self, instance_id: str) -> str | None:
        if instance_id in self.experiment:
            return EXPERIMENT
        return CONTROL if instance_id in self.control else None

    def arm_of_instance(self, instance_id: str, labels: Mapping[str, str]) -> str | None:
        """The arm a running replica serves in: as its platform labelled it (Kubernetes binds
        `gateway-0` to whichever pod of either arm's Deployment), else by the plan's ids."""
        return labels.get(INSTANCE_ARM_LABEL) or self.arm_of(instance_id)

    def served_by(self, arm: str) -> tuple[str, ...]:
        """The names the front door's balancer may give an arm's answers: its replicas' ids
        (local, Docker: a server per replica), and the arm's own name (Kubernetes, where the
        cluster names the pods: a server per arm, each an arm's Service)."""
        return (*(self.experiment if arm == EXPERIMENT else self.control), arm)

    def describe(self) -> str:
        said = (
            f"split run: `{self.service}` {', '.join(self.experiment)} (experiment) against "
            f"{', '.join(self.control)} (control)"
        )
        if self.added_replica:
            said += f"; `{self.service}` runs one replica, so a second was started for the control"
        if not self.attributable:
            said += (
                f"; `{self.service}` is not the front door, so the front door's figures are "
                "judged over time, not by arm"
            )
        return said


def plan_split(system: SystemSpec, timeline: Timeline) -> SplitPlan:
    """The arms for the scenario's faults; ScenarioError when they cannot be divided."""
    edge_callers: dict[str, set[str]] = {}
    instances: set[str] = set()
    for event in timeline.events:
        for edge_name in event.targets.edges:
            caller = edge_name.split("->", 1)[0]
            edge_callers.setdefault(caller, set()).add(edge_name)
        instances.update(event.targets.instances)
    if not edge_callers and not instances:
        raise ScenarioError("split: the scenario has no fault, so there is nothing to compare.")
    answered = sorted(
        {e.fault_name for e in timeline.events if e.fault_type in HTTP_MODE_FAULT_TYPES}
    )
    if answered:
        # the answer is made in the edge's balancer, which both arms' proxies reach: the
        # control would get the same errors, and "no worse than the control" would pass
        raise ScenarioError(
            f"split: the errors of {', '.join(f'`{n}`' for n in answered)} are answered by the "
            "edge's balancer, which the control arm passes too, so the arms could not differ; "
            "split a scenario of network or instance faults, or run this one without `--split`."
        )
    if "load" in edge_callers:
        raise ScenarioError(
            "split: a fault on the front door's own edge reaches every request, so no replica "
            "is left to be the control; fault an edge of the entrypoint instead."
        )
    services = set(edge_callers) | {_service_of(i) for i in instances}
    if len(services) > 1:
        raise ScenarioError(
            "split: a split run divides one service's replicas, and these faults act on "
            f"{', '.join(f'`{s}`' for s in sorted(services))}; split a scenario per service."
        )
    (service,) = services
    ids = _replica_ids(system, service)
    if instances:
        experiment = tuple(sorted(instances))
        if len(experiment) == len(ids):
            raise ScenarioError(
                f"split: the faults reach every replica of `{service}`, so none is left to be "
                "the control."
            )
    else:
        experiment = tuple(ids[: len(ids) // 2])
    return SplitPlan(
        service=service,
        replicas=len(ids),
        experiment=experiment,
        control=tuple(i for i in ids if i not in experiment),
        edges=tuple(sorted(edge_callers.get(service, ()))),
        added_replica=system.services[service].replicas < 2,
        attributable=service == system.entrypoint,
        by_instance=bool(instances),
    )


def plan_sweep_split(
    system: SystemSpec, rows: Iterable[str], platform_name: str = "local"
) -> SplitPlan:
    """A sweep's or a game day's arms, one layout for every cell or step (both deploy once):
    the entrypoint's replicas halved, each of its edges among `rows` given a control proxy. A
    cell on one of those edges is then judged by arm at the front door; every other one over
    time. ScenarioError when no row is an edge of the entrypoint, or `platform_name` cannot hold
    the arms (`refuse_split_on`)."""
    service = system.entrypoint
    edges = tuple(sorted({row for row in rows if row.startswith(f"{service}->")}))
    if not edges:
        raise ScenarioError(
            f"split: a sweep's control arm is the entrypoint's (`{service}`) other replicas, "
            f"and no cell faults an edge of `{service}`; sweep its edges (`--only "
            f"{service}->…`), or run without `--split`."
        )
    ids = _replica_ids(system, service)
    experiment = tuple(ids[: len(ids) // 2])
    plan = SplitPlan(
        service=service,
        replicas=len(ids),
        experiment=experiment,
        control=tuple(i for i in ids if i not in experiment),
        edges=edges,
        added_replica=system.services[service].replicas < 2,
        attributable=True,
    )
    refuse_split_on(platform_name, system, plan)
    return plan


def _replica_ids(system: SystemSpec, service: str) -> list[str]:
    """The divided service's replicas in a split run: its own, and a second for the control
    where it runs one."""
    if system.services[service].replicas >= 2:
        return instance_ids(system, service)
    return [f"{service}-0", f"{service}-1"]


def refuse_split_on(platform_name: str, system: SystemSpec, plan: SplitPlan) -> None:
    """ScenarioError (exit 2, before anything starts) where a platform cannot hold the arms."""
    if platform_name == "kubernetes" and plan.by_instance:
        raise ScenarioError(
            "split: on Kubernetes an arm is a Deployment and the cluster picks which of its pods "
            "a kill or pause reaches, so a split of instance faults runs on the local and Docker "
            "platforms; run it with `--platform local` or `--platform docker`, or without "
            "`--split`."
        )
    dialed = [
        edge
        for edge in plan.edges
        if system.services[plan.service].dependencies[edge.split("->", 1)[1]].host_name
    ]
    if platform_name in ("docker", "kubernetes") and dialed:
        raise ScenarioError(
            f"split: `{plan.service}` dials {', '.join(dialed)} by a host name written in it, "
            "which points every replica at the same proxy; a control arm needs its own, so run "
            "this split on the local platform."
        )


def _service_of(instance_id: str) -> str:
    return instance_id.rsplit("-", 1)[0]


# -- what a platform asks of a split run: None is a plain run ------------------
def replicas_of(split: SplitPlan | None, system: SystemSpec, service: str) -> int:
    """How many replicas `service` runs: the divided service at least two."""
    if split is not None and service == split.service:
        return split.replicas
    return system.services[service].replicas


def tells_arms(split: SplitPlan | None, edge_name: str) -> bool:
    """Whether this edge is the front door of a split run, which names the replica that served
    each answer."""
    return bool(split and split.attributable and edge_name == f"load->{split.service}")


def control_edges_of(split: SplitPlan | None, instance_id: str) -> tuple[str, ...]:
    """The faulted edges a control replica reaches through their control proxies (none for an
    experiment replica, or another service's)."""
    return split.edges if split is not None and instance_id in split.control else ()
