"""gRPC and data-store edges (issue 22 §5): a dependency's `protocol`, read from its address when
not given; the balancer's mode and HTTP/2 by protocol; `grpc_error` and which edges each HTTP
fault may take (exit 2 otherwise); the gRPC statuses the balancer counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter

from harness.balancer.config import (
    BalancerPlan,
    EdgeFrontend,
    Replica,
    ServiceBackend,
    render_config,
)
from harness.balancer.dns_config import DnsEdge, render_dns_config
from harness.balancer.http_rules import add_command
from harness.balancer.stats import parse_grpc_show
from harness.checks.traffic import _in_window
from harness.cli import main as cli_main
from harness.errors import EXIT_BAD_INPUT, ScenarioError, SystemSpecError
from harness.faults.base import FaultContext
from harness.faults.grpc import method_path, percent_encoded
from harness.faults.registry import build_fault
from harness.observe.edge_traffic import TrafficPoint, _increase
from harness.scenario import load_scenario_and_system
from harness.scenario_faults import FaultSpec
from harness.system import load_system
from harness.timeline import plan

SYSTEM = """\
name: mixed
entrypoint: shop
services:
  shop:
    command: [run]
    port: 18001
    metrics: false
    dependencies:
      pricing: {env: PRICING_ADDR, address: "{host}:{port}", protocol: grpc}
      cache: {env: REDIS_URL, address: "redis://{host}:{port}/0"}
      reviews: {env: REVIEWS_URL}
  pricing: {command: [run], port: 18002}
  cache: {command: [run], port: 18003}
  reviews: {command: [run], port: 18004}
