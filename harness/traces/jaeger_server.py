"""Finding and running the real Jaeger (v2: OTLP receiver, in-memory storage, query API and UI
in one binary), built from its Go module by `scripts/build-jaeger.sh`."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.child_processes import log_tail_note, stop_child
from harness.errors import PlatformError, ToolMissingError
from harness.executables import is_executable, overridden
from harness.ports import stable_free_port

JAEGER_VERSION = "v1.75.0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT_JAEGER = PROJECT_ROOT / ".tools" / "jaeger" / JAEGER_VERSION / "bin" / "jaeger"
INSTALL_HINT = (
    "Build it with `make jaeger` (scripts/build-jaeger.sh: `go get -tool "
    f"github.com/jaegertracing/jaeger/cmd/jaeger@{JAEGER_VERSION}` in a module of ours), or point "
    "FIREBREAK_JAEGER at a jaeger v2 binary. A run without traces: `--no-traces`."
)
# the in-memory store's bound: a run's traces, never the machine's memory
MAX_TRACES = 200_000
READY_POLL_S = 0.1


def find_jaeger() -> Path:
    """`FIREBREAK_JAEGER`, then the project's .tools/jaeger, then `jaeger` on PATH."""
    override = overridden("FIREBREAK_JAEGER", INSTALL_HINT)
    if override is not None:
        return override
    if is_executable(PROJECT_JAEGER):
        return PROJECT_JAEGER
    on_path = shutil.which("jaeger")
    if on_path:
        return Path(on_path)
    raise ToolMissingError("Jaeger was not found. " + INSTALL_HINT)


@dataclass(frozen=True)
class JaegerPorts:
    """Where one Jaeger listens: OTLP over HTTP (services send there), the query API and UI,
    and the query's gRPC port (unused, but it must not take Jaeger's fixed default)."""

    otlp_http: int
    query_http: int
    query_grpc: int


def jaeger_config(host: str, ports: JaegerPorts, max_traces: int = MAX_TRACES) -> str:
    """Jaeger v2's configuration (an OpenTelemetry Collector's): OTLP/HTTP in, memory storage,
    the query API; no metrics port of its own (a fixed 8888 would clash between runs)."""
    return f"""\
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
    traces:
      level: none
extensions:
  jaeger_query:
    # Jaeger's own tracing would send its spans to a fixed 127.0.0.1:4317
    enable_tracing: false
    storage:
      traces: run_store
    http:
      endpoint: "{host}:{ports.query_http}"
    grpc:
      endpoint: "{host}:{ports.query_grpc}"
  jaeger_storage:
    backends:
      run_store:
        memory:
          max_traces: {max_traces}
receivers:
  otlp:
    protocols:
      http:
        endpoint: "{host}:{ports.otlp_http}"
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: run_store
"""


def wait_query_ready(query_url: str, timeout_s: float, log_note: str = "") -> None:
    """Until Jaeger's query API answers (it starts after its receivers)."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{query_url}/api/services", timeout=1.0)
            if answer.status_code == 200:
                return
            last = f"it answered {answer.status_code}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}"
        time.sleep(READY_POLL_S)
    raise PlatformError(
        f"Jaeger's query API at {query_url} did not answer within {timeout_s:g} s ({last})."
        + log_note
    )


class JaegerServer:
    """One Jaeger process on loopback, owned by a run: its OTLP endpoint and its query API."""

    def __init__(self, run_dir: Path, host: str = "127.0.0.1") -> None:
        self.host = host
        self.ports = JaegerPorts(*(stable_free_port(host) for _ in range(3)))
        self.config_path = run_dir / "jaeger.yaml"
        self.log_path = run_dir / "logs" / "jaeger.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def otlp_endpoint(self) -> str:
        """What `OTEL_EXPORTER_OTLP_ENDPOINT` holds for a service on this machine."""
        return f"http://{self.host}:{self.ports.otlp_http}"

    @property
    def harness_otlp_url(self) -> str:
        """Where the harness sends its own spans (the faults): here, the same endpoint."""
        return self.otlp_endpoint

    @property
    def query_url(self) -> str:
        """Jaeger's query API, and its UI, for the harness and for people."""
        return f"http://{self.host}:{self.ports.query_http}"

    @property
    def version(self) -> str:
        return JAEGER_VERSION

    def start(self, ready_timeout_s: float = 20.0) -> None:
        binary = find_jaeger()
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(jaeger_config(self.host, self.ports))
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "--config", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the harness, which tears down in order
            )
        try:
            wait_query_ready(self.query_url, ready_timeout_s, log_tail_note(self.log_path))
        except PlatformError:
            self.stop()
            raise

    def stop(self, timeout_s: float = 5.0) -> None:
        stop_child(self.process, timeout_s)
