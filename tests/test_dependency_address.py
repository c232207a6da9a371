"""Each dependency variable is rewritten to its edge's proxy in the form the caller reads it
(URL, `host:port`, connection string, a host and a port apart), on every platform; a form that
cannot be filled is refused with the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.dependency_address import DEFAULT_ADDRESS, dependency_environment
from harness.edge_proxies import EdgeProxy
from harness.errors import SystemSpecError
from harness.faults.toxiproxy import ProxyInfo
from harness.platforms.container_env import container_env, edge_ports
from harness.platforms.kubernetes.manifests import ManifestPlan, system_objects
from harness.platforms.local.platform import LocalPlatform
from harness.system import DependencySpec, load_system

SYSTEM = """\
name: shop
entrypoint: web
services:
  web:
    command: ["{python}", "web.py"]
    port: 19001
    dependencies:
      cart:
        env: CART_ADDR
        address: "{host}:{port}"
        also: {CART_URL: "http://{host}:{port}/api/v1?lang=en"}
      cache:
        env: REDIS_HOST
        address: "{host}"
        also: {REDIS_PORT: "{port}", REDIS_URL: "rediss://:s3cret@{host}:{port}/0"}
      db: {env: DATABASE_URL, address: "postgres://shop:pw@{host}:{port}/shop?sslmode=disable"}
      rates: {env: RATES_URL}
  cart: {command: ["{python}", "cart.py"], port: 19002}
  cache: {command: ["redis-server"], port: 19003}
  db: {command: ["postgres"], port: 19004}
  rates: {command: ["{python}", "rates.py"], port: 19005}
"""


def expected_env(host: str, port_of: dict[str, int]) -> dict[str, str]:
    cart, cache, db, rates = (port_of[f"web->{n}"] for n in ("cart", "cache", "db", "rates"))
    return {
        "CART_ADDR": f"{host}:{cart}",
        "CART_URL": f"http://{host}:{cart}/api/v1?lang=en",
        "REDIS_HOST": host,
        "REDIS_PORT": str(cache),
        "REDIS_URL": f"rediss://:s3cret@{host}:{cache}/0",
        "DATABASE_URL": f"postgres://shop:pw@{host}:{db}/shop?sslmode=disable",
        "RATES_URL": f"http://{host}:{rates}",
    }


@pytest.fixture
def system(tmp_path: Path):
    path = tmp_path / "system.yaml"
    path.write_text(SYSTEM)
    return load_system(path)


@pytest.mark.parametrize(
    ("address", "also", "expected"),
    [
        (DEFAULT_ADDRESS, {}, {"V": "http://proxy:20005"}),
        ("https://{host}:{port}/api", {}, {"V": "https://proxy:20005/api"}),
        ("{host}:{port}", {}, {"V": "proxy:20005"}),
        ("redis://{host}:{port}/0", {}, {"V": "redis://proxy:20005/0"}),
        ("mongodb://u:p@{host}:{port}/app?w=1", {}, {"V": "mongodb://u:p@proxy:20005/app?w=1"}),
        ("amqp://guest:guest@{host}:{port}/%2f", {}, {"V": "amqp://guest:guest@proxy:20005/%2f"}),
        ("mysql://root@{host}:{port}/app", {}, {"V": "mysql://root@proxy:20005/app"}),
        ("{host}", {"V_PORT": "{port}"}, {"V": "proxy", "V_PORT": "20005"}),
        ("http://{host}:{port}/{{id}}", {}, {"V": "http://proxy:20005/{id}"}),
    ],
)
def test_every_form_is_filled_with_the_proxy_s_host_and_port(address, also, expected):
    spec = DependencySpec(env="V", address=address, also=also)
    assert dependency_environment(spec, "proxy", 20005) == expected


def test_an_existing_dependency_means_what_it_meant(system):
    rates = system.services["web"].dependencies["rates"]
    assert (rates.address, rates.also) == ("http://{host}:{port}", {})


def test_containers_and_pods_get_every_variable_in_its_form(system):
    ports = edge_ports(system)
    env = container_env(system, "web", "toxiproxy", {})  # as Docker passes its alias
    assert {k: env[k] for k in expected_env("", ports)} == expected_env("toxiproxy", ports)
    plan = ManifestPlan("fb-x", "x", "1-2.00", {s: f"i/{s}:1" for s in system.services}, "t:1")
    (web,) = [
        o
        for o in system_objects(system, plan)
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "web"
    ]
    pod_env = {
        item["name"]: item.get("value")
        for item in web["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert {k: pod_env[k] for k in expected_env("", ports)} == expected_env("toxiproxy", ports)


def test_local_replicas_get_every_variable_in_its_form(system, tmp_path):
    platform = LocalPlatform(system, tmp_path / "run")
    listen_port = {edge.name: 31000 + n for n, edge in enumerate(system.edges())}
    platform.edge_proxies = {
        edge.name: EdgeProxy(
            edge, ProxyInfo(edge.proxy_name, f"127.0.0.1:{listen_port[edge.name]}", "x:1", True)
        )
        for edge in system.edges()
    }
    env = platform._service_env("web")
    assert {k: env[k] for k in expected_env("", listen_port)} == expected_env(
        "127.0.0.1", listen_port
    )


@pytest.mark.parametrize(
    ("replace", "by", "field", "words"),
    [
        ('address: "{host}:{port}"', 'address: "{hst}:{port}"', "cart.address", "`{hst}`"),
        ('address: "{host}"', 'address: "{host:>9}"', "cache.address", "has a format"),
        ('REDIS_PORT: "{port}"', 'REDIS_PORT: "{db}"', "cache.also.REDIS_PORT", "`{db}`"),
        ('REDIS_PORT: "{port}"', 'REDIS_PORT: "6379"', "cache.also.REDIS_PORT", "neither"),
        ('REDIS_PORT: "{port}"', 'REDIS_PORT: "{port"', "cache.also.REDIS_PORT", "not a template"),
        ('REDIS_PORT: "{port}"', 'REDIS_HOST: "{port}"', "cache", "in `also` too"),
        ('REDIS_PORT: "{port}"', 'CART_URL: "{port}"', "cache", "`CART_URL` already carries"),
        ('REDIS_PORT: "{port}"', '"1BAD": "{port}"', "cache.also.1BAD", "pattern"),
    ],
)
def test_a_bad_form_is_refused_naming_the_file_line_and_field(tmp_path, replace, by, field, words):
    path = tmp_path / "system.yaml"
    assert SYSTEM.count(replace) == 1
    path.write_text(SYSTEM.replace(replace, by))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    message = str(caught.value)
    assert f"services.web.dependencies.{field}" in message and words in message, message
    assert f"{path}:" in message  # the file and its line
