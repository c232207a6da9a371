"""gRPC's status codes by name, as a scenario may write them (`UNAVAILABLE` or 14), and the form of
a method's path (`/package.Service/Method`, or `/package.Service/` for every method of one)."""

from __future__ import annotations

from typing import Any

# gRPC's status codes (grpc/grpc doc/statuscodes.md); 0 (OK) is not a failure to inject
GRPC_STATUS_CODES = {
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "DATA_LOSS": 15,
    "UNAUTHENTICATED": 16,
}
GRPC_METHOD_PATTERN = r"^/[A-Za-z0-9_.]+/([A-Za-z0-9_]+)?$"


def grpc_code(value: Any) -> Any:
    """`UNAVAILABLE`, `unavailable` or 14 → 14."""
    if isinstance(value, str) and not value.strip().isdigit():
        code = GRPC_STATUS_CODES.get(value.strip().upper())
        if code is None:
            raise ValueError(
                f"`{value}` is not a gRPC status; expected a name such as `UNAVAILABLE`, "
                "`DEADLINE_EXCEEDED` or `RESOURCE_EXHAUSTED`, or its number 1-16"
            )
        return code
    return value
