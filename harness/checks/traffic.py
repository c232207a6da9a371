"""What crossed an edge or a replica in a window, from the balancer's per-second counts
(`harness.observe.edge_traffic`): the outside evidence that a fault touched traffic, that a
declared edge is really used, and how many attempts reached a dependency.

An edge in HTTP mode is judged by its requests; one in TCP mode by its connections (opened in the
window, or open during it): a caller that keeps connections alive opens few, but a caller that
never uses the edge opens none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.checks.windows import front_door_points, inside
from harness.observe.edge_traffic import TrafficPoint
from harness.observe.series import Observations
from harness.system import LOAD_CALLER


@dataclass(frozen=True)
class Traffic:
    requests: int | None  # None: counted in TCP mode, where requests are not seen
    connections: int  # opened in the window
    open_connections_max: int  # the most open at the end of any second of it
    # a gRPC edge in HTTP mode: its answers by `grpc-status` ("trailers": a status not seen)
    grpc_status: dict[str, int] | None = None

    @property
    def grpc_failures(self) -> int | None:
        """Answers with a non-zero `grpc-status` (seen in the headers); None: not counted."""
        if self.grpc_status is None:
            return None
        return sum(n for status, n in self.grpc_status.items() if status not in ("0", "trailers"))

    @property
    def touched(self) -> bool:
        if self.requests is not None:
            return self.requests > 0
        return self.connections > 0 or self.open_connections_max > 0

    def describe(self) -> str:
        if self.requests is not None and self.grpc_status is not None:
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.grpc_status.items()))
            return f"{self.requests} requests (gRPC answers by status: {statuses or 'none'})"
        if self.requests is not None:
            return f"{self.requests} requests"
        return (
            f"{self.connections} connections opened, up to {self.open_connections_max} open "
            "(a TCP edge: requests are not counted)"
        )


def measured(obs: Observations) -> bool:
    """Whether the balancer's counts were read at all during the run."""
    return bool(obs.edge_evidence.get("samples_ok"))


def not_measured_reason(obs: Observations) -> str:
    if not obs.edge_evidence:
        return "this run's journal holds no edge traffic (recorded before Firebreak counted it)"
    if obs.edge_evidence.get("why"):
        return str(obs.edge_evidence["why"])
    failed = obs.edge_evidence.get("samples_failed", 0)
    return f"the balancer's counters could not be read ({failed} attempts failed)"


def _in_window(points: list[TrafficPoint], start: float, end: float) -> Traffic:
    within = [p for p in points if inside(p.t, start, end)]
    # an HTTP edge counts requests in every point, the seconds outside the window included
    http = any(p.requests is not None for p in points)
    grpc: dict[str, int] | None = None
    if any(p.grpc_status is not None for p in points):
        grpc = {}
        for point in within:
            for status, count in (point.grpc_status or {}).items():
                grpc[status] = grpc.get(status, 0) + count
    return Traffic(
        requests=sum(p.requests or 0 for p in within) if http else None,
        connections=sum(p.connections for p in within),
        open_connections_max=max((p.open_connections for p in within), default=0),
        grpc_status=grpc,
    )


def edge_mode(obs: Observations, edge: str) -> str | None:
    return obs.edge_evidence.get("modes", {}).get(edge)


def edge_traffic(obs: Observations, edge: str, start: float, end: float) -> Traffic:
    traffic = _in_window(obs.edges.get(edge, []), start, end)
    if edge_mode(obs, edge) == "http" and traffic.requests is None:
        return Traffic(0, traffic.connections, traffic.open_connections_max)
    return traffic


def replica_traffic(obs: Observations, instance: str, start: float, end: float) -> Traffic | None:
    """None where the balancer does not see replicas (Docker, Kubernetes)."""
    if not obs.replicas:
        return None
    return _in_window(obs.replicas.get(instance, []), start, end)


def declared_edges(obs: Observations) -> list[str]:
    return sorted(obs.edge_evidence.get("modes", {}))


