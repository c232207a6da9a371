"""The shared parts of the sample services: the resilience toolkit, metrics, health and serving.

Errors::

    DependencyUnavailable   a dependency gave no usable answer (reason: timeout, error, status,
                            breaker_open, bulkhead_full); services serve a fallback or answer 503
    ConfigError             an environment variable holds an unusable value
"""

from sample_system.common.config import PATTERNS, ConfigError, ServiceEnv, load_env
from sample_system.common.db import Database
from sample_system.common.metrics import DEGRADED_HEADER, Metrics
from sample_system.common.promise import EndpointPromise, FallbackPromise, Promise
from sample_system.common.resilience import (
    Dependency,
    DependencyPolicy,
    DependencyUnavailable,
    Outcome,
    with_fallback,
)
from sample_system.common.service import (
    DependencySpec,
    Runtime,
    create_service_app,
    read_or_404,
    runtime_of,
)

__all__ = [
    "DEGRADED_HEADER",
    "PATTERNS",
    "ConfigError",
    "Database",
    "Dependency",
    "DependencyPolicy",
    "DependencySpec",
    "DependencyUnavailable",
    "EndpointPromise",
    "FallbackPromise",
    "Metrics",
    "Outcome",
    "Promise",
    "Runtime",
    "ServiceEnv",
    "create_service_app",
    "load_env",
    "read_or_404",
    "runtime_of",
    "with_fallback",
]
