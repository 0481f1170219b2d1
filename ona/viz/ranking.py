"""Figures with one row per group: the interaction heatmap and the silo ranking.

Input: an :class:`~ona.results.AnalysisResult` (the analyst's or the viewer's
version: :func:`ona.privacy.for_viewer` is applied before, never here).
Output: a ``plotly.graph_objects.Figure``. With hundreds of groups (a fine
grouping) each shows the most relevant ones (``max_groups``) unless asked
for all. Each function only arranges the result's numbers: no I/O, no graph
algorithm, no metric.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go

from ona.results import AnalysisResult, GroupMetrics, Layout
from ona.viz.common import (
    FIGURE_TOP,
    LOG2_CAP,
    TENTATIVE,
    community_number,
    group_hover,
    log2_ratio,
    round4,
    stars,
    times_label,
)
from ona.report.words import group_noun, number
from ona.viz.style import (
    DIVERGING,
    GRID,
    MUTED,
    NEUTRAL,
    SILO,
    base_layout,
    esc,
    top_groups,
)

# --------------------------------------------------------------------------
# Heatmap


def group_order(result: AnalysisResult) -> list[str]:
    """Groups ordered so blocks show: by the community holding most of each group's
    members (communities by size), then by E-I index (most inward first), then name."""
    size = {c.community: c.size for c in result.communities}

    def key(g: GroupMetrics) -> tuple:
        split = g.community_split or {}
        if split:
            best = min(split, key=lambda c: (-split[c], -size.get(community_number(c), 0), community_number(c)))
            home = (-size.get(community_number(best), 0), community_number(best))
        else:
            home = (1, 0)
        return (*home, 2.0 if g.ei_index is None else g.ei_index, g.group)

    return [g.group for g in sorted(result.groups, key=key)]


def interaction_heatmap(
    result: AnalysisResult, layout: Layout | None = None, *, max_groups: int | None = FIGURE_TOP
) -> go.Figure:
    """Observed / expected collaboration between every pair of groups, log2 colour scale.

    Off the diagonal a cell is ``W_ab / expected`` of the link (a, b), with
    ``expected = vol(a) vol(b) / 2W``; on the diagonal it is the group's
    insularity (``I_d`` against ``vol(d)^2 / 4W``, the same ratio inside
    the group). Blue: more than chance, red: less, white: as random mixing
    would give. Groups are ordered by :func:`group_order`, so communities
    show as blue blocks and silos as isolated dark diagonal cells. Weak
    links are marked with a cross. Pairs missing from the result are blank.
    ``layout`` is accepted for a uniform signature and not used.

    With more than ``max_groups`` groups (a fine grouping: hundreds of
    teams), only the ``max_groups`` most relevant
    (:func:`~ona.viz.style.top_groups`) are shown, and the subtitle says
    so; ``max_groups=None`` (or 0) shows every group, in a compact form past
    80 groups: thin rows, names on the rows only, hover with the ratio and
    the two names (weights and ties are in the link tables).
    """
    del layout
    one, many = group_noun(result.parameters.group_by)
    order = group_order(result)
    total = len(order)
    if max_groups and total > max_groups:
        keep = set(top_groups(result, max_groups))
        order = [name for name in order if name in keep]
    index = {name: i for i, name in enumerate(order)}
    k = len(order)
    compact = k > 80
    z: list[list[float | None]] = [[None] * k for _ in range(k)]
    custom: list[list[list[float | None]]] = [[[None, None, None, None] for _ in range(k)] for _ in range(k)]
    for g in result.groups:
        if g.group not in index:
            continue
        i = index[g.group]
        expected = g.internal_weight / g.insularity if g.insularity else None
        custom[i][i] = [g.insularity, round(g.internal_weight, 4), round4(expected), g.internal_ties]
        z[i][i] = log2_ratio(g.insularity)
    weak_x: list[str] = []
    weak_y: list[str] = []
    for lk in result.links:
        if lk.source not in index or lk.target not in index:
            continue
        i, j = index[lk.source], index[lk.target]
        cell = [lk.ratio, round(lk.weight, 4), round(lk.expected, 4), lk.ties]
        custom[i][j] = custom[j][i] = cell
        z[i][j] = z[j][i] = log2_ratio(lk.ratio)
        if lk.weak:
            weak_x += [esc(lk.source), esc(lk.target)]
            weak_y += [esc(lk.target), esc(lk.source)]
    labels = [esc(name) for name in order]
    ticks = [-6, -4, -2, -1, 0, 1, 2, 4, 6]
    subtitle = [
        "observed / expected collaboration (1 = random mixing); diagonal = insularity",
        "x = weak or fragile link",
    ]
    if k < total:
        subtitle.append(f"the {k} most relevant of {total:,} {many}: silos, then the {many} with most weak links, "
                        "then the largest")  # fmt: skip
    fig = go.Figure(
        layout=base_layout(
            f"Who works with whom, against chance ({many})",
            subtitle=subtitle,
            height=max(420, 200 + (12 if compact else 28) * k),
        )
    )
    heat: dict = {
        "z": z, "x": labels, "y": labels, "colorscale": DIVERGING, "zmin": -LOG2_CAP, "zmax": LOG2_CAP,
        "zmid": 0, "hoverongaps": False, "name": "observed / expected", "meta": "ratio",
        "colorbar": {"title": {"text": "observed /<br>expected"}, "tickvals": ticks,
                     "ticktext": [times_label(2.0**t) for t in ticks]},
    }  # fmt: skip
    if compact:
        # tens of thousands of cells: the ratio as text only (a quarter of the size), no gaps between cells;
        # the colour bar at the top, of a readable length, instead of the figure's whole height
        heat["colorbar"].update(lenmode="pixels", len=320, y=1, yanchor="top")
        heat["text"] = [[None if c[0] is None else f"{c[0]:.2f}" for c in row] for row in custom]
        heat["hovertemplate"] = "<b>%{y} – %{x}</b><br>observed / expected: %{text}<extra></extra>"
    else:
        heat.update(
            customdata=custom, xgap=1, ygap=1,
            hovertemplate="<b>%{y} – %{x}</b><br>observed / expected: %{customdata[0]:.2f}<br>"
            "weight %{customdata[1]:.1f}, expected %{customdata[2]:.1f}<br>ties %{customdata[3]}<extra></extra>",
        )  # fmt: skip
    fig.add_trace(go.Heatmap(**heat))
    if weak_x:
        fig.add_trace(
            go.Scatter(
                x=weak_x, y=weak_y, mode="markers", name="weak or fragile link", meta="weak-links",
                marker={"symbol": "x-thin", "size": 5 if compact else 11,
                        "line": {"width": 1 if compact else 2, "color": "#111111"}},
                hoverinfo="skip", showlegend=True,
            )
        )  # fmt: skip
    fig.update_xaxes(tickangle=-45, side="bottom", showgrid=False, categoryorder="array", categoryarray=labels)
    fig.update_yaxes(autorange="reversed", showgrid=False, categoryorder="array", categoryarray=labels)
    if compact:
        # one row per group is readable at 12 px; a column is a few pixels wide: names on hover only
        fig.update_xaxes(showticklabels=False, title={"text": f"every {one}, in the same order as the rows"})
        fig.update_yaxes(tickfont={"size": 9}, dtick=1)
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
                      plot_bgcolor="#f5f6f8", margin={"l": 40, "b": 40})  # fmt: skip
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


# --------------------------------------------------------------------------
# Silo ranking


def silo_ranking(
    result: AnalysisResult,
    layout: Layout | None = None,
    *,
    metric: Literal["ei_index", "insularity"] = "ei_index",
    max_groups: int | None = FIGURE_TOP,
) -> go.Figure:
    """Groups ranked by E-I index (or insularity), silos red, significance starred.

    Bars run from the most inward group (top) to the most outward. A star
    marks a group whose inward concentration is significant in the
    permutation test (Benjamini-Hochberg adjusted p below ``alpha``; two
    stars below alpha / 5, three below alpha / 50). Groups with a null
    metric (no ties) are left out and counted in the subtitle.

    With more than ``max_groups`` groups, the ``max_groups`` most inward
    ones are shown, and every silo (the subtitle says how many are left
    out); ``max_groups=None`` (or 0) shows them all, with thinner bars past
    80 groups.
    """
    del layout
    if metric not in ("ei_index", "insularity"):
        raise ValueError(f"metric must be 'ei_index' or 'insularity', not {metric!r}")
    one, many = group_noun(result.parameters.group_by)
    alpha = result.parameters.alpha
    rows = [g for g in result.groups if getattr(g, metric) is not None]
    missing = len(result.groups) - len(rows)
    inward_first = (lambda g: (g.ei_index, g.group)) if metric == "ei_index" else (lambda g: (-g.insularity, g.group))
    rows.sort(key=inward_first)
    # the median of every group, even when the bars are the top ones only
    med = float(np.median([getattr(g, metric) for g in rows])) if rows else 0.0
    ranked = len(rows)
    if max_groups and ranked > max_groups:
        silos = [g for g in rows[max_groups:] if g.silo]
        head = rows[: max(max_groups - len(silos), 0)]
        shown = {g.group for g in head + silos}
        rows = [g for g in rows if g.group in shown]
    values = [getattr(g, metric) for g in rows]
    label = "E-I index" if metric == "ei_index" else "insularity (× chance)"
    guide = f"dotted line: median {number(med)}" if metric == "ei_index" else "dotted line: chance (1×)"
    sub = [f"red = silo{' (pale: tentative)' if any(g.silo and g.tentative for g in rows) else ''}; {guide}", f"* adjusted p < {alpha:g}, ** < {alpha / 5:g}, *** < {alpha / 50:g}"]
    if missing:
        sub[1] += f"; {missing} {one if missing == 1 else many} without ties not shown"
    if len(rows) < ranked:
        sub.append(f"the {len(rows)} most inward of {ranked:,} {many}, and every silo")
    bar = 28 if len(rows) <= 80 else 14
    fig = go.Figure(layout=base_layout(f"Silo ranking: {label}", subtitle=sub, height=max(340, 150 + bar * len(rows))))
    fig.add_trace(
        go.Bar(
            x=values, y=[esc(g.group) for g in rows], orientation="h", meta="ranking", name=label,
            # a tentative silo (it holds in too few resamples) is a paler red, and says so
            marker={"color": [(TENTATIVE if g.tentative else SILO) if g.silo else NEUTRAL for g in rows],
                    "line": {"width": 0}},
            text=[f"{number(v)}{' ' + stars(g.p_value, alpha) if stars(g.p_value, alpha) else ''}"
                  f"{' tentative' if g.silo and g.tentative else ''}" for g, v in zip(rows, values)],
            textposition="outside", cliponaxis=False, customdata=[g.group for g in rows],
            hovertext=[group_hover(g, one) for g in rows], hoverinfo="text",
        )
    )  # fmt: skip
    if metric == "ei_index":
        fig.add_vline(x=0, line={"color": MUTED, "width": 1})
        fig.add_vline(x=med, line={"color": MUTED, "width": 1, "dash": "dot"})
        fig.update_xaxes(range=[-1.15, 1.15], title={"text": "E-I index (-1: all collaboration inside, +1: all outside)"})
    else:
        fig.add_vline(x=1, line={"color": MUTED, "width": 1, "dash": "dot"})
        fig.update_xaxes(type="log", title={"text": "insularity: share inside / share expected by chance"})
    fig.update_xaxes(gridcolor=GRID, zeroline=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[esc(g.group) for g in rows])
    fig.update_layout(showlegend=False, margin={"l": 150, "r": 60}, bargap=0.3)
    if bar < 28:
        fig.update_yaxes(tickfont={"size": 9}, dtick=1)
        fig.update_traces(textfont={"size": 9})
    return fig
