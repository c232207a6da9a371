"""The books the shop sells, shared by storefront (titles) and pricing (list prices)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Book:
    sku: str
    title: str
    list_price_cents: int


BOOKS = {
    book.sku: book
    for book in (
        Book("bk-001", "The Mythical Man-Month", 3499),
        Book("bk-002", "Release It!", 4250),
        Book("bk-003", "Designing Data-Intensive Applications", 4999),
        Book("bk-004", "Site Reliability Engineering", 3999),
        Book("bk-005", "Building Microservices", 4599),
        Book("bk-006", "Domain-Driven Design", 5499),
        Book("bk-007", "Thinking in Promises", 2999),
        Book("bk-008", "Chaos Engineering", 3799),
        Book("bk-009", "The Phoenix Project", 2499),
        Book("bk-010", "Accelerate", 2799),
        Book("bk-011", "Team Topologies", 3199),
        Book("bk-012", "Kubernetes Patterns", 4399),
    )
}
