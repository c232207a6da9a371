"""Failure answers: while a fault cuts a dependency totally, does the front door answer what its
promise says it answers then?

A promise may say what a caller gets while a dependency fails (`on_dependency_failure.<callee>`:
a `status` such as 503, and the degraded marker an answer carries where it hides the failure).
A service that answers 200 with an error body during a total outage of a required dependency
passes every other check (the load counts a 200 as a success); here it fails.

For each fault that cut `entrypoint->callee` (`FaultWindow.cut_edges`) and each endpoint the
entrypoint promises a status for `callee`, the answers the load got for that endpoint while the
cut held are read by status (judged from the front door: the load's own count of statuses):

- the promised status, or a degraded answer with the promised marker: the promise kept;
- a 2xx or 3xx that neither explains: broken, however few ("answered 200 where 503 was promised:
  N of M"). The dependency gave nothing, so a success is a failure dressed as an answer, and
  once the first second is left out nothing in the system's timing produces one honestly;
- another status, or no answer: broken when more than chance allows at 1 % (the binomial test of
  `statistics`; a stray reset is noise, a run of them is not). A 500 says the service broke, not
  that it is unavailable for now; a reset or a timeout tells the caller nothing (not whether a
  write happened, not when to retry), so a promise of 503 answered by resets is broken too;
- no answer of that endpoint while the cut held: no evidence.

In a split run only the experiment arm's dependency is cut: its answers alone are read (the
front door's figures by the replica that served them); the control's are whole and say nothing
of the promise.

The cut is taken to hold from Toxiproxy's or the platform's confirmation plus one second (answers
of requests already past the dependency), to the moment its revert began; only whole seconds
inside count. A cut of a dependency of another service cannot be read at the front door: the run
says so under "not judged" where that service promises a status for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checks.base import CheckResult
from harness.checks.cuts import IN_FLIGHT_S, Cut, cuts_of, seconds_within
from harness.checks.promise_view import PromiseView, resolve_promises
from harness.checks.promises import NO_EVIDENCE, front_door_key
from harness.checks.statistics import rate_broken
from harness.load.answers import NO_ANSWER, UNKNOWN_STATUS
from harness.observe.series import Observations
from harness.service_contract import EndpointPromise

# Answers that are neither the promised one nor a success may be this share of the window
# before they break the promise, judged with the binomial test (as a 99 % availability is).
OTHER_ANSWERS_RATE_MAX = 0.01


def _promises_naming(promises: PromiseView, service: str, callee: str) -> list[EndpointPromise]:
    """`service`'s promised endpoints that name a status for when `callee` fails (the one place
    this check reads promises)."""
    return [p for p in promises.endpoint_promises_of(service) if p.status_for(callee) is not None]


def _success(status: str) -> bool:
    return status[:1] in ("2", "3")


def _served_by(figures: Mapping[str, Any], replicas: Sequence[str]) -> dict[str, Any]:
    """An endpoint's figures for one second, counting only what `replicas` answered."""
    served: dict[str, Any] = {"requests": 0, "whole_ok": 0, "statuses": {}, "markers": {}}
    for replica in replicas:
        figures_of = (figures.get("servers") or {}).get(replica) or {}
        served["requests"] += int(figures_of.get("requests", 0))
        served["whole_ok"] += int(figures_of.get("whole_ok", 0))
        for field in ("statuses", "markers"):
            for name, count in (figures_of.get(field) or {}).items():
                served[field][name] = served[field].get(name, 0) + int(count)
    if not served["statuses"]:
        del served["statuses"]  # nothing recorded by status: no evidence, as for a plain run
    return served


def _tally(
    obs: Observations,
    key: str,
    cut: Cut,
    status: int,
    marker: str | None,
    replicas: Sequence[str] = (),
) -> dict:
    start, end = cut.held_from + IN_FLIGHT_S, cut.held_until
    seconds = seconds_within(obs, key, start, end)
    if replicas:
        seconds = [(t, _served_by(figures, replicas)) for t, figures in seconds]
    statuses: dict[str, int] = {}
    answers = marked = whole_ok = recorded = 0
    for _t, figures in seconds:
        answers += int(figures.get("requests", 0))
        if "statuses" in figures:
            recorded += 1
        for name, count in (figures.get("statuses") or {}).items():
            statuses[name] = statuses.get(name, 0) + int(count)
        whole_ok += int(figures.get("whole_ok", 0))
        if marker:
            marked += int((figures.get("markers") or {}).get(marker, 0))
    known = sum(count for name, count in statuses.items() if name != UNKNOWN_STATUS)
    promised = statuses.get(str(status), 0)
    successes = sum(c for name, c in statuses.items() if _success(name) and name != str(status))
    # a marked answer is a success the promise explains (degraded answers are never failures);
    # where the promised status is itself a success, a marked answer may be one of those
    # already counted, so only the marked beyond them excuse other successes
    excused = max(0, marked - promised) if _success(str(status)) else marked
    unexplained = max(0, successes - excused)
    others = {
        name: count
        for name, count in statuses.items()
        if name not in (str(status), UNKNOWN_STATUS) and not _success(name)
    }
    return {
        "judged_from_s": round(start, 3),
        "judged_to_s": round(end, 3),
        "seconds": len(seconds),
        "seconds_with_statuses": recorded,
        "answers": answers,
        "answers_with_status": known,
        "promised_status": promised,
        "marked": marked,
        "successes_unexplained": unexplained,
        "whole_ok": whole_ok,
        "other": sum(others.values()),
        "statuses": dict(sorted(statuses.items())),
    }