"""

SCENARIO = """\
name: mixed-faults
description: Faults by protocol on a gRPC, a Redis and an HTTP edge.
system: system.yaml
load: {users: 2}
phases: {warmup: 1s, baseline: 2s, faults: 4s, recovery: 1s}
faults:
"""


def write_system(tmp_path: Path, text: str = SYSTEM) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def scenario_with(tmp_path: Path, *faults: str) -> Path:
    write_system(tmp_path)
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO + "".join(f"  - {fault}\n" for fault in faults), encoding="utf-8")
    return path


# --- protocol ---------------------------------------------------------------------------------


def test_a_dependency_protocol_is_read_from_its_address_unless_given(tmp_path: Path) -> None:
    system = load_system(write_system(tmp_path))
    protocols = {name: dep.protocol for name, dep in system.services["shop"].dependencies.items()}
    assert protocols == {"pricing": "grpc", "cache": "tcp", "reviews": "http"}


@pytest.mark.parametrize(
    ("address", "protocol"),
    [
        ("https://{host}:{port}/v1", "http"),
        ("HTTP://{host}:{port}", "http"),
        ("{host}:{port}", "tcp"),
        ("postgres://u:p@{host}:{port}/db", "tcp"),
        ("amqp://{host}:{port}", "tcp"),
    ],
)
def test_the_default_protocol_follows_the_address_form(
    tmp_path: Path, address: str, protocol: str
) -> None:
    text = SYSTEM.replace("{env: REVIEWS_URL}", f'{{env: REVIEWS_URL, address: "{address}"}}')
    assert load_system(write_system(tmp_path, text)).services["shop"].dependencies[
        "reviews"
    ].protocol == (protocol)


def test_an_unknown_protocol_names_its_field_and_the_choices(tmp_path: Path) -> None:
    text = SYSTEM.replace("protocol: grpc", "protocol: h2")
    with pytest.raises(SystemSpecError) as raised:
        load_system(write_system(tmp_path, text))
    error = raised.value
    assert error.field == "services.shop.dependencies.pricing.protocol"
    assert error.line == 9  # the `pricing:` line
    assert "`h2` is not a protocol" in str(error) and "`grpc`" in str(error)


def test_http_mode_never_takes_a_tcp_edge_even_for_counting(tmp_path: Path) -> None:
    # shop counts no attempts (metrics: false): a faulted edge of it would be served in HTTP mode
    # to count its requests, but a Redis edge in HTTP mode would break the Redis client
    scenario, system = load_scenario_and_system(
        scenario_with(
            tmp_path,
            "{name: slow-cache, type: latency, target: shop->cache, latency_ms: 100}",
            "{name: slow-pricing, type: latency, target: shop->pricing, latency_ms: 100}",
            "{name: slow-reviews, type: latency, target: shop->reviews, latency_ms: 100}",
        )
    )
    timeline = plan(scenario, system)
    assert timeline.faulted_edges(system) == {"shop->cache", "shop->pricing", "shop->reviews"}
    assert timeline.http_edges(system) == {"shop->pricing", "shop->reviews"}


def test_a_grpc_error_puts_its_edge_in_http_mode(tmp_path: Path) -> None:
    scenario, system = load_scenario_and_system(
        scenario_with(tmp_path, "{name: no-pricing, type: grpc_error, target: shop->pricing}")
    )
    assert plan(scenario, system).http_edges(system) == {"shop->pricing"}


@pytest.mark.parametrize("fault_type", ["http_error", "http_abort", "http_delay"])
def test_an_http_fault_on_a_tcp_edge_is_refused_naming_fault_edge_and_a_network_fault(
    tmp_path: Path, fault_type: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ", delay_ms: 100" if fault_type == "http_delay" else ""
    path = scenario_with(tmp_path, f"{{name: bad, type: {fault_type}, target: shop->cache{extra}}}")
    with pytest.raises(ScenarioError) as raised:
        load_scenario_and_system(path)
    message = str(raised.value)
    assert "`bad`" in message and f"`{fault_type}`" in message and "`shop->cache`" in message
    assert "network fault" in message and "`latency`" in message
    assert raised.value.field == "faults[0].type"
    assert cli_main.main(["plan", str(path)]) == EXIT_BAD_INPUT
    assert "shop->cache" in capsys.readouterr().err


def test_an_http_fault_on_a_service_reaching_a_tcp_edge_is_refused(tmp_path: Path) -> None:
    path = scenario_with(tmp_path, "{name: bad, type: http_error, target: {service: cache}}")
    with pytest.raises(ScenarioError, match="shop->cache"):
        load_scenario_and_system(path)


@pytest.mark.parametrize(
    ("edge", "hint"), [("shop->reviews", "http_error"), ("shop->cache", "network")]
)
def test_a_grpc_error_on_an_edge_that_is_not_grpc_is_refused(
    tmp_path: Path, edge: str, hint: str
) -> None:
    path = scenario_with(tmp_path, f"{{name: no-grpc, type: grpc_error, target: {edge}}}")
    with pytest.raises(ScenarioError) as raised:
        load_scenario_and_system(path)
    assert f"`{edge}`" in str(raised.value) and "protocol: grpc" in str(raised.value)
    assert hint in str(raised.value)


def test_http_faults_are_accepted_on_a_grpc_edge(tmp_path: Path) -> None:
    path = scenario_with(
        tmp_path,
        "{name: slow, type: http_delay, target: shop->pricing, delay_ms: 50}",
        "{name: reset, type: http_abort, target: shop->pricing, percent: 10}",
    )
    scenario, _ = load_scenario_and_system(path)
    assert [fault.type for fault in scenario.faults] == ["http_delay", "http_abort"]


# --- grpc_error -------------------------------------------------------------------------------


def grpc_fault(**parameters: object):
    system = load_system(Path(__file__).parent / "fixtures" / "grpc_pair" / "system.yaml")
    spec = TypeAdapter(FaultSpec).validate_python(
        {"name": "g", "type": "grpc_error", "target": "shop->pricing"} | parameters
    )
    return build_fault("g", spec, ("shop->pricing",), FaultContext(system, None, None, None))


@pytest.mark.parametrize(
    ("code", "number"), [("UNAVAILABLE", 14), ("deadline_exceeded", 4), (8, 8), ("13", 13)]
)
def test_a_grpc_status_is_a_name_or_its_number(code: object, number: int) -> None:
    assert grpc_fault(code=code).spec.code == number


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"code": "SLOW"}, "is not a gRPC status"),
        ({"code": 0}, "greater than or equal to 1"),
        ({"code": 17}, "less than or equal to 16"),
        ({"grpc_method": "shop.Pricing/Quote"}, "should match pattern"),
        ({"grpc_method": "/shop.Pricing/Quote/x"}, "should match pattern"),
        ({"percent": 0}, "greater than 0"),
        ({"message": "two\nlines"}, "spans lines"),
    ],
)
def test_a_bad_grpc_error_says_what_was_expected(
    parameters: dict[str, object], expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        grpc_fault(**parameters)


def test_a_grpc_error_is_a_trailers_only_answer_rule() -> None:
    rule = grpc_fault(code="UNAVAILABLE", message="down: 100%", percent=25).rule()
    assert (rule.kind, rule.status, rule.percent, rule.body) == ("error", 200, 25, "")
    assert rule.headers == {
        "content-type": "application/grpc",
        "grpc-status": "14",
        "grpc-message": "down: 100%25",
    }
    assert add_command("edge_shop_to_pricing", rule).split()[5:9] == ["error", "25", "-", "-"]


def test_a_method_matches_exactly_and_a_service_by_prefix() -> None:
    assert method_path("/shop.Pricing/Quote") == "=/shop.Pricing/Quote"
    assert method_path("/shop.Pricing/") == "/shop.Pricing/"
    assert method_path(None) == ""
    assert grpc_fault(grpc_method="/shop.Pricing/").rule().path_prefix == "/shop.Pricing/"


def test_grpc_message_is_percent_encoded() -> None:
    assert percent_encoded("café 50%") == "caf%C3%A9 50%25"


@pytest.mark.parametrize(
    ("parameters", "cuts"),
    [
        ({"code": "UNAVAILABLE"}, True),
        ({"code": "DEADLINE_EXCEEDED"}, True),
        ({"code": "RESOURCE_EXHAUSTED"}, True),
        ({"code": "NOT_FOUND"}, False),  # an answer about the call, like a 404
        ({"code": "UNAVAILABLE", "percent": 99}, False),
        ({"code": "UNAVAILABLE", "grpc_method": "/shop.Pricing/"}, False),
    ],
)
def test_a_grpc_error_cuts_its_edge_only_for_every_call_with_a_failing_status(
    parameters: dict[str, object], cuts: bool
) -> None:
    assert grpc_fault(**parameters).cuts is cuts


def test_a_grpc_error_describes_its_status_and_share() -> None:
    described = grpc_fault(code=14, percent=50, grpc_method="/shop.Pricing/").describe()
    assert described == "grpc_error (answer UNAVAILABLE; 50% of /shop.Pricing/*) on shop->pricing"


# --- balancer configuration -------------------------------------------------------------------


def test_a_grpc_edge_in_http_mode_speaks_h2_on_both_sides_and_counts_statuses() -> None:
    replicas = (Replica("pricing-0", 20001),)
    balancer = BalancerPlan(
        "127.0.0.1",
        "127.0.0.1:20000",
        services=[ServiceBackend("pricing", "/ready", replicas, 20002)],
        edges=[
            EdgeFrontend("shop->pricing", "pricing", 20003, http=True, h2=True),
            EdgeFrontend("web->pricing", "pricing", 20004, http=True),
        ],
    )
    config = render_config(balancer)
    assert "    bind 127.0.0.1:20003 proto h2\n" in config
    assert "track svc_pricing/pricing-0 proto h2\n" in config
    assert "    bind 127.0.0.1:20004\n" in config
    assert config.count("proto h2") == 2
    assert config.count("http-response lua.firebreak_grpc_status") == 1


def test_the_container_balancers_speak_h2_to_a_grpc_callee_only_in_http_mode() -> None:
    edges = [
        DnsEdge("shop->pricing", 9001, "pricing", 7070, slots=2, http=True, h2=True),
        DnsEdge("web->pricing", 9002, "pricing", 7070, slots=2, http=False, h2=True),
        DnsEdge("shop->cache", 9003, "cache", 6379, slots=1, http=False),
    ]
    docker = render_dns_config(edges, 5555, "/lua", "127.0.0.11:53")
    assert "    bind 0.0.0.0:9001 proto h2\n" in docker
    assert "resolve-prefer ipv4 proto h2\n" in docker
    assert docker.count("proto h2") == 2  # the TCP-mode gRPC edge passes its bytes as they are
    kube = render_dns_config(edges, 5555, "/lua", None)
    assert "    server service pricing:7070 proto h2\n" in kube
    assert "    server service cache:6379\n" in kube


# --- counting ---------------------------------------------------------------------------------


def test_grpc_answers_are_counted_per_status_and_second() -> None:
    shown = parse_grpc_show("edge_a_to_b 14 7\nedge_a_to_b trailers 30\nedge_c_to_d 8 1\n\n")
    assert shown == {"edge_a_to_b": {"14": 7, "trailers": 30}, "edge_c_to_d": {"8": 1}}
    assert _increase({"14": 7, "trailers": 30}, {"trailers": 25}) == {"14": 7, "trailers": 5}
    assert _increase(None, {"14": 1}) is None
    points = [
        TrafficPoint(10, 12, 0, 1, {"trailers": 10, "14": 2}),
        TrafficPoint(11, 8, 0, 1, {"14": 8}),
        TrafficPoint(12, 9, 0, 1, {"trailers": 9}),
    ]
    traffic = _in_window(points, 10, 11.99)
    assert traffic.grpc_status == {"trailers": 10, "14": 10}
    assert traffic.grpc_failures == 10
    assert "14: 10" in traffic.describe()
    assert _in_window([TrafficPoint(10, 3, 0, 1)], 10, 11).grpc_failures is None
