"""The viewer's internal service, trends, before / after and advice.

Input: parts of a full result and the :class:`~ona.privacy.graph.ViewerGraph`.
Output: the same models, holding only what the viewer graph holds:

- **handoffs**: pairs and per-group service of the shown groups only (the
  pool and withheld links have none); ``received`` and ``handed_out`` are
  the sums of the shown pairs, the summary's handoff counts the sums of
  the shown rows. Figures that count tickets or stays (distinct tickets,
  medians, passed on / resolved / open, bounces received) cannot be split
  by partner, so they are null wherever a left-out partner took part.
- **trends**: per period, every group and link figure recomputed on the
  viewer graph of that period; a link whose carriers number fewer than K
  in any period shows no weight in any period (its whole-window weight
  minus the periods shown would give the thin one back), and its weight
  leaves every period's groups and totals. Period tie counts (and handoffs when any were left
  out) are null: no result holds them per group.
- **comparison**: shown groups and links only; E-I indexes, insularity,
  ratios and window totals that would include what was left out are null,
  a link with fewer than K carriers in either window shows weight 0 in both.
- **recommendations**: those about shown groups, with the viewer's figures
  of their group or link (none about one person) and reasons in words.
"""

from __future__ import annotations

from collections import Counter

from ona.privacy.graph import Pair, Plan, ViewerGraph, _pair
from ona.privacy.words import plain_reasons, recommendation_reason
from ona.results import (
    AnalysisResult,
    GroupTrend,
    HandoffAnalytics,
    LinkTrend,
    Recommendation,
    RecommendationView,
    Trends,
    WindowComparison,
)

#: GroupService fields about stays and distinct tickets (not splittable by partner group).
STAY_FIELDS = ("tickets_received", "median_hours", "p90_hours", "passed_on", "resolved", "open",
               "bounces_received", "tickets_handed_out")
#: HandoffSummary fields about tickets (not splittable by group).
TICKET_FIELDS = ("tickets", "tickets_single_assignee", "tickets_cross_group", "tickets_bounced", "tickets_ping_pong",
                 "tickets_no_owner", "tickets_resolved", "tickets_external", "median_hours", "bounce_rate",
                 "no_owner_rate")


def viewer_handoffs(h: HandoffAnalytics, vg: ViewerGraph) -> tuple[HandoffAnalytics, bool]:
    """The viewer's handoff analytics, and whether anything was left out of them."""
    plan = vg.plan

    def shown(a: str, b: str) -> bool:
        return plan.shown(a, b) and _pair(a, b) not in vg.withheld

    pairs = [p for p in h.pairs if shown(p.from_group, p.to_group)]
    dropped = [p for p in h.pairs if not shown(p.from_group, p.to_group) and p.handoffs > 0]
    touched = {g for p in dropped for g in (p.from_group, p.to_group)}
    left_out = [g for g in h.groups if not plan.shown(g.group)]
    reduced = bool(dropped) or any(
        g.received or g.handed_out or g.within_group_handoffs or g.opened or g.external_received
        or g.external_handed_out for g in left_out
    )
    groups = []
    for g in h.groups:
        if not plan.shown(g.group):
            continue
        update: dict[str, object] = {
            "received": sum(p.handoffs for p in pairs if p.to_group == g.group),
            "handed_out": sum(p.handoffs for p in pairs if p.from_group == g.group),
        }
        if g.group in touched:
            update.update(dict.fromkeys(STAY_FIELDS))
        groups.append(g.model_copy(update=update))
    summary = h.summary
    if reduced:
        within = sum(g.within_group_handoffs for g in groups)
        cross = sum(p.handoffs for p in pairs)
        external = sum(g.external_received + g.external_handed_out for g in groups)
        summary = summary.model_copy(update={
            **dict.fromkeys(TICKET_FIELDS),
            "handoffs": within + cross + external, "within_group_handoffs": within,
            "cross_group_handoffs": cross, "external_handoffs": external,
            "group_handoffs": sum(p.group_handoffs for p in pairs),
        })
    return h.model_copy(update={"summary": summary, "pairs": pairs, "groups": groups}), reduced


