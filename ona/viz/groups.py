"""Group-level figures: department map, community Sankey (heatmap and silo ranking: :mod:`ona.viz.ranking`).

Input: an :class:`~ona.results.AnalysisResult` (the analyst's or the viewer's
version: :func:`ona.privacy.for_viewer` is applied before, never here) and,
for the map, its stored :class:`~ona.graph.layout.Layout`. Output: a
``plotly.graph_objects.Figure``. Each function only arranges the result's
numbers: no I/O, no graph algorithm, no metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Literal

import plotly.graph_objects as go

from ona.results import AnalysisResult, GroupMetrics, Layout, LinkMetrics
from ona.viz.common import (
    FIGURE_TOP,
    MAP_LINKS,
    WIDTHS,
    colour_scale,
    flag_lines,
    group_hover,
    log2_capped,
    positions,
    width_bin,
)
from ona.report.words import group_noun, link_kinds, number, pct, split_reason, weak_links_in_order
from ona.viz.style import (
    NEUTRAL,
    NO_DATA,
    WEAK,
    base_layout,
    blank_axes,
    esc,
    flag_notes,
    palette,
    person_ids,
    relabel,
    top_groups,
)



def department_map(
    result: AnalysisResult,
    layout: Layout | None,
    *,
    color_by: Literal["ei_index", "insularity"] = "ei_index",
    labels: Mapping[str, str] | None = None,
    max_weak: int = 12,
    max_labels: int = FIGURE_TOP,
    max_links: int = MAP_LINKS,
) -> go.Figure:
    """One node per group: size = headcount, colour = E-I index (or insularity), silos outlined.

    Links are drawn between groups with a width that grows with the
    observed / expected ratio; the ``max_weak`` most serious weak or fragile
    links (dependencies without a relationship first, then the result's
    order) are red and dashed, any other weak link faint red and dotted, so
    that an organization with many weak links does not turn into a red web.
    Hovering a node shows the group's figures and the reasons it is a silo;
    hovering the middle of a link shows its figures and why it is weak.

    Colours: ``ei_index`` on a fixed diverging scale from -1 (red: all
    collaboration stays inside) to +1 (blue: all goes outside);
    ``insularity`` on a log2 scale centred on 1 (chance), red above. Groups
    whose metric is null (no ties) are grey. Positions come from
    ``layout.groups``; without a layout the groups sit on a circle.

    Reasons can name people ("removing 1 person (P0124) would cut ...").
    With ``labels`` (person_id -> display label, e.g. pseudonyms) those
    person_ids are replaced by their label, or "a person" when missing.

    Fine groupings (hundreds of groups, tens of thousands of links) stay
    readable: only the ``max_labels`` most relevant groups
    (:func:`~ona.viz.style.top_groups`: silos, then the groups of most weak
    links, then the largest) are named on the map, the others on hover;
    nodes shrink as groups multiply; past ``max_links`` links of a kind, only
    the ``max_links`` heaviest plain links and the ``max_links`` worst minor
    weak links are drawn (the subtitle says how many are left out; the
    serious weak links are always drawn).
    """
    if color_by not in ("ei_index", "insularity"):
        raise ValueError(f"color_by must be 'ei_index' or 'insularity', not {color_by!r}")
    groups = result.groups
    one = group_noun(result.parameters.group_by)[0]
    pos = positions([g.group for g in groups], layout)
    metric_title = "E-I index" if color_by == "ei_index" else "insularity"
    names = {g.group for g in groups}
    links = [lk for lk in result.links if lk.source in names and lk.target in names]
    drawn, left_out = _links_drawn(links, max_weak, max_links)
    named = set(top_groups(result, max_labels)) if len(groups) > max_labels else names
    subtitle = [
        f"node size = headcount, colour = {metric_title}, outline = silo",
        "link width = observed / expected collaboration, red dashed = weak or fragile link",
    ]
    many = group_noun(result.parameters.group_by)[1]
    if len(named) < len(groups) or left_out:
        parts = [f"{len(named)} of {len(groups):,} {many} named (the others on hover)"] if len(named) < len(groups) else []
        if left_out:
            parts.append(f"{left_out:,} weaker links not drawn (focus on a {one} to see all of its links)")
        subtitle.append("; ".join(parts))
    fig = go.Figure(
        layout=base_layout(
            f"{one.capitalize()} map: who works with whom",
            subtitle=subtitle,
            height=min(760, 520 + 6 * len(groups)),
        )
    )
    known = person_ids(result) if labels is not None else set()

    def say(reason: str) -> str:
        return esc(relabel(split_reason(reason)[1], labels, known))

    for trace in _link_traces(drawn, pos, say, max_weak):
        fig.add_trace(trace)
    for trace in _node_traces(groups, pos, color_by, one, say, named=named):
        fig.add_trace(trace)
    # no fixed aspect ratio: the map uses the page's width, distances need not be exact
    axes = blank_axes()
    axes["yaxis"].pop("scaleanchor", None)
    axes["yaxis"].pop("scaleratio", None)
    fig.update_layout(**axes, hovermode="closest", legend={"orientation": "h", "y": -0.02, "x": 0.0})
    # room for the names of the groups on the edges
    fig.update_xaxes(range=[-1.3, 1.3])
    fig.update_yaxes(range=[-1.12, 1.18])
    return fig


def _links_drawn(links: list[LinkMetrics], max_weak: int, max_links: int) -> tuple[list[LinkMetrics], int]:
    """The links the map draws (in the result's order) and how many it leaves out.

    Every serious weak link (the first ``max_weak`` in :func:`weak_links_in_order`);
    of the other weak links the ``max_links`` first (worst first), of the plain links
    (weight > 0) the ``max_links`` heaviest.
    """
    weak_order = weak_links_in_order(links)
    keep = {(lk.source, lk.target) for lk in weak_order[: max_weak + max_links]}
    plain = [lk for lk in links if not lk.weak and lk.weight > 0]
    if len(plain) > max_links:
        plain = sorted(plain, key=lambda lk: (-lk.weight, lk.source, lk.target))[:max_links]
    keep.update((lk.source, lk.target) for lk in plain)
    drawn = [lk for lk in links if (lk.source, lk.target) in keep]
    total = sum(1 for lk in links if lk.weak or lk.weight > 0)
    return drawn, total - len(drawn)


def _link_traces(
    links: list[LinkMetrics],
    pos: dict[str, tuple[float, float]],
    say: Callable[[str], str],
    max_weak: int,
) -> list[go.Scatter]:
    weak_order = weak_links_in_order(links)
    serious = {(lk.source, lk.target) for lk in weak_order[:max_weak]}
    minor = len(weak_order) - len(serious)

    def kind(lk: LinkMetrics) -> str:
        if not lk.weak:
            return "links"
        return "weak-links" if (lk.source, lk.target) in serious else "weak-links-minor"

    styles = {
        "links": ("link (width = observed / expected)", None, "solid"),
        "weak-links": (f"weak or fragile link{f' ({len(serious)} most serious)' if minor else ''}", WEAK, "dash"),
        "weak-links-minor": (f"{minor} other weak links", "rgba(214,39,40,0.35)", "dot"),
    }
    traces: list[go.Scatter] = []
    for meta, (name, colour, dash) in styles.items():
        shown = False
        for b, width in enumerate(WIDTHS):
            members = [lk for lk in links if kind(lk) == meta and width_bin(lk.ratio) == b]
            members = [lk for lk in members if lk.weak or lk.weight > 0]
            if not members:
                continue
            xs: list[float | None] = []
            ys: list[float | None] = []
            for lk in members:
                (x0, y0), (x1, y1) = pos[lk.source], pos[lk.target]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
            if meta == "links":
                line = {"width": width, "color": f"rgba(82,96,109,{0.25 + 0.12 * b:.2f})", "dash": dash}
            else:
                line = {"width": 2.5 if meta == "weak-links" else 1.2, "color": colour, "dash": dash}
            traces.append(
                go.Scatter(
                    x=xs, y=ys, mode="lines", hoverinfo="skip", name=name, legendgroup=meta,
                    showlegend=not shown, line=line, meta=meta,
                )
            )  # fmt: skip
            shown = True
    drawn = [lk for lk in links if lk.weak or lk.weight > 0]
    if drawn:
        mid = [((pos[lk.source][0] + pos[lk.target][0]) / 2, (pos[lk.source][1] + pos[lk.target][1]) / 2) for lk in drawn]
        visible = [kind(lk) == "weak-links" for lk in drawn]
        traces.append(
            go.Scatter(
                x=[round(m[0], 4) for m in mid], y=[round(m[1], 4) for m in mid], mode="markers",
                hovertext=[_link_hover(lk, say) for lk in drawn], hoverinfo="text", showlegend=False,
                marker={"size": [10 if v else 12 for v in visible], "symbol": "diamond",
                        "color": [WEAK if v else "rgba(0,0,0,0)" for v in visible]},
                name="link details", meta="link-hover",
            )
        )  # fmt: skip
    return traces


def _link_hover(lk: LinkMetrics, say: Callable[[str], str]) -> str:
    lines = [
        f"<b>{esc(lk.source)} – {esc(lk.target)}</b>",
        f"collaboration weight {lk.weight:.1f} (expected {lk.expected:.1f})",
        f"observed / expected: {number(lk.ratio)}",
        f"ties: {lk.ties}, ticket handoffs: {lk.handoffs}",
        f"people carrying it: {lk.source_carriers} in {esc(lk.source)}, {lk.target_carriers} in {esc(lk.target)}",
    ]
    # the weight by channel (email, meeting, ticket, chat; before coefficients), channels with weight only
    by_channel = ", ".join(f"{esc(c)} {w:.1f}" for c, w in lk.channels.items() if w)
    if by_channel:
        lines.insert(2, f"by channel: {by_channel}")
    if lk.weak:
        kind = " and ".join(link_kinds(lk))
        notes = flag_notes(lk)
        sure = f" — {notes['stability']}" if notes["stability"] else ""
        lines.append(f"<b>Weak link</b>{' (' + kind + ')' if kind else ''}{esc(sure)}:")
        lines += [f"• {say(r)}" for r in lk.weak_reasons]
        lines += flag_lines(notes, "observed / expected")
        if lk.flag_stability:
            each = ", ".join(f"{esc(k.replace('_', ' '))} {pct(v)}" for k, v in lk.flag_stability.items())
            lines.append(f"each flag holds in: {each} of resamples")
    elif not lk.judged:
        lines.append("too few ties to be judged")
    return "<br>".join(lines)


def _node_traces(
    groups: list[GroupMetrics],
    pos: dict[str, tuple[float, float]],
    color_by: str,
    one: str,
    say: Callable[[str], str],
    *,
    named: set[str] | None = None,
) -> list[go.Scatter]:
    top = max((g.headcount for g in groups), default=1) or 1
    # hundreds of groups: smaller nodes, so that they do not cover each other
    scale = min(1.0, math.sqrt(40 / max(len(groups), 1)))
    values = {g.group: _metric_colour_value(g, color_by) for g in groups}
    traces: list[go.Scatter] = []
    for has_value in (True, False):
        members = [g for g in groups if (values[g.group] is not None) == has_value]
        if not members:
            continue
        marker: dict = {
            "size": [round(scale * (16 + 44 * math.sqrt(g.headcount / top)), 2) for g in members],
            # a tentative silo (it holds in too few resamples) has a thinner, grey outline
            "line": {"color": [("#6b7280" if g.tentative else "#111111") if g.silo else "white" for g in members],
                     "width": [(2.5 if g.tentative else 4) if g.silo else 1.5 for g in members]},
            "opacity": 0.95,
        }  # fmt: skip
        if has_value:
            marker.update(colour_scale(color_by))
            marker["color"] = [values[g.group] for g in members]
        else:
            marker["color"] = NO_DATA
        traces.append(
            go.Scatter(
                x=[pos[g.group][0] for g in members], y=[pos[g.group][1] for g in members],
                mode="markers+text", textposition="top center",
                text=[esc(g.group) if named is None or g.group in named else "" for g in members],
                textfont={"size": 12}, hovertext=[group_hover(g, one, say) for g in members], hoverinfo="text",
                marker=marker, showlegend=False, name=one + "s" if has_value else "no ties",
                customdata=[g.group for g in members], meta="groups",
            )
        )  # fmt: skip
    traces.append(
        go.Scatter(
            x=[None], y=[None], mode="markers", name="silo (outlined)", meta="legend",
            marker={"size": 14, "color": "white", "line": {"color": "#111111", "width": 4}},
        )
    )  # fmt: skip
    if any(g.silo and g.tentative for g in groups):
        traces.append(
            go.Scatter(
                x=[None], y=[None], mode="markers", name="tentative silo (thin grey outline)", meta="legend",
                marker={"size": 14, "color": "white", "line": {"color": "#6b7280", "width": 2.5}},
            )
        )  # fmt: skip
    return traces


def _metric_colour_value(g: GroupMetrics, color_by: str) -> float | None:
    if color_by == "ei_index":
        return g.ei_index
    if g.insularity is None:
        return None
    return round(log2_capped(g.insularity), 4)


# --------------------------------------------------------------------------
# Communities


def community_sankey(
    result: AnalysisResult,
    layout: Layout | None = None,
    *,
    max_communities: int = 12,
    max_groups: int | None = FIGURE_TOP,
) -> go.Figure:
    """How each group's members split across the Leiden communities (a Sankey diagram).

    Left: groups; right: the ``max_communities`` largest communities, each
    labelled with its number and main group; smaller communities (often
    single inactive people) are pooled into one node. Link width = members.
    Counts come from ``result.communities`` (where a viewer's result has
    already pooled suppressed groups).

    With more than ``max_groups`` groups on the left, the ``max_groups``
    most relevant (:func:`~ona.viz.style.top_groups`) keep their own node
    and the others are pooled into one ("290 other teams").
    """
    del layout
    many = group_noun(result.parameters.group_by)[1]
    comms = sorted(result.communities, key=lambda c: (-c.size, c.community))
    shown = comms[:max_communities]
    pooled = comms[max_communities:]
    every = sorted({name for c in comms for name in c.groups})
    colours = palette(every)
    others: set[str] = set()
    if max_groups and len(every) > max_groups:
        keep = set(top_groups(result, max_groups))
        keep = keep if keep & set(every) else set(every[:max_groups])
        others = {name for name in every if name not in keep}
    group_names = [name for name in every if name not in others]
    labels = [esc(name) for name in group_names]
    if others:
        colours[OTHERS] = NEUTRAL
        group_names.append(OTHERS)
        labels.append(f"{len(others):,} other {many}")
    right: dict[int, int] = {}
    for c in shown:
        right[c.community] = len(labels)
        main = f" ({esc(c.main_group)} {pct(c.main_group_share)})" if c.main_group else ""
        labels.append(f"community {c.community}{main}")
    if pooled:
        for c in pooled:
            right[c.community] = len(labels)
        labels.append(f"{len(pooled)} smaller communities ({sum(c.size for c in pooled)} people)")
    position = {name: i for i, name in enumerate(group_names)}
    position.update({name: position[OTHERS] for name in others})
    flows: dict[tuple[int, int], int] = {}
    for c in comms:
        for name, count in c.groups.items():
            key = (position[name], right[c.community])
            flows[key] = flows.get(key, 0) + int(count)
    keys = sorted(flows)
    node_colours = [colours[n] for n in group_names] + [NEUTRAL] * (len(labels) - len(group_names))
    fig = go.Figure(
        layout=base_layout(
            f"Communities versus {many}",
            subtitle=f"left: {many}; right: communities found in the collaboration (Leiden); width = people",
            height=max(420, 120 + 22 * max(len(group_names), len(shown) + bool(pooled))),
        )
    )
    fig.add_trace(
        go.Sankey(
            arrangement="snap", meta="sankey",
            node={"label": labels, "color": node_colours, "pad": 10, "thickness": 14,
                  "line": {"color": "white", "width": 0.5},
                  "hovertemplate": "%{label}<br>%{value} people<extra></extra>"},
            link={"source": [a for a, _ in keys], "target": [b for _, b in keys],
                  "value": [flows[k] for k in keys],
                  "color": [_rgba(colours[group_names[a]], 0.45) for a, _ in keys],
                  "hovertemplate": "%{source.label} → %{target.label}<br>%{value} people<extra></extra>"},
        )
    )  # fmt: skip
    return fig


OTHERS = "\x00others"  # the pooled groups' node of the Sankey (no group can be called this)


# --------------------------------------------------------------------------
# helpers


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{alpha})"
