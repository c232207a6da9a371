"""Load from inside the cluster: on the Kubernetes platform Locust runs as pods of the run's
namespace — one pod (Locust's local runner), or with a scenario's `load.workers` a master and a
pod per worker, the way a team outgrows one load machine. The front door is then measured from
beside it, not through the API server's port-forward tunnel (whose own latency and CPU on a
small node would be judged as the system's).

The master's log is the load stream (`harness.load.stream`, one JSON line a second; Locust's own
log lines are interleaved there and go to the run's load.log). The harness reads it through the
API server, as it reaches everything else of a cluster, so it works where the pod network is out
of reach. Same contract as `harness.load.driver.LoadDriver`: start held, release, wait for the
users, stop (SIGTERM by deleting the master with a grace period: it flushes its last second and
writes `done`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from kubernetes import client as k8s
from kubernetes.stream import stream as k8s_stream

from harness.child_processes import log_tail_note
from harness.errors import LoadError
from harness.load.answers import ACCEPTED_ORDERS_ENV
from harness.load.driver import LOG_TAIL_LINES
from harness.load.stream import LoadSecond
from harness.load.stream_reader import StreamReader
from harness.platforms.kubernetes.api import api_client, create_objects
from harness.platforms.kubernetes.images import pull_policy
from harness.platforms.kubernetes.manifests import (
    ACCEPTED_ORDERS_MARK,
    LOAD_CONTAINER,
    LOAD_GO_FILE,
    LOAD_MASTER,
    LOAD_WORKER,
    LOCUSTFILE_CONFIGMAP,
    LoadPlan,
    ManifestPlan,
    load_objects,
)
from harness.platforms.kubernetes.target import KubeTarget, owner_value

if TYPE_CHECKING:
    from harness.images.builder import ImagePlan
    from harness.system import SystemSpec

logger = logging.getLogger(__name__)

POD_START_TIMEOUT_S = 120.0  # the image is on the node; a slow node still starts a pod in this
WORKERS_END_TIMEOUT_S = 20.0
# a container that waits for one of these will not start by itself
STUCK_REASONS = {
    "ErrImageNeverPull",
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
}


class ClusterLoadDriver:
    """Runs the load pods of one run and collects the master's stream as `LoadSecond`s."""

    def __init__(
        self,
        api: k8s.ApiClient,
        exec_api: k8s.ApiClient,
        namespace: str,
        objects: list[dict[str, Any]],
        workers: int,
        log_path: Path,
        accepted_orders_path: Path | None,
        on_second: Callable[[LoadSecond], None] | None = None,
    ) -> None:
        """`accepted_orders_path`: where this machine keeps the orders the pods saw accepted."""
        self.api = api
        # the client's websocket calls swap its transport while they run: exec gets its own
        # client, so the platform's watches on `api` never go out by websocket
        self._exec_core = k8s.CoreV1Api(exec_api)
        self.namespace = namespace
        self.objects = objects
        self.workers = workers
        self._log_path = log_path
        self._accepted_orders_path = accepted_orders_path
        self._stream = StreamReader(on_second, keep_seconds=False)
        self._core = k8s.CoreV1Api(api)
        self._reader: threading.Thread | None = None
        self._exited = threading.Event()
        self._stop_requested = False
        self._released = False
        self._exit_code: int | None = None
        self._problem: str | None = None  # why the master never ran or ended badly
        self._failure: LoadError | None = None
        self._stopped = False
        self._master_orders: list[str] | None = None  # what the master's log gave after the mark

    # ---- lifecycle (LoadDriver's contract) -----------------------------------------------------
    def start(self, hold: bool = True) -> None:
        """Create the pods; the master loads Locust, waits for its workers, then holds."""
        if self._reader is not None:
            raise LoadError("This load was already started; make a new one.")
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        create_objects(self.api, self.objects, exist_ok=False)
        self._reader = threading.Thread(target=self._follow_master, name="load-pods", daemon=True)
        self._reader.start()
        if not hold:
            self.release()

    def wait_loaded(self, timeout_s: float) -> bool:
        return self._stream.loaded.wait(timeout_s)

    def release(self) -> None:
        """Let the held master start its users: it waits for its go-file, made here by exec."""
        if self._released:
            return
        self._released = True
        deadline_s = time.monotonic() + POD_START_TIMEOUT_S
        while not self._stream.loaded.wait(0.1):
            if self._exited.is_set() or time.monotonic() > deadline_s:
                return  # wait_started says why
        try:
            k8s_stream(
                self._exec_core.connect_get_namespaced_pod_exec,
                LOAD_MASTER,
                self.namespace,
                container=LOAD_CONTAINER,
                command=["touch", LOAD_GO_FILE],
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
            )
        except k8s.ApiException as exc:
            self._problem = f"releasing the load master failed: {exc.reason}"

    def wait_started(self, timeout_s: float = 30.0) -> None:
        """Block until users are spawning; raise `LoadError` if the pods failed or are slow."""
        deadline_s = time.monotonic() + timeout_s
        while not self._stream.started.wait(0.05):
            if self._exited.is_set() or self._problem is not None:
                self._failure = self._failure or self._make_failure("before its users started")
                self.raise_if_failed()
            if time.monotonic() > deadline_s:
                raise LoadError(
                    f"The load pods did not start their users within {timeout_s} s."
                    f"{self._log_tail_text()}"
                )

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the users (SIGTERM to the master), keep the workers' accepted orders, remove the
        load's objects. Never raises for the load's own failure; safe in a `finally`."""
        if self._reader is None or self._stopped:
            return
        self._stopped = True
        self._stop_requested = True
        grace_s = int(timeout_s) if self._stream.started.is_set() else 0
        self._delete_pod(LOAD_MASTER, grace_s)
        if self._reader is not threading.current_thread():
            self._reader.join(timeout_s + 10)
        self._collect_workers()
        for index in range(self.workers):
            self._delete_pod(f"{LOAD_WORKER}-{index}", 0)
        core = self._core
        with contextlib.suppress(k8s.ApiException):
            core.delete_namespaced_service(LOAD_MASTER, self.namespace)
        with contextlib.suppress(k8s.ApiException):
            core.delete_namespaced_config_map(LOCUSTFILE_CONFIGMAP, self.namespace)

    def raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    # ---- observations --------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return None  # its processes are the cluster's, not this machine's to count

    @property
    def log_path(self) -> Path:
        return self._log_path

    # ---- internals -----------------------------------------------------------------------------
    def _follow_master(self) -> None:
        try:
            if self._wait_running(LOAD_MASTER):
                self._read_log()
            self._exit_code = self._exit_code_of(LOAD_MASTER, time.monotonic() + 10.0)
        except Exception as exc:  # the API went away: a failure to report, not a crash
            self._problem = self._problem or f"following the load master failed: {exc}"
        finally:
            unexpected = not self._stop_requested and (
                self._exit_code != 0 or self._stream.done is None
            )
            if unexpected or self._stream.error_message or self._problem:
                started = self._stream.started.is_set()
                self._failure = self._make_failure(
                    "while running" if started else "before its users started"
                )
            self._exited.set()

    def _wait_running(self, pod: str) -> bool:
        """True once the container runs or ran (so it has a log); False with `_problem` set."""
        deadline_s = time.monotonic() + POD_START_TIMEOUT_S
        while time.monotonic() < deadline_s and not self._stop_requested:
            status = self._core.read_namespaced_pod(pod, self.namespace).status
            for container in status.container_statuses or []:
                state = container.state
                if state.running is not None or state.terminated is not None:
                    return True
                if state.waiting is not None and state.waiting.reason in STUCK_REASONS:
                    self._problem = (
                        f"pod {pod} cannot start: {state.waiting.reason}: {state.waiting.message}"
                    )
                    return False
            time.sleep(0.2)
        if not self._stop_requested:
            self._problem = f"pod {pod} did not start within {POD_START_TIMEOUT_S:.0f} s"
        return False

    def _read_log(self) -> None:
        response = self._core.read_namespaced_pod_log(
            LOAD_MASTER,
            self.namespace,
            container=LOAD_CONTAINER,
            follow=True,
            _preload_content=False,
        )
        pending = b""
        with open(self._log_path, "ab") as log_file:
            try:
                for chunk in response.stream(1024):
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for raw in lines:
                        self._take_master_line(raw, log_file)
            finally:
                response.release_conn()
            if pending:
                self._take_master_line(pending, log_file)

    def _take_master_line(self, raw: bytes, log_file: BinaryIO) -> None:
        """A stream line, a log line, or (after the mark) an order the pod saw accepted."""
        line = raw.decode("utf-8", "replace")
        if self._master_orders is not None:
            if line.strip():
                self._master_orders.append(line.strip())
        elif line.strip() == ACCEPTED_ORDERS_MARK:
            self._master_orders = []
        elif not self._stream.handle_line(line):
            log_file.write(raw + b"\n")
            log_file.flush()

    def _exit_code_of(self, pod: str, deadline_s: float) -> int | None:
        """The container's exit code once it ended; None if it still runs at `deadline_s`, or
        at once when the pod is gone."""
        while time.monotonic() < deadline_s:
            try:
                status = self._core.read_namespaced_pod(pod, self.namespace).status
            except k8s.ApiException:
                return None
            for container in status.container_statuses or []:
                if container.state.terminated is not None:
                    return container.state.terminated.exit_code
            time.sleep(0.2)
        return None

    def _collect_workers(self) -> None:
        """Each worker's log, into load.log; the orders it saw accepted, into the run's file
        (the integrity check reads it)."""
        orders: list[str] = list(self._master_orders or [])
        deadline_s = time.monotonic() + WORKERS_END_TIMEOUT_S
        for index in range(self.workers):
            pod = f"{LOAD_WORKER}-{index}"
            code = self._exit_code_of(pod, deadline_s)
            try:
                text = self._core.read_namespaced_pod_log(
                    pod, self.namespace, container=LOAD_CONTAINER
                )
            except k8s.ApiException as exc:
                logger.warning("No log of %s: %s", pod, exc.reason)
                continue
            logged, _, accepted = text.partition(ACCEPTED_ORDERS_MARK)
            with open(self._log_path, "a", encoding="utf-8") as log_file:
                log_file.write(f"--- {pod} (exit code {code}) ---\n{logged}")
            orders += [line for line in accepted.splitlines() if line.strip()]
        if self._accepted_orders_path is not None and orders:
            with open(self._accepted_orders_path, "a", encoding="utf-8") as out:
                out.write("".join(f"{line}\n" for line in orders))

    def _delete_pod(self, pod: str, grace_s: int) -> None:
        with contextlib.suppress(k8s.ApiException):
            self._core.delete_namespaced_pod(pod, self.namespace, grace_period_seconds=grace_s)

    def _make_failure(self, when: str) -> LoadError:
        how = f"exited with code {self._exit_code}" if self._exit_code is not None else "failed"
        said = self._stream.error_message or self._problem
        return LoadError(
            f"The load master pod {how} {when}."
            f"{f' It said: {said}' if said else ''}{self._log_tail_text()}"
        )

    def _log_tail_text(self) -> str:
        return log_tail_note(self._log_path, LOG_TAIL_LINES)


class DeployedCluster(Protocol):
    """What the load needs of a deployed run on a cluster. `KubernetesPlatform` is one; the
    load names the shape, not the class, because the platform starts the load: importing it
    here made the package's one import circle."""

    system: SystemSpec
    api: k8s.ApiClient | None
    namespace: str
    run_label: str
    target: KubeTarget
    image_plan: ImagePlan
    on_message: Callable[[str], None]

    def deliver_images(self, images: list[str]) -> dict[str, str]: ...


