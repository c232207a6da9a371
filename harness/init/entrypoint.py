"""Which service is the front door, chosen by who calls whom.

The load drives the system through one service: the one no other service calls, that calls
others, and that is published outside (a LoadBalancer or NodePort Service, an Ingress backend, a
published Compose port). A data store is never it, nor a container whose command is only
arguments to its image's entrypoint: load through those tests nothing of the call graph. Names
such as `frontend` or `gateway` only break ties. The reasoning is returned in words, because a
guessed front door is the first thing a user must be able to check.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.init.draft import ServiceDraft, SystemDraft

# words that make a service the likely front door when the graph has several roots
FRONT_DOOR_WORDS = ("gateway", "frontend", "front", "web", "api", "edge", "bff", "ui")
DATA_STORES = (
    "redis",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "memcached",
    "rabbitmq",
    "kafka",
    "zookeeper",
    "elasticsearch",
)


def image_words(image: str | None) -> list[str]:
    """The words of an image's repository name, without registry host and tag:
    `gcr.io/team/redis-cart:7` → [team, redis, cart]."""
    if not image:
        return []
    parts = image.split("@")[0].split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0]):
        parts = parts[1:]  # a registry host, which names no software
    parts[-1] = parts[-1].split(":")[0]
    return [w for p in parts for w in re.split(r"[^a-z0-9]+", p.lower()) if w]


def is_data_store(name: str, image: str | None) -> bool:
    words = [*re.split(r"[^a-z0-9]+", name.lower()), *image_words(image)]
    return any(word in DATA_STORES for word in words)


def only_arguments(service: ServiceDraft) -> bool:
    """A command that starts with an option passes arguments to its image's entrypoint."""
    return service.args_only or bool(service.command and service.command[0].startswith("-"))


def _never_why(service: ServiceDraft) -> str | None:
    if is_data_store(service.name, service.image):
        return "a data store"
    if only_arguments(service):
        return "its command is only arguments"
    return None


def rank_entrypoint(draft: SystemDraft) -> tuple[str | None, list[str]]:
    """The front door and one or two lines of reasoning."""
    if not draft.services:
        return None, []
    callers: dict[str, list[str]] = {name: [] for name in draft.services}
    for caller, service in draft.services.items():
        for callee in service.callees:
            callers.setdefault(callee, []).append(caller)
    order = list(draft.services)

    def key(name: str) -> tuple[bool, bool, bool, bool, bool, int]:
        service = draft.services[name]
        return (
            _never_why(service) is not None,
            bool(callers[name]),
            service.published is None,
            not service.callees,
            not any(word in name for word in FRONT_DOOR_WORDS),
            order.index(name),
        )

    chosen = min(order, key=key)
    service = draft.services[chosen]
    reasons = ["no service calls it" if not callers[chosen] else f"called by {callers[chosen]}"]
    if service.callees:
        reasons.append(f"it calls {', '.join(service.callees)}")
    else:
        reasons.append("it calls no other service that was found")
    reasons.append(
        f"published as {service.published}" if service.published else "no published port found"
    )
    lines = [f"the front door is `{chosen}`: {'; '.join(reasons)}"]
    never = [f"`{n}` ({_never_why(s)})" for n, s in draft.services.items() if _never_why(s)]
    others = [
        n for n in order if n != chosen and not callers[n] and not _never_why(draft.services[n])
    ]
    second = []
    if others:
        second.append(f"also called by no service: {', '.join(others)}")
    if never:
        second.append(f"never the front door: {', '.join(never)}")
    if _never_why(service) or callers[chosen] or others:
        second.append("confirm, or pass --entrypoint")
    if second:
        lines.append("; ".join(second))
    return chosen, lines
