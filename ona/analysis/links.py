"""Links between groups: :class:`CollabGraph` + :class:`Partition` -> ``list[LinkMetrics]``.

For an unordered pair of groups (a, b), ``source`` a < ``target`` b by name:

- ``weight`` W_ab: the sum of the weights of a-b ties; ``ties``: their count;
- ``expected = vol(a) vol(b) / 2W`` (what degree-preserving random mixing
  gives) and ``ratio = W_ab / expected`` (null when expected is 0);
- ``channels``: email / meeting / ticket / chat / ties weights (before coefficients) and
  ``handoffs``: ticket handoffs, summed over the a-b edges, plus the
  handoffs between a and b (either way) that only an assignment-group
  change records (``group_handoffs``: they have no person, so they add to
  no edge and no weight);
- ``carriers``: the distinct people of a or b holding a-b ties, most a-b
  weight first, then by person_id (weights equal to 12 decimals of their
  share of W_ab count as equal); ``source_carriers`` / ``target_carriers``
  count them per side;
- ``bridge_people``: the (up to) three people whose removal would most
  reduce W_ab, and ``bridge_shares`` the share of W_ab each would take away.
  Removing a person removes all their a-b ties, so this is the a-b weight
  they hold: the first three carriers.

Every pair of groups is judged, however many groups there are. Every pair
is listed when there are at most ``all_pairs_limit`` (a parameter, default 60) groups, so
that absent links show up; above that (a grouping by team), the pairs
joined by at least one edge (a tie, or a ticket handoff whose weight a zero
coefficient removed) or a group handoff, and every flagged pair.

Judged (``judged``): a pair with at least ``min_link_ties`` ties, or that a
typical pair of groups of these sizes would give that many
(:func:`judged_pairs`). Only a judged pair can be under-connected, fragile
or a dependency without relationship: between two groups that would share
two ties even at the typical level, an absence says nothing.

Weak links (thresholds from :class:`~ona.params.AnalysisParams`). Most pairs
of departments in a real organization collaborate far below random mixing,
so "low" is judged against this organization's typical pair: ``median_ratio``
is the median ratio over all listed pairs with ``expected > 0``.

- ``under_connected``: judged, ``expected > 0`` and ``ratio < weak_ratio * median_ratio``;
- ``dependency_without_relationship`` (the worst case): at least
  ``dependency_min_handoffs`` ticket handoffs show that the groups depend on
  each other, yet their relationship, the email, meeting, chat and ties weight alone
  (with their coefficients), is below ``dependency_ratio * median_ratio``
  times the expected weight;
- ``fragile``: the link matters (``W_ab`` at least the median weight of the
  pairs with ties) and at most ``fragile_carriers`` people, removed
  together, would cut at least ``fragile_share`` of W_ab. Removing a set of
  people removes every a-b tie touching one of them, so two people tied to
  each other do not count that tie twice. The fewest such people is found
  exactly among each link's top ``fragile_carriers + 3`` carriers (at most
  8: every subset of up to ``fragile_carriers`` of them is tried); sets of
  more than 8 people (a fragile_carriers above 8) are the top carriers.
  Never fragile: a link whose two groups both have fewer than
  ``min_group_size`` members (between a handful of people a few always
  carry everything), nor one in the bottom half of linked pairs by weight
  (the materiality rule above, which so also excludes the bottom tail).
  With the significance tests, a fragile link's top carriers must also
  hold more of it than carriers drawn like the two groups' other outside
  ties would (:mod:`ona.analysis.fragility`; ``fragile_p_value``,
  Benjamini-Hochberg adjusted over the links tested, below ``alpha``): a
  link of three ties, or one through the liaison who holds all of a
  group's outside ties, is not fragile by chance alone;
- ``weak`` = any of the three, except a link whose only weakness is
  ``under_connected`` and that a silo explains (below).

Significance (when the pipeline passes the permutation test,
:func:`~ona.analysis.link_significance.link_test`, which uses the silo
test's shuffles): ``z`` and ``p_value`` of W_ab, one-sided toward
under-connection and Benjamini-Hochberg adjusted over the pairs with
``expected > 0``; ``under_connected`` also requires ``p_value < alpha``.
``dependency_p_value`` is the same test of the relationship weight, adjusted
over the pairs with at least ``dependency_min_handoffs`` handoffs;
``dependency_without_relationship`` also requires it below ``alpha``.

Explained by a silo: an under-connected link with a flagged silo s on one
side is under-connected only because s is a silo when, given s's actual
outside weight E_s, it is not low: with ``c_sb = W_sb (2W - vol(s)) / (E_s
vol(b))`` (W_sb against ``E_s vol(b) / (2W - vol(s))``, what b would get if
s spread E_s as random mixing does) and ``typical`` the median of c over
both sides of every pair, ``c_sb >= weak_ratio * typical``; or s has too few
outside ties to tell (``P(Binomial(e_s, q) <= ties_sb) >= alpha``, q the
share of them a link just at that threshold would get). Such a link gets
``explained_by = "silo: <s>"`` and a last reason ``explained_by_silo``,
keeps ``under_connected`` and is not ``weak`` (unless fragile or a
dependency without relationship), so counts of weak links count
independent problems. A dependency without relationship with a silo side
is explained the same way on its relationship weights (email, meeting,
chat, ties volumes and outside weights) with ``dependency_ratio`` in place
of ``weak_ratio``: it keeps the flag and is not weak unless something else
makes it so.

``weak_reasons`` are ``"<code>: <sentence>"`` with the codes above, worst
first; they name no person (the people are in ``bridge_people``, which
viewers do not get). Links are ordered weak first (dependency without
relationship first, most handoffs first; then fragile, heaviest first; then
lowest ratio),
then by weight, heaviest first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.stats import binom

from ona.analysis.fragility import CarrierTies, carrier_test
from ona.analysis.groups import GroupEdges, group_edges
from ona.analysis.link_significance import LinkTest, relationship_weights
from ona.analysis.significance import benjamini_hochberg
from ona.graph.model import CHANNELS, CollabGraph, Partition
from ona.params import AnalysisParams
from ona.results import LinkMetrics

__all__ = ["explaining_silo", "judged_pairs", "link_metrics"]

_EXTRA_CANDIDATES = 3
_MAX_CANDIDATES = 8


def link_metrics(
    g: CollabGraph,
    partition: Partition,
    *,
    params: AnalysisParams,
    group_handoffs: Mapping[tuple[str, str], int] | None = None,
    test: LinkTest | None = None,
    silos: Collection[str] = (),
) -> list[LinkMetrics]:
    """Weight, expectation, carriers and weakness of every link between two groups.

    ``ratio = W_ab / (vol(a) vol(b) / 2W)``, unitless in [0, inf) (1 = as
    much as random mixing gives); weights in the graph's weight unit. See
    the module docstring for every field and the weak-link rules.

    Parameters
    ----------
    g : CollabGraph
        The collaboration graph.
    partition : Partition
        The group of every vertex.
    params : AnalysisParams
        ``weak_ratio``, ``dependency_min_handoffs``, ``dependency_ratio``,
        ``email_weight``, ``meeting_weight``, ``fragile_carriers`` and
        ``fragile_share``.
    group_handoffs : mapping of (str, str) to int, optional
        (from_group, to_group) -> handoffs that only an assignment-group
        change records (:attr:`~ona.results.HandoffPair.group_handoffs`).
        They add to the ``handoffs`` of the link between the two groups
        (both directions), and so to the dependency rule, but to no weight:
        they have no person. Names that are not groups of ``partition``, and
        a group with itself, are ignored.
    test : LinkTest, optional
        The label-permutation test of every pair
        (:func:`~ona.analysis.link_significance.link_test`). When given,
        ``under_connected`` and ``dependency_without_relationship`` also
        require significance (``p_value`` / ``dependency_p_value`` below
        ``params.alpha``); without it they are judged on the ratios alone and
        ``z``, ``p_value`` are null.
    silos : collection of str, optional
        The flagged silos: an under-connected link that one of them explains
        gets ``explained_by`` and is not weak (module docstring).

    Returns
    -------
    list of LinkMetrics
        Weak links first (worst first), then by weight, heaviest first.

    Examples
    --------
    A (a1, a2) and B (b1, b2) each tied inside with weight 4, and one cross
    tie a2-b1 of weight 1, all of it tickets (2 handoffs). W = 9, vol(A) =
    vol(B) = 2 * 4 + 1 = 9, expected = 9 * 9 / 18 = 4.5, ratio = 1 / 4.5 = 0.22:
    far below random mixing, but it is the only pair, so it is the typical
    pair here and not under-connected. With no email or meeting behind its
    handoffs it is a dependency without relationship (once 2 handoffs are
    enough), and a2 alone carries it: fragile (once groups of 2 are judged,
    ``min_group_size=2``).

    >>> import pyarrow as pa
    >>> from ona.graph.build import build_graph, partition_of
    >>> pairs = pa.table({"a": ["a1", "a2", "b1"], "b": ["a2", "b1", "b2"],
    ...     "email": [4.0, 0, 4], "meeting": [0.0] * 3, "ticket": [0.0, 1, 0],
    ...     "handoffs": [0, 2, 0], "weight": [4.0, 1, 4]})
    >>> g = build_graph(pairs, ["a1", "a2", "b1", "b2"])
    >>> part = partition_of(g, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"})
    >>> (link,) = link_metrics(g, part, params=AnalysisParams(dependency_min_handoffs=2, min_group_size=2, min_link_ties=0))
    >>> link.expected, round(link.ratio, 3), link.carriers, link.bridge_people
    (4.5, 0.222, ['a2', 'b1'], ['a2', 'b1'])
    >>> link.under_connected, link.dependency_without_relationship, link.fragile
    (False, True, True)
    >>> for reason in link.weak_reasons:  # doctest: +NORMALIZE_WHITESPACE
    ...     print(reason)
    dependency_without_relationship: 2 ticket handoffs show the groups depend
      on each other, yet their emails, meetings and chats reach only 0.00 times the
      expected level (a typical pair here: 0.22)
    fragile: 1 person carries 100% of the link's weight 1.0; if they left,
      the link would all but disappear
    """
    e = group_edges(g, partition)
    k, n = partition.k, g.n
    names = partition.names
    name_rank = np.empty(k, dtype=np.int64)
    name_rank[np.argsort(np.asarray(names, dtype=object), kind="stable")] = np.arange(k)
    tie_w = np.where(e.tie, e.w, 0.0)
    total = float(tie_w.sum())
    volume = np.bincount(e.gu, weights=tie_w, minlength=k) + np.bincount(e.gv, weights=tie_w, minlength=k)

    cross = e.gu != e.gv
    u_first = name_rank[e.gu[cross]] < name_rank[e.gv[cross]]  # orient every cross edge a -> b
    ga = np.where(u_first, e.gu[cross], e.gv[cross])
    gb = np.where(u_first, e.gv[cross], e.gu[cross])
    pa = np.where(u_first, e.u[cross], e.v[cross])
    pb = np.where(u_first, e.v[cross], e.u[cross])
    edge_key = ga * k + gb
    index = {name: i for i, name in enumerate(names)}
    moves = [(index[a], index[b], n) for (a, b), n in (group_handoffs or {}).items()
             if n and a in index and b in index and a != b]  # fmt: skip
    move_a = np.array([a if name_rank[a] < name_rank[b] else b for a, b, _ in moves], dtype=np.int64)
    move_b = np.array([b if name_rank[a] < name_rank[b] else a for a, b, _ in moves], dtype=np.int64)
    move_key = move_a * k + move_b
    # every pair is judged (absent links too); the listing below may leave quiet ones out
    by_name = np.argsort(name_rank)
    first, second = np.triu_indices(k, 1)
    pair_key = np.sort(by_name[first] * k + by_name[second])
    npairs = pair_key.size
    pair = np.searchsorted(pair_key, edge_key)
    source, target = pair_key // k, pair_key % k

    cw = tie_w[cross]
    weight = np.bincount(pair, weights=cw, minlength=npairs)
    ties = np.bincount(pair, weights=e.tie[cross], minlength=npairs)
    channels = {c: np.bincount(pair, weights=g.edge_attr(c)[cross], minlength=npairs) for c in CHANNELS}
    handoffs = np.bincount(pair, weights=g.edge_attr("handoffs")[cross], minlength=npairs)
    handoffs += np.bincount(np.searchsorted(pair_key, move_key), weights=[n for _, _, n in moves], minlength=npairs)
    expected = volume[source] * volume[target] / (2 * total) if total > 0 else np.zeros(npairs)

    carriers = _carriers(pair[cw > 0], pa[cw > 0], pb[cw > 0], cw[cw > 0], npairs, n, g.ids)
    cut = _cut_sizes(carriers, weight, params)

    tie_volume = np.bincount(e.gu, weights=e.tie, minlength=k) + np.bincount(e.gv, weights=e.tie, minlength=k)
    judged = judged_pairs(ties, tie_volume[source], tie_volume[target], float(e.tie.sum()), params.min_link_ties)
    ratio = np.divide(weight, expected, out=np.full(npairs, np.nan), where=expected > 0)
    median_ratio = float(np.median(ratio[expected > 0])) if (expected > 0).any() else 0.0
    typical = judged & (expected > 0)
    under = typical & (ratio < params.weak_ratio * median_ratio)
    z = np.full(npairs, np.nan)
    p_value = np.full(npairs, np.nan)
    dependency_p = np.full(npairs, np.nan)
    handoff_count = np.rint(handoffs).astype(np.int64)
    candidate = typical & (handoff_count >= params.dependency_min_handoffs)
    if test is not None:
        z = test.weight.z[source, target]
        p_value[typical] = benjamini_hochberg(test.weight.p_raw[source, target][typical])
        dependency_p[candidate] = benjamini_hochberg(test.relationship.p_raw[source, target][candidate])
        under &= p_value < params.alpha
    relationship = (
        params.email_weight * channels["email"]
        + params.meeting_weight * channels["meeting"]
        + params.chat_weight * channels["chat"]
        + params.ties_weight * channels["ties"]
    )
    relationship_ratio = np.divide(relationship, expected, out=np.zeros(npairs), where=expected > 0)
    dependency = candidate & (relationship_ratio < params.dependency_ratio * median_ratio)
    if test is not None:
        dependency &= dependency_p < params.alpha
    material = weight >= (np.median(weight[weight > 0]) if (weight > 0).any() else np.inf)
    headcount = np.bincount(np.asarray(partition.membership, dtype=np.int64), minlength=k)
    # two groups under the minimum size: any carrier figure is about a handful of people, noise
    tiny = (headcount[source] < params.min_group_size) & (headcount[target] < params.min_group_size)
    fragile = material & (weight > 0) & (cut.size > 0) & ~tiny & judged
    fragile_p = np.full(npairs, np.nan)
    if test is not None:  # with the significance tests, the carriers' chance test too
        fragile_p = _fragile_p_values(fragile, carriers, cut.size, source, target, e, partition, g, params)
        fragile &= fragile_p < params.alpha
    external = np.bincount(e.gu[cross], weights=cw, minlength=k) + np.bincount(e.gv[cross], weights=cw, minlength=k)
    outside_ties = (np.bincount(e.gu[cross], weights=e.tie[cross], minlength=k)
                    + np.bincount(e.gv[cross], weights=e.tie[cross], minlength=k))
    silo_mask = np.isin(np.asarray(names, dtype=object), list(silos))
    explainer, conditioned, typical = explaining_silo(
        weight, ties, expected, under, source, target, volume, external, outside_ties, total, silo_mask, params,
    )  # fmt: skip
    # a dependency whose relationship is low only because one side is a silo: the silo's problem
    rel_edge = relationship_weights(g, params)
    rel_volume = np.bincount(e.gu, weights=rel_edge, minlength=k) + np.bincount(e.gv, weights=rel_edge, minlength=k)
    rel_external = (np.bincount(e.gu[cross], weights=rel_edge[cross], minlength=k)
                    + np.bincount(e.gv[cross], weights=rel_edge[cross], minlength=k))
    dep_explainer, dep_conditioned, dep_typical = explaining_silo(
        relationship, ties, expected, dependency, source, target, rel_volume, rel_external, outside_ties,
        float(rel_edge.sum()), silo_mask, params, level=params.dependency_ratio,
    )  # fmt: skip
    weak = (under & (explainer < 0)) | fragile | (dependency & (dep_explainer < 0))
    # the silo named on a link that only silos make weak (by its weight first, else its relationship)
    by_relationship = ~weak & (explainer < 0) & (dep_explainer >= 0)
    explainer = np.where(weak, -1, np.where(by_relationship, dep_explainer, explainer))
    conditioned = np.where(by_relationship, dep_conditioned, conditioned)
    # rounded keys: float noise from summation order must not reorder equal links
    severity = np.round(np.where(weak, np.nan_to_num(ratio), 0.0), 12)
    heavy = np.round(weight / total, 12) if total > 0 else weight
    dependent_handoffs = np.where(dependency, handoff_count, 0)
    # among fragile links, the heaviest first: the most collaboration resting on the fewest people
    fragile_weight = np.where(fragile & ~dependency, -heavy, 0.0)
    order = np.lexsort(
        (
            name_rank[target], name_rank[source], -heavy, severity, fragile_weight, ~fragile,
            -dependent_handoffs, ~dependency, ~weak,
        )
    )  # fmt: skip

    membership = np.asarray(partition.membership)
    in_source = membership[carriers.people] == source[carriers.pair]
    source_count = np.bincount(carriers.pair[in_source], minlength=npairs)
    target_count = np.bincount(carriers.pair[~in_source], minlength=npairs)
    # plain Python values once, so the loop below touches no numpy scalar
    who = np.asarray(g.ids, dtype=object)[carriers.people].tolist()
    held = carriers.weight.tolist()
    start = carriers.start.tolist()
    cols = [x.tolist() for x in (source, target, weight, ties, expected, ratio, handoff_count,
                                 source_count, target_count, under, fragile, cut.best_set, cut.removed,
                                 dependency, relationship_ratio, z, p_value, dependency_p, explainer,
                                 conditioned, judged, fragile_p, weak, by_relationship)]
    chan = [channels[c].tolist() for c in CHANNELS]
    links = []
    # up to all_pairs_limit groups every pair is listed, so that absent links show; above, the pairs
    # joined by an edge or a handoff and the flagged ones
    listed = (np.bincount(pair, minlength=npairs) > 0) | (handoffs > 0) | under | weak | (k <= params.all_pairs_limit)
    for p in order[listed[order]].tolist():
        (a, b, w_ab, n_ties, exp, r, n_handoffs, n_source, n_target, low, thin, bits, cut_w, dep, rel,
         zp, pv, dp, silo, cond, fair, fp, flagged, via_relationship) = (col[p] for col in cols)  # fmt: skip
        explained = silo >= 0
        people, shares = who[start[p]:start[p + 1]], held[start[p]:start[p + 1]]
        cut_people = [people[rank] for rank in range(bits.bit_length()) if bits >> rank & 1] if thin else []
        links.append(
            LinkMetrics(
                source=names[a],
                target=names[b],
                weight=w_ab,
                ties=int(n_ties),
                expected=exp,
                ratio=r if exp > 0 else None,
                channels={c: chan[ci][p] for ci, c in enumerate(CHANNELS)},
                handoffs=n_handoffs,
                carriers=people,
                source_carriers=n_source,
                target_carriers=n_target,
                bridge_people=people[:3],
                bridge_shares=[x / w_ab for x in shares[:3]] if w_ab > 0 else [],
                weak=flagged,
                under_connected=low,
                fragile=thin,
                dependency_without_relationship=dep,
                weak_reasons=_reasons(
                    w_ab, exp, r, median_ratio, low, dep, rel, n_handoffs, len(cut_people), cut_w, params
                )
                + ([f"explained_by_silo: {names[silo]} is a silo; given its own low outside collaboration "
                    f"this link reaches {cond:.2f} times its expected "
                    f"{'emails, meetings and chats' if via_relationship else 'weight'} (a typical pair, given one "
                    f"side's outside collaboration: {dep_typical if via_relationship else typical:.2f})"]
                   if explained else []),
                z=_finite(zp),
                p_value=_finite(pv),
                dependency_p_value=_finite(dp),
                explained_by=f"silo: {names[silo]}" if explained else None,
                judged=fair,
                fragile_p_value=_finite(fp),
            )
        )
    return links


@dataclass(frozen=True)
class _Carriers:
    """People holding each link's ties, grouped by link, most a-b weight first.

    ``people[start[p]:start[p + 1]]`` are link p's carriers (vertex indices),
    ``weight`` the a-b weight each holds and ``pair`` the link of each entry.
    For every a-b tie, ``edge_pair`` is its link, ``edge_w`` its weight and
    ``edge_rank`` the ranks of its a-side and b-side person among the link's
    carriers (0 = the one holding most), ``edge_a`` / ``edge_b`` those people.
    """

    people: np.ndarray
    weight: np.ndarray
    pair: np.ndarray
    start: np.ndarray
    edge_pair: np.ndarray
    edge_w: np.ndarray
    edge_rank: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray


def _carriers(pair: np.ndarray, pa: np.ndarray, pb: np.ndarray, w: np.ndarray,
              npairs: int, n: int, ids: tuple[str, ...]) -> _Carriers:
    """Aggregate each person's a-b weight by sorting (link, person) keys."""
    entry_key = np.concatenate([pair * n + pa, pair * n + pb])
    uniq, inverse = np.unique(entry_key, return_inverse=True)
    held = np.bincount(inverse, weights=np.concatenate([w, w]), minlength=uniq.size)
    entry_pair, entry_person = uniq // n, uniq % n
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(n)
    # rank on the share of the link rounded to 1e-12, so that weights equal but for float
    # rounding (summed in another order) tie and fall back to person_id
    link_weight = np.bincount(pair, weights=w, minlength=npairs)
    share = np.round(held / link_weight[entry_pair], 12)
    order = np.lexsort((id_rank[entry_person], -share, entry_pair))
    start = np.searchsorted(entry_pair[order], np.arange(npairs + 1))
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[order] = np.arange(uniq.size) - start[entry_pair[order]]
    edge_rank = rank[inverse].reshape(2, pair.size).T
    return _Carriers(entry_person[order], held[order], entry_pair[order], start, pair, w, edge_rank, pa, pb)


@dataclass(frozen=True)
class _Cut:
    """Per link: ``size``, the fewest people (up to fragile_carriers) whose
    removal cuts at least fragile_share of W_ab, 0 when more are needed;
    ``best_set``, their ranks among the carriers as a bit set; ``removed``,
    the weight they would cut."""

    size: np.ndarray
    best_set: np.ndarray
    removed: np.ndarray


def _cut_sizes(c: _Carriers, weight: np.ndarray, params: AnalysisParams) -> _Cut:
    """Fewest people cutting fragile_share of each link, all links at once.

    Each tie is reduced to the bit set of its ends' ranks among the top m
    carriers; ties with the same (link, bit set) are summed once, then every
    subset of up to fragile_carriers of the m candidates is scored with one
    ``np.bincount`` over that small table (a loop over subsets, not edges).
    """
    npairs = weight.size
    limit = params.fragile_carriers
    need = params.fragile_share * weight * (1 - 1e-9)
    size = np.zeros(npairs, dtype=np.int64)
    best_set = np.zeros(npairs, dtype=np.int64)
    removed = np.zeros(npairs)
    m = min(limit + _EXTRA_CANDIDATES, _MAX_CANDIDATES)
    ra, rb = c.edge_rank[:, 0], c.edge_rank[:, 1]
    mask = np.where(ra < m, 1 << np.minimum(ra, m), 0) | np.where(rb < m, 1 << np.minimum(rb, m), 0)
    keep = mask > 0
    table_key, table_inv = np.unique(c.edge_pair[keep] * (1 << m) + mask[keep], return_inverse=True)
    table_w = np.bincount(table_inv, weights=c.edge_w[keep], minlength=table_key.size)
    table_pair, table_mask = table_key >> m, table_key & ((1 << m) - 1)
    for j in range(1, min(limit, m) + 1):  # fewest first: the first j that cuts enough wins
        best = np.full(npairs, -1.0)
        arg = np.zeros(npairs, dtype=np.int64)
        for subset in combinations(range(m), j):
            bits = sum(1 << r for r in subset)
            cut = np.bincount(table_pair, weights=table_w * ((table_mask & bits) != 0), minlength=npairs)
            better = cut > best
            best[better], arg[better] = cut[better], bits
        _settle(size, best_set, removed, j, best, arg, need)
    low = np.minimum(ra, rb)
    for j in range(m + 1, limit + 1):  # beyond the candidates: the top j carriers
        cut = np.bincount(c.edge_pair[low < j], weights=c.edge_w[low < j], minlength=npairs)
        _settle(size, best_set, removed, j, cut, np.full(npairs, (1 << j) - 1), need)
    return _Cut(size, best_set, removed)


def _settle(size: np.ndarray, best_set: np.ndarray, removed: np.ndarray, j: int,
            cut: np.ndarray, bits: np.ndarray, need: np.ndarray) -> None:
    """Record ``j`` people as the cut size of the links it first suffices for."""
    done = (size == 0) & (cut >= need) & (cut > 0)
    size[done], best_set[done], removed[done] = j, bits[done], cut[done]


def _reasons(w_ab: float, expected: float, ratio: float, median_ratio: float, under: bool,
             dependency: bool, relationship_ratio: float, handoffs: int, cut_size: int,
             cut_weight: float, params: AnalysisParams) -> list[str]:
    """The weak_reasons of one link, worst first (no person is named)."""
    reasons = []
    if dependency:
        reasons.append(
            f"dependency_without_relationship: {handoffs} ticket handoffs show the groups depend on "
            f"each other, yet their emails, meetings and chats reach only {relationship_ratio:.2f} times the "
            f"expected level (a typical pair here: {median_ratio:.2f})"
        )
    if cut_size:
        who = "1 person carries" if cut_size == 1 else f"{cut_size} people carry"
        reasons.append(
            f"fragile: {who} {cut_weight / w_ab:.0%} of the link's weight {w_ab:.1f}; "
            "if they left, the link would all but disappear"
        )
    if under:
        reasons.append(
            f"under_connected: weight {w_ab:.1f} vs {expected:.1f} expected from the groups' "
            f"collaboration volumes (ratio {ratio:.2f}, under {params.weak_ratio:g} x the typical "
            f"pair's {median_ratio:.2f})"
        )
    return reasons


def judged_pairs(ties: np.ndarray, volume_a: np.ndarray, volume_b: np.ndarray, all_ties: float,
                 min_ties: int) -> np.ndarray:
    """Pairs with ``min_ties`` ties, or that a typical pair of groups of these sizes would give them.

    ``expected_ties = t(a) t(b) / 2T`` (``volume_a``, ``volume_b``: t(d) = 2 i_d
    + e_d, tie counts; T all ties) and ``typical_ties = expected_ties *
    median(ties / expected_ties)`` over the pairs with ``expected_ties > 0``: a
    pair that would have fewer ties than that even at the typical level says
    nothing by its absence.
    """
    expected_ties = volume_a * volume_b / (2 * all_ties) if all_ties else np.zeros(ties.size)
    known = expected_ties > 0
    level = float(np.median(ties[known] / expected_ties[known])) if known.any() else 0.0
    return (ties >= min_ties) | (expected_ties * level >= min_ties)


def _fragile_p_values(candidate: np.ndarray, c: _Carriers, size: np.ndarray, source: np.ndarray,
                      target: np.ndarray, e: GroupEdges, partition: Partition, g: CollabGraph,
                      params: AnalysisParams) -> np.ndarray:
    """BH-adjusted carrier-draw p-values of the candidate fragile links (NaN elsewhere).

    The null and the statistic are :mod:`ona.analysis.fragility`'s; the draws
    are ``params.permutations`` with seed ``params.seed``.
    """
    out = np.full(candidate.size, np.nan)
    tested = np.flatnonzero(candidate)
    if tested.size == 0:
        return out
    number = np.full(candidate.size, -1)
    number[tested] = np.arange(tested.size)
    mine = number[c.edge_pair] >= 0
    membership = np.asarray(partition.membership, dtype=np.int64)
    w = np.where(e.tie, e.w, 0.0)
    cross = e.gu != e.gv
    outside = np.bincount(e.u[cross], weights=w[cross], minlength=g.n) + np.bincount(e.v[cross], weights=w[cross], minlength=g.n)
    strength = np.bincount(e.u, weights=w, minlength=g.n) + np.bincount(e.v, weights=w, minlength=g.n)
    ties = CarrierTies(number[c.edge_pair[mine]], c.edge_a[mine], c.edge_b[mine], c.edge_w[mine],
                       source[tested], target[tested], size[tested])
    raw = carrier_test(ties, membership, outside, strength, draws=params.permutations, seed=params.seed,
                       alpha=params.alpha)
    out[tested] = benjamini_hochberg(raw)
    return out


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def explaining_silo(weight: np.ndarray, ties: np.ndarray, expected: np.ndarray, under: np.ndarray,
                       source: np.ndarray, target: np.ndarray, volume: np.ndarray, external: np.ndarray,
                       outside_ties: np.ndarray, total: float, silo: np.ndarray,
                       params: AnalysisParams, *, level: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Which silo (group index, -1 for none) explains each under-connected link.

    ``level`` replaces ``weak_ratio`` below (the dependency rule passes the
    relationship weights and ``dependency_ratio``).

    Given side d's actual outside weight E_d, the weight d would give the
    other side b if it spread E_d over the other groups as random mixing
    does is ``E_d vol(b) / (2W - vol(d))``; the conditioned ratio
    ``c_db = W_db (2W - vol(d)) / (E_d vol(b))``. ``typical`` is the median
    of c over both sides of every pair with ``expected > 0`` and E_d > 0.
    An under-connected link with a silo side s is explained by s when it is
    not low given s's outside collaboration: ``c_sb >= weak_ratio * typical``,
    or the silo has too few outside ties to show it: with e_s the silo's
    outside ties and ``q = min(1, weak_ratio * typical * vol(b) / (2W -
    vol(s)))`` the share of them a link just at the threshold would get,
    ``P(Binomial(e_s, q) <= ties_sb) >= alpha`` (a silo with 8 outside ties
    says little about any one of its links). A link between two silos is also
    explained when, given both outside weights, it is not low: ``c2 = W_ab
    sum_d E_d / (E_a E_b)`` at least ``weak_ratio`` times its median over the
    pairs. Of two silo sides, the one with the larger c. Returns the explaining group per link, the c it reached
    and ``typical``.
    """
    npairs = weight.size
    c = np.full((2, npairs), np.nan)
    for side, (d, b) in enumerate(((source, target), (target, source))):
        denominator = external[d] * volume[b]
        ok = (expected > 0) & (denominator > 0)
        c[side, ok] = weight[ok] * (2 * total - volume[d][ok]) / denominator[ok]
        c[side, (expected > 0) & (external[d] == 0)] = np.inf  # no outside weight: nothing to give b
    finite = c[np.isfinite(c)]
    typical = float(np.median(finite)) if finite.size else 0.0
    level = params.weak_ratio if level is None else level
    threshold = level * typical
    chance = np.zeros((2, npairs))
    for side, (d, b) in enumerate(((source, target), (target, source))):
        rest = 2 * total - volume[d]
        share = np.divide(threshold * volume[b], rest, out=np.ones(npairs), where=rest > 0)
        asked = under & silo[d]  # the binomial only where a silo could explain a low link
        chance[side, asked] = binom.cdf(ties[asked], outside_ties[d][asked], np.clip(share[asked], 0.0, 1.0))
    is_silo = np.stack([silo[source], silo[target]])
    explains = is_silo & ((np.nan_to_num(c, nan=-1.0) >= threshold) | (chance >= params.alpha)) & under
    # two silos: each keeps to itself, so condition on both outside weights at once
    outside = external.sum()
    both_out = external[source] * external[target]
    ok = (expected > 0) & (both_out > 0)
    c2 = np.divide(weight * outside, both_out, out=np.full(npairs, np.nan), where=ok)
    typical2 = float(np.median(c2[ok])) if ok.any() else 0.0
    explains |= (is_silo.all(axis=0) & under & (np.nan_to_num(c2, nan=-1.0) >= level * typical2))[None, :]
    score = np.where(explains, np.nan_to_num(c, nan=-1.0, posinf=np.finfo(float).max), -np.inf)
    side = np.argmax(score, axis=0)
    explainer = np.where(explains.any(axis=0), np.where(side == 0, source, target), -1)
    conditioned = np.take_along_axis(c, side[None, :], axis=0)[0]
    return explainer, conditioned, typical
