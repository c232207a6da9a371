"""How a system declares what one accepted write leaves behind in each service that takes part
(`reconcile:` in system.yaml), and the records answer each of those services gives.

Per-service integrity asks a service about itself; a write duplicated *downstream* (a charge
repeated with a new key per attempt, stock reserved again on a retry) is invisible to it. A
relation names a service that records something for each accepted write (an order, a charge, a
reservation per line), the path where the harness reads those records, how many each write must
have, and which of their states are still settling or undone. After the run the harness lists
every relation's records and reconciles them against the writes the load saw accepted
(harness/checks/reconciliation.py). docs/contracts.md §2 describes the format.

```yaml
reconcile:
  order:   {service: orders, path: /records/orders, system_of_record: true,
            pending: [pending_payment]}
  charge:  {service: payments, path: /records/charges}            # exactly 1 per order
  reservation: {service: inventory, path: /records/reservations, per: line, void: [released]}
```
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

RELATION_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,40}$"


class Relation(BaseModel):
    """One service's records of the accepted writes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str
    # answers `GET` with {"records": [...]} (`RecordsAnswer`): every record the service holds
    path: Annotated[str, Field(pattern=r"^/")]
    # how many live records each write must have: per write, or per line of the write
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    per: Literal["write", "line"] = "write"
    # states of a record still settling (a payment queued); the harness waits for them to leave
    pending: list[str] = []
    # states of a record that was undone (released, refunded, cancelled): it counts as none
    void: list[str] = []
    # the relation whose live record says the system took a write (the orders of an order key):
    # a write the load sent but never saw accepted (a timeout) exists when it has one, and then
    # must be whole everywhere; a record whose write exists nowhere is an orphan
    system_of_record: bool = False
    # `shared`: every replica reads one store, so one replica is asked; `per_replica`: each
    # replica keeps its own, so every running replica is asked and their records are added up
    store: Literal["shared", "per_replica"] = "shared"


Relations = dict[Annotated[str, Field(pattern=RELATION_NAME_PATTERN)], Relation]


def system_of_record(relations: Relations) -> str | None:
    """The name of the relation that says whether a write exists (the only one, when one)."""
    marked = [name for name, relation in relations.items() if relation.system_of_record]
    if marked:
        return marked[0]
    return next(iter(relations)) if len(relations) == 1 else None


def relation_problems(
    relations: Relations, services: list[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with a system's relations, each with the field path (under `reconcile`)
    it is about; the system file turns the first into an error naming file and line."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    valid = ", ".join(f"`{s}`" for s in services)
    for name, relation in relations.items():
        if relation.service not in services:
            problems.append(
                (
                    (name, "service"),
                    f"The relation `{name}` is recorded by `{relation.service}`, which is not a "
                    f"service of this system; expected one of {valid}.",
                )
            )
    marked = [name for name, relation in relations.items() if relation.system_of_record]
    if len(marked) > 1:
        problems.append(
            (
                (marked[1], "system_of_record"),
                f"`{marked[0]}` and `{marked[1]}` are both marked `system_of_record`; expected "
                "one: the relation of the service that takes the write.",
            )
        )
    if len(relations) > 1 and not marked:
        problems.append(
            (
                (next(iter(relations)),),
                "No relation is marked `system_of_record: true`; with more than one, mark the "
                "one whose record says the system took a write (the orders of an order key), "
                "so a write the load never saw confirmed can be told from an orphan.",
            )
        )
    return problems


# --- what a relation's path answers ----------------------------------------------------------


class Record(BaseModel):
    """One record a service holds for a write: its reference to the write (the order key a
    payment API keeps as its reference or metadata), its own id and its state."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ref: str
    id: str | int | None = None
    state: str = ""
    # which line of the write it is for (a `per: line` relation); the SKU, or the line number
    line: str | int | None = None
    # on the system of record: the write's lines, so a line with no record is seen missing
    lines: list[str | int] | None = None


class RecordsAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    records: list[Record]


def parse_records(answer: Any) -> tuple[list[Record] | None, str | None]:
    """The records of an answer, or why it is not a records answer."""
    try:
        return RecordsAnswer.model_validate(answer).records, None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        return None, f"`{where}`: {first['msg']}"
