"""The viewer graph: which groups a viewer sees, and their group and link figures.

Input: a full :class:`~ona.results.AnalysisResult` and the minimum group
size K. Output: a :class:`Plan` (hidden groups, the pool, the links whose
weight is withheld) and the viewer's groups, links, communities and
summary, every figure recomputed on the *viewer graph* G':

- groups with at least K members are shown as they are;
- the groups under K are pooled into one group row when there are at least
  two of them and they hold at least K people together; otherwise their
  people, and every tie touching them, are not in G';
- a link (a pair of shown groups, the pool counting as one) whose carriers
  on both sides number fewer than K together is *withheld*: its ties are not
  in G' and its row shows no weight (weight 0, no ties, channels or
  handoffs, ratio null).

Every additive figure is then a sum over the ties of G', so that
``summary.people = sum(headcount)``, ``2 total_weight = sum(volume)``,
``external_weight(d) = sum of the weights of d's links`` (and the same for
ties), and the ratios (E-I index, insularity, conductance, expected,
ratio, modularity of the groups, assortativity, NMI/ARI) follow from those
sums by their DESIGN.md definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ona.privacy.words import plain_reasons
from ona.results import AnalysisResult, CommunitySummary, GroupMetrics, LinkMetrics, Summary

Pair = tuple[str, str]


@dataclass(frozen=True)
class Plan:
    """What a viewer sees of one result (see the module docstring).

    Attributes
    ----------
    k : int
        The minimum group size.
    hidden : frozenset of str
        Groups with fewer than ``k`` members (their names are never shown).
    pool : str or None
        Name of the row pooling the hidden groups, when they are pooled.
    group_of : dict
        person_id -> group, from the full result's people (empty if it has none).
    """

    k: int
    hidden: frozenset[str]
    pool: str | None
    group_of: dict[str, str] = field(default_factory=dict)

    def label(self, group: str) -> str | None:
        """The viewer's row for ``group``: itself, the pool, or None (left out)."""
        return (self.pool if group in self.hidden else group) if group else None

    @property
    def removes_people(self) -> bool:
        """Whether people leave the viewer's figures (hidden groups, not pooled)."""
        return bool(self.hidden) and self.pool is None

    def shown(self, *groups: str) -> bool:
        """Whether every group named is shown under its own name (not hidden, not pooled)."""
        return not self.hidden.intersection(groups)


def make_plan(result: AnalysisResult, k: int) -> Plan:
    """Hidden groups and the pool (when at least two hidden groups hold at least ``k`` people)."""
    sizes = {g.group: g.headcount for g in result.groups}
    hidden = frozenset(name for name, n in sizes.items() if n < k)
    pool = None
    if len(hidden) >= 2 and sum(sizes[name] for name in hidden) >= k:
        pool = f"other ({len(hidden)} groups under {k})"
        while pool in sizes:  # a real group with that very name keeps it
            pool += "*"
    return Plan(k=k, hidden=hidden, pool=pool, group_of={p.person_id: p.group for p in result.people})


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


@dataclass
class _Link:
    """A viewer link being summed from the full result's links."""

    parts: list[LinkMetrics] = field(default_factory=list)

    def side(self, plan: Plan, label: str) -> int:
        """Distinct carriers on ``label``'s side.

        Exact from the carriers' person_ids when the result has its people;
        otherwise the sum of the parts for a pooled side (disjoint groups)
        and their largest for a plain one (a lower bound).
        """
        counts = [lk.source_carriers if plan.label(lk.source) == label else lk.target_carriers for lk in self.parts]
        if len(self.parts) == 1:
            return counts[0]
        if plan.group_of and all(len(lk.carriers) == lk.source_carriers + lk.target_carriers for lk in self.parts):
            ids = {pid for lk in self.parts for pid in lk.carriers}
            return sum(1 for pid in ids if plan.label(plan.group_of.get(pid, "")) == label)
        return sum(counts) if label == plan.pool else max(counts, default=0)


@dataclass(frozen=True)
class ViewerGraph:
    """The viewer's groups and links (see the module docstring) and the plan they follow."""

    plan: Plan
    groups: list[GroupMetrics]
    links: list[LinkMetrics]
    withheld: frozenset[Pair]
    total_weight: float
    ties: int

    @property
    def removes_anything(self) -> bool:
        """Whether people or ties of the full graph are not in the viewer graph."""
        return self.plan.removes_people or bool(self.withheld)


