"""Watching the machine while a run measures: how busy it is, how much of that is the run itself,
and how late the harness's own timer wakes (see `harness.checks.interference`)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import psutil

from harness.observe.every_second import every_second
from harness.observe.series import HostPoint

PROC_STAT = Path("/proc/stat")
PSI_CPU = Path("/proc/pressure/cpu")
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_s() -> float | None:
    """CPU seconds every core has spent busy since boot (None where /proc/stat is absent)."""
    try:
        first = PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...
    ticks = [int(v) for v in first[1:9]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / CLOCK_TICKS_PER_S


def psi_cpu_some_avg10() -> float | None:
    try:
        line = PSI_CPU.read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    for part in line.split():
        if part.startswith("avg10="):
            return float(part.removeprefix("avg10="))
    return None


class HostMonitor:
    """Once a second, a `HostPoint`; `our_pids` names the run's processes (their descendants
    count too). The harness's own process counts without its other children: inside a test
    session or a user's program, those are not the run's."""

    def __init__(
        self, our_pids: Callable[[], Iterable[int]], on_second: Callable[[HostPoint], None]
    ) -> None:
        self._our_pids = our_pids
        self._on_second = on_second
        self._cpu_by_pid: dict[int, float] = {}
        self._last_sample_t = time.time()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy_before: float | None = None
        self._wall_before = time.monotonic()

    def _ours_cpu_s(self) -> float:
        """CPU seconds the run's processes used since the last call."""
        pids: set[int] = {os.getpid()}
        for pid in self._our_pids():
            try:
                process = psutil.Process(pid)
                pids.add(pid)
                pids.update(child.pid for child in process.children(recursive=True))
            except psutil.Error:
                continue
        used = 0.0
        now: dict[int, float] = {}
        for pid in pids:
            try:
                process = psutil.Process(pid)
                times = process.cpu_times()
                # a process started since the last sample (a replaced replica) used all of its
                # time in this second: none of it is another workload's
                new = process.create_time() >= self._last_sample_t
            except psutil.Error:
                continue
            now[pid] = times.user + times.system
            used += now[pid] - self._cpu_by_pid.get(pid, 0.0 if new else now[pid])
        self._cpu_by_pid = now
        self._last_sample_t = time.time()
        return max(0.0, used)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="host-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._busy_before = busy_cpu_s()
        self._ours_cpu_s()  # the starting counts
        self._wall_before = time.monotonic()
        every_second(self._stop, self._sample)

    def _sample(self, t_s: int, tick_lag_ms: float) -> None:
        busy_now, wall_now = busy_cpu_s(), time.monotonic()
        elapsed_s = max(wall_now - self._wall_before, 1e-3)
        ours = self._ours_cpu_s() / elapsed_s
        busy = (
            (busy_now - self._busy_before) / elapsed_s
            if busy_now is not None and self._busy_before is not None
            else ours
        )
        self._on_second(
            HostPoint(
                t=t_s,
                busy_cores=round(busy, 3),
                ours_cores=round(min(ours, busy), 3),
                psi_cpu_some_pct=psi_cpu_some_avg10(),
                tick_lag_ms=round(tick_lag_ms, 1),
            )
        )
        self._busy_before, self._wall_before = busy_now, wall_now

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
