"""Local ports that reach a pod's port through the API server (port-forward over WebSockets), so
the harness reaches Toxiproxy's API, the front door and each replica's health and metrics on any
cluster, also one whose pod network this machine cannot route to.

Each connection accepted on 127.0.0.1:<port> opens its own port-forward to the pod that
`pick_pod()` names at that moment (so a forward to "a live replica of X" follows replacements),
and pumps bytes both ways until either side closes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any

from kubernetes import client as k8s
from kubernetes.stream import portforward

CHUNK_BYTES = 65536


class PodPortForward:
    """127.0.0.1:`local_port` → `remote_port` of the pod `pick_pod()` names per connection."""

    # the client's port-forward swaps its ApiClient's transport while it connects: one
    # client only for forwards, and one connect at a time
    _connect_lock = threading.Lock()

    def __init__(
        self,
        api: k8s.ApiClient,
        namespace: str,
        pick_pod: Callable[[], str | None],
        remote_port: int,
        name: str,
    ) -> None:
        self.core = k8s.CoreV1Api(api)
        self.namespace = namespace
        self.pick_pod = pick_pod
        self.remote_port = remote_port
        self.name = name
        self.errors: list[str] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self.local_port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name=f"forward-{name}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        pod = self.pick_pod()
        if pod is None:
            conn.close()
            return
        try:
            with self._connect_lock:
                forward = portforward(
                    self.core.connect_get_namespaced_pod_portforward,
                    pod,
                    self.namespace,
                    ports=str(self.remote_port),
                )
            remote: Any = forward.socket(self.remote_port)
            remote.setblocking(True)
        except Exception as exc:  # the pod went away between pick and connect: drop this one
            self.errors.append(f"{pod}: {exc}")
            conn.close()
            return
        with self._lock:
            self._open.add(conn)
        pump = threading.Thread(target=_pump, args=(conn, remote), daemon=True)
        pump.start()
        _pump(remote, conn)
        pump.join(timeout=5)
        with self._lock:
            self._open.discard(conn)
        with contextlib.suppress(Exception):
            forward.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


def _pump(source: Any, target: Any) -> None:
    """Copy until `source` ends, then tell `target` nothing more is coming."""
    try:
        while True:
            data = source.recv(CHUNK_BYTES)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