def viewer_trends(t: Trends, vg: ViewerGraph, *, handoffs_reduced: bool) -> Trends:
    """Trends on the viewer graph of each period (see the module docstring)."""
    plan, n = vg.plan, len(t.periods)
    internal: dict[str, list[float]] = {}
    active: dict[str, list[int]] = {}
    for g in t.groups:
        label = plan.label(g.group)
        if label is None:
            continue
        internal.setdefault(label, [0.0] * n)
        active.setdefault(label, [0] * n)
        for i in range(n):
            internal[label][i] += g.internal_weight[i]
            active[label][i] += g.active[i]

    parts: dict[Pair, list[LinkTrend]] = {}
    for lk in t.links:
        a, b = plan.label(lk.source), plan.label(lk.target)
        if a is None or b is None:
            continue
        if a == b:  # inside the pool
            for i in range(n):
                internal[a][i] += lk.weight[i]
            continue
        parts.setdefault(_pair(a, b), []).append(lk)

    weight: dict[Pair, list[float]] = {}
    carriers: dict[Pair, list[int]] = {}
    handoffs: dict[Pair, list[int]] = {}
    held: dict[Pair, list[bool]] = {}
    for pair, members in sorted(parts.items()):
        weight[pair] = [sum(lk.weight[i] for lk in members) for i in range(n)]
        handoffs[pair] = [sum(lk.handoffs[i] for lk in members) for i in range(n)]
        # one part: its exact count; a pooled pair: the largest part's, a lower bound of the distinct carriers
        carriers[pair] = [max(lk.carriers[i] for lk in members) for i in range(n)]
        # all periods or none: a link's whole-window weight minus its shown periods would give a withheld one
        off = pair in vg.withheld or any(weight[pair][i] > 0 and carriers[pair][i] < plan.k for i in range(n))
        held[pair] = [off] * n

    names = sorted(internal)
    external = {d: [0.0] * n for d in names}
    for (a, b), w in weight.items():
        for i in range(n):
            if not held[(a, b)][i]:
                external[a][i] += w[i]
                external[b][i] += w[i]
    total = [sum(internal[d][i] for d in names) + sum(w[i] for p, w in weight.items() if not held[p][i])
             for i in range(n)]
    volume = {d: [2 * internal[d][i] + external[d][i] for i in range(n)] for d in names}

    groups = []
    for d in names:
        ei, ins = [], []
        for i in range(n):
            I, E, vol, W = internal[d][i], external[d][i], volume[d][i], total[i]
            ei.append((E - I) / (E + I) if E + I > 0 else None)
            ins.append(4 * I * W / (vol * vol) if vol > 0 and W > 0 else None)
        groups.append(GroupTrend(group=d, ei_index=ei, insularity=ins, internal_weight=internal[d],
                                 external_weight=external[d], active=active[d]))
    links = []
    for (a, b), members in sorted(parts.items()):
        ratio, w, ho = [], [], []
        for i in range(n):
            expected = volume[a][i] * volume[b][i] / (2 * total[i]) if total[i] > 0 else 0.0
            off = held[(a, b)][i]
            w.append(0.0 if off else weight[(a, b)][i])
            ho.append(0 if off else handoffs[(a, b)][i])
            ratio.append(None if off or expected <= 0 else weight[(a, b)][i] / expected)
        one = members[0] if len(members) == 1 and plan.shown(members[0].source, members[0].target) else None
        links.append(LinkTrend(source=a, target=b, weight=w, ratio=ratio, carriers=carriers[(a, b)],
                               handoffs=ho, weak=list(one.weak) if one else [False] * n))

    periods = []
    for i, p in enumerate(t.periods):
        cut = plan.removes_people or any(held[pair][i] and weight[pair][i] > 0 for pair in held)
        # period handoffs count every group's, within groups too: no sum of shown parts
        lost_handoffs = (plan.removes_people and handoffs_reduced) or any(
            held[pair][i] and handoffs[pair][i] > 0 for pair in held)
        periods.append(p.model_copy(update={
            "total_weight": total[i], "active_people": sum(active[d][i] for d in names),
            "ties": None if cut else p.ties, "handoffs": None if lost_handoffs else p.handoffs,
        }))
    return t.model_copy(update={"periods": periods, "groups": groups, "links": links})


