"""Trend figures: one line per group with the result's values; the before / after map shows the deltas."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest

from ona.privacy import for_viewer
from ona.viz import FIGURE_NAMES, before_after_map, figure, trend_lines
from ona.viz.style import esc
from ona.viz.trends import LABELLED_CHANGE, NO_COMPARISON, NO_TRENDS
from tests.viz.results import SCRIPT, two_silos
from tests.viz.results_service import hostile_with_service, with_service


@pytest.fixture(scope="module")
def org():
    return with_service()


def traces(fig: go.Figure, meta: str) -> list:
    return [t for t in fig.data if t.meta == meta]


def message(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations)


# -- trend lines --------------------------------------------------------------


def test_trend_lines_one_trace_per_group_with_the_results_values(org):
    result, layout = org
    fig = trend_lines(result, layout)
    lines = traces(fig, "trend")
    assert len(lines) == len(result.trends.groups)
    labels = [p.label for p in result.trends.periods]
    by_group = {t.customdata[0]: t for t in lines}
    for g in result.trends.groups:
        line = by_group[esc(g.group)]
        assert list(line.x) == labels
        assert list(line.y) == g.ei_index  # None stays a gap
    assert by_group["Sales"].connectgaps is False and None in by_group["Sales"].y
    assert tuple(fig.layout.yaxis.range) == (-1.05, 1.05)


@pytest.mark.parametrize("metric", ["insularity", "internal_weight", "external_weight", "active"])
def test_trend_lines_other_metrics(org, metric):
    result, layout = org
    fig = trend_lines(result, layout, metric=metric)
    values = {t.customdata[0]: list(t.y) for t in traces(fig, "trend")}
    assert values == {esc(g.group): list(getattr(g, metric)) for g in result.trends.groups}
    assert (fig.layout.yaxis.type == "log") == (metric == "insularity")


def test_trend_lines_rejects_unknown_metrics(org):
    result, layout = org
    with pytest.raises(ValueError, match="metric must be one of"):
        trend_lines(result, layout, metric="modularity")  # type: ignore[arg-type]


def test_trend_lines_draw_silos_bold_and_mark_the_split(org):
    result, layout = org
    fig = trend_lines(result, layout)
    width = {t.customdata[0]: t.line.width for t in traces(fig, "trend")}
    silos = {g.group for g in result.groups if g.silo}
    assert all(width[name] > width[other] for name in silos for other in width if other not in silos)
    # the split 2024-02-15 falls in the second month (category 1), 14 of 29 days in
    (line,) = [s for s in fig.layout.shapes if s.type == "line"]
    assert line.x0 == pytest.approx(1 - 0.5 + 14 / 29, abs=1e-4)
    assert "split 2024-02-15" in message(fig)


def test_trend_lines_without_trends_is_an_explained_empty_figure():
    result, layout = two_silos()
    fig = trend_lines(result, layout)
    assert not fig.data and NO_TRENDS in message(fig)


# -- before / after map ---------------------------------------------------------


def test_before_after_nodes_are_coloured_by_each_windows_ei_index(org):
    result, layout = org
    fig = before_after_map(result, layout)
    changes = {g.group: g for g in result.comparison.groups}
    for side in ("before", "after"):
        (nodes,) = traces(fig, f"groups-{side}")
        names = [c[0] for c in nodes.customdata]
        assert sorted(names) == sorted(changes)
        assert list(nodes.marker.color) == [getattr(changes[n], f"ei_index_{side}") for n in names]
        assert (nodes.marker.cmin, nodes.marker.cmax) == (-1.0, 1.0)
        # same positions in both panels: the stored layout's
        assert [(x, y) for x, y in zip(nodes.x, nodes.y)] == [tuple(layout.groups[n]) for n in names]
    before, after = traces(fig, "groups-before")[0], traces(fig, "groups-after")[0]
    assert before.xaxis == "x" and after.xaxis == "x2"


def test_before_after_map_reflects_the_deltas(org):
    result, layout = org
    fig = before_after_map(result, layout)
    (after,) = traces(fig, "groups-after")
    changes = {g.group: g for g in result.comparison.groups}
    for (name, delta), label in zip(after.customdata, after.text):
        assert delta == changes[name].delta_ei_index
        if abs(delta) >= LABELLED_CHANGE:
            assert label == f"{esc(name)} {delta:+.2f}"
        else:
            assert label == esc(name)
    assert "Finance -0.25" in after.text and "IT +0.15" in after.text
    (ring,) = traces(fig, "more-insular")
    assert list(ring.customdata) == ["Finance"]
    # the weakened and thinner links are emphasized after the split only
    (weakened,) = traces(fig, "weakened-links")
    assert len(weakened.x) == 3 * 2  # Finance - IT and HR - Sales
    hover = " ".join(traces(fig, "link-hover-after")[0].hovertext)
    assert "observed / expected: 0.50 before, 0.20 after" in hover and "4 people carried the link before, 1 after" in hover


def test_before_after_map_without_comparison_is_an_explained_empty_figure():
    result, layout = two_silos()
    fig = before_after_map(result, layout)
    assert not fig.data and NO_COMPARISON in message(fig)


def test_before_after_map_without_layout_uses_a_circle(org):
    result, _ = org
    fig = before_after_map(result, None)
    (nodes,) = traces(fig, "groups-before")
    assert all(abs((x**2 + y**2) ** 0.5 - 0.8) < 1e-3 for x, y in zip(nodes.x, nodes.y))


# -- registry, privacy, escaping -------------------------------------------------


def test_trend_figures_are_registered_for_the_api():
    assert {"trend_lines", "before_after_map"} <= set(FIGURE_NAMES)
    assert figure("trend_lines") is trend_lines and figure("before_after_map") is before_after_map


@pytest.mark.parametrize("name", ["trend_lines", "before_after_map"])
def test_trend_figures_work_for_any_result(org, name):
    result, layout = org
    for r, lay in ((result, layout), (for_viewer(result), layout), (two_silos()[0], None), (result, None)):
        fig = figure(name)(r, lay)
        json.loads(fig.to_json())


def test_viewer_trend_figures_leave_suppressed_groups_out(org):
    result, layout = org
    viewer = for_viewer(result)  # HR: 3 people
    lines = traces(trend_lines(viewer, layout), "trend")
    assert "HR" not in {t.customdata[0] for t in lines} and len(lines) == 4
    fig = before_after_map(viewer, layout)
    assert "HR" not in [c[0] for c in traces(fig, "groups-after")[0].customdata]
    assert not re.search(r"\bHR\b", fig.to_json())


def test_names_with_markup_are_escaped_in_the_trend_figures():
    result, layout = hostile_with_service()
    for fig in (trend_lines(result, layout), before_after_map(result, layout)):
        text = fig.to_json()
        assert SCRIPT not in text and "&lt;script&gt;" in text
    assert esc("R&D") in {t.customdata[0] for t in traces(trend_lines(result, layout), "trend")}


def test_trend_figures_do_not_mutate_the_result(org):
    result, layout = org
    before = result.model_dump_json()
    trend_lines(result, layout)
    before_after_map(result, layout)
    assert result.model_dump_json() == before