def viewer_graph(result: AnalysisResult, plan: Plan) -> ViewerGraph:
    """The groups and links of the viewer graph, every figure recomputed on it."""
    by_pair: dict[Pair, _Link] = {}
    inside: dict[str, list[float]] = {}  # pool -> [weight, ties] of hidden-hidden links
    for lk in result.links:
        a, b = plan.label(lk.source), plan.label(lk.target)
        if a is None or b is None:
            continue
        if a == b:
            acc = inside.setdefault(a, [0.0, 0])
            acc[0] += lk.weight
            acc[1] += lk.ties
            continue
        by_pair.setdefault(_pair(a, b), _Link()).parts.append(lk)

    shown = [g for g in result.groups if plan.label(g.group) == g.group]
    pooled = [g for g in result.groups if g.group in plan.hidden and plan.pool is not None]
    internal = {g.group: (g.internal_weight, g.internal_ties) for g in shown}
    if plan.pool is not None:
        extra_w, extra_t = inside.get(plan.pool, [0.0, 0])
        internal[plan.pool] = (sum(g.internal_weight for g in pooled) + extra_w,
                               sum(g.internal_ties for g in pooled) + int(extra_t))

    rows: dict[Pair, LinkMetrics] = {}
    withheld: set[Pair] = set()
    for (a, b), acc in sorted(by_pair.items()):
        row = _link_row(a, b, acc, plan)
        if row.weight > 0 and row.source_carriers + row.target_carriers < plan.k:
            withheld.add((a, b))
            row = row.model_copy(update={"weight": 0.0, "ties": 0, "channels": {}, "handoffs": 0,
                                         "ratio_interval": None, "fragile_p_value": None})
        rows[(a, b)] = row

    names = sorted(internal)
    ext_w = dict.fromkeys(names, 0.0)
    ext_t = dict.fromkeys(names, 0)
    sq = dict.fromkeys(names, 0.0)
    reach = dict.fromkeys(names, 0)
    for (a, b), row in rows.items():
        for d in (a, b):
            ext_w[d] += row.weight
            ext_t[d] += row.ties
            sq[d] += row.weight * row.weight
            reach[d] += row.ties > 0
    total = sum(w for w, _ in internal.values()) + sum(row.weight for row in rows.values())
    ties = sum(t for _, t in internal.values()) + sum(row.ties for row in rows.values())
    volume = {d: 2 * internal[d][0] + ext_w[d] for d in names}

    full = {g.group: g for g in shown}
    groups = []
    for d in names:
        I, i_t = internal[d]
        E, e_t = ext_w[d], ext_t[d]
        vol = volume[d]
        has_ties = i_t + e_t > 0
        rest = 2 * total - vol if i_t < ties else 0.0
        share = 2 * I / vol if has_ties and vol > 0 else None
        expected = vol / (2 * total) if has_ties and total > 0 else None
        figures = {
            "internal_weight": I, "external_weight": E, "internal_ties": i_t, "external_ties": e_t,
            "ei_index": (E - I) / (E + I) if has_ties and E + I > 0 else None,
            "ei_index_ties": (e_t - i_t) / (e_t + i_t) if has_ties else None,
            "volume": vol, "internal_share": share, "expected_internal_share": expected,
            "insularity": share / expected if share is not None and expected else None,
            "conductance": E / min(vol, rest) if has_ties and min(vol, rest) > 0 else None,
            "external_reach": reach[d],
            "effective_partners": E * E / sq[d] if e_t > 0 and sq[d] > 0 else None,
            "external_carriers": _external_carriers(d, rows, by_pair, withheld, plan),
            # a share held by two members is a figure about two people
            "external_top2_share": None,
        }
        if d in full:
            g = full[d]
            groups.append(g.model_copy(update={**figures, "silo_reasons": plain_reasons(g.silo_reasons)}))
        else:
            split: dict[str, int] = {}
            for g in pooled:
                for c, n in g.community_split.items():
                    split[c] = split.get(c, 0) + n
            groups.append(GroupMetrics(
                group=d, headcount=sum(g.headcount for g in pooled), active=sum(g.active for g in pooled),
                z=None, p_value=None, p_value_raw=None,
                community_split=dict(sorted(split.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)),
                **figures,
            ))

    links = []
    for (a, b), row in rows.items():
        expected = volume[a] * volume[b] / (2 * total) if total > 0 else 0.0
        ratio = row.weight / expected if expected > 0 and (a, b) not in withheld else None
        links.append(row.model_copy(update={"expected": expected, "ratio": ratio}))
    return ViewerGraph(plan=plan, groups=groups, links=links, withheld=frozenset(withheld),
                       total_weight=total, ties=ties)


def _link_row(a: str, b: str, acc: _Link, plan: Plan) -> LinkMetrics:
    """One viewer link: a shown link without identities, or the pool's sum of its parts."""
    if len(acc.parts) == 1 and plan.shown(acc.parts[0].source, acc.parts[0].target):
        lk = acc.parts[0]
        return lk.model_copy(update={
            "carriers": [], "bridge_people": [],
            # each share is the weight one person holds: a figure about one person
            "bridge_shares": [],
            "weak_reasons": plain_reasons(lk.weak_reasons),
        })
    channels: dict[str, float] = {}
    for lk in acc.parts:
        for ch, w in lk.channels.items():
            channels[ch] = channels.get(ch, 0.0) + w
    return LinkMetrics(
        source=a, target=b, weight=sum(lk.weight for lk in acc.parts), ties=sum(lk.ties for lk in acc.parts),
        expected=0.0, ratio=None, channels=channels, handoffs=sum(lk.handoffs for lk in acc.parts),
        source_carriers=acc.side(plan, a), target_carriers=acc.side(plan, b),
    )


