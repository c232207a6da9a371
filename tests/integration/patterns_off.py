"""The sample's resilience patterns, each switched off in one service, with the scenario whose
checks that must fail. Every platform's run is compared with the same local run, made once per
session (the `local_run_with_pattern_off` fixture), so a platform can only agree or disagree
with one reference."""

from __future__ import annotations

from pathlib import Path

from harness.run_model import RunResult
from tests.conftest import REPO_ROOT
from tests.integration.judged import inconclusive
from tests.integration.test_scenarios_on_sample import run_scenario

PATTERNS_OFF = [
    ("fallbacks", "gateway", "default.yaml"),
    ("timeouts", "gateway", "default.yaml"),
    ("breakers", "gateway", "inventory-down.yaml"),
    ("idempotency", "orders", "payments-down.yaml"),
]
PATTERN_IDS = [p[0] for p in PATTERNS_OFF]
# Checks whose outcome flips from run to run on one platform, for a reason the test names. With
# its timeouts off the gateway waits the whole second recommendations takes; whether its
# bulkhead then overflows into the fallback depends on how many requests pile up in that second
# (seen both ways locally, on Docker and on Kubernetes within one session).
FLIPS_WITH_LOAD = {"timeouts": {"fallback fired gateway->recommendations"}}
# Not compared for any pattern: how soon a platform settles once the faults end, not whether it
# catches the missing pattern. With breakers off on Docker, recommendations still served 9 of
# 257 catalog calls from its fallback after recovery at time scale 0.3 in one full CI run, where
# the local run had settled; the breaker check failed on both, as it must.
SETTLING_CHECKS = {"steady state after recovery"}


def baseline_unsteady(result: RunResult) -> bool:
    """A run whose system was not steady before the faults says nothing about the pattern (seen
    once on Docker with breakers off, right after the local run): it is run again, as an
    inconclusive one is."""
    return inconclusive(result) or any(
        c.name == "steady state before faults" for c in result.failed_checks
    )


def run_with_pattern_off(
    pattern: str, service: str, scenario: str, out: Path, **options
) -> RunResult:
    overrides = {service: {"FIREBREAK_DISABLE": pattern}}
    path = REPO_ROOT / "scenarios" / scenario
    return run_scenario(
        path, out, env_overrides=overrides, run_again_if=baseline_unsteady, **options
    )


def assert_same_failed_checks(
    pattern: str, local: RunResult, other: RunResult, platform: str
) -> None:
    """Both runs fail the gate, on the same checks (less the ones named as flipping)."""
    flips = FLIPS_WITH_LOAD.get(pattern, set()) | SETTLING_CHECKS
    local_failed = sorted(c.name for c in local.failed_checks if c.name not in flips)
    other_failed = sorted(c.name for c in other.failed_checks if c.name not in flips)
    assert local.exit_code == other.exit_code == 1, (local.verdict, other.verdict)
    assert local_failed, "switching the pattern off must fail the gate"
    assert other_failed == local_failed, (
        f"local failed {local_failed}, {platform} failed {other_failed}:\n"
        + "\n".join(f"{platform} {c.name}: {c.summary}" for c in other.failed_checks)
    )


def assert_fails_as_locally(
    local_run, pattern: str, service: str, scenario: str, out: Path, platform: str
) -> None:
    """Run the case on `platform` and compare it with the session's local run of it."""
    local = local_run(pattern, service, scenario)
    other = run_with_pattern_off(pattern, service, scenario, out, platform=platform)
    assert_same_failed_checks(pattern, local, other, platform)