def start_cluster_load(
    platform: DeployedCluster,
    *,
    locustfile: Path,
    users: int,
    spawn_rate: float,
    workers: int,
    seed: int | None,
    env: dict[str, str],
    log_path: Path,
    on_second: Callable[[LoadSecond], None] | None,
) -> ClusterLoadDriver:
    """Build (once) and load the load image, create the pods held; returns the started driver."""
    from harness.images.builder import base_image_of
    from harness.images.load_image import ensure_load_image
    from harness.platforms.docker.engine import engine

    if platform.api is None:
        raise LoadError("The platform is not deployed: no cluster to put the load in.")
    client = engine()
    try:
        base = base_image_of(client, platform.image_plan, platform.on_message)
        image = ensure_load_image(client, base, platform.on_message)
    finally:
        client.close()
    node_image = platform.deliver_images([image])[image]
    plan = ManifestPlan(
        namespace=platform.namespace,
        run_label=platform.run_label,
        owner=owner_value(),
        images={},
        toxiproxy_image="",
        pull_policy=pull_policy(platform.target.registry),
    )
    load = LoadPlan(node_image, locustfile.read_text(), users, spawn_rate, workers, seed, env)
    driver = ClusterLoadDriver(
        platform.api,
        api_client(platform.target.kubeconfig, platform.target.context),
        platform.namespace,
        load_objects(platform.system, plan, load),
        workers,
        log_path,
        # the run asks the load for its accepted orders in a file of this machine; the pods
        # write their own and hand them back through their logs (kubernetes/manifests.py)
        Path(env[ACCEPTED_ORDERS_ENV]) if env.get(ACCEPTED_ORDERS_ENV) else None,
        on_second,
    )
    driver.start(hold=True)
    return driver