def _external_carriers(d: str, rows: dict[Pair, LinkMetrics], by_pair: dict[Pair, _Link],
                       withheld: set[Pair], plan: Plan) -> int:
    """Members of ``d`` holding a tie of one of its shown links (exact with the people's groups)."""
    mine = [(pair, row) for pair, row in rows.items() if d in pair and pair not in withheld and row.ties > 0]
    ids = {pid for pair, _ in mine for lk in by_pair[pair].parts for pid in lk.carriers}
    if plan.group_of and ids:
        return sum(1 for pid in ids if plan.label(plan.group_of.get(pid, "")) == d)
    return max((row.source_carriers if row.source == d else row.target_carriers for _, row in mine), default=0)


def viewer_communities(communities: Iterable[CommunitySummary], plan: Plan) -> list[CommunitySummary]:
    """Communities over the viewer's rows: hidden members under the pool, or left out; empty ones dropped."""
    out = []
    for c in communities:
        groups: dict[str, int] = {}
        for name, count in c.groups.items():
            label = plan.label(name)
            if label is not None:
                groups[label] = groups.get(label, 0) + count
        size = sum(groups.values())
        if size == 0:
            continue
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(c.model_copy(update={
            "size": size, "groups": dict(ordered), "main_group": ordered[0][0],
            "main_group_share": ordered[0][1] / size,
        }))
    return out


def viewer_summary(result: AnalysisResult, vg: ViewerGraph, communities: list[CommunitySummary]) -> Summary:
    """The summary of the viewer graph (see :func:`group_structure` for Q and r)."""
    s = result.summary
    q, r = group_structure(vg.groups, vg.total_weight)
    nmi, ari = _agreement(communities)
    removed = vg.removes_anything
    return s.model_copy(update={
        "people": sum(g.headcount for g in vg.groups),
        "active_people": sum(g.active for g in vg.groups),
        "groups": len(vg.groups),
        "ties": vg.ties,
        "total_weight": vg.total_weight,
        # Leiden's Q needs every community's internal weight, which a result does not hold
        "modularity": None if removed else s.modularity,
        "formal_modularity": q,
        "assortativity": r,
        "nmi": nmi,
        "ari": ari,
        "communities": len(communities),
        "silos": sum(g.silo for g in vg.groups),
        "weak_links": sum(lk.weak for lk in vg.links),
        "isolates": sum(g.headcount - g.active for g in vg.groups),
        # the method names how many people it ran over
        "betweenness_method": "person-level figures are for analysts",
        "events": {} if removed else dict(s.events),
        "external": {} if removed else dict(s.external),
    })


def group_structure(groups: list[GroupMetrics], total: float) -> tuple[float | None, float | None]:
    """Modularity Q of the groups and their weighted assortativity r, from group sums.

    ``Q = sum_d [I_d / W - (vol(d) / 2W)^2]`` and
    ``r = (sum_d I_d / W - sum_d a_d^2) / (1 - sum_d a_d^2)`` with
    ``a_d = vol(d) / 2W`` (Newman 2003, eq. 2): the definitions of
    :func:`ona.analysis.structure.formal_modularity` and
    :func:`ona.analysis.structure.group_assortativity`, which need only
    ``I_d``, ``vol(d)`` and ``W``. None when ``W = 0`` (r also when all
    weight is in one group).

    >>> g = [GroupMetrics(group="x", headcount=2, active=2, internal_weight=3.0, external_weight=1.0,
    ...      internal_ties=1, external_ties=1, ei_index=None, ei_index_ties=None, volume=7.0,
    ...      internal_share=None, expected_internal_share=None, insularity=None, conductance=None,
    ...      z=None, p_value=None),
    ...      GroupMetrics(group="y", headcount=2, active=2, internal_weight=1.0, external_weight=1.0,
    ...      internal_ties=1, external_ties=1, ei_index=None, ei_index_ties=None, volume=3.0,
    ...      internal_share=None, expected_internal_share=None, insularity=None, conductance=None,
    ...      z=None, p_value=None)]
    >>> q, r = group_structure(g, 5.0)  # W = 3 + 1 + 1; a = (0.7, 0.3)
    >>> round(q, 4), round(r, 4)  # 0.8 - 0.58; (0.8 - 0.58) / (1 - 0.58)
    (0.22, 0.5238)
    """
    if total <= 0:
        return None, None
    inside = sum(g.internal_weight for g in groups) / total
    expected = sum((g.volume / (2 * total)) ** 2 for g in groups)
    r = None if np.isclose(expected, 1.0, rtol=0.0, atol=1e-12) else (inside - expected) / (1.0 - expected)
    return inside - expected, r


def _agreement(communities: list[CommunitySummary]) -> tuple[float | None, float | None]:
    """NMI and ARI of the viewer's communities against its groups (their contingency table)."""
    from ona.analysis.communities import compare_to_groups
    from ona.graph.model import Partition

    labels = [name for c in communities for name, n in c.groups.items() for _ in range(n)]
    if not labels:
        return None, None
    membership = np.array([c.community for c in communities for n in c.groups.values() for _ in range(n)])
    nmi, ari = compare_to_groups(Partition.from_labels(labels), membership)
    return _num(nmi), _num(ari)


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)
