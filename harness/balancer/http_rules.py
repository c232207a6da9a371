"""HTTP fault rules on an edge's HTTP frontend, switched through HAProxy's runtime API with the
commands `http_faults.lua` registers (no reload: a rule acts on the next request).

What the Lua script reads is one command line per rule; the free-text parts (method, path,
headers, body) go hex-encoded, since the runtime API splits on spaces and reads `;` as the end of
a command. Every answer is checked: a rule that was not confirmed raises `FaultError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.balancer.config import edge_frontend_name
from harness.balancer.haproxy import runtime_command
from harness.errors import FaultError, PlatformError

KINDS = ("error", "abort", "delay")


@dataclass(frozen=True)
class HttpFaultRule:
    """One rule: `kind` for `percent` % of the requests that match `method` and `path_prefix`
    (empty: any)."""

    name: str
    kind: str  # error | abort | delay
    percent: float
    method: str = ""
    path_prefix: str = ""
    status: int = 503
    delay_ms: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


def _hex(text: str) -> str:
    return text.encode().hex() or "-"


def _unhex(text: str) -> str:
    return "" if text == "-" else bytes.fromhex(text).decode(errors="replace")


def add_command(frontend: str, rule: HttpFaultRule) -> str:
    if rule.kind not in KINDS:
        raise ValueError(f"unknown HTTP fault kind {rule.kind!r}")
    headers = "".join(f"{name}: {value}\n" for name, value in rule.headers.items())
    return " ".join(
        [
            "firebreak fault add",
            frontend,
            rule.name,
            rule.kind,
            f"{rule.percent:g}",
            _hex(rule.method),
            _hex(rule.path_prefix),
            str(rule.status),
            str(rule.delay_ms),
            _hex(headers),
            _hex(rule.body),
        ]
    )


def parse_show(answer: str) -> dict[str, list[HttpFaultRule]]:
    """`firebreak fault show`'s answer: frontend → its rules (headers and body not listed)."""
    return {frontend: [rule for rule, _ in rules] for frontend, rules in _shown(answer).items()}


def _shown(answer: str) -> dict[str, list[tuple[HttpFaultRule, RuleHits | None]]]:
    found: dict[str, list[tuple[HttpFaultRule, RuleHits | None]]] = {}
    for line in answer.splitlines():
        words = line.split()
        if len(words) not in (8, 10):  # 8: a balancer from before rules counted their hits
            continue
        frontend, name, kind, percent, method, path, status, delay_ms = words[:8]
        rule = HttpFaultRule(
            name, kind, float(percent), _unhex(method), _unhex(path), int(status), int(delay_ms)
        )
        hits = RuleHits(int(words[8]), int(words[9])) if len(words) == 10 else None
        found.setdefault(frontend, []).append((rule, hits))
    return found


@dataclass(frozen=True)
class RuleHits:
    """What one rule saw while it was active: the requests it matched, and those it acted on."""

    matched: int
    hits: int


def rule_hits(api_address: str, frontend: str, name: str) -> RuleHits | None:
    for rule, hits in _shown(_command(api_address, "firebreak fault show")).get(frontend, []):
        if rule.name == name:
            return hits
    return None


def _command(api_address: str, line: str) -> str:
    try:
        return runtime_command(api_address, line)
    except OSError as exc:
        raise FaultError(
            f"HAProxy's runtime API on {api_address} did not take `{line.split(' ', 4)[2]}`: {exc}"
        ) from exc


def add_rule(api_address: str, frontend: str, rule: HttpFaultRule) -> None:
    answer = _command(api_address, add_command(frontend, rule))
    if answer.strip() != "ok":
        raise FaultError(
            f"HAProxy did not confirm HTTP fault `{rule.name}` on `{frontend}`: "
            f"{answer.strip() or 'no answer'}"
        )


def remove_rule(api_address: str, frontend: str, name: str) -> bool:
    """Take a rule off; False when it was not there (reverted already)."""
    answer = _command(api_address, f"firebreak fault del {frontend} {name}").strip()
    if answer not in ("ok", "absent"):
        raise FaultError(f"HAProxy did not remove HTTP fault `{name}` from `{frontend}`: {answer}")
    return answer == "ok"


def active_rules(api_address: str) -> dict[str, list[HttpFaultRule]]:
    return parse_show(_command(api_address, "firebreak fault show"))


class EdgeHttpFaults:
    """The HTTP faults a run can inject: on the edges its balancer serves in HTTP mode."""

    def __init__(self, api_address: str, http_edges: frozenset[str]) -> None:
        self.api_address = api_address
        self.http_edges = http_edges

    def frontend_of(self, edge_name: str) -> str:
        if edge_name not in self.http_edges:
            served = ", ".join(f"`{e}`" for e in sorted(self.http_edges)) or "none"
            raise PlatformError(
                f"Edge `{edge_name}` was deployed without an HTTP frontend, so an HTTP fault "
                f"cannot act on it (HTTP edges in this run: {served}). A scenario gets one on "
                "every edge its HTTP faults target."
            )
        return edge_frontend_name(edge_name)

    def add(self, frontend: str, rule: HttpFaultRule) -> None:
        add_rule(self.api_address, frontend, rule)

    def remove(self, frontend: str, name: str) -> RuleHits | None:
        """Take the rule off; what it saw while active (read just before), where known."""
        hits = rule_hits(self.api_address, frontend, name)
        remove_rule(self.api_address, frontend, name)
        return hits
