"""The environment a replica reads (docs/contracts.md §2), turned into one typed value.

Services receive a :class:`ServiceEnv` instead of reading ``os.environ`` themselves, so tests can
build an app with any settings without touching the process environment.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PATTERNS: frozenset[str] = frozenset(
    {"timeouts", "retries", "breakers", "bulkheads", "fallbacks", "idempotency"}
)

# Ports of system.yaml, used when a service is started by hand without the platform's env.
DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8100,
    "catalog": 8101,
    "recommendations": 8102,
    "inventory": 8103,
    "orders": 8104,
    "payments": 8105,
}


class ConfigError(ValueError):
    """An environment variable holds a value the sample system cannot use."""


def parse_disabled(raw: str) -> frozenset[str]:
    """Parse ``FIREBREAK_DISABLE`` (a comma list) and reject unknown pattern names."""
    names = frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
    unknown = sorted(names - PATTERNS)
    if unknown:
        raise ConfigError(
            f"`FIREBREAK_DISABLE` names unknown patterns {unknown}; "
            f"known ones are {sorted(PATTERNS)}."
        )
    return names


@dataclass(frozen=True)
class ServiceEnv:
    """Everything one replica needs to know about where it runs and how it is tuned."""

    service: str
    instance: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "firebreak-data")
    disabled: frozenset[str] = frozenset()
    breaker_failure_threshold: int = 5
    breaker_reset_s: float = 2.0
    # The rest of the environment, for `<DEP>_URL` and service-specific tuning variables.
    extra: Mapping[str, str] = field(default_factory=dict)

    def enabled(self, pattern: str) -> bool:
        """Tell whether a resilience pattern is on in this service."""
        if pattern not in PATTERNS:
            raise ConfigError(f"`{pattern}` is not a resilience pattern.")
        return pattern not in self.disabled

    def dependency_url(self, env_var: str, default_service: str) -> str:
        """The base URL of a dependency, or the service's default local port."""
        url = self.extra.get(env_var)
        if url:
            return url.rstrip("/")
        return f"http://127.0.0.1:{DEFAULT_PORTS[default_service]}"

    def get_float(self, name: str, default: float) -> float:
        """A float tuning variable from the environment."""
        return _float(self.extra, name, default)

    @property
    def database_path(self) -> Path:
        """The SQLite file every replica of this service shares."""
        return self.data_dir / f"{self.service}.sqlite3"


def _parsed(
    environ: Mapping[str, str], name: str, default: T, convert: Callable[[str], T], what: str
) -> T:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return convert(raw)
    except ValueError as exc:
        raise ConfigError(f"`{name}` must be {what}, not {raw!r}.") from exc


def _int(environ: Mapping[str, str], name: str, default: int | None) -> int | None:
    return _parsed(environ, name, default, int, "an integer")


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    return _parsed(environ, name, default, float, "a number")


def load_env(service: str, environ: Mapping[str, str] | None = None) -> ServiceEnv:
    """Read the platform's environment for ``service`` (defaults suit a run by hand)."""
    env = dict(os.environ if environ is None else environ)
    port = _int(env, "PORT", DEFAULT_PORTS.get(service, 0))
    data_dir = env.get("DATA_DIR") or str(Path(tempfile.gettempdir()) / "firebreak-data")
    return ServiceEnv(
        # The code's own name, not FIREBREAK_SERVICE: it names the database file and the promise.
        service=service,
        instance=env.get("FIREBREAK_INSTANCE") or f"{service}-{os.getpid()}",
        host=env.get("HOST") or "127.0.0.1",
        port=port or 0,
        data_dir=Path(data_dir),
        disabled=parse_disabled(env.get("FIREBREAK_DISABLE", "")),
        breaker_failure_threshold=_int(env, "BREAKER_FAILURE_THRESHOLD", 5) or 5,
        breaker_reset_s=_float(env, "BREAKER_RESET_S", 2.0),
        extra=env,
    )
