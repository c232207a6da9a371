"""`health: {tcp: true}`: a service that answers no HTTP (a data store, a gRPC server) is ready
once it accepts a TCP connection, on every platform; it is not asked for /metrics or /promise;
and retries on a data store's TCP edge, which no balancer can count, are said to be not judged
instead of failing every scenario on it. Checked on the bookshop example and on made inputs."""

from __future__ import annotations

import socket

import pytest

from harness.balancer.config import BalancerPlan, Replica, ServiceBackend, render_config
from harness.checks.amplification import check_amplification
from harness.errors import SystemSpecError
from harness.observe.edge_traffic import TrafficPoint
from harness.observe.series import FaultWindow, Observations
from harness.platforms.kubernetes.manifests import ManifestPlan, system_objects
from harness.platforms.supervision import tcp_accepts
from harness.system import HealthPaths, load_system
from tests.checks.made_observations import PHASES, front_door_series
from tests.conftest import REPO_ROOT

BOOKSHOP = REPO_ROOT / "examples" / "bookshop" / "system.yaml"


def test_tcp_health_has_no_http_paths_and_refuses_paths_beside_it():
    assert HealthPaths().ready_path == "/health/ready"  # the defaults are kept
    tcp = HealthPaths(tcp=True)
    assert tcp.ready_path is None and tcp.live_path is None
    with pytest.raises(ValueError, match="`tcp: true` checks that a connection is accepted"):
        HealthPaths(tcp=True, ready="/healthz")


def test_a_tcp_service_is_not_scraped_unless_its_metrics_are_written_out(tmp_path):
    system = load_system(BOOKSHOP)
    assert system.services["redis"].health.tcp
    assert system.services["redis"].metric_names() is None
    assert system.services["storefront"].health.ready_path == "/healthz"
    written = tmp_path / "system.yaml"
    written.write_text(
        "name: s\nentrypoint: web\nservices:\n"
        "  web: {command: [x], port: 8000, dependencies: {db: {env: DB_URL,"
        ' address: "redis://{host}:{port}/0"}}}\n'
        "  db: {command: [y], port: 8001, health: {tcp: true}}\n"
        "  exporter: {command: [z], port: 8002, health: {tcp: true}, metrics: opentelemetry}\n"
    )
    system = load_system(written)
    assert system.services["db"].metric_names() is None  # the default preset would only fail
    assert system.services["exporter"].metric_names() is not None  # written out: asked
    assert system.services["web"].dependencies["db"].protocol == "tcp"


def test_tcp_health_with_a_path_names_the_file_and_field(tmp_path):
    written = tmp_path / "system.yaml"
    written.write_text(
        "name: s\nentrypoint: db\nservices:\n"
        "  db: {command: [y], port: 8001, health: {tcp: true, ready: /ready}}\n"
    )
    with pytest.raises(SystemSpecError) as raised:
        load_system(written)
    assert "services.db.health" in str(raised.value) and "system.yaml" in str(raised.value)


def test_the_balancer_checks_a_tcp_service_by_its_connection_only():
    replicas = (Replica("redis-0", 30001),)
    config = render_config(
        BalancerPlan(
            host="127.0.0.1",
            api_address="127.0.0.1:30000",
            services=[
                ServiceBackend("redis", None, replicas, 30003),
                ServiceBackend("web", "/healthz", (Replica("web-0", 30004),), 30005),
            ],
        )
    )
    redis_backend = config.split("backend svc_redis", 1)[1].split("frontend", 1)[0]
    assert "httpchk" not in redis_backend and "http-check" not in redis_backend
    assert "server redis-0 127.0.0.1:30001 check" in redis_backend
    web_backend = config.split("backend svc_web", 1)[1]
    assert "http-check send meth GET uri /healthz" in web_backend


def test_kubernetes_probes_a_tcp_service_with_tcp_socket():
    system = load_system(BOOKSHOP)
    plan = ManifestPlan(
        namespace="fb-test-abc123",
        run_label="test-abc123",
        owner="1-2.00",
        images={s: f"docker.io/firebreak/{s}:fb-1" for s in system.services},
        toxiproxy_image="docker.io/firebreak/toxiproxy:fb-1",
    )
    deployments = {
        o["metadata"]["name"]: o
        for o in system_objects(system, plan, {})
        if o["kind"] == "Deployment"
    }
    redis = deployments["redis"]["spec"]["template"]["spec"]["containers"][0]
    assert redis["readinessProbe"]["tcpSocket"] == {"port": 8402}
    assert "httpGet" not in redis["readinessProbe"] and "tcpSocket" in redis["livenessProbe"]
    storefront = deployments["storefront"]["spec"]["template"]["spec"]["containers"][0]
    assert storefront["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_tcp_readiness_is_a_connection_accepted():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        port = listening.getsockname()[1]
        assert tcp_accepts(f"http://127.0.0.1:{port}")
    assert not tcp_accepts(f"http://127.0.0.1:{port}")  # closed: refused


REDIS_SLOW = FaultWindow("redis-slow", "latency", ["storefront->redis"], ["redis"], 20.0, 30.0)


def store_observations(protocol: str) -> Observations:
    modes = {"load->storefront": "tcp", "storefront->redis": "tcp"}
    return Observations(
        front_door=front_door_series(requests_per_s=20),
        phases=PHASES,
        faults=[REDIS_SLOW],
        edges={"storefront->redis": [TrafficPoint(t, None, 1, 2) for t in range(40)]},
        edge_evidence={
            "source": "the run's HAProxy (test)",
            "samples_ok": 40,
            "samples_failed": 0,
            "modes": modes,
            "declared": {
                "storefront->redis": {
                    "env": "REDIS_URL",
                    "retry_attempts": None,
                    "protocol": protocol,
                },
            },
        },
    )


def test_retries_on_a_data_stores_tcp_edge_are_said_not_judged_never_passed_in_silence():
    (result,) = check_amplification(store_observations("tcp"), None, "storefront")
    assert result.passed, result.summary
    assert result.summary.startswith("Retries during `redis-slow` could not be judged")
    reason = result.numbers["storefront->redis"]["not_judged"]
    assert "TCP edge" in reason and "`storefront` exports no calls and attempts" in reason


def test_an_http_edge_counted_in_tcp_mode_is_still_no_evidence():
    (result,) = check_amplification(store_observations("http"), None, "storefront")
    assert not result.passed and "no evidence for `storefront->redis`" in result.summary
