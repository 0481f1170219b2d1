"""The people map: every person at their stored position, the backbone of ties, brokers marked.

Input: an analyst's :class:`~ona.results.AnalysisResult` and its stored
:class:`~ona.graph.layout.Layout`. Output: a WebGL (``Scattergl``) figure that
stays fluid with 10,000 people. Person-level data is for analysts: given a
viewer's result (``people`` is empty, see :func:`ona.privacy.for_viewer`) the
function returns a figure that says so and holds no data at all, so serving
it to a viewer can leak nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import plotly.graph_objects as go

from ona.results import AnalysisResult, Layout, PersonMetrics
from ona.viz.style import (
    NEUTRAL,
    NO_DATA,
    QUALITATIVE,
    SILO,
    base_layout,
    blank_axes,
    esc,
    message_figure,
    palette,
)

ANALYSTS_ONLY = "Person-level data is for analysts only: this version of the analysis holds none."
MAX_COMMUNITY_COLOURS = 12

_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>community %{customdata[2]}<br>"
    "ties %{customdata[3]}, strength %{customdata[4]:.1f}<br>betweenness %{customdata[5]:.4f}<br>"
    "constraint %{customdata[6]}<br>%{customdata[7]}<extra></extra>"
)


def people_map(
    result: AnalysisResult,
    layout: Layout | None,
    *,
    color_by: Literal["group", "community"] = "group",
    labels: Mapping[str, str] | None = None,
    brokers: int = 10,
    max_edges: int | None = None,
) -> go.Figure:
    """Every person as a dot, coloured by group (or community), over the backbone of ties.

    Dot size grows with betweenness. The ``brokers`` people with the highest
    betweenness are drawn as black diamonds, articulation points (people
    whose departure would cut the network) as red rings. Ties within a group
    are light grey, ties across groups darker. People without ties sit on
    the outer ring.

    Parameters
    ----------
    result : AnalysisResult
        An analyst's result. A viewer's result (no people) gives a figure
        without data saying that person-level data is for analysts.
    layout : Layout
        The stored layout of the analysis (positions and backbone).
    color_by : {"group", "community"}
        Colour people by their group or by their Leiden community (the 12
        largest communities get a colour, the rest are grey).
    labels : mapping of person_id to display label, optional
        ``None`` shows person_ids. With a mapping, people in it are shown by
        their label and everyone else anonymously (``"a member of Finance"``):
        the figure then holds no person_id at all.
    brokers : int
        How many top-betweenness people to mark.
    max_edges : int, optional
        Draw at most this many of the backbone's ties (strongest first).

    Raises
    ------
    ValueError
        ``layout`` is None while the result holds people, or a bad ``color_by``.
    """
    if not result.people:
        return message_figure("People map", ANALYSTS_ONLY)
    if layout is None:
        raise ValueError("people_map needs the analysis's Layout (ona.viz.compute_layout); got None")
    if color_by not in ("group", "community"):
        raise ValueError(f"color_by must be 'group' or 'community', not {color_by!r}")
    people = [p for p in result.people if p.person_id in layout.people]
    unplaced = len(result.people) - len(people)
    group_of = {p.person_id: p.group for p in result.people}

    def label(p: PersonMetrics) -> str:
        if labels is None:
            return esc(p.person_id)
        return esc(labels[p.person_id]) if p.person_id in labels else f"a member of {esc(p.group)}"

    sub = f"{len(people)} people, {len(layout.edges)} of {layout.total_edges} ties drawn; size = betweenness"
    if unplaced:
        sub += f"; {unplaced} without a position"
    fig = go.Figure(layout=base_layout("People map: the collaboration network", subtitle=sub, height=720))
    for trace in _edge_traces(layout, group_of, max_edges):
        fig.add_trace(trace)
    top_b = max((p.betweenness for p in people), default=0.0) or 1.0

    def points(members: list[PersonMetrics], **kwargs: object) -> go.Scattergl:
        return go.Scattergl(
            x=[layout.people[p.person_id][0] for p in members],
            y=[layout.people[p.person_id][1] for p in members],
            mode="markers", hovertemplate=_HOVER,
            customdata=[_custom(p, label(p)) for p in members], **kwargs,
        )  # fmt: skip

    categories = _categories(people, color_by, result)
    for name, colour, members in categories:
        active = [p for p in members if p.active]
        if active:
            size = [round(5 + 11 * math.sqrt(max(p.betweenness, 0.0) / top_b), 2) for p in active]
            fig.add_trace(points(active, name=name, marker={"color": colour, "size": size, "opacity": 0.85,
                                                            "line": {"width": 0}}, meta="people"))  # fmt: skip
    inactive = [p for p in people if not p.active]
    if inactive:
        fig.add_trace(points(inactive, name="no ties", marker={"color": NO_DATA, "size": 4}, meta="people"))
    ranked = sorted((p for p in people if p.betweenness > 0), key=lambda p: (-p.betweenness, p.person_id))
    if ranked and brokers > 0:
        fig.add_trace(points(ranked[:brokers], name=f"top {min(brokers, len(ranked))} brokers (betweenness)",
                             marker={"symbol": "diamond", "size": 13, "color": "#111111",
                                     "line": {"width": 1.5, "color": "white"}}, meta="brokers"))  # fmt: skip
    cut = [p for p in people if p.articulation_point]
    if cut:
        fig.add_trace(points(cut, name="articulation point (removal cuts the network)",
                             marker={"symbol": "circle-open", "size": 16, "color": SILO, "line": {"width": 2}},
                             meta="articulation-points"))  # fmt: skip
    fig.update_layout(**blank_axes(), hovermode="closest", legend={"itemsizing": "constant", "title": {"text": ""}})
    # autorange with a fixed aspect ratio: plotly widens one range to fit the plot and keeps the map centred
    return fig


def _categories(
    people: list[PersonMetrics], color_by: str, result: AnalysisResult
) -> list[tuple[str, str, list[PersonMetrics]]]:
    if color_by == "group":
        colours = palette([g.group for g in result.groups] + [p.group for p in people])
        by: dict[str, list[PersonMetrics]] = {}
        for p in people:
            by.setdefault(p.group, []).append(p)
        return [(esc(name), colours[name], by[name]) for name in sorted(by)]
    sizes: dict[int | None, int] = {}
    for p in people:
        sizes[p.community] = sizes.get(p.community, 0) + 1
    ranked = sorted((c for c in sizes if c is not None), key=lambda c: (-sizes[c], c))
    top = ranked[:MAX_COMMUNITY_COLOURS]
    out = [
        (f"community {c}", QUALITATIVE[i % len(QUALITATIVE)], [p for p in people if p.community == c])
        for i, c in enumerate(top)
    ]
    rest = [p for p in people if p.community not in set(top)]
    if rest:
        out.append(("other communities", NEUTRAL, rest))
    return out


def _custom(p: PersonMetrics, shown: str) -> list[object]:
    flags = []
    if p.articulation_point:
        flags.append("articulation point")
    if p.depended_on_by:
        flags.append("links " + ", ".join(esc(x) for x in p.depended_on_by[:3]) + " rest on this person")
    return [
        shown,
        esc(p.group),
        "-" if p.community is None else p.community,
        p.degree,
        round(p.strength, 4),
        round(p.betweenness, 6),
        "-" if p.constraint is None else f"{p.constraint:.3f}",
        "<br>".join(flags),
    ]


def _edge_traces(layout: Layout, group_of: dict[str, str], max_edges: int | None) -> list[go.Scattergl]:
    edges = [e for e in layout.edges if e[0] in layout.people and e[1] in layout.people]
    if max_edges is not None and len(edges) > max_edges:
        edges = sorted(edges, key=lambda e: (-e[2], e[0], e[1]))[:max_edges]
    traces = []
    for cross, colour, width, name in (
        (False, "rgba(140,150,160,0.25)", 0.5, "tie within a group"),
        (True, "rgba(60,70,85,0.22)", 0.6, "tie across groups"),
    ):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b, _ in edges:
            if (group_of.get(a) != group_of.get(b)) != cross:
                continue
            (x0, y0), (x1, y1) = layout.people[a], layout.people[b]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            traces.append(go.Scattergl(x=xs, y=ys, mode="lines", hoverinfo="skip", name=name,
                                       line={"color": colour, "width": width}, meta="ties"))  # fmt: skip
    return traces
