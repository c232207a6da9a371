"""The per-second stream: accumulation in the child, parsing and totals in the driver."""

from __future__ import annotations

import json

import pytest

from harness.latency_histogram import LatencyHistogram
from harness.load.stream import (
    LoadSecond,
    SecondAccumulator,
    SecondBucket,
    parse_line,
)
from harness.load.totals import total_load


def test_requests_land_in_the_second_they_completed_in() -> None:
    acc = SecondAccumulator(start_s=100)
    acc.record("GET /ok", 5.0, failed=False, markers=[], now_s=100.2)
    acc.record("GET /ok", 6.0, failed=False, markers=["recs"], now_s=101.9)
    acc.record("GET /fail", 7.0, failed=True, markers=[], now_s=101.1)
    first, second = acc.close_before(102, users=3)
    assert (first.t_s, first.endpoints["GET /ok"].requests) == (100, 1)
    assert second.endpoints["GET /ok"].degraded == 1
    assert second.endpoints["GET /fail"].failures == 1
    assert first.users == second.users == 3


def test_closed_seconds_come_out_once_in_order_without_gaps() -> None:
    acc = SecondAccumulator(start_s=10)
    acc.record("GET /ok", 1.0, False, [], now_s=13.5)
    buckets = acc.close_before(15, users=1)
    assert [b.t_s for b in buckets] == [10, 11, 12, 13, 14]
    assert [b.endpoints == {} for b in buckets] == [True, True, True, False, True]
    assert acc.close_before(15, users=1) == []
    assert acc.next_s == 15


def test_counts_for_an_already_closed_second_go_to_the_oldest_open_one() -> None:
    acc = SecondAccumulator(start_s=10)
    acc.close_before(12)
    acc.record("GET /ok", 1.0, False, [], now_s=10.5)  # a clock step backwards
    (bucket,) = acc.close_before(13)
    assert bucket.t_s == 12 and bucket.endpoints["GET /ok"].requests == 1


def test_close_all_includes_the_partial_second() -> None:
    acc = SecondAccumulator(start_s=10)
    acc.record("GET /ok", 1.0, False, [], now_s=11.3)
    buckets = acc.close_all(now_s=11.4)
    assert [b.t_s for b in buckets] == [10, 11]
    assert acc.totals.requests == 1


def test_users_noted_for_a_second_win_over_the_default() -> None:
    acc = SecondAccumulator(start_s=10)
    acc.note_users(10, 4)
    acc.note_users(11, 6)
    buckets = acc.close_before(13, users=None)
    assert [b.users for b in buckets] == [4, 6, 6]


def test_worker_buckets_merge_into_one_second() -> None:
    worker_a, worker_b = SecondAccumulator(10), SecondAccumulator(10)
    worker_a.record("GET /ok", 2.0, False, [], now_s=10.1)
    worker_b.record("GET /ok", 40.0, True, [], now_s=10.7)
    master = SecondAccumulator(10)
    for worker in (worker_a, worker_b):
        for bucket in worker.close_before(11, users=2):
            master.add(SecondBucket.from_json(json.loads(json.dumps(bucket.to_json()))))
    (merged,) = master.close_before(11, users=4)
    ok = merged.endpoints["GET /ok"]
    assert (ok.requests, ok.failures, ok.histogram.count) == (2, 1, 2)
    assert master.totals.requests == 2


def _line(t_s: int, ok_requests: int, latency_ms: float) -> str:
    histogram = LatencyHistogram()
    histogram.record(latency_ms, ok_requests)
    return json.dumps(
        {
            "t": t_s,
            "users": 5,
            "endpoints": {
                "GET /ok": {
                    "requests": ok_requests,
                    "failures": 1,
                    "degraded": 2,
                    "histogram": histogram.to_json(),
                }
            },
        }
    )


def test_a_per_second_line_parses_into_a_typed_load_second() -> None:
    second = parse_line(_line(100, 10, 25.0))
    assert isinstance(second, LoadSecond)
    assert second.t_s == 100 and second.users == 5
    assert second.endpoints["GET /ok"].histogram.count == 10
    assert (second.requests, second.failures, second.degraded) == (10, 1, 2)


def test_an_event_line_parses_into_its_dict() -> None:
    assert parse_line('{"event": "started", "users": 5}') == {"event": "started", "users": 5}


@pytest.mark.parametrize("line", ["hello", "[1]", '{"t": 1}', '{"t": 1, "endpoints": 3}'])
def test_lines_outside_the_format_are_refused(line: str) -> None:
    with pytest.raises(ValueError):
        parse_line(line)


