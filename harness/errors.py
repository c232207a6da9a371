"""The exceptions Firebreak raises on purpose.

    FirebreakError                 anything the harness expects and explains
    ├── InputError                 bad input: exit code 2, nothing started
    │   ├── SystemSpecError        a system.yaml that cannot be run
    │   └── ScenarioError          a scenario that cannot be run
    ├── ToolMissingError           a real part (Toxiproxy, Locust) is not installed: exit 3
    ├── PlatformError              the platform could not deploy, kill, pause...: exit 3
    ├── FaultError                 Toxiproxy refused or failed an operation: exit 3
    └── LoadError                  the load child failed: exit 3

Every message is a whole sentence that names what went wrong and what was expected.
"""

from __future__ import annotations

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_HARNESS_ERROR = 3
# the machine interfered with the measurement: neither a pass nor a failure (rerun)
EXIT_INCONCLUSIVE = 4


class FirebreakError(Exception):
    """Base of every error the harness raises on purpose."""

    exit_code: int = EXIT_HARNESS_ERROR


class InputError(FirebreakError):
    """Input that cannot be run: reported with its file, line and field; nothing is started."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        what = f"`{field}`: " if field else ""
        super().__init__(f"{where}{what}{message}")


class SystemSpecError(InputError):
    """A system description (system.yaml) that cannot be run."""


class ScenarioError(InputError):
    """A scenario that cannot be run."""


class ToolMissingError(FirebreakError):
    """A real part the harness needs is not installed."""


class PlatformError(FirebreakError):
    """The platform could not do what was asked (deploy, readiness, kill, pause)."""


class FaultError(FirebreakError):
    """Toxiproxy refused or failed an operation; carries the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class LoadError(FirebreakError):
    """The load child (Locust) failed to start or died."""
