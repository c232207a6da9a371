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
