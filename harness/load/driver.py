"""The harness side of load: start the Locust child, read its per-second stream, stop it.

The harness never imports Locust (it monkey-patches whatever process imports it); this module
only spawns ``python -m harness.load.child`` and parses JSON lines (see `harness.load.stream`).

The child runs in its own session, so its process group holds the child and any Locust workers
it spawned; `stop()` signals the child, then kills that whole group, so nothing outlives it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from harness.child_processes import log_tail_note
from harness.errors import LoadError
from harness.load.stream import LoadSecond
from harness.load.stream_reader import StreamReader

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 25
GROUP_EXIT_TIMEOUT_S = 5.0
# The directory that holds the `harness` package: put on the child's PYTHONPATH so that
# `python -m harness.load.child` works whether or not the harness is installed.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class LoadDriver:
    """Runs one Locust child process and collects its stream as `LoadSecond`s.

    `on_second` and `on_failure` are called from the driver's reader thread; keep them short.
    """

    def __init__(
        self,
        locustfile: Path,
        host: str,
        users: int,
        spawn_rate: float,
        workers: int = 0,
        seed: int | None = None,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        *,
        on_second: Callable[[LoadSecond], None] | None = None,
        on_failure: Callable[[LoadError], None] | None = None,
        duration_s: float | None = None,
        keep_seconds: bool = True,
    ) -> None:
        if users < 1:
            raise ValueError(f"`users` must be at least 1, not {users}.")
        if spawn_rate <= 0:
            raise ValueError(f"`spawn_rate` must be positive, not {spawn_rate}.")
        if workers < 0:
            raise ValueError(f"`workers` must be 0 (local runner) or more, not {workers}.")
        self.locustfile = Path(locustfile)
        self.host = host
        self.users = users
        self.spawn_rate = spawn_rate
        self.workers = workers
        self.seed = seed
        self.extra_env = dict(env or {})
        self.duration_s = duration_s
        self._log_path = Path(log_path) if log_path is not None else None
        self._on_failure = on_failure

        self._stream = StreamReader(on_second, keep_seconds)
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._exited = threading.Event()
        self._stop_requested = False
        self._failure: LoadError | None = None
        self._failure_raised = False

    # ---- lifecycle -------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The child's command line (also useful in logs and the journal)."""
        command = [
            sys.executable,
            "-m",
            "harness.load.child",
            "--locustfile",
            str(self.locustfile),
            "--host",
            self.host,
            "--users",
            str(self.users),
            "--spawn-rate",
            str(self.spawn_rate),
            "--workers",
            str(self.workers),
        ]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        if self.duration_s is not None:
            command += ["--duration-s", str(self.duration_s)]
        return command

    def _child_env(self) -> dict[str, str]:
        child_env = {**os.environ, **self.extra_env}
        path_entries = [str(_PACKAGE_ROOT), *filter(None, [child_env.get("PYTHONPATH")])]
        child_env["PYTHONPATH"] = os.pathsep.join(path_entries)
        child_env["PYTHONUNBUFFERED"] = "1"
        return child_env

    def start(self, hold: bool = False) -> None:
        """Spawn the child and its reader thread; returns at once (see `wait_started`).

        With `hold`, the child loads Locust and the locustfile, then waits for `release()`
        before starting its users: start it early and the imports overlap other work."""
        if self._proc is not None:
            raise LoadError("This `LoadDriver` was already started; make a new one.")
        if not self.locustfile.is_file():
            raise LoadError(f"The locustfile `{self.locustfile}` does not exist.")
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="firebreak-load-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._log_path, "ab") as log_file:
            # The child gets its own session: one process group to kill, whatever it spawned.
            self._proc = subprocess.Popen(
                self.command() + (["--hold"] if hold else []),
                stdin=subprocess.PIPE if hold else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log_file,
                env=self._child_env(),
                start_new_session=True,
            )
        self._reader = threading.Thread(
            target=self._read_stream, name=f"load-reader-{self._proc.pid}", daemon=True
        )
        self._reader.start()

    def wait_loaded(self, timeout_s: float) -> bool:
        """For a child started with `hold`: True once Locust and the locustfile are loaded."""
        return self._stream.loaded.wait(timeout_s)

    def release(self) -> None:
        """Let a child started with `hold` start its users (see `wait_started`)."""
        self._require_started()
        assert self._proc is not None
        if self._proc.stdin is None:
            return  # not held: its users started by themselves
        with contextlib.suppress(BrokenPipeError):  # it died; wait_started says why
            self._proc.stdin.write(b"go\n")
            self._proc.stdin.close()

    def wait_started(self, timeout_s: float = 30.0) -> None:
        """Block until users are spawning; raise `LoadError` if the child died or is too slow."""
        self._require_started()
        deadline_s = time.monotonic() + timeout_s
        while not self._stream.started.wait(0.05):
            if self._exited.is_set() and not self._stream.started.is_set():
                self._reader_join()
                self._failure = self._failure or self._make_failure("before its users started")
                self.raise_if_failed()
            if time.monotonic() > deadline_s:
                raise LoadError(
                    f"The load child (pid {self.pid}) did not start its users within"
                    f" {timeout_s} s.{self._log_tail_text()}"
                )

    def wait(self, timeout_s: float) -> bool:
        """Wait for a child with `duration_s` to finish by itself; True if it did.

        Raises `LoadError` if it failed.
        """
        self._require_started()
        finished = self._exited.wait(timeout_s)
        if finished:
            self._reader_join()
            self.raise_if_failed()
        return finished

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the child: SIGTERM, wait up to `timeout_s`, then SIGKILL its process group.

        Never raises for the child's own failure (see `raise_if_failed`), so it is safe in a
        `finally`. Always leaves no process of the group behind.
        """
        proc = self._proc
        if proc is None:
            return
        self._stop_requested = True
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()  # a child still held sees the end of its input and leaves
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                logger.warning("Load child pid %s ignored SIGTERM for %s s.", proc.pid, timeout_s)
        # Even after a clean exit: a worker might survive its master.
        self._kill_group()
        proc.wait()
        self._reader_join()

    def raise_if_failed(self) -> None:
        """Raise the `LoadError` of a child that failed on its own, if it did."""
        if self._failure is not None:
            self._failure_raised = True
            raise self._failure

    def __enter__(self) -> LoadDriver:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        # A failure the body already saw (from `wait_started`, `wait`...) is not raised twice.
        if exc_type is None and not self._failure_raised:
            self.raise_if_failed()

    # ---- observations ----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def pgid(self) -> int | None:
        """The child's process group (equal to its pid: it leads its own session)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path | None:
        return self._log_path

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def seconds(self) -> list[LoadSecond]:
        """A copy of the seconds received so far (empty if `keep_seconds` is False)."""
        return self._stream.seconds

    @property
    def done(self) -> dict[str, Any] | None:
        """The child's final `done` line (totals), once it wrote one."""
        return self._stream.done

    @property
    def failure(self) -> LoadError | None:
        return self._failure

    # ---- internals -------------------------------------------------------------------------

    def _require_started(self) -> None:
        if self._proc is None:
            raise LoadError("The `LoadDriver` was not started; call `start()` first.")

    def _read_stream(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace")
                if not self._stream.handle_line(line):
                    logger.warning("Ignoring a line of the load stream: %s", line.strip()[:200])
        finally:
            proc.stdout.close()
            returncode = proc.wait()
            unexpected = not self._stop_requested and (returncode != 0 or self._stream.done is None)
            if unexpected or self._stream.error_message is not None:
                # Its workers may outlive a master that died: clean the group now.
                self._kill_group()
                started = self._stream.started.is_set()
                when = "while running" if started else "before its users started"
                self._failure = self._make_failure(when)
            self._exited.set()
            if self._failure is not None and self._on_failure is not None:
                try:
                    self._on_failure(self._failure)
                except Exception:
                    logger.exception("The `on_failure` callback raised.")

    def _kill_group(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
            os.killpg(self._proc.pid, signal.SIGKILL)
        # SIGKILL is asynchronous: a busy machine can show a killed worker running for a moment.
        deadline_s = time.monotonic() + GROUP_EXIT_TIMEOUT_S
        while group_has_live_members(self._proc.pid) and time.monotonic() < deadline_s:
            time.sleep(0.02)

    def _reader_join(self) -> None:
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=5.0)

    def _make_failure(self, when: str) -> LoadError:
        returncode = self._proc.poll() if self._proc is not None else None
        how = f"exited with code {returncode}"
        if returncode is not None and returncode < 0:
            how = f"was killed by {signal.Signals(-returncode).name}"
        message = self._stream.error_message
        said = f" It said: {message}" if message else ""
        return LoadError(
            f"The load child (pid {self.pid}) {how} {when}.{said}{self._log_tail_text()}"
        )

    def _log_tail_text(self) -> str:
        return log_tail_note(self._log_path, LOG_TAIL_LINES) if self._log_path is not None else ""


def group_has_live_members(pgid: int) -> bool:
    """True while any process of group `pgid` is alive (zombies do not count)."""
    try:
        entries = os.listdir("/proc")
    except OSError:  # no procfs: ask the kernel, which counts zombies too
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state ppid pgrp ...
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False
