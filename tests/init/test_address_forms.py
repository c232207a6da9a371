"""`firebreak init` finds a dependency in every form a team writes its address in, keeps that
form for the run, records telemetry endpoints apart, and says why any other address is no edge."""

from __future__ import annotations

import pytest

from harness.init.addresses import (
    EDGE,
    NOT_AN_EDGE,
    TELEMETRY,
    classify,
    classify_environment,
)
from harness.init.compose import draft_from_compose
from harness.init.draft import render
from harness.system import load_system

# every name a service answers to → the service (as compose.py and manifests.py build it)
HOSTS = {
    "cart": "cart",
    "cartservice": "cart",
    "redis": "redis",
    "db": "db",
    "mq": "mq",
    "mongo": "mongo",
    "rates": "rates",
    "web": "web",
    "api": "api",
    "otel-collector": "otel-collector",
}

# variable, value → verdict, callee, template (None where no edge)
TABLE = [
    ("RATES_URL", "http://rates:8080", EDGE, "rates", "http://{host}:{port}"),
    ("RATES_URL", "http://rates:8080/v1/quotes", EDGE, "rates", "http://{host}:{port}/v1/quotes"),
    ("CART_URL", "https://cart/api?x=1", EDGE, "cart", "https://{host}:{port}/api?x=1"),
    ("CART_ADDR", "cartservice:7070", EDGE, "cart", "{host}:{port}"),
    ("CART_ADDR", "CartService:7070", EDGE, "cart", "{host}:{port}"),
    ("CART_ADDR", "cart:7070/v2", EDGE, "cart", "{host}:{port}/v2"),
    ("RATES_URL", "http://rates.fx.svc.cluster.local:8080", EDGE, "rates", "http://{host}:{port}"),
    ("RATES_ADDR", "rates.fx:8080", EDGE, "rates", "{host}:{port}"),
    ("REDIS_URL", "redis://redis:6379/0", EDGE, "redis", "redis://{host}:{port}/0"),
    ("REDIS_URL", "rediss://:s3cret@redis:6380", EDGE, "redis", "rediss://:s3cret@{host}:{port}"),
    ("REDIS_URL", "redis://redis", EDGE, "redis", "redis://{host}:{port}"),
    (
        "DATABASE_URL",
        "postgres://shop:pw@db:5432/shop?sslmode=disable",
        EDGE,
        "db",
        "postgres://shop:pw@{host}:{port}/shop?sslmode=disable",
    ),
    ("PG_DSN", "postgresql://db/shop", EDGE, "db", "postgresql://{host}:{port}/shop"),
    (
        "MYSQL_URL",
        "mysql://root:root@db:3306/app",
        EDGE,
        "db",
        "mysql://root:root@{host}:{port}/app",
    ),
    ("MONGO_URL", "mongodb://mongo:27017/app", EDGE, "mongo", "mongodb://{host}:{port}/app"),
    (
        "AMQP_URL",
        "amqp://guest:guest@mq:5672/%2f",
        EDGE,
        "mq",
        "amqp://guest:guest@{host}:{port}/%2f",
    ),
    ("ODD_URL", "http://rates:8080/{id}", EDGE, "rates", "http://{host}:{port}/{{id}}"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317", TELEMETRY, None, None),
    ("COLLECTOR_SERVICE_ADDR", "opentelemetrycollector:4317", TELEMETRY, None, None),
    ("TRACES", "http://jaeger:14268/api/traces", TELEMETRY, None, None),
    ("ZIPKIN_URL", "http://zipkin:9411", TELEMETRY, None, None),
    ("SELF_URL", "http://web:80", NOT_AN_EDGE, None, None),
    ("PAYMENT_API", "https://api.stripe.com/v1", NOT_AN_EDGE, None, None),
    ("REDIS_ADDR", "redis-cart:6379", NOT_AN_EDGE, None, None),
    ("LISTEN_ADDR", "0.0.0.0:8080", NOT_AN_EDGE, None, None),
    ("MONGO_URL", "mongodb://mongo:27017,mongo2:27017/app", NOT_AN_EDGE, None, None),
    ("KAFKA_BROKERS", "kafka1:9092,kafka2:9092", NOT_AN_EDGE, None, None),
    ("MONGO_URL", "mongodb+srv://mongo/app", NOT_AN_EDGE, None, None),
    ("HOTEL_URL", "http://hotel-booking:80", NOT_AN_EDGE, None, None),  # `otel` in a word
]
NOT_ADDRESSES = [
    ("LOG_LEVEL", "warn"),
    ("OPENS_AT", "10:30"),
    ("DATA_FILE", "file:///data/x.db"),
    ("RATIO", "0.5"),
    ("GREETING", "hello world"),
]


@pytest.mark.parametrize(("variable", "value", "verdict", "callee", "template"), TABLE)
def test_each_address_form_is_classified_with_its_template(
    variable, value, verdict, callee, template
):
    finding = classify(variable, value, HOSTS, own_name="web")
    assert finding is not None
    assert (finding.verdict, finding.callee) == (verdict, callee), finding.note
    assert finding.forms == ({variable: template} if template else {})
    assert f"{variable}={value}" in finding.note  # every finding is said with its variable


@pytest.mark.parametrize(("variable", "value"), NOT_ADDRESSES)
def test_values_that_are_no_address_are_left_alone(variable, value):
    assert classify(variable, value, HOSTS, own_name="web") is None


def test_why_an_address_is_not_an_edge_is_said():
    notes = {
        v: classify(v, value, HOSTS, "web").note
        for v, value, verdict, _, _ in TABLE
        if verdict != EDGE
    }
    assert "names `redis-cart`, which is no service of this draft" in notes["REDIS_ADDR"]
    assert "names the service itself" in notes["SELF_URL"]
    assert "is a local address" in notes["LISTEN_ADDR"]
    assert "names several hosts" in notes["KAFKA_BROKERS"]
    assert "recorded as telemetry, not an edge" in notes["OTEL_EXPORTER_OTLP_ENDPOINT"]


def test_a_host_and_a_port_variable_are_one_edge_whichever_comes_first():
    for env in (
        {"REDIS_HOST": "redis", "REDIS_PORT": "6379", "LOG_LEVEL": "info"},
        {"REDIS_PORT": "6379", "REDIS_HOST": "redis"},
    ):
        (finding,) = classify_environment(env, HOSTS, "web")
        assert (finding.verdict, finding.callee) == (EDGE, "redis")
        assert finding.forms == {"REDIS_HOST": "{host}", "REDIS_PORT": "{port}"}


def test_a_host_without_its_port_is_said_and_not_guessed():
    (finding,) = classify_environment({"DB_HOST": "db"}, HOSTS, "web")
    assert finding.verdict == NOT_AN_EDGE
    assert "no `DB_PORT` gives its port" in finding.note
    (unknown,) = classify_environment(
        {"CACHE_HOST": "memcached", "CACHE_PORT": "11211"}, HOSTS, "web"
    )
    assert unknown.verdict == NOT_AN_EDGE and "`memcached`" in unknown.note


def test_a_compose_file_with_every_form_drafts_a_system_that_keeps_each_form(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  web:\n"
        "    command: [python3, web.py]\n"
        "    ports: ['8080:8080']\n"
        "    environment:\n"
        "      CART_ADDR: cart:7070\n"
        "      CART_URL: http://cart:7070/api\n"
        "      REDIS_HOST: cache\n"
        "      REDIS_PORT: '6379'\n"
        "      DATABASE_URL: postgres://shop:pw@db:5432/shop\n"
        "      OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317\n"
        "      PAYMENTS_URL: https://payments.example.com/v1\n"
        "  cart:\n"
        "    command: [python3, cart.py]\n"
        "    ports: ['7070:7070']\n"
        "  cache:\n"
        "    command: [redis-server]\n"
        "    ports: ['6379:6379']\n"
        "  db:\n"
        "    command: [postgres]\n"
        "    ports: ['5432:5432']\n"
    )
    out = tmp_path / "system.yaml"
    draft = draft_from_compose(compose, out)
    draft.entrypoint = "web"
    out.write_text(render(draft))
    web = load_system(out).services["web"]
    cart = web.dependencies["cart"]
    # two variables naming one callee: both kept, the first one the main variable
    assert (cart.env, cart.address, cart.also) == (
        "CART_ADDR",
        "{host}:{port}",
        {"CART_URL": "http://{host}:{port}/api"},
    )
    cache = web.dependencies["cache"]
    assert (cache.env, cache.address, cache.also) == (
        "REDIS_HOST",
        "{host}",
        {"REDIS_PORT": "{port}"},
    )
    assert web.dependencies["db"].address == "postgres://shop:pw@{host}:{port}/shop"
    # what is no edge stays in the environment, and the file says why
    assert set(web.env) == {"OTEL_EXPORTER_OTLP_ENDPOINT", "PAYMENTS_URL"}
    text = out.read_text()
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4317 is a telemetry endpoint" in text
    assert "names `payments.example.com`, which is no service of this draft" in text