def _problems(n: dict[str, Any], status: int, marker: str | None) -> list[str]:
    total = n["answers_with_status"]
    if n["seconds"] == 0:
        return [
            f"{NO_EVIDENCE}: no whole second of the cut was left to judge (it held "
            f"{max(0.0, n['judged_to_s'] - n['judged_from_s'] + IN_FLIGHT_S):.1f} s; answers are "
            f"judged from {IN_FLIGHT_S:g} s after it held)"
        ]
    if n["seconds_with_statuses"] == 0:
        return [f"{NO_EVIDENCE}: the load recorded no answer statuses (a journal from before them)"]
    if total == 0:
        return [f"{NO_EVIDENCE}: no answer of this endpoint while the cut held"]
    problems = []
    successes = {k: v for k, v in n["statuses"].items() if _success(k) and k != str(status)}
    if n["successes_unexplained"] > 0:
        shown = "/".join(sorted(successes))
        unmarked = f"{n['whole_ok']} not marked degraded at all"
        how = f" and not marked `{marker}`" if marker else ""
        problems.append(
            f"answered {shown}{how} where {status} was promised: "
            f"{n['successes_unexplained']} of {total} ({unmarked})"
        )
    if rate_broken(n["other"], total, OTHER_ANSWERS_RATE_MAX):
        others = {k: v for k, v in n["statuses"].items() if k not in successes and k != str(status)}
        shown = ", ".join(
            f"{'no answer' if k == NO_ANSWER else k}: {v}" for k, v in sorted(others.items())
        )
        problems.append(f"answered otherwise where {status} was promised: {shown} of {total}")
    return problems


def _judge(
    obs: Observations,
    entrypoint: str,
    cut: Cut,
    promise: EndpointPromise,
    replicas: Sequence[str] = (),
) -> CheckResult:
    status = promise.status_for(cut.callee)
    assert status is not None
    marker = promise.marker_for(cut.callee)
    name = f"failure answer {entrypoint} {promise.label} ({cut.window.name})"
    tolerance = {
        "status": status,
        "degraded_marker": marker,
        "successes_unexplained_max": 0,
        "other_rate_max": OTHER_ANSWERS_RATE_MAX,
        "in_flight_s": IN_FLIGHT_S,
    }
    key = front_door_key(obs, promise.method, promise.route)
    if key is None:
        problems = [f"{NO_EVIDENCE}: no request of the load reached this endpoint"]
        numbers: dict[str, Any] = {}
    else:
        numbers = _tally(obs, key, cut, status, marker, replicas)
        problems = _problems(numbers, status, marker)
        if replicas:
            numbers["served_by"] = list(replicas)
    allowed = f"{status}" + (f" or answers marked `{marker}`" if marker else "")
    arm = f" of the experiment arm ({', '.join(replicas)})" if replicas else ""
    where = f"`{entrypoint}` {promise.label} while `{cut.callee}` was cut ({cut.window.name})"
    if problems:
        summary = f"{where}: {'; '.join(problems)}."
    else:
        summary = (
            f"{where} answered {allowed} as promised: {numbers['promised_status']} with "
            f"{status}, {numbers['marked']} marked, of {numbers['answers_with_status']} "
            f"(judged from: front door answer statuses{arm}, {numbers['seconds']} s)."
        )
    return CheckResult(
        name=name,
        kind="failure_answer",
        passed=not problems,
        summary=summary,
        numbers={**numbers, "edge": f"{cut.caller}->{cut.callee}", "problems": problems},
        tolerance=tolerance,
        judged_from=f"front door answer statuses of {promise.label}{arm}; the promised status: the "
        "promise view; the cut: the fault's type and parameters",
    )


def check_failure_answers(
    obs: Observations,
    entrypoint: str,
    promises: PromiseView | None = None,
    experiment: Sequence[str] = (),
) -> tuple[list[CheckResult], list[str]]:
    """One check per cut of an entrypoint's dependency and endpoint promising a status for it;
    and a note for each cut whose promised answer cannot be seen from the front door.
    `experiment`: a split run's experiment replicas of the entrypoint, whose answers alone are
    read (empty: a plain run, every answer)."""
    # the run's one promise view (`evaluate`); the answers promised under dependency failure
    # come from no scenario, so a view of what the bring-up read alone serves the unit tests
    promises = promises or resolve_promises(obs, {}, entrypoint)
    results: list[CheckResult] = []
    notes: list[str] = []
    for cut in cuts_of(obs):
        if cut.caller == entrypoint:
            results.extend(
                _judge(obs, entrypoint, cut, promise, experiment)
                for promise in _promises_naming(promises, entrypoint, cut.callee)
            )
            continue
        promised = _promises_naming(promises, cut.caller, cut.callee)
        if promised:
            labels = ", ".join(f"{p.label} → {p.status_for(cut.callee)}" for p in promised)
            notes.append(
                f"What `{cut.caller}` answers while `{cut.callee}` is cut ({cut.window.name}; "
                f"promised: {labels}) could not be judged: answers are read by status only at "
                f"the front door, and `{cut.caller}` is not the entrypoint."
            )
    return results, notes
