"""Firebreak: fault injection and chaos testing for microservices.

The public API; everything else is internal and may change.
"""

from harness.errors import (
    FaultError,
    FirebreakError,
    InputError,
    LoadError,
    PlatformError,
    ScenarioError,
    SystemSpecError,
    ToolMissingError,
)
from harness.system import Edge, SystemSpec, load_system

__version__ = "0.1.0"

__all__ = [
    "Edge",
    "FaultError",
    "FirebreakError",
    "InputError",
    "LoadError",
    "PlatformError",
    "ScenarioError",
    "SystemSpec",
    "SystemSpecError",
    "ToolMissingError",
    "__version__",
    "load_system",
]
