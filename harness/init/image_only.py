"""Services that run only as their image (no command anywhere: not in Compose, its Dockerfile or
its manifest): kept in the draft, to run on Docker or Kubernetes as the image's own entrypoint.

Such a service's `port` is the port its container listens on, not a stable address on this
machine: on Docker and Kubernetes each replica has an address of its own, so it may be any other
service's port too, and it is never renumbered. Unknown (no `ports`, `expose` or containerPort),
it is the usual port of a well-known data store's image, said so; else the user is asked for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from harness.init.draft import ServiceDraft, SystemDraft
from harness.init.entrypoint import image_words

# the port a data store's official image listens on by default
USUAL_PORTS = {
    "redis": 6379,
    "valkey": 6379,
    "postgres": 5432,
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "mongo": 27017,
    "mongodb": 27017,
    "memcached": 11211,
    "rabbitmq": 5672,
    "nats": 4222,
    "elasticsearch": 9200,
}
UNKNOWN_PORT = "its image's port is unknown (none declared): set `port` to the port it listens on"


def no_http_health_note(service: ServiceDraft, what: str) -> str:
    """What a service with no HTTP health check found is judged ready by: an image-only one (a
    data store, a gRPC server) by a TCP connection accepted (`health: {tcp: true}`, which
    `render` writes), one with a command by a guessed path."""
    if service.command is None:
        return f"{what}: ready once it accepts a TCP connection (`health: {{tcp: true}}`; confirm)"
    return f"{what}: its ready path is a guess"


def take_image_port(service: ServiceDraft, container_port: int | None) -> None:
    """`port` of an image-only service: the one its container listens on."""
    if container_port is not None:
        service.port = container_port
        return
    usual = next((USUAL_PORTS[w] for w in image_words(service.image) if w in USUAL_PORTS), None)
    if usual is not None:
        service.port = usual
        service.notes.append(f"listens on {usual}, the usual port of its image (confirm)")
    else:
        service.port = None  # a placeholder comes from assign_free_ports, and this note
        service.notes.append(UNKNOWN_PORT)


def leave_out_uncalled_images(
    draft: SystemDraft, depends_on: Mapping[str, Sequence[str]]
) -> list[str]:
    """Drop the image-only services outside the call graph: it calls no service (no variable of
    its names one, it `depends_on` none) and no service calls it, as a dashboard, a collector
    or an admin tool. Returns a note for each one dropped."""
    called = {d for s in draft.services.values() for d in s.callees}
    called |= {needed for needs in depends_on.values() for needed in needs}
    notes = []
    for name, service in list(draft.services.items()):
        calls = service.callees or depends_on.get(name)
        if service.command is None and name not in called and not calls:
            del draft.services[name]
            notes.append(
                f"`{name}` runs only as an image ({service.image}), calls no service and no "
                "service calls it (no variable names it, nothing depends_on it): left out"
            )
    return notes
