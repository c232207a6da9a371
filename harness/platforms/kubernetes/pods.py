"""The run's replicas on Kubernetes, as the stable instances the rest of Firebreak knows
(`orders-0`, `orders-1`...), each bound to whichever pod fills it now.

A watch on the namespace's pods keeps a view of them. A deleted pod frees its slot (`killed` if
Firebreak deleted it, `exited` otherwise); the ReplicaSet's replacement takes the free slot and
the slot is `running` again when the pod is Ready, said as `restarted` with the seconds from the
kill to Ready, measured from the watch's events. Paused slots stay paused until resumed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as k8s
from kubernetes import watch

from harness.errors import PlatformError
from harness.platforms.base import (
    INSTANCE_DOWN,
    INSTANCE_PAUSED,
    INSTANCE_REMOVED,
    INSTANCE_RUNNING,
    EventListener,
    Instance,
    PlatformEvent,
)
from harness.platforms.kubernetes.manifests import LABEL_ROLE
from harness.platforms.kubernetes.split_arms import LABEL_ARM
from harness.platforms.supervision import slot_of
from harness.split_plan import INSTANCE_ARM_LABEL

INSTANCE_STARTING = "starting"


@dataclass
class PodView:
    name: str
    service: str
    ready: bool
    deleting: bool
    container_id: str | None  # containerd's id, for pausing on the local node
    created_s: float
    arm: str | None = None  # a split run's arm: the Deployment the pod belongs to


@dataclass
class PodSlot:
    service: str
    replica: int
    state: str = INSTANCE_STARTING
    pod: str | None = None
    restarts: int = 0
    killed_at_s: float | None = None  # monotonic, for the replacement's time to Ready
    restore_pending: bool = False
    url: str = ""  # a local port forwarded to this slot's pod
    labels: dict[str, str] = field(default_factory=dict)
    arm: str | None = None  # the bound pod's arm in a split run (the scraper counts by arm)

    @property
    def instance_id(self) -> str:
        return f"{self.service}-{self.replica}"

    def snapshot(self) -> Instance:
        labels = {"app": self.service, "replica": str(self.replica), **self.labels}
        if self.pod:
            labels["pod"] = self.pod
        if self.arm:
            labels[INSTANCE_ARM_LABEL] = self.arm
        return Instance(
            self.instance_id,
            self.service,
            self.replica,
            self.state,
            None,
            self.url,
            self.restarts,
            labels,
        )


def pod_view(pod: Any) -> PodView | None:
    labels = pod.metadata.labels or {}
    if labels.get(LABEL_ROLE) != "replica":
        return None
    statuses = (pod.status.container_statuses or []) if pod.status else []
    container_id = statuses[0].container_id if statuses else None
    conditions = (pod.status.conditions or []) if pod.status else []
    ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
    created = pod.metadata.creation_timestamp
    return PodView(
        name=pod.metadata.name,
        service=labels.get("app", ""),
        ready=ready,
        deleting=pod.metadata.deletion_timestamp is not None,
        container_id=container_id.split("://", 1)[-1] if container_id else None,
        created_s=created.timestamp() if created else 0.0,
        arm=labels.get(LABEL_ARM),
    )


class PodSlots:
    """Slots of every service, kept in step with the namespace's pods by a watch."""

    def __init__(self, api: k8s.ApiClient, namespace: str, listeners: list[EventListener]) -> None:
        self.core = k8s.CoreV1Api(api)
        self.namespace = namespace
        self.listeners = listeners
        self.slots: dict[str, PodSlot] = {}
        self.pods: dict[str, PodView] = {}
        self.changed = threading.Condition(threading.RLock())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.killed: set[str] = set()  # pods Firebreak deleted: never bound again
        self.on_bound: Callable[[PodSlot], None] = lambda slot: None

    def add(self, slot: PodSlot) -> None:
        self.slots[slot.instance_id] = slot

    def slot(self, instance_id: str) -> PodSlot:
        return slot_of(self.slots, instance_id)

    def emit(self, kind: str, slot: PodSlot, detail: str = "") -> None:
        event = PlatformEvent(time.time(), kind, slot.service, slot.instance_id, detail)
        for listener in list(self.listeners):
            listener(event)

    # -- the watch ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch_loop, name="pod-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _watch_loop(self) -> None:
        while not self._stop.is_set():
            try:
                listed = self.core.list_namespaced_pod(self.namespace)
                with self.changed:
                    self.pods = {v.name: v for v in map(pod_view, listed.items) if v is not None}
                    self._reconcile()
                stream = watch.Watch()
                for event in stream.stream(
                    self.core.list_namespaced_pod,
                    self.namespace,
                    resource_version=listed.metadata.resource_version,
                    timeout_seconds=30,
                    _request_timeout=40,
                ):
                    if self._stop.is_set():
                        stream.stop()
                        break
                    view = pod_view(event["object"])
                    if view is None:
                        continue
                    with self.changed:
                        if event["type"] == "DELETED":
                            self.pods.pop(view.name, None)
                        else:
                            self.pods[view.name] = view
                        self._reconcile()
            except Exception:  # a dropped watch: list again and go on
                if self._stop.wait(0.5):
                    return

    def _reconcile(self) -> None:
        """Bring the slots in step with the pods (called with the lock held)."""
        bound = {slot.pod for slot in self.slots.values() if slot.pod}
        for slot in self.slots.values():
            view = self.pods.get(slot.pod) if slot.pod else None
            if slot.pod and (view is None or view.deleting):
                if slot.state in (INSTANCE_RUNNING, INSTANCE_PAUSED):
                    slot.state = INSTANCE_DOWN
                    slot.killed_at_s = time.monotonic()
                    self.emit("exited", slot, f"pod {slot.pod} went away")
                slot.pod = None
        for view in sorted(self.pods.values(), key=lambda v: v.created_s):
            if view.deleting or view.name in bound or view.name in self.killed:
                continue
            free = self._free_slot(view.service)
            if free is not None:
                free.pod = view.name
                free.arm = view.arm
                free.restore_pending = False
                if free.state == INSTANCE_REMOVED:
                    free.state = INSTANCE_DOWN
                bound.add(view.name)
                self.on_bound(free)
        for slot in self.slots.values():
            view = self.pods.get(slot.pod) if slot.pod else None
            if view is None or not view.ready:
                continue
            if slot.state == INSTANCE_STARTING:
                slot.state = INSTANCE_RUNNING
            elif slot.state == INSTANCE_DOWN:
                slot.state = INSTANCE_RUNNING
                slot.restarts += 1
                took = time.monotonic() - slot.killed_at_s if slot.killed_at_s else None
                detail = f"replacement pod {slot.pod} Ready"
                if took is not None:
                    detail += f" {took:.2f} s after the kill"
                self.emit("restarted", slot, detail)
        self.changed.notify_all()

    def _free_slot(self, service: str) -> PodSlot | None:
        candidates = [
            s
            for s in self.slots.values()
            if s.service == service
            and s.pod is None
            and (s.state in (INSTANCE_STARTING, INSTANCE_DOWN) or s.restore_pending)
        ]
        return min(candidates, key=lambda s: s.replica) if candidates else None

    # -- waiting --------------------------------------------------------------------------------
    def wait_all_running(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                waiting = [
                    s.instance_id for s in self.slots.values() if s.state != INSTANCE_RUNNING
                ]
                if not waiting:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PlatformError(
                        f"Not Ready within {timeout_s:.0f} s: {', '.join(waiting)} "
                        f"(pods: {self._pod_summary()})."
                    )
                self.changed.wait(min(remaining, 1.0))

    def _pod_summary(self) -> str:
        return (
            ", ".join(f"{v.name} {'ready' if v.ready else 'not ready'}" for v in self.pods.values())
            or "none"
        )

    def mark_killed(self, slot: PodSlot, replace: bool) -> None:
        with self.changed:
            slot.state = INSTANCE_DOWN if replace else INSTANCE_REMOVED
            slot.killed_at_s = time.monotonic()
            if slot.pod:
                self.killed.add(slot.pod)
            slot.pod = None
            self.emit("killed", slot, "pod deleted" + ("" if replace else ", not replaced"))

    def container_of(self, slot: PodSlot) -> str:
        view = self.pods.get(slot.pod) if slot.pod else None
        if view is None or not view.container_id:
            raise PlatformError(f"`{slot.instance_id}` has no running container to pause.")
        return view.container_id

    def set_state(self, slot: PodSlot, state: str, event: str) -> None:
        with self.changed:
            slot.state = state
            self.emit(event, slot)
            self.changed.notify_all()
