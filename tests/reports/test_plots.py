"""The plots: PNGs of sensible size, and a dependency layout that reads left to right."""

from __future__ import annotations

import io

from PIL import Image

from harness.reports.graph_layout import dependency_edges, layered_layout
from harness.reports.plots import _state_runs, render_plots


def test_every_plot_is_a_png_of_report_width(passed_journal):
    plots = render_plots(passed_journal)
    assert set(plots) == {"timeline", "services", "propagation", "breakers"}
    for name, png in plots.items():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG", name
        assert image.width >= 1000, name


def test_callers_are_left_of_their_callees(passed_journal):
    edges = dependency_edges(passed_journal)
    assert ("gateway", "recommendations") in edges and ("orders", "payments") in edges
    assert all("load" not in edge for edge in edges)
    position = layered_layout(list(passed_journal.system["services"]), edges)
    for caller, callee in edges:
        assert position[caller][0] < position[callee][0], (caller, callee)
    assert len(set(position.values())) == len(position)


def test_a_cycle_does_not_hang_the_layout():
    position = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")])
    assert set(position) == {"a", "b", "c"}


def test_a_journal_without_services_or_propagation_still_plots(passed_journal):
    passed_journal.observations.services = {}
    passed_journal.propagation = []
    passed_journal.observations.faults = []
    assert all(render_plots(passed_journal).values())


def test_breaker_states_become_runs_and_a_missing_second_ends_one():
    states = {0: 0, 1: 0, 2: 2, 3: 2, 4: 1, 6: 0, 7: 0}  # no sample for second 5
    assert _state_runs(states) == {0: [(0, 2), (6, 2)], 2: [(2, 2)], 1: [(4, 1)]}
    assert _state_runs({}) == {}


def _split(journal):
    """The journal as a split run's: each second's answers halved between gateway-0 (the
    experiment, failing in the fault window) and gateway-1 (the control)."""
    window = journal.observations.faults[0]
    for point in journal.observations.front_door:
        half = point.requests // 2
        failing = window.applied_at <= point.t < (window.reverted_at or 0)
        point.servers = {
            "gateway-0": {"requests": half, "failures": half // 2 if failing else 0,
                          "histogram": point.histogram},
            "gateway-1": {"requests": point.requests - half, "failures": 0,
                          "histogram": point.histogram},
        }  # fmt: skip
    journal.evidence["split"] = {
        "plan": "split run",
        "experiment": ["gateway-0"],
        "control": ["gateway-1"],
        "arms_unlike": None,
    }
    return journal


def test_a_split_run_has_both_arms_side_by_side(passed_journal):
    from harness.reports.arm_plots import _arm_rows, arms_of

    journal = _split(passed_journal)
    assert arms_of(journal) == {"experiment": ["gateway-0"], "control": ["gateway-1"]}
    plots = render_plots(journal)
    image = Image.open(io.BytesIO(plots["arms"]))
    assert image.format == "PNG" and image.width >= 1000
    points = journal.observations.front_door
    experiment_failed = _arm_rows(points, ["gateway-0"])[1]
    control_failed = _arm_rows(points, ["gateway-1"])[1]
    assert max(experiment_failed) > 40 and max(control_failed) == 0


def test_a_split_run_whose_front_door_named_no_replica_has_no_arms_plot(passed_journal):
    passed_journal.evidence["split"] = {"experiment": ["gateway-0"], "control": ["gateway-1"]}
    assert "arms" not in render_plots(passed_journal)


def test_a_split_run_draws_its_divided_service_by_arm(passed_journal):
    from harness.reports.arm_plots import divided_service_png

    obs = passed_journal.observations
    assert divided_service_png(passed_journal) is None  # a plain run kept nothing by arm
    gateway = obs.services["gateway"]
    obs.arms = {"experiment": {"gateway": gateway}, "control": {"gateway": gateway}}
    image = Image.open(io.BytesIO(render_plots(passed_journal)["arm_service"]))
    edges = [t for w in obs.faults for t in w.targets if t.startswith("gateway->")]
    # a row for the service's own figures, and one per faulted dependency of it
    assert image.format == "PNG" and image.height >= 100 * 2.6 * (1 + len(set(edges)))


def test_an_arms_open_breaker_is_shaded_as_one_span_per_run_of_seconds():
    from harness.reports.arm_plots import _open_spans
    from tests.checks.made_observations import dependency, service_series

    points = service_series(
        dependencies=lambda t: {"inventory": dependency(breaker_state=2 if 21 <= t < 25 else 0)}
    )
    t_s = [p.t + 0.5 for p in points]
    assert _open_spans(t_s, points, "inventory") == [(21.0, 25.0)]
    assert _open_spans(t_s, points, "payments") == []