def edges_into(obs: Observations, service: str) -> list[str]:
    return [e for e in declared_edges(obs) if e.split("->", 1)[1] == service]


def edge_variable(obs: Observations, edge: str) -> str | None:
    return obs.edge_evidence.get("declared", {}).get(edge, {}).get("env")


def requests_served(
    obs: Observations, service: str, entrypoint: str, start: float, end: float
) -> int | None:
    """Requests `service` was sent in the window as seen from outside it: the load's for the
    entrypoint, else what its HTTP edges in counted; None where nothing outside counts them."""
    if service == entrypoint:
        return sum(p.requests for p in front_door_points(obs, start, end))
    counted = [edge_traffic(obs, e, start, end) for e in edges_into(obs, service)]
    requests = [t.requests for t in counted if t.requests is not None]
    return sum(requests) if requests and len(requests) == len(counted) else None


def bypass_warnings(obs: Observations, entrypoint: str, start: float, end: float) -> list[str]:
    """Declared edges that carried nothing while their caller was busy: the caller likely
    reaches its callee another way (another variable, a hard-coded address), so a fault on the
    edge would test nothing."""
    if not measured(obs):
        return []
    warnings = []
    for edge in declared_edges(obs):
        caller = edge.split("->", 1)[0]
        if caller == LOAD_CALLER:
            continue
        caller_busy = (
            bool(requests_served(obs, caller, entrypoint, start, end))
            if caller == entrypoint
            else any(edge_traffic(obs, e, start, end).touched for e in edges_into(obs, caller))
        )
        if not caller_busy or edge_traffic(obs, edge, start, end).touched:
            continue
        warnings.append(
            bypass_message(
                edge,
                edge_variable(obs, edge),
                f"during the baseline while `{caller}` served requests",
            )
        )
    return warnings


def bypass_message(edge: str, variable: str | None, while_busy: str) -> str:
    caller, callee = edge.split("->", 1)
    how = f"`{variable}`" if variable else "the variable system.yaml names"
    return (
        f"`{edge}` carried no traffic {while_busy}: `{caller}` may reach `{callee}` another "
        f"way than {how} (a bypass, or a call made only on requests the load does not send), "
        "so a fault on this edge would test nothing."
    )


def traffic_numbers(traffic: Traffic) -> dict[str, Any]:
    return {
        "requests": traffic.requests,
        "connections": traffic.connections,
        "open_connections_max": traffic.open_connections_max,
        **({"grpc_status": traffic.grpc_status} if traffic.grpc_status is not None else {}),
    }


class BypassWatch:
    """The same question asked live, while a system is up (`firebreak up`): fed each second's
    traffic, it names once each declared edge that has carried nothing while its caller has
    been sent requests for `after_s` seconds."""

    def __init__(
        self, edge_names: list[str], variables: dict[str, str | None], after_s: int = 10
    ) -> None:
        self.edge_names = [e for e in edge_names if not e.startswith(f"{LOAD_CALLER}->")]
        self.variables = variables
        self.after_s = after_s
        self.busy_s: dict[str, int] = {}  # service → seconds it was sent requests
        self.used: set[str] = set()
        self.warned: set[str] = set()

    def feed(self, edges: dict[str, TrafficPoint]) -> list[str]:
        busy = {name for name, point in edges.items() if point.busy}
        self.used |= busy
        for callee in {name.split("->", 1)[1] for name in busy}:
            self.busy_s[callee] = self.busy_s.get(callee, 0) + 1
        found = []
        for edge in self.edge_names:
            caller = edge.split("->", 1)[0]
            if (
                edge in self.used
                or edge in self.warned
                or self.busy_s.get(caller, 0) < self.after_s
            ):
                continue
            self.warned.add(edge)
            found.append(
                bypass_message(
                    edge,
                    self.variables.get(edge),
                    f"while `{caller}` was sent requests for {self.after_s} s",
                )
            )
        return found
