"""What to do: concrete interventions for every silo and every weak link.

Input: the collaboration graph, the partition and the analysis' groups
(with silo flags), links (with weak flags, after
:func:`ona.analysis.links.link_metrics`) and people (betweenness).
Output: ``list[Recommendation]`` in priority order (analyst view), and
:func:`recommendations_for_viewer` for leaders (counts and roles only).

Targets, in priority order: links flagged ``dependency_without_relationship``
(in the order of ``links``: most handoffs first), silos (lowest E-I index
first), the other fragile links, the other under-connected links. Per
target, interventions in this order (each kind once per pair of groups):

- ``second_bridge`` (every fragile link): the current bridges are the
  link's first ``fragile_carriers`` bridge_people. On each side, the
  best-placed other active member: most direct ties into the other group
  (a minor carrier already), then most two-step paths into it (colleagues
  who work with the other group: ``A @ (A @ 1_other)``), then strength;
  *overloaded* people come last.
- ``buddy_pairs`` (silos, dependency and under-connected links): up to
  ``buddy_pairs`` (a parameter, default 3) disjoint pairs, one person from each group, with no
  tie yet and the most common contacts (``A[a] @ A[b].T`` on the binary
  adjacency, ties masked out), leaving out inactive and *overloaded*
  people. When fewer pairs share a contact, the most connected remaining
  members are paired and the figures say 0 common contacts.

  *Overloaded*: the top brokers (betweenness in the top ``broker_share``,
  default 10%, of active people, and above 0) and the current bridges of
  every fragile link.
- ``job_shadowing`` (links with ticket handoffs; a silo with its partner):
  the up to ``shadow_pairs`` (default 2) disjoint pairs of people who
  exchange the most handoffs across the link.
- ``recognize_boundary_spanners``: a link's carriers (its bridge_people and
  the share of the link each holds); a silo's members holding the most
  collaboration weight outside it (up to ``boundary_spanners``, default 3,
  for a link and for a silo).

Every threshold and count above is a field of
:class:`~ona.params.AnalysisParams`, so a result's ``parameters``
reproduce its recommendations; the module constants are their defaults.

A silo's *partner* is the group it exchanges the most ticket handoffs
with, else the one with the largest shortfall ``expected - weight``.
Reasons name groups and figures, never a person: person_ids, roles and
pairs are separate fields, so the viewer form simply drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ona.analysis.adjacency import adjacency, tie_arrays
from ona.analysis.handoffs import DEPENDENCY
from ona.results import GroupMetrics, LinkMetrics, PersonMetrics, Recommendation, RecommendationView
from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams

__all__ = ["overloaded_brokers", "recommend", "recommendations_for_viewer"]

Target = Literal["silo", "weak_link"]

#: Candidate pairs examined per greedy matching (sorted best first).
_SCAN = 2_000


def overloaded_brokers(betweenness: np.ndarray, active: np.ndarray, share: float) -> np.ndarray:
    """Mask of the active people in the top ``share`` of betweenness (and above 0).

    ``share`` is the parameter ``broker_share`` (0 to 1).

    >>> overloaded_brokers(np.array([0.0, 0.1, 0.2, 0.9, 0.0]), np.array([True] * 4 + [False]), 0.1).tolist()
    [False, False, False, True, False]
    """
    values = betweenness[active]
    if values.size == 0:
        return np.zeros(betweenness.shape, dtype=bool)
    threshold = float(np.quantile(values, 1.0 - share))
    return active & (betweenness >= threshold) & (betweenness > 0)


@dataclass
class _Graph:
    """The arrays every recommendation reads, computed once."""

    g: CollabGraph
    partition: Partition
    betweenness: np.ndarray
    bridges: frozenset[str]  # current bridges of the fragile links
    params: AnalysisParams

    @cached_property
    def ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tie_arrays(self.g)

    @cached_property
    def adj(self) -> sp.csr_array:
        return adjacency(self.g, ties=self.ties, dtype=np.int64)

    @cached_property
    def strength(self) -> np.ndarray:
        u, v, w = self.ties
        n = self.g.n
        return np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)

    @cached_property
    def active(self) -> np.ndarray:
        return np.diff(self.adj.indptr) > 0

    @cached_property
    def broker(self) -> np.ndarray:
        return overloaded_brokers(self.betweenness, self.active, self.params.broker_share)

    @cached_property
    def busy(self) -> np.ndarray:
        """Overloaded: top brokers, and the current bridges of every fragile link."""
        busy = self.broker.copy()
        if self.bridges:
            busy[[self.g.index[p] for p in self.bridges]] = True
        return busy

    @cached_property
    def membership(self) -> np.ndarray:
        return np.asarray(self.partition.membership, dtype=np.int64)

    @cached_property
    def group_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.partition.names)}

    @cached_property
    def id_rank(self) -> np.ndarray:
        rank = np.empty(self.g.n, dtype=np.int64)
        rank[np.argsort(np.asarray(self.g.ids, dtype=object), kind="stable")] = np.arange(self.g.n)
        return rank

    @cached_property
    def outside(self) -> np.ndarray:
        """Each person's collaboration weight outside their own group."""
        u, v, w = self.ties
        cross = self.membership[u] != self.membership[v]
        n = self.g.n
        return (np.bincount(u[cross], weights=w[cross], minlength=n)
                + np.bincount(v[cross], weights=w[cross], minlength=n))

    @cached_property
    def handoff_ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ends (u, v) and handoff counts of the cross-group ties that carry ticket handoffs."""
        u, v, _ = self.ties
        handoffs = self.g.edge_attr("handoffs")
        keep = (handoffs > 0) & (self.membership[u] != self.membership[v])
        return u[keep], v[keep], np.rint(handoffs[keep]).astype(np.int64)

    def members(self, group: str) -> np.ndarray:
        return self.membership == self.group_index[group]

    def pid(self, i: int) -> str:
        return self.g.ids[int(i)]


def recommend(
    g: CollabGraph,
    partition: Partition,
    groups: list[GroupMetrics],
    links: list[LinkMetrics],
    people: list[PersonMetrics],
    *,
    params: AnalysisParams,
) -> list[Recommendation]:
    """Interventions for every silo and weak link, in priority order (module docstring).

    Parameters
    ----------
    g : CollabGraph
    partition : Partition
    groups : list of GroupMetrics
        With ``silo`` flags.
    links : list of LinkMetrics
        With weak flags and reasons, worst first.
    people : list of PersonMetrics
        Their ``betweenness`` identifies the overloaded brokers.
    params : AnalysisParams
        ``fragile_carriers`` (how many bridge_people are the current bridges),
        ``broker_share``, ``buddy_pairs``, ``shadow_pairs`` and
        ``boundary_spanners``.

    Returns
    -------
    list of Recommendation
        ``priority`` 1, 2, ... in list order.
    """
    index = pd.Index(g.ids).get_indexer([p.person_id for p in people])
    between = np.zeros(g.n)
    known = index >= 0
    between[index[known]] = np.asarray([p.betweenness for p in people], dtype=np.float64)[known]
    bridges = frozenset(p for lk in links if lk.fragile for p in lk.bridge_people[: params.fragile_carriers])
    ctx = _Graph(g, partition, between, bridges, params)

    dependency = [lk for lk in links if lk.weak and any(r.startswith(DEPENDENCY + ":") for r in lk.weak_reasons)]
    dependent = {(lk.source, lk.target) for lk in dependency}
    silos = sorted((gm for gm in groups if gm.silo), key=lambda gm: (gm.ei_index or 0.0, gm.group))
    rest = [lk for lk in links if lk.weak and (lk.source, lk.target) not in dependent]
    fragile = [lk for lk in rest if lk.fragile]
    under = [lk for lk in rest if not lk.fragile]

    out: list[Recommendation] = []
    for lk in dependency:
        out += _for_link(ctx, lk, params, dependent=True)
    for gm in silos:
        out += _for_silo(ctx, gm, links)
    for lk in [*fragile, *under]:
        out += _for_link(ctx, lk, params, dependent=False)

    seen: set[tuple[str, tuple[str, ...]]] = set()
    unique: list[Recommendation] = []
    for rec in out:
        key = (rec.kind, tuple(sorted(rec.groups)))
        if key not in seen:
            seen.add(key)
            unique.append(rec.model_copy(update={"priority": len(unique) + 1}))
    return unique


def recommendations_for_viewer(
    recommendations: list[Recommendation],
    *,
    headcount: dict[str, int] | None = None,
    min_group_size: int = 5,
) -> list[RecommendationView]:
    """The viewer form: no person_id, no pair; the number of people and their roles.

    Recommendations that concern a group smaller than ``min_group_size``
    (when ``headcount`` is given) are left out, as DESIGN.md's privacy rule
    requires; priorities keep their analysis-wide numbers, so that "#n"
    in the summary and the pages points at the same recommendation for everyone.

    >>> rec = Recommendation(priority=1, kind="buddy_pairs", target="silo", groups=["A", "B"],
    ...     reason="...", person_ids=["a1", "b1"], roles=["buddy in A", "buddy in B"], pairs=[["a1", "b1"]])
    >>> view = recommendations_for_viewer([rec])[0]
    >>> view.people, view.roles
    (2, {'buddy in A': 1, 'buddy in B': 1})
    """
    views: list[RecommendationView] = []
    for rec in recommendations:
        if headcount is not None and any(headcount.get(name, 0) < min_group_size for name in rec.groups):
            continue
        roles: dict[str, int] = {}
        for role in rec.roles:
            roles[role] = roles.get(role, 0) + 1
        views.append(RecommendationView(
            priority=rec.priority, kind=rec.kind, target=rec.target, groups=list(rec.groups),
            reason=rec.reason, figures=dict(rec.figures), people=len(set(rec.person_ids)), roles=roles,
        ))
    return views


# --------------------------------------------------------------------------
# targets


def _for_link(ctx: _Graph, lk: LinkMetrics, params: AnalysisParams, *, dependent: bool) -> list[Recommendation]:
    a, b = lk.source, lk.target
    recs = []
    if lk.fragile:
        recs.append(_second_bridge(ctx, lk, params))
    if dependent or lk.under_connected:
        ratio = f"{lk.ratio:.2f}" if lk.ratio is not None else "0"
        why = (f"{a} and {b} pass each other {lk.handoffs} tickets yet barely work together otherwise"
               if dependent else f"{a} and {b} collaborate at {ratio} times what their volumes would give")
        recs.append(_buddy_pairs(ctx, a, b, "weak_link", _link_figures(lk), why))
    if lk.handoffs > 0:
        rec = _job_shadowing(ctx, a, b, "weak_link")
        if rec is not None:
            recs.append(rec)
    if lk.weight > 0 and lk.bridge_people:
        recs.append(_recognize_link(ctx, lk))
    return recs


def _for_silo(ctx: _Graph, gm: GroupMetrics, links: list[LinkMetrics]) -> list[Recommendation]:
    mine = [lk for lk in links if gm.group in (lk.source, lk.target)]
    recs = []
    figures = {"ei_index": round(gm.ei_index or 0.0, 4), "internal_weight": round(gm.internal_weight, 4),
               "external_weight": round(gm.external_weight, 4), "headcount": gm.headcount}
    if mine:
        partner_link = max(mine, key=lambda lk: (lk.handoffs, lk.expected - lk.weight,
                                                 lk.target if lk.source == gm.group else lk.source))
        partner = partner_link.target if partner_link.source == gm.group else partner_link.source
        ratio = f"{partner_link.ratio:.2f}" if partner_link.ratio is not None else "0"
        why = (f"{gm.group} keeps most of its collaboration inside; its widest gap is with {partner} "
               f"({ratio} times the expected level, {partner_link.handoffs} ticket handoffs)")
        recs.append(_buddy_pairs(ctx, gm.group, partner, "silo", {**figures, **_link_figures(partner_link)}, why))
        if partner_link.handoffs > 0:
            rec = _job_shadowing(ctx, gm.group, partner, "silo")
            if rec is not None:
                recs.append(rec)
    spanners = _recognize_silo(ctx, gm, figures)
    if spanners is not None:
        recs.append(spanners)
    return recs


def _link_figures(lk: LinkMetrics) -> dict[str, float | int]:
    return {"weight": round(lk.weight, 4), "expected": round(lk.expected, 4),
            "ratio": round(lk.ratio, 4) if lk.ratio is not None else 0.0, "handoffs": lk.handoffs,
            "carriers": len(lk.carriers)}


# --------------------------------------------------------------------------
# interventions


def _second_bridge(ctx: _Graph, lk: LinkMetrics, params: AnalysisParams) -> Recommendation:
    """A second person on each side of a fragile link, other than its current bridges."""
    a, b = lk.source, lk.target
    current = set(lk.bridge_people[: params.fragile_carriers])
    not_current = ~np.isin(np.asarray(ctx.g.ids, dtype=object), list(current))
    chosen: list[tuple[int, int, int, str]] = []
    for side, other in ((a, b), (b, a)):
        into = ctx.adj @ ctx.members(other).astype(np.int64)  # direct ties into the other group
        paths = ctx.adj @ into  # two-step paths into it
        cand = np.flatnonzero(ctx.members(side) & ctx.active & not_current)
        if cand.size:
            order = np.lexsort((ctx.id_rank[cand], -ctx.strength[cand], -paths[cand], -into[cand],
                                ctx.busy[cand]))
            best = int(cand[order[0]])
            chosen.append((best, int(into[best]), int(paths[best]), other))
    who = "person" if len(current) == 1 else "people"
    reach = "; ".join(
        f"the {ctx.partition.group_of(i)} member has {d} direct tie(s) and {p} two-step path(s) into {other}"
        for i, d, p, other in chosen
    )
    top_share = lk.bridge_shares[0] if lk.bridge_shares else 0.0
    reason = (
        f"The link {a}–{b} rests on {len(current)} {who} (the top bridge alone holds {top_share:.0%} of "
        f"its weight {lk.weight:.1f}); "
        + (f"build a second bridge with the best-placed other members ({reach})." if chosen
           else "no other active member can take the role yet.")
    )
    return Recommendation(
        priority=0, kind="second_bridge", target="weak_link", groups=[a, b], reason=reason,
        figures={**_link_figures(lk), "current_bridges": len(current),
                 "top_bridge_share": round(top_share, 4)},
        person_ids=[ctx.pid(c[0]) for c in chosen],
        roles=[f"second bridge in {ctx.partition.group_of(c[0])}" for c in chosen],
        pairs=[[ctx.pid(c[0]) for c in chosen]] if len(chosen) == 2 else [],
    )


def _buddy_pairs(ctx: _Graph, a: str, b: str, target: Target, figures: dict[str, float | int],
                 why: str) -> Recommendation:
    """Disjoint untied pairs across a and b with the most common contacts."""
    eligible = ctx.active & ~ctx.busy
    ra = np.flatnonzero(ctx.members(a) & eligible)
    rb = np.flatnonzero(ctx.members(b) & eligible)
    pairs: list[tuple[int, int, int]] = []
    if ra.size and rb.size:
        rows_a, rows_b = ctx.adj[ra], ctx.adj[rb]
        common = sp.csr_array(rows_a @ rows_b.T)
        tied = sp.csr_array(rows_a[:, rb])
        common = sp.csr_array(common - common.multiply(tied > 0))
        common.eliminate_zeros()
        c = common.tocoo()
        i, j, n = ra[c.row], rb[c.col], c.data
        if n.size > _SCAN:  # sort only the best candidates, every tie at the cut included
            cut = np.partition(n, n.size - _SCAN)[n.size - _SCAN]
            best = n >= cut
            i, j, n = i[best], j[best], n[best]
        order = np.lexsort((ctx.id_rank[j], ctx.id_rank[i], -n))[:_SCAN]
        wanted = ctx.params.buddy_pairs
        pairs = _greedy(i[order], j[order], n[order], wanted)
        if len(pairs) < wanted:
            pairs += _fallback_pairs(ctx, ra, rb, pairs, wanted - len(pairs))
    counts = [n for _, _, n in pairs]
    reason = (
        f"{why}; pair {len(pairs)} people from each group who have no tie yet"
        + (f" but share {', '.join(map(str, counts))} contacts" if any(counts) else " (no common contact yet)")
        + ", leaving out the busiest brokers and the people links already rest on."
    ) if pairs else f"{why}; no eligible member on both sides to pair (inactive or already overloaded)."
    return Recommendation(
        priority=0, kind="buddy_pairs", target=target, groups=[a, b], reason=reason,
        figures={**figures, "pairs": len(pairs), **{f"common_contacts_{k + 1}": n for k, n in enumerate(counts)}},
        person_ids=[ctx.pid(x) for u, v, _ in pairs for x in (u, v)],
        roles=[f"buddy in {grp}" for _ in pairs for grp in (a, b)],
        pairs=[[ctx.pid(u), ctx.pid(v)] for u, v, _ in pairs],
    )


def _job_shadowing(ctx: _Graph, a: str, b: str, target: Target) -> Recommendation | None:
    """The pairs that exchange the most ticket handoffs across a and b."""
    u, v, handoffs = ctx.handoff_ties
    ga, gb = ctx.group_index[a], ctx.group_index[b]
    mu, mv = ctx.membership[u], ctx.membership[v]
    across = ((mu == ga) & (mv == gb)) | ((mu == gb) & (mv == ga))
    if not across.any():
        return None
    eu, ev, h = u[across], v[across], handoffs[across]
    flip = ctx.membership[eu] != ga  # put the a-side first
    eu, ev = np.where(flip, ev, eu), np.where(flip, eu, ev)
    order = np.lexsort((ctx.id_rank[ev], ctx.id_rank[eu], -h))
    pairs = _greedy(eu[order], ev[order], h[order], ctx.params.shadow_pairs)
    total = int(h.sum())
    top = sum(n for _, _, n in pairs)
    reason = (
        f"{a} and {b} pass each other {total} tickets; the {len(pairs)} pair(s) who exchange the most "
        f"({', '.join(str(n) for _, _, n in pairs)} handoffs, {top / total:.0%} of the total) should spend "
        "a day in each other's team to see how the work lands on the other side."
    )
    return Recommendation(
        priority=0, kind="job_shadowing", target=target, groups=[a, b], reason=reason,
        figures={"handoffs": total, "pairs": len(pairs),
                 **{f"pair_handoffs_{k + 1}": n for k, (_, _, n) in enumerate(pairs)}},
        person_ids=[ctx.pid(x) for p, q, _ in pairs for x in (p, q)],
        roles=[f"job shadowing in {grp}" for _ in pairs for grp in (a, b)],
        pairs=[[ctx.pid(p), ctx.pid(q)] for p, q, _ in pairs],
    )


def _recognize_link(ctx: _Graph, lk: LinkMetrics) -> Recommendation:
    people = lk.bridge_people[: ctx.params.boundary_spanners]
    shares = lk.bridge_shares[: ctx.params.boundary_spanners]
    reason = (
        f"{len(people)} people carry most of the collaboration between {lk.source} and {lk.target} "
        f"({', '.join(f'{s:.0%}' for s in shares)} of its weight {lk.weight:.1f}); recognize the role "
        "and give it time, so it does not rest on goodwill."
    )
    groups_of = [ctx.partition.group_of(ctx.g.index[p]) for p in people]
    return Recommendation(
        priority=0, kind="recognize_boundary_spanners", target="weak_link", groups=[lk.source, lk.target],
        reason=reason,
        figures={**_link_figures(lk), **{f"share_{k + 1}": round(s, 4) for k, s in enumerate(shares)}},
        person_ids=list(people), roles=[f"boundary spanner in {grp}" for grp in groups_of],
    )


def _recognize_silo(ctx: _Graph, gm: GroupMetrics, figures: dict[str, float | int]) -> Recommendation | None:
    members = np.flatnonzero(ctx.members(gm.group) & (ctx.outside > 0))
    if members.size == 0 or gm.external_weight <= 0:
        return None
    order = np.lexsort((ctx.id_rank[members], -ctx.outside[members]))[: ctx.params.boundary_spanners]
    top = members[order]
    shares = (ctx.outside[top] / gm.external_weight).tolist()
    reason = (
        f"{gm.group} keeps {1 - (gm.external_weight / (gm.external_weight + gm.internal_weight)):.0%} of its "
        f"collaboration inside; {'1 member holds' if top.size == 1 else f'{top.size} members hold'} "
        f"{', '.join(f'{s:.0%}' for s in shares)} of its outside collaboration: recognize "
        f"{'this role' if top.size == 1 else 'these roles'} and make {'it' if top.size == 1 else 'them'} "
        "the group's link to the others."
    )
    return Recommendation(
        priority=0, kind="recognize_boundary_spanners", target="silo", groups=[gm.group], reason=reason,
        figures={**figures, **{f"share_{k + 1}": round(s, 4) for k, s in enumerate(shares)}},
        person_ids=[ctx.pid(i) for i in top], roles=[f"boundary spanner in {gm.group}"] * int(top.size),
    )


# --------------------------------------------------------------------------
# matching


def _greedy(u: np.ndarray, v: np.ndarray, score: np.ndarray, k: int) -> list[tuple[int, int, int]]:
    """The first ``k`` pairs of a best-first list whose people are not taken yet."""
    taken: set[int] = set()
    out: list[tuple[int, int, int]] = []
    for x, y, s in zip(u.tolist(), v.tolist(), score.tolist(), strict=True):
        if x in taken or y in taken:
            continue
        out.append((x, y, int(s)))
        taken.update((x, y))
        if len(out) == k:
            break
    return out


def _fallback_pairs(ctx: _Graph, ra: np.ndarray, rb: np.ndarray, chosen: list[tuple[int, int, int]],
                    k: int) -> list[tuple[int, int, int]]:
    """Pairs of the most connected remaining members, not tied, no common contact."""
    taken = {x for u, v, _ in chosen for x in (u, v)}
    left_a = ra[~np.isin(ra, list(taken))]
    left_b = rb[~np.isin(rb, list(taken))]
    left_a = left_a[np.lexsort((ctx.id_rank[left_a], -ctx.strength[left_a]))][: k * 4]
    left_b = left_b[np.lexsort((ctx.id_rank[left_b], -ctx.strength[left_b]))][: k * 4]
    if not left_a.size or not left_b.size:
        return []
    tied = ctx.adj[left_a][:, left_b].toarray() > 0
    ia, ib = np.nonzero(~tied)
    order = np.lexsort((ib, ia, ia + ib))  # strongest first on both sides
    return _greedy(left_a[ia[order]], left_b[ib[order]], np.zeros(order.size, dtype=np.int64), k)
