"""Load: Locust in child processes, read back as a per-second stream.

Importing this package never imports Locust (only `harness.load.child` does, in its own process).
"""

from harness.child_processes import log_tail
from harness.load.driver import LoadDriver
from harness.load.stream import EndpointSecond, LoadSecond, parse_line
from harness.load.totals import LoadTotals, total_load

__all__ = [
    "EndpointSecond",
    "LoadDriver",
    "LoadSecond",
    "LoadTotals",
    "log_tail",
    "parse_line",
    "total_load",
]
