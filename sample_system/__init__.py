"""The Firebreak sample store: six small services that show resilience patterns under fault.

Each service is a FastAPI app started by ``python -m sample_system.<service>``; every call
between services goes through the toolkit in :mod:`sample_system.common`.
"""

SERVICE_NAMES: tuple[str, ...] = (
    "gateway",
    "catalog",
    "recommendations",
    "inventory",
    "orders",
    "payments",
)

__all__ = ["SERVICE_NAMES"]
