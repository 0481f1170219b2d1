"""``for_viewer``: the result a viewer (leader) receives, composed from its parts.

Input: a full :class:`~ona.results.AnalysisResult` (analyst view) and the
minimum group size K. Output: the same type, holding only what the rule of
:mod:`ona.privacy` allows, and a :class:`~ona.results.PrivacyNote` saying
what was pooled, withheld or left out (counts and shown names only).
"""

from __future__ import annotations

from ona.privacy.graph import (
    Plan,
    ViewerGraph,
    make_plan,
    viewer_communities,
    viewer_graph,
    viewer_summary,
)
from ona.privacy.service import viewer_comparison, viewer_handoffs, viewer_recommendation, viewer_trends
from ona.results import AnalysisResult, PrivacyNote, ValidationReport


def small_groups(result: AnalysisResult, min_group_size: int) -> set[str]:
    """Names of the groups with fewer than ``min_group_size`` members."""
    return {g.group for g in result.groups if g.headcount < min_group_size}


def for_viewer(result: AnalysisResult, min_group_size: int | None = None) -> AnalysisResult:
    """The viewer's version of a result (see :mod:`ona.privacy` for the rule).

    Parameters
    ----------
    result : AnalysisResult
        The full result (with its people, whose groups make pooled carrier
        counts exact).
    min_group_size : int, optional
        K; the result's ``parameters.min_group_size`` when not given.

    Returns
    -------
    AnalysisResult
        Person-free, every figure recomputed on the viewer graph, with
        ``privacy.audience == "viewer"``.
    """
    k = result.parameters.min_group_size if min_group_size is None else min_group_size
    plan = make_plan(result, k)
    vg = viewer_graph(result, plan)
    communities = viewer_communities(result.communities, plan)
    withheld: list[str] = []

    handoffs, reduced = result.handoffs, False
    if handoffs is not None:
        handoffs, reduced = viewer_handoffs(handoffs, vg)
        if reduced:
            withheld.append("handoffs: ticket counts, medians and rates")
    trends = result.trends
    if trends is not None:
        trends = viewer_trends(trends, vg, handoffs_reduced=reduced)
        if any(p.ties is None for p in trends.periods):
            withheld.append("trends: tie counts of the periods")
    comparison = result.comparison
    if comparison is not None:
        comparison = viewer_comparison(comparison, vg)
    recommendations = [r for r in (viewer_recommendation(rec, vg) for rec in result.recommendations) if r]
    layout = result.layout
    if layout is not None:
        layout = layout.model_copy(update={
            "people": {}, "edges": [], "total_edges": 0, "backbone_rule": "",
            "groups": _group_positions(layout.groups, result, plan),
        })
    removed = vg.removes_anything
    groups, links = vg.groups, vg.links
    if removed:
        withheld.append("summary: modularity of the communities, events and external parties; "
                        "validation: file counts")
        # resampled from every tie, those left out too: the shown figures no longer sit inside them
        groups = [g.model_copy(update={"ei_interval": None}) for g in groups]
        links = [lk.model_copy(update={"ratio_interval": None}) for lk in links]
        withheld.append("intervals: E-I and ratio intervals of the week resamples")
    validation = ValidationReport(
        files={} if removed else dict(result.validation.files),
        external={} if removed else dict(result.validation.external),
    )
    return result.model_copy(update={
        "summary": viewer_summary(result, vg, communities),
        "groups": groups,
        "links": links,
        "people": [],
        "communities": communities,
        "validation": validation,
        "handoffs": handoffs,
        "trends": trends,
        "comparison": comparison,
        "recommendations": recommendations,
        "key_people": [],
        "layout": layout,
        "privacy": _note(vg, withheld),
    })


def _group_positions(positions: dict[str, tuple[float, float]], result: AnalysisResult,
                     plan: Plan) -> dict[str, tuple[float, float]]:
    """Shown groups' positions; the pool at its groups' headcount-weighted mean position."""
    out = {name: xy for name, xy in positions.items() if name not in plan.hidden}
    if plan.pool is not None:
        members = [(g.headcount, positions[g.group]) for g in result.groups if g.group in plan.hidden
                   and g.group in positions]
        n = sum(h for h, _ in members)
        if n:
            out[plan.pool] = (round(sum(h * xy[0] for h, xy in members) / n, 4),
                              round(sum(h * xy[1] for h, xy in members) / n, 4))
    return out


def _note(vg: ViewerGraph, withheld: list[str]) -> PrivacyNote:
    plan = vg.plan
    k, hidden = plan.k, len(plan.hidden)
    parts = ["Person-level data and identities are not shown to viewers."]
    if hidden and plan.pool is not None:
        parts.append(f"{hidden} groups with fewer than {k} people are pooled as '{plan.pool}'.")
    elif hidden:
        parts.append(
            f"{hidden} group(s) with fewer than {k} people are left out: their people and every tie "
            "touching them are not in the figures, whose totals are the sums of what is shown."
        )
    if vg.withheld:
        parts.append(
            f"{len(vg.withheld)} link(s) carried by fewer than {k} people show no weight, and their weight "
            "is not in any figure."
        )
    if withheld:
        parts.append("Figures that would count what was left out are not shown (" + "; ".join(withheld) + ").")
    return PrivacyNote(
        audience="viewer", min_group_size=k, suppressed_groups=hidden, pool=plan.pool,
        people_left_out=plan.removes_people,
        withheld_links=[f"{a} | {b}" for a, b in sorted(vg.withheld)],
        withheld=withheld, note=" ".join(parts),
    )