def test_totals_add_up_seconds_and_merge_histograms() -> None:
    seconds = [parse_line(_line(100 + i, 10, 20.0 * (i + 1))) for i in range(4)]
    totals = total_load(seconds)  # type: ignore[arg-type]
    assert (totals.requests, totals.failures, totals.degraded, totals.seconds) == (40, 4, 8, 4)
    assert totals.requests_per_s == 10.0
    assert totals.p50_ms == pytest.approx(40.0, rel=0.025)
    assert totals.p99_ms == pytest.approx(80.0, rel=0.025)
    assert total_load(seconds, endpoint="GET /other").requests == 0  # type: ignore[arg-type]


def test_totals_of_nothing_have_no_percentiles() -> None:
    totals = total_load([])
    assert totals.p50_ms is None and totals.requests_per_s == 0.0


def test_answers_are_counted_by_status_and_whole_successes_apart() -> None:
    acc = SecondAccumulator(start_s=10)
    acc.record("GET /p", 5.0, False, [], now_s=10.1, status="200")
    acc.record("GET /p", 5.0, False, ["catalog"], now_s=10.2, status="200")  # degraded
    acc.record("GET /p", 5.0, True, [], now_s=10.3, status="503")
    acc.record("GET /p", 5.0, True, [], now_s=10.4, status="none")
    acc.record("GET /p", 5.0, False, [], now_s=10.5, status="304")
    (bucket,) = acc.close_before(11)
    figures = bucket.to_json()["endpoints"]["GET /p"]
    assert figures["statuses"] == {"200": 2, "304": 1, "503": 1, "none": 1}
    assert figures["whole_ok"] == 2  # the unmarked 200 and the 304
    # through a worker's report to its master, and out as a stream line the driver reads
    master = SecondAccumulator(10)
    master.add(SecondBucket.from_json(json.loads(json.dumps(bucket.to_json()))))
    (merged,) = master.close_before(11)
    second = parse_line(json.dumps(merged.to_json()))
    assert isinstance(second, LoadSecond)
    assert dict(second.endpoints["GET /p"].statuses) == figures["statuses"]
    assert second.endpoints["GET /p"].whole_ok == 2


def test_a_stream_line_from_before_statuses_still_parses_with_none_recorded() -> None:
    second = parse_line(_line(100, 10, 25.0))
    assert isinstance(second, LoadSecond)
    assert second.endpoints["GET /ok"].statuses == {}
    assert (
        "statuses"
        not in SecondBucket.from_json(json.loads(_line(100, 10, 25.0))).to_json()["endpoints"][
            "GET /ok"
        ]
    )


def test_answers_are_also_counted_by_the_replica_the_front_door_says_served_them():
    """A split run's arms (issue 24): the balancer names the serving replica in a header; the
    stream keeps every answer once by endpoint and once more by server, and loses neither."""
    accumulator = SecondAccumulator(start_s=100)
    accumulator.record("GET /a", 10.0, False, [], 100.2, "200", server="gateway-0")
    accumulator.record("GET /b", 900.0, True, [], 100.4, "502", server="gateway-1")
    accumulator.record("GET /b", 12.0, False, ["fallback"], 100.6, "200", server="gateway-1")
    accumulator.record("GET /a", 11.0, False, [], 100.8, "200")  # not said: counted by endpoint
    (bucket,) = accumulator.close_before(101)
    second = parse_line(json.dumps(bucket.to_json()))
    assert second.requests == 4
    assert {name: s.requests for name, s in second.servers.items()} == {
        "gateway-0": 1,
        "gateway-1": 2,
    }
    assert second.servers["gateway-1"].failures == 1
    assert second.servers["gateway-1"].degraded == 1
    assert second.servers["gateway-1"].statuses == {"200": 1, "502": 1}
    # and by endpoint and server together: what one arm answered on one endpoint
    by_server = second.endpoints["GET /b"].servers
    assert {name: s.statuses for name, s in by_server.items()} == {
        "gateway-1": {"200": 1, "502": 1}
    }
    assert by_server["gateway-1"].markers == {"fallback": 1}
    assert set(second.endpoints["GET /a"].servers) == {"gateway-0"}
    merged = SecondBucket.from_json(bucket.to_json())
    merged.merge(SecondBucket.from_json(bucket.to_json()))
    assert merged.servers["gateway-0"].requests == 2
    assert merged.endpoints["GET /a"].servers["gateway-0"].requests == 2


def test_a_second_without_servers_reads_as_before():
    accumulator = SecondAccumulator(start_s=100)
    accumulator.record("GET /a", 10.0, False, [], 100.2, "200")
    (bucket,) = accumulator.close_before(101)
    assert "servers" not in bucket.to_json()
    assert "servers" not in bucket.to_json()["endpoints"]["GET /a"]
    assert parse_line(json.dumps(bucket.to_json())).servers == {}
