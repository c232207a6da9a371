"""The gRPC-and-Redis example on containers: Redis runs from its image built on the offline base
(Debian's redis-server in it), ready once it accepts a connection; storefront reaches it and
pricing through the edge proxies in the forms it reads (`redis://host:port/0`, `host:port`).
One run, the data-store scenario; pricing's gRPC scenario runs locally
(tests/integration/test_bookshop_example.py)."""

from __future__ import annotations

from tests.integration.test_bookshop_example import assert_redis_slow_held, run_bookshop


def test_a_slow_redis_on_docker_costs_only_the_reading_list(tmp_path, docker_client):
    result = run_bookshop("redis-slow", tmp_path / "run", platform="docker")
    journal = assert_redis_slow_held(result)
    assert journal["platform"] == "docker"
    assert journal["system"]["images"]["redis"].startswith("firebreak/bookshop-redis:fb-")
