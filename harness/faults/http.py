"""`http_error`, `http_abort`, `http_delay`: a share of an edge's HTTP requests answered with a
status (the callee never sees them), closed with no answer, or answered late — by the edge's HTTP
frontend on the run's balancer, through its runtime API (`harness.balancer.http_rules`)."""

from __future__ import annotations

from harness.balancer.http_rules import EdgeHttpFaults, HttpFaultRule
from harness.errors import PlatformError
from harness.faults.base import TargetedFault
from harness.ledger import LedgerToxic

KIND_OF_TYPE = {"http_error": "error", "http_abort": "abort", "http_delay": "delay"}


class HttpFault(TargetedFault):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rule_hits: dict[str, dict[str, int]] = {}  # frontend → matched and acted on

    def _edge_faults(self) -> EdgeHttpFaults:
        edge_faults = getattr(self.ctx.platform, "http_faults", None)
        if edge_faults is None:
            raise PlatformError(
                f"This run on `{self.ctx.platform.name}` was deployed with no edge in HTTP mode, "
                f"so `{self.fault_type}` cannot be injected: a scenario's run gets an HTTP "
                "frontend on every edge its HTTP faults target, a game day on every edge."
            )
        return edge_faults

    @property
    def cuts(self) -> bool:
        """Every request on the edge answered with a failure or with nothing: an abort, or an
        error status that says the callee cannot serve (5xx, 429), for 100 % of the requests
        with no method or path filter. A 4xx such as 404 is an answer about the request."""
        spec = self.spec
        every_request = (
            float(spec.percent) >= 100 and spec.method is None and spec.path_prefix is None
        )
        status = int(getattr(spec, "status", 503))
        failing = self.fault_type == "http_abort" or (
            self.fault_type == "http_error" and (status >= 500 or status == 429)
        )
        return every_request and failing

    def rule(self) -> HttpFaultRule:
        spec = self.spec
        return HttpFaultRule(
            name=f"firebreak-{self.name}",
            kind=KIND_OF_TYPE[self.fault_type],
            percent=float(spec.percent),
            method=spec.method or "",
            path_prefix=spec.path_prefix or "",
            status=int(getattr(spec, "status", 503)),
            delay_ms=int(getattr(spec, "delay_ms", 0)),
            headers=dict(getattr(spec, "headers", {}) or {}),
            body=str(getattr(spec, "body", "")),
        )

    def _apply_one(self, edge_name: str) -> LedgerToxic:
        edge_faults = self._edge_faults()
        rule = self.rule()
        frontend = edge_faults.frontend_of(edge_name)
        entry = LedgerToxic("", frontend, rule.name, kind="http", balancer=edge_faults.api_address)
        if self.ctx.ledger is not None:
            self.ctx.ledger.add_fault(entry)  # before: a crash right after still cleans up
        edge_faults.add(frontend, rule)
        return entry

    def _revert_one(self, entry: LedgerToxic) -> None:
        hits = self._edge_faults().remove(entry.proxy, entry.toxic)
        if hits is not None:
            # what the rule saw, for the check that the fault touched traffic
            self.rule_hits[entry.proxy] = {"matched": hits.matched, "hits": hits.hits}
        if self.ctx.ledger is not None:
            self.ctx.ledger.remove_fault(entry)

    def describe(self) -> str:
        spec = self.spec
        what = {
            "http_error": f"answer {getattr(spec, 'status', 503)}",
            "http_abort": "close with no answer",
            "http_delay": f"hold the answer {getattr(spec, 'delay_ms', 0)} ms",
        }[self.fault_type]
        matching = spec.match_text()
        if float(spec.percent) >= 100:
            share = matching
        else:
            requests = "requests" if matching == "every request" else matching
            share = f"{float(spec.percent):g}% of {requests}"
        return f"{self.fault_type} ({what}; {share}) on " + ", ".join(self.targets)
