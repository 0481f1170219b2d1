"""Figures over time: group metrics per period, and the department map before / after a date.

Input: an :class:`~ona.results.AnalysisResult` whose ``trends`` (set when
the analysis has a ``period``) or ``comparison`` (set when it has a
``split``) were computed by :mod:`ona.analysis.trends`, and the stored
:class:`~ona.graph.layout.Layout` for the map positions. Output: a
``plotly.graph_objects.Figure``; without the data, a figure without data
that says how to get it. Like every figure, only the result's numbers are
arranged: no I/O, no metric.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ona.results import AnalysisResult, GroupChange, Layout, LinkChange, WindowComparison
from ona.viz.common import FIGURE_TOP, MAP_LINKS, WIDTHS, colour_scale, positions, width_bin
from ona.report.words import group_noun, number
from ona.viz.style import (
    GRID,
    MUTED,
    NO_DATA,
    SILO,
    WEAK,
    base_layout,
    esc,
    message_figure,
    palette,
    top_groups,
)

TrendMetric = Literal["ei_index", "insularity", "internal_weight", "external_weight", "active"]

METRIC_WORDS: dict[str, str] = {
    "ei_index": "E-I index",
    "insularity": "insularity (× chance)",
    "internal_weight": "collaboration inside (I)",
    "external_weight": "collaboration with others (E)",
    "active": "active members",
}
LABELLED_CHANGE = 0.05  # E-I index changes at least this large are written on the "after" map
NO_TRENDS = "No trend: this analysis was not split into periods (run it with a period: week or month)."
NO_COMPARISON = "No before / after comparison: run the analysis with a split date (for example a reorganization)."


def trend_lines(
    result: AnalysisResult,
    layout: Layout | None = None,
    *,
    metric: TrendMetric = "ei_index",
    max_groups: int | None = FIGURE_TOP,
) -> go.Figure:
    """One line per group: a metric over the periods of ``result.trends``.

    x: the period labels ("2024-03", "2024-W09"); y: the group's value in
    each period, exactly as in :class:`~ona.results.GroupTrend`
    (a period where the group had no tie is a gap). Silos are drawn bold,
    other groups thin; each group keeps its colour of the other figures.
    When the result also compares two windows, a dotted line marks the
    split date. Without trends, a figure without data says how to get them.
    ``layout`` is accepted for a uniform signature and not used.

    With more than ``max_groups`` groups, the ``max_groups`` most relevant
    (:func:`~ona.viz.style.top_groups`) have their own coloured line and
    the others are drawn as one thin grey trace ("290 other teams");
    ``max_groups=None`` (or 0) gives every group its line (the legend is
    left out past 40 lines: hover a line for its name).
    """
    del layout
    if metric not in METRIC_WORDS:
        raise ValueError(f"metric must be one of {', '.join(METRIC_WORDS)}, not {metric!r}")
    trends = result.trends
    one, many = group_noun(result.parameters.group_by)
    if trends is None or not trends.periods:
        return message_figure(f"{many.capitalize()} over time", NO_TRENDS)
    labels = [p.label for p in trends.periods]
    silos = {g.group for g in result.groups if g.silo}
    colours = palette([g.group for g in result.groups] + [g.group for g in trends.groups])
    word = METRIC_WORDS[metric]
    fig = go.Figure(
        layout=base_layout(
            f"{many.capitalize()} over time: {word} per {trends.period}",
            subtitle=[
                f"one line per {one}; bold: silos; a gap: no tie in that period"
                + ("; -1: all collaboration inside, +1: all outside" if metric == "ei_index" else ""),
                "periods are analysed one by one, without a significance test",
            ],
            height=520,
        )
    )
    number = ":.0f" if metric == "active" else ":.2f"
    lines = trends.groups
    if max_groups and len(lines) > max_groups:
        keep = set(top_groups(result, max_groups))
        others = [g for g in lines if g.group not in keep]
        lines = [g for g in lines if g.group in keep]
        xs: list[str | None] = []
        ys: list[float | None] = []
        for g in sorted(others, key=lambda g: g.group):
            xs += [*labels, None]
            ys += [*getattr(g, metric), None]
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", name=f"{len(others):,} other {many}", meta="trend-others",
                line={"color": NO_DATA, "width": 1}, opacity=0.5, hoverinfo="skip", connectgaps=False,
            )
        )  # fmt: skip
    # silos last, so they are drawn on top
    for g in sorted(lines, key=lambda g: (g.group in silos, g.group)):
        values = getattr(g, metric)
        bold = g.group in silos
        fig.add_trace(
            go.Scatter(
                x=labels, y=list(values), mode="lines+markers", name=esc(g.group) + (" (silo)" if bold else ""),
                line={"color": colours.get(g.group, MUTED), "width": 3.5 if bold else 1.6},
                marker={"size": 8 if bold else 5}, opacity=1.0 if bold else 0.75, connectgaps=False,
                customdata=[esc(g.group)] * len(labels), meta="trend",
                hovertemplate=f"<b>%{{customdata}}</b><br>%{{x}}<br>{esc(word)}: %{{y{number}}}<extra></extra>",
            )
        )  # fmt: skip
    if result.comparison is not None:
        at = _category_position(result.comparison.split, trends.periods)
        if at is not None:
            fig.add_vline(x=at, line={"color": MUTED, "width": 1.5, "dash": "dot"})
            fig.add_annotation(
                x=at, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                text=f"split {result.comparison.split:%Y-%m-%d}", font={"size": 11, "color": MUTED},
            )  # fmt: skip
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, title={"text": trends.period},
                     gridcolor=GRID)  # fmt: skip
    if metric == "ei_index":
        fig.update_yaxes(range=[-1.05, 1.05], zeroline=True, zerolinecolor=MUTED, gridcolor=GRID,
                         title={"text": "E-I index (-1 inside … +1 outside)"})  # fmt: skip
    elif metric == "insularity":
        fig.update_yaxes(type="log", gridcolor=GRID, title={"text": word})
    else:
        fig.update_yaxes(rangemode="tozero", gridcolor=GRID, title={"text": word})
    fig.update_layout(hovermode="closest", legend={"title": {"text": many}}, showlegend=len(lines) <= 40)
    return fig


def _category_position(when: datetime, periods: list) -> float | None:
    """Where ``when`` falls on a category axis of periods (category i at x = i), or None outside."""
    for i, p in enumerate(periods):
        if p.start <= when < p.end:
            span = (p.end - p.start).total_seconds()
            return round(i - 0.5 + ((when - p.start).total_seconds() / span if span else 0.0), 4)
    return None


# --------------------------------------------------------------------------
# Before / after


def before_after_map(
    result: AnalysisResult,
    layout: Layout | None,
    *,
    max_changed: int = 10,
    max_labels: int = FIGURE_TOP,
    max_links: int = MAP_LINKS,
) -> go.Figure:
    """The department map before and after ``result.comparison``'s split date, side by side.

    Each panel places the groups at their stored map positions, sized by
    headcount and coloured by the E-I index *in that window* on the fixed
    diverging scale (-1 red: all collaboration inside; +1 blue), silos of
    the window outlined. Links are drawn with a width growing with the
    observed / expected ratio of the window; links weak or fragile in the
    window are faint red and dotted. In the "after" panel the ``max_changed``
    first links of the comparison that weakened or rest on fewer people
    (its order: the most serious first) are red and dashed, a red ring
    marks the groups that became significantly more insular or became a
    silo, and a label carries the change of the E-I index
    (``delta_ei_index``: negative, more inward) when it is 0.05 or more
    either way. Hovering a group or the middle of a link shows its figures
    before and after and the reasons of the change. Without a comparison, a
    figure without data says how to get one.

    Fine groupings stay readable as on the department map: past
    ``max_labels`` groups only the most relevant and those that became more
    insular are named, nodes shrink, and past ``max_links`` plain links per
    window only the heaviest are drawn (weak and weakened ones always).
    """
    one = group_noun(result.parameters.group_by)[0]
    cmp = result.comparison
    if cmp is None:
        return message_figure(f"{one.capitalize()} map before and after", NO_COMPARISON)
    pos = positions([g.group for g in cmp.groups], layout)
    headcount = {g.group: g.headcount for g in result.groups}
    links = [lk for lk in cmp.links if lk.source in pos and lk.target in pos]
    changed = [(lk.source, lk.target) for lk in links if lk.weakened or lk.fewer_carriers]
    named: set[str] | None = None
    if len(pos) > max_labels:
        named = set(top_groups(result, max_labels)) | {g.group for g in cmp.groups if g.more_insular or g.became_silo}
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.04,
        subplot_titles=(_window_title("Before", cmp.before.since, cmp.split, cmp.before.days),
                        _window_title("After", cmp.split, cmp.after.until, cmp.after.days)),
    )  # fmt: skip
    more = f" ({max_changed} most serious of {len(changed)})" if len(changed) > max_changed else ""
    fig.update_layout(
        base_layout(
            f"{one.capitalize()} map before and after {cmp.split:%Y-%m-%d}",
            subtitle=[
                "colour = E-I index in each window (red: collaboration stays inside); outline = silo in that window",
                f"after: red ring = became more insular; red dashed = link weakened or resting on fewer people{more}",
            ],
            height=620,
        )
    )
    fig.update_layout(margin={"t": 140})
    for col, side in ((1, "before"), (2, "after")):
        for trace in _window_links(links, pos, side, set(changed[:max_changed]), max_links):
            fig.add_trace(trace, row=1, col=col)
        for trace in _window_nodes(cmp, pos, headcount, side, one, named):
            fig.add_trace(trace, row=1, col=col)
    for trace in _legend_traces():
        fig.add_trace(trace, row=1, col=2)
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_xaxes(**axis, range=[-1.3, 1.3])
    fig.update_yaxes(**axis, range=[-1.15, 1.2])
    fig.update_layout(hovermode="closest", legend={"orientation": "h", "y": -0.02, "x": 0.0})
    return fig


def _window_title(word: str, since: datetime, until: datetime, days: float) -> str:
    return f"{word}: {since:%Y-%m-%d} to {until:%Y-%m-%d} ({days:.0f} days)"


def _window_links(
    links: list[LinkChange],
    pos: dict[str, tuple[float, float]],
    side: str,
    changed: set[tuple[str, str]],
    max_links: int = MAP_LINKS,
) -> list[go.Scatter]:
    traces: list[go.Scatter] = []
    drawn = [lk for lk in links if getattr(lk, f"weight_{side}") > 0 or getattr(lk, f"weak_{side}")]
    plain = [lk for lk in drawn if not getattr(lk, f"weak_{side}") and (lk.source, lk.target) not in changed]
    if len(plain) > max_links:
        heavy = sorted(plain, key=lambda lk: (-getattr(lk, f"weight_{side}"), lk.source, lk.target))[max_links:]
        dropped = {(lk.source, lk.target) for lk in heavy}
        drawn = [lk for lk in drawn if (lk.source, lk.target) not in dropped]
    emphasized = [lk for lk in drawn if side == "after" and (lk.source, lk.target) in changed]
    plain = [lk for lk in drawn if lk not in emphasized]
    for b, width in enumerate(WIDTHS):
        members = [lk for lk in plain if not getattr(lk, f"weak_{side}") and width_bin(getattr(lk, f"ratio_{side}")) == b]
        if members:
            xs, ys = _segments(members, pos)
            traces.append(go.Scatter(
                x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False, meta=f"links-{side}",
                line={"width": width, "color": f"rgba(82,96,109,{0.25 + 0.12 * b:.2f})"},
            ))  # fmt: skip
    weak = [lk for lk in plain if getattr(lk, f"weak_{side}")]
    if weak:
        xs, ys = _segments(weak, pos)
        traces.append(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False, meta=f"weak-links-{side}",
            line={"width": 1.3, "color": "rgba(214,39,40,0.45)", "dash": "dot"},
        ))  # fmt: skip
    if emphasized:
        xs, ys = _segments(emphasized, pos)
        traces.append(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False, meta="weakened-links",
            line={"width": 2.6, "color": WEAK, "dash": "dash"},
        ))  # fmt: skip
    if drawn:
        traces.append(go.Scatter(
            x=[round((pos[lk.source][0] + pos[lk.target][0]) / 2, 4) for lk in drawn],
            y=[round((pos[lk.source][1] + pos[lk.target][1]) / 2, 4) for lk in drawn],
            mode="markers", hoverinfo="text", hovertext=[_link_hover(lk) for lk in drawn], showlegend=False,
            marker={"size": 11, "symbol": "diamond", "color": "rgba(0,0,0,0)"}, meta=f"link-hover-{side}",
        ))  # fmt: skip
    return traces


def _segments(links: list[LinkChange], pos: dict[str, tuple[float, float]]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for lk in links:
        (x0, y0), (x1, y1) = pos[lk.source], pos[lk.target]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _window_nodes(
    cmp: WindowComparison,
    pos: dict[str, tuple[float, float]],
    headcount: dict[str, int],
    side: str,
    one: str,
    named: set[str] | None = None,
) -> list[go.Scatter]:
    top = max(headcount.values(), default=1) or 1
    default = sorted(headcount.values())[len(headcount) // 2] if headcount else 1
    scale = min(1.0, math.sqrt(40 / max(len(cmp.groups), 1)))  # hundreds of groups: smaller nodes

    def size(g: GroupChange) -> float:
        return round(scale * (16 + 44 * math.sqrt(headcount.get(g.group, default) / top)), 2)

    def label(g: GroupChange) -> str:
        if named is not None and g.group not in named:
            return ""
        if side == "before" or g.delta_ei_index is None or abs(g.delta_ei_index) < LABELLED_CHANGE:
            return esc(g.group)
        return f"{esc(g.group)} {g.delta_ei_index:+.2f}"

    traces: list[go.Scatter] = []
    for has_value in (True, False):
        members = [g for g in cmp.groups if (getattr(g, f"ei_index_{side}") is not None) == has_value]
        if not members:
            continue
        silo = [getattr(g, f"silo_{side}") for g in members]
        marker: dict = {
            "size": [size(g) for g in members], "opacity": 0.95,
            "line": {"color": ["#111111" if s else "white" for s in silo], "width": [4 if s else 1.5 for s in silo]},
        }  # fmt: skip
        if has_value:
            marker.update(colour_scale("ei_index"))
            marker["showscale"] = side == "after"
            marker["colorbar"] = {**marker["colorbar"], "x": 1.02}
            marker["color"] = [getattr(g, f"ei_index_{side}") for g in members]
        else:
            marker["color"] = NO_DATA
        traces.append(go.Scatter(
            x=[pos[g.group][0] for g in members], y=[pos[g.group][1] for g in members],
            mode="markers+text", text=[label(g) for g in members], textposition="top center",
            textfont={"size": 11}, hovertext=[_group_hover(g, one) for g in members], hoverinfo="text",
            marker=marker, showlegend=False, customdata=[[g.group, g.delta_ei_index] for g in members],
            meta=f"groups-{side}" if has_value else f"groups-{side}-no-ties",
        ))  # fmt: skip
    if side == "after":
        worse = [g for g in cmp.groups if g.more_insular or g.became_silo]
        if worse:
            traces.append(go.Scatter(
                x=[pos[g.group][0] for g in worse], y=[pos[g.group][1] for g in worse], mode="markers",
                hoverinfo="skip", showlegend=False, customdata=[g.group for g in worse], meta="more-insular",
                marker={"size": [size(g) + 14 for g in worse], "symbol": "circle-open",
                        "line": {"width": 3, "color": SILO}, "color": SILO},
            ))  # fmt: skip
    return traces


def _legend_traces() -> list[go.Scatter]:
    def dot(name: str, meta: str, marker: dict, mode: str = "markers", line: dict | None = None) -> go.Scatter:
        return go.Scatter(x=[None], y=[None], mode=mode, name=name, meta=meta, marker=marker, line=line,
                          hoverinfo="skip")  # fmt: skip

    return [
        dot("silo (outlined)", "legend", {"size": 14, "color": "white", "line": {"color": "#111111", "width": 4}}),
        dot("became more insular", "legend",
            {"size": 16, "symbol": "circle-open", "color": SILO, "line": {"color": SILO, "width": 3}}),
        dot("weakened or fewer people (after)", "legend", {}, mode="lines",
            line={"color": WEAK, "dash": "dash", "width": 2.6}),
        dot("weak or fragile in that window", "legend", {}, mode="lines",
            line={"color": "rgba(214,39,40,0.45)", "dash": "dot", "width": 1.3}),
    ]


def _group_hover(g: GroupChange, one: str) -> str:
    lines = [
        f"<b>{esc(g.group)}</b>",
        (
            f"E-I index {number(g.ei_index_before)} before, {number(g.ei_index_after)} after "
            f"(change {_signed(g.delta_ei_index)}, z {number(g.delta_z, 1)})"
        ),
        f"insularity {number(g.insularity_before, 1)}× before, {number(g.insularity_after, 1)}× after",
        f"silo before: {'yes' if g.silo_before else 'no'}, after: {'yes' if g.silo_after else 'no'}",
    ]
    if g.more_insular:
        lines.append(f"<b>this {esc(one)} became more insular</b>")
    if g.became_silo:
        lines.append(f"<b>this {esc(one)} became a silo</b>")
    lines += [f"• {esc(r)}" for r in g.reasons]
    return "<br>".join(lines)


def _link_hover(lk: LinkChange) -> str:
    lines = [
        f"<b>{esc(lk.source)} – {esc(lk.target)}</b>",
        f"observed / expected: {number(lk.ratio_before)} before, {number(lk.ratio_after)} after",
        f"weight {lk.weight_before:.1f} before, {lk.weight_after:.1f} after",
        f"people carrying it: {lk.carriers_before} before, {lk.carriers_after} after",
        f"weak before: {'yes' if lk.weak_before else 'no'}, after: {'yes' if lk.weak_after else 'no'}",
    ]
    lines += [f"• {esc(r)}" for r in lk.reasons]
    return "<br>".join(lines)


def _signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"
