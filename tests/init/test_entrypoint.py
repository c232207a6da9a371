"""The front door is chosen by who calls whom: uncalled, calling others, published; never a data
store or a container of arguments only. Graphs are built here directly, whatever found them."""

from __future__ import annotations

from pathlib import Path

from harness.init.draft import ServiceDraft, SystemDraft, choose_entrypoint
from harness.init.entrypoint import is_data_store, rank_entrypoint


def graph(*services: ServiceDraft) -> SystemDraft:
    draft = SystemDraft(name="shop", source=Path("shop"))
    draft.services = {s.name: s for s in services}
    return draft


def svc(name: str, *calls: str, image: str | None = None, **kwargs: object) -> ServiceDraft:
    service = ServiceDraft(name, image=image, **kwargs)  # type: ignore[arg-type]
    service.dependencies = {callee: f"{callee.upper()}_ADDR" for callee in calls}
    return service


def test_the_published_uncalled_caller_wins_over_names_that_sound_like_a_front_door():
    draft = graph(
        svc("api-docs"),  # uncalled, calls nothing, a front-door word in its name
        svc("cart", "redis-cart"),
        svc("redis-cart", image="redis:alpine", published="Service `redis` (NodePort)"),
        svc("shop", "cart", published="Service `shop-external` (LoadBalancer)"),
    )
    chosen, reasoning = rank_entrypoint(draft)
    assert chosen == "shop"
    assert 1 <= len(reasoning) <= 2
    assert "no service calls it" in reasoning[0] and "it calls cart" in reasoning[0]
    assert "Service `shop-external` (LoadBalancer)" in reasoning[0]
    assert "`redis-cart` (a data store)" in reasoning[1]
    assert "api-docs" in reasoning[1]  # the other uncalled service is named, to confirm


def test_a_called_service_is_not_the_front_door_even_when_published():
    draft = graph(
        svc("checkout", "payments", published="Ingress `shop`"),
        svc("payments"),
        svc("frontend", "checkout"),
    )
    assert rank_entrypoint(draft)[0] == "frontend"


def test_a_data_store_or_an_arguments_only_container_is_never_chosen_while_another_exists():
    draft = graph(
        svc("cache", image="docker.io/library/memcached:1.6", published="Service `c` (NodePort)"),
        svc("proxy", "worker", command=["--listen", ":80"], published="Service `p` (NodePort)"),
        svc("worker", args_only=False),
        svc("sidecar", "worker", args_only=True, published="Service `s` (LoadBalancer)"),
    )
    # `worker` is called by proxy and sidecar, but it is the only one allowed at all
    chosen, reasoning = rank_entrypoint(draft)
    assert chosen == "worker"
    assert "called by" in reasoning[0] and "confirm, or pass --entrypoint" in reasoning[1]
    assert "`proxy` (its command is only arguments)" in reasoning[1]


def test_choose_entrypoint_keeps_its_signature_and_says_why_in_the_notes():
    draft = graph(svc("web", "db"), svc("db", image="postgres:16"))
    choose_entrypoint(draft, None)
    assert draft.entrypoint == "web"
    assert draft.notes[0].startswith("the front door is `web`: no service calls it")
    choose_entrypoint(draft, "DB")  # asked for by name: taken as asked
    assert draft.entrypoint == "db"


def test_data_stores_are_told_by_their_image_or_name_not_by_a_substring():
    assert is_data_store("cache", "bitnami/redis:7.2")
    assert is_data_store("orders-postgres", None)
    assert is_data_store("q", "registry.example.com:5000/ops/rabbitmq:3-management")
    assert not is_data_store("mongoose-api", "shop/mongoose-api:1")  # not `mongo`
    assert not is_data_store("frontend", "gcr.io/google-samples/frontend:v0.10")
