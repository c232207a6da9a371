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

# the scenario API is imported on first use: `import harness` stays light for the load child
_LAZY = {
    "Scenario": "harness.scenario",
    "load_scenario": "harness.scenario",
    "load_scenario_and_system": "harness.scenario",
    "Timeline": "harness.timeline",
    "plan": "harness.timeline",
    "RunOptions": "harness.runner",
    "RunResult": "harness.runner",
    "ScenarioRunner": "harness.runner",
    "Journal": "harness.reports.journal",
    "read_journal": "harness.reports.journal",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module `harness` has no attribute `{name}`")


__version__ = "0.1.0"

__all__ = [
    "Edge",
    "FaultError",
    "FirebreakError",
    "InputError",
    "Journal",
    "LoadError",
    "PlatformError",
    "RunOptions",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "ScenarioRunner",
    "SystemSpec",
    "SystemSpecError",
    "Timeline",
    "ToolMissingError",
    "__version__",
    "load_scenario",
    "load_scenario_and_system",
    "load_system",
    "plan",
    "read_journal",
]
