"""What the gateway promises the storefront, including its answers when dependencies fail."""

from sample_system.common import EndpointPromise, FallbackPromise, Promise

PROMISE = Promise(
    service="gateway",
    endpoints=[
        EndpointPromise(
            method="GET",
            route="/products/{id}",
            latency_p99_ms=500,
            availability=0.99,
            on_dependency_failure={
                "recommendations": FallbackPromise(
                    answer="a default best-seller list", degraded_marker="recommendations"
                ),
                "inventory": FallbackPromise(
                    answer="availability unknown", degraded_marker="inventory"
                ),
                "catalog": FallbackPromise(
                    answer="503 Service Unavailable", degraded_marker=None, status=503
                ),
            },
        ),
        EndpointPromise(
            method="POST",
            route="/orders",
            latency_p99_ms=1200,
            availability=0.99,
            on_dependency_failure={
                "orders": FallbackPromise(
                    answer="503 Service Unavailable", degraded_marker=None, status=503
                ),
            },
        ),
    ],
)