def viewer_comparison(c: WindowComparison, vg: ViewerGraph) -> WindowComparison:
    """Before / after with only what the viewer graph of each window holds."""
    plan, k = vg.plan, vg.plan.k
    # per window: links whose weight leaves it, and the shown groups they touch
    pooled: dict[Pair, list] = {}
    for lk in c.links:
        a, b = plan.label(lk.source), plan.label(lk.target)
        if a is not None and b is not None and a != b and not plan.shown(lk.source, lk.target):
            pooled.setdefault(_pair(a, b), []).append(lk)
    touched: list[set[str]] = [set(), set()]
    cut = [plan.removes_people, plan.removes_people]
    if plan.removes_people:
        for lk in c.links:
            for side, w in enumerate((lk.weight_before, lk.weight_after)):
                if w > 0 and (lk.source in plan.hidden) != (lk.target in plan.hidden):
                    touched[side].add(lk.target if lk.source in plan.hidden else lk.source)

    def held(pair: Pair, weights: list[float], carriers: list[int]) -> bool:
        # both windows or neither: the link's whole weight minus one window would give the other
        return pair in vg.withheld or any(w > 0 and n < k for w, n in zip(weights, carriers))

    for pair, members in pooled.items():
        weights = [sum(lk.weight_before for lk in members), sum(lk.weight_after for lk in members)]
        carriers = [max(lk.carriers_before for lk in members), max(lk.carriers_after for lk in members)]
        if held(pair, weights, carriers):
            for side in (0, 1):
                if weights[side] > 0:
                    cut[side] = True
                    touched[side].update(pair)
    links = []
    for lk in c.links:
        if not plan.shown(lk.source, lk.target):
            continue
        pair = _pair(lk.source, lk.target)
        off = [held(pair, [lk.weight_before, lk.weight_after], [lk.carriers_before, lk.carriers_after])] * 2
        for side, w in enumerate((lk.weight_before, lk.weight_after)):
            if off[side] and w > 0:
                cut[side] = True
                touched[side].update(pair)
        links.append((lk, off))
    rows = []
    for lk, off in links:
        rb = None if cut[0] else lk.ratio_before
        ra = None if cut[1] else lk.ratio_after
        rows.append(lk.model_copy(update={
            "weight_before": 0.0 if off[0] else lk.weight_before, "weight_after": 0.0 if off[1] else lk.weight_after,
            "ratio_before": rb, "ratio_after": ra,
            "delta_ratio": lk.delta_ratio if rb is not None and ra is not None else None,
            "reasons": plain_reasons(lk.reasons),
        }))
    groups = []
    for g in c.groups:
        if not plan.shown(g.group):
            continue
        eb = None if g.group in touched[0] else g.ei_index_before
        ea = None if g.group in touched[1] else g.ei_index_after
        ib = None if cut[0] else g.insularity_before
        ia = None if cut[1] else g.insularity_after
        both = eb is not None and ea is not None
        groups.append(g.model_copy(update={
            "ei_index_before": eb, "ei_index_after": ea,
            "delta_ei_index": g.delta_ei_index if both else None, "delta_z": g.delta_z if both else None,
            "insularity_before": ib, "insularity_after": ia,
            "delta_insularity": g.delta_insularity if ib is not None and ia is not None else None,
            "reasons": plain_reasons(g.reasons),
        }))
    windows = {}
    for side, name in enumerate(("before", "after")):
        info = getattr(c, name)
        windows[name] = info.model_copy(update=dict.fromkeys(("ties", "total_weight", "active_people"))) \
            if cut[side] else info
    return c.model_copy(update={
        **windows, "groups": groups, "links": rows,
        "groups_more_insular": sum(g.more_insular for g in groups),
        "links_weakened": sum(lk.weakened for lk in rows),
        "links_fewer_carriers": sum(lk.fewer_carriers for lk in rows),
    })


_GROUP_FIGURES = ("ei_index", "internal_weight", "external_weight", "headcount")
_LINK_FIGURES = ("weight", "expected", "ratio", "handoffs", "carriers")
#: counts of pairs or people, not figures about them
_COUNTS = ("pairs", "current_bridges")


def viewer_recommendation(rec: Recommendation, vg: ViewerGraph) -> Recommendation | None:
    """A recommendation about shown groups, with the viewer graph's figures; None for the others."""
    if not rec.groups or not vg.plan.shown(*rec.groups):
        return None
    groups = {g.group: g for g in vg.groups}
    links = {(lk.source, lk.target): lk for lk in vg.links}
    pair = _pair(rec.groups[0], rec.groups[1]) if len(rec.groups) == 2 else None
    link = links.get(pair) if pair else None
    group = groups.get(rec.groups[0]) if rec.target == "silo" else None
    figures: dict[str, float | int] = {}
    for key in rec.figures:
        if key in _LINK_FIGURES and link is not None:
            if pair in vg.withheld and key in ("weight", "ratio", "handoffs"):
                continue
            value = {"weight": link.weight, "expected": link.expected, "ratio": link.ratio or 0.0,
                     "handoffs": link.handoffs, "carriers": link.source_carriers + link.target_carriers}[key]
            figures[key] = round(value, 4) if isinstance(value, float) else value
        elif key in _GROUP_FIGURES and group is not None:
            value = {"ei_index": group.ei_index or 0.0, "internal_weight": group.internal_weight,
                     "external_weight": group.external_weight, "headcount": group.headcount}[key]
            figures[key] = round(value, 4) if isinstance(value, float) else value
        elif key in _COUNTS:
            figures[key] = rec.figures[key]
    return rec.model_copy(update={
        "reason": recommendation_reason(rec.kind, rec.target, rec.groups), "figures": figures,
        "person_ids": [], "pairs": [],
    })


def viewer_recommendations(full: AnalysisResult, viewer: AnalysisResult) -> list[RecommendationView]:
    """The viewer form of a viewer result's recommendations: counts and roles, no person.

    ``people`` (how many people a recommendation concerns) is counted on the
    full result, whose recommendations name them; everything else is the
    viewer's (:func:`ona.privacy.for_viewer`).
    """
    people = {r.priority: len(set(r.person_ids)) for r in full.recommendations}
    return [
        RecommendationView(
            priority=r.priority, kind=r.kind, target=r.target, groups=list(r.groups), reason=r.reason,
            figures=dict(r.figures), people=people.get(r.priority, len(r.roles)), roles=dict(Counter(r.roles)),
        )
        for r in viewer.recommendations
    ]
