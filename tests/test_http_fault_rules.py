"""HTTP faults' pure parts: the balancer's configuration for an HTTP edge, the runtime API's
command lines, the scenario's models, and which edges a run serves in HTTP mode."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from harness.balancer.config import (
    HTTP_FAULTS_LUA,
    BalancerPlan,
    EdgeFrontend,
    Replica,
    ServiceBackend,
    render_config,
)
from harness.balancer.http_rules import HttpFaultRule, add_command, parse_show
from harness.scenario import load_scenario
from harness.scenario_faults import FaultSpec
from harness.system import load_system
from harness.timeline import plan
from tests.conftest import REPO_ROOT


def balancer_plan(http: bool) -> BalancerPlan:
    replicas = (Replica("back-0", 30001), Replica("back-1", 30002))
    return BalancerPlan(
        host="127.0.0.1",
        api_address="127.0.0.1:30000",
        services=[ServiceBackend("back", "/health/ready", replicas, 30003)],
        edges=[
            EdgeFrontend("front->back", "back", 30004, http=http),
            EdgeFrontend("load->back", "back", 30005),
        ],
    )


def test_only_an_http_edge_gets_an_http_frontend_whose_servers_follow_the_services_checks():
    tcp_only = render_config(balancer_plan(http=False))
    assert "mode http" not in tcp_only and "lua-load" not in tcp_only
    config = render_config(balancer_plan(http=True))
    assert f"lua-load {HTTP_FAULTS_LUA}" in config and HTTP_FAULTS_LUA.is_file()
    http_part = config.split("frontend edge_front_to_back", 1)[1].split("frontend edge_load", 1)[0]
    assert "mode http" in http_part and "http-request lua.firebreak_decide" in http_part
    assert "server back-0 127.0.0.1:30001 track svc_back/back-0" in http_part
    # the other edge stays on the service's TCP backend
    assert "default_backend svc_back" in config.split("frontend edge_load_to_back", 1)[1]


def test_a_rule_travels_hex_encoded_in_one_command_line_and_reads_back():
    rule = HttpFaultRule(
        "firebreak-x", "error", 30.0, "POST", "/charges;x", 429, 0, {"Retry-After": "2"}, "a b"
    )
    line = add_command("edge_a_to_b", rule)
    assert ";" not in line and "\n" not in line and len(line.split()) == 13
    assert line.startswith("firebreak fault add edge_a_to_b firebreak-x error 30 ")
    (shown,) = parse_show(" ".join(line.split()[3:11]) + "\n")["edge_a_to_b"]
    assert (shown.method, shown.path_prefix, shown.status, shown.percent) == (
        "POST",
        "/charges;x",
        429,
        30.0,
    )


def test_headers_may_be_a_mapping_or_one_line_of_text():
    adapter = TypeAdapter(FaultSpec)
    base = {"name": "e", "type": "http_error", "target": "a->b"}
    from_text = adapter.validate_python(base | {"headers": "Retry-After: 2; X-Why: test"})
    assert from_text.headers == {"Retry-After": "2", "X-Why": "test"}
    with pytest.raises(ValidationError, match="Content-Length is set from the body"):
        adapter.validate_python(base | {"headers": {"Content-Length": "5"}})
    assert from_text.percent == 100 and from_text.status == 503
    assert from_text.match_text() == "every request"


def test_a_run_serves_in_http_mode_exactly_the_edges_its_http_faults_target():
    scenario = load_scenario(REPO_ROOT / "scenarios" / "payments-charges-503.yaml")
    system = load_system(REPO_ROOT / "sample_system" / "system.yaml")
    assert plan(scenario, system).http_edges(system) == frozenset({"orders->payments"})
    # the sample's callers count their own attempts: a latency fault's edge stays TCP
    latency = load_scenario(REPO_ROOT / "scenarios" / "recommendations-latency.yaml")
    assert plan(latency, system).http_edges(system) == frozenset()


def test_a_faulted_edge_whose_caller_counts_no_attempts_is_served_in_http_mode():
    # fx-quotes exports no metrics: the balancer must count the requests that reach news, and
    # a kill of news makes every edge into it counted too
    system = load_system(REPO_ROOT / "examples" / "fx-quotes" / "system.yaml")
    slow = load_scenario(REPO_ROOT / "examples" / "fx-quotes" / "scenarios" / "news-slow.yaml")
    assert plan(slow, system).http_edges(system) == frozenset({"quotes->news"})
    kill = slow.model_copy(
        update={
            "faults": [
                TypeAdapter(FaultSpec).validate_python(
                    {"name": "kill-news", "type": "kill", "target": {"service": "news"}}
                )
            ]
        }
    )
    assert plan(kill, system).http_edges(system) == frozenset({"quotes->news"})


def test_a_container_balancer_finds_callees_by_dns_and_a_pod_balancer_by_service_address():
    from harness.balancer.dns_config import DnsEdge, render_dns_config
    from harness.platforms.kubernetes.balancer import balancer_config

    edge = DnsEdge("gateway->recommendations", 20003, "svc-recommendations", 8103, slots=4)
    docker = render_dns_config([edge], 9999, "/x/http_faults.lua", "127.0.0.11:53")
    assert "nameserver dns 127.0.0.11:53" in docker
    assert (
        "server-template replica 1-4 svc-recommendations:8103 resolvers engine init-addr none"
        in docker
    )
    assert "bind 0.0.0.0:20003" in docker and "lua-load /x/http_faults.lua" in docker
    pod = balancer_config([DnsEdge("a->b", 20001, "10.96.0.7", 8080, slots=1)])
    assert "resolvers" not in pod and "server service 10.96.0.7:8080" in pod
