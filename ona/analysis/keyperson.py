"""Key-person risk: what the organization would lose if one person left.

Input: a :class:`~ona.graph.model.CollabGraph` and its
:class:`~ona.graph.model.Partition`. Output: ``list[KeyPersonRisk]``
(analyst view only: it is about individuals), most harmful departure first.

For each person x (the ``top`` brokers by betweenness, or the people named),
x and all of x's ties are removed and, per pair of groups {a, b}:

- ``weight_lost``: the a-b weight of x's ties, and ``share_lost`` =
  weight_lost / W_ab;
- ``carriers_before`` / ``carriers_after``: distinct people holding a-b
  ties (x leaves; a neighbour across loses carrier status when x was their
  only tie into x's group);
- ``no_tie``: a-b had ties and none would remain;
- ``no_path``: some member of a could reach some member of b before (a
  path of ties of any length) and no member of a could after;
- ``single_carrier``: ties remain, and on one side they would all be held by
  one person, which was not the case before.

Pairs are listed when x holds some of their weight or they lose their
path; worst first (no path, no tie, single carrier, share lost). People
are ranked by the number of pairs left with no path, then with no tie,
then with a single carrier, then the sum of the shares lost, then the
cross-group weight lost. ``reachable_pairs_lost`` counts the pairs of
other active people who would no longer be connected by any path.

Everything per person is vectorized over x's ties and one
connected-components call (``scipy.sparse.csgraph`` on the adjacency
with x's row and column zeroed); nothing loops over pairs of people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ona.analysis.adjacency import adjacency, tie_arrays
from ona.analysis.centrality import betweenness as compute_betweenness
from ona.results import KeyPersonRisk, PairRisk
from ona.errors import ParameterError
from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams

__all__ = ["key_person_risk"]


def key_person_risk(
    g: CollabGraph,
    partition: Partition,
    *,
    people: list[str] | None = None,
    top: int = 10,
    betweenness: Mapping[str, float] | None = None,
    params: AnalysisParams | None = None,
) -> list[KeyPersonRisk]:
    """Remove each key person in turn and report what collaboration is lost.

    Parameters
    ----------
    g : CollabGraph
    partition : Partition
    people : list of str, optional
        The person_ids to simulate; default: the ``top`` active people by
        betweenness (then strength, then person_id).
    top : int
        How many brokers when ``people`` is not given.
    betweenness : mapping of str to float, optional
        person_id -> betweenness already computed (``PersonMetrics``);
        computed with ``params`` otherwise.
    params : AnalysisParams, optional
        Betweenness limits and seed when it has to be computed.

    Returns
    -------
    list of KeyPersonRisk
        Worst departure first, ``rank`` 1, 2, ...

    Raises
    ------
    ParameterError
        A named person is not in the graph.

    Examples
    --------
    A (a1, a2) and B (b1, b2) are tied inside; a2-b1 is the only tie across.
    Without a2, A and B have no tie and no path left:

    >>> import igraph as ig
    >>> gr = ig.Graph(n=4, edges=[(0, 1), (1, 2), (2, 3)]); gr.es["weight"] = [3.0, 1.0, 3.0]
    >>> g = CollabGraph(gr, ("a1", "a2", "b1", "b2"))
    >>> part = Partition.from_labels(["A", "A", "B", "B"])
    >>> risk = key_person_risk(g, part, people=["a2"])[0]
    >>> risk.pairs[0].no_tie, risk.pairs[0].no_path, risk.pairs[0].share_lost, risk.reachable_pairs_lost
    (True, True, 1.0, 2)
    """
    n = g.n
    u, v, w = tie_arrays(g)
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    strength = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    between = _betweenness(g, betweenness, params)
    chosen = _chosen(g, people, top, between, strength, degree)
    if not chosen:
        return []

    base = _baseline(g, partition, u, v, w)
    risks = [_remove(base, x, between) for x in chosen]
    risks.sort(key=lambda r: (-r.pairs_no_path, -r.pairs_no_tie, -r.pairs_single_carrier,
                              -sum(p.share_lost for p in r.pairs), -r.weight_lost, r.person_id))
    return [r.model_copy(update={"rank": i + 1}) for i, r in enumerate(risks)]


@dataclass(frozen=True)
class _Baseline:
    """Cross-group ties and carriers of the whole graph, indexed by pair key ``lo * k + hi``."""

    g: CollabGraph
    partition: Partition
    membership: np.ndarray
    cu: np.ndarray  # ends and weights of the cross-group ties
    cv: np.ndarray
    cw: np.ndarray
    pair: np.ndarray  # pair key of each cross-group tie
    pair_w: np.ndarray  # W_ab per key
    pair_ties: np.ndarray
    keys: np.ndarray  # sorted (pair key * n + person) of every carrier entry
    counts: np.ndarray  # ties that person holds in that pair
    carriers_lo: np.ndarray  # carriers per key on the side of the group named first
    carriers_hi: np.ndarray
    reach: np.ndarray  # k x k: a path joins the two groups
    component_pairs: int  # pairs of active people joined by a path
    component_size: np.ndarray  # size (active people) of each vertex's component
    adj: sp.csr_array  # binary adjacency

    @property
    def k(self) -> int:
        return self.partition.k


def _baseline(g: CollabGraph, partition: Partition, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> _Baseline:
    n, k = g.n, partition.k
    membership = np.asarray(partition.membership, dtype=np.int64)
    gu, gv = membership[u], membership[v]
    cross = gu != gv
    cu, cv, cw = u[cross], v[cross], w[cross]
    pair = np.minimum(gu[cross], gv[cross]) * k + np.maximum(gu[cross], gv[cross])
    keys, counts = np.unique(np.concatenate([pair * n + cu, pair * n + cv]), return_counts=True)
    carrier_pair, carrier = keys // n, keys % n
    side_lo = membership[carrier] == carrier_pair // k
    adj = adjacency(g, ties=(u, v, w), dtype=np.int8)
    reach, component_pairs, size = _reach(adj, membership, k, removed=None)
    return _Baseline(
        g=g, partition=partition, membership=membership, cu=cu, cv=cv, cw=cw, pair=pair,
        pair_w=np.bincount(pair, weights=cw, minlength=k * k), pair_ties=np.bincount(pair, minlength=k * k),
        keys=keys, counts=counts,
        carriers_lo=np.bincount(carrier_pair[side_lo], minlength=k * k),
        carriers_hi=np.bincount(carrier_pair[~side_lo], minlength=k * k),
        reach=reach, component_pairs=component_pairs, component_size=size, adj=adj,
    )


def _betweenness(g: CollabGraph, given: Mapping[str, float] | None, params: AnalysisParams | None) -> np.ndarray:
    if given is not None:
        return np.fromiter((float(given.get(pid, 0.0)) for pid in g.ids), dtype=np.float64, count=g.n)
    p = params or AnalysisParams()
    return compute_betweenness(g, exact_limit=p.betweenness_exact_limit, samples=p.betweenness_samples,
                               seed=p.seed).values


def _chosen(g: CollabGraph, people: list[str] | None, top: int, between: np.ndarray,
            strength: np.ndarray, degree: np.ndarray) -> list[int]:
    if people is not None:
        unknown = [p for p in people if p not in g.index]
        if unknown:
            raise ParameterError("people", f"unknown person_id '{unknown[0]}'")
        return list(dict.fromkeys(g.index[p] for p in people))
    active = np.flatnonzero(degree > 0)
    rank = np.empty(g.n, dtype=np.int64)
    rank[np.argsort(np.asarray(g.ids, dtype=object), kind="stable")] = np.arange(g.n)
    order = np.lexsort((rank[active], -strength[active], -between[active]))
    return active[order][: max(top, 0)].tolist()


def _reach(adj: sp.csr_array, membership: np.ndarray, k: int,
           removed: int | None) -> tuple[np.ndarray, int, np.ndarray]:
    """Which group pairs a path joins (k x k bools), how many pairs of active people
    a path joins, and the size of each vertex's component (active people).

    With ``removed``, that person's ties are deleted and the person is left out.
    """
    n = adj.shape[0]
    if n == 0:
        return np.zeros((k, k), dtype=bool), 0, np.zeros(0, dtype=np.int64)
    if removed is not None:
        # zero the person's row and column, then drop the zeros (csgraph reads stored zeros as ties)
        adj = adj.copy()
        adj.data[adj.indptr[removed]:adj.indptr[removed + 1]] = 0
        adj.data[adj.indices == removed] = 0
        adj.eliminate_zeros()
    c, labels = connected_components(adj, directed=False)
    comp = np.asarray(labels, dtype=np.int64)
    keep = np.diff(adj.indptr) > 0  # an isolated person reaches no one
    if removed is not None:
        keep[removed] = False
    m = sp.csr_array((np.ones(int(keep.sum())), (membership[keep], comp[keep])), shape=(k, c))
    reach = (m @ m.T).toarray() > 0
    sizes = np.bincount(comp[keep], minlength=c)
    return reach, int((sizes * (sizes - 1) // 2).sum()), sizes[comp]


def _remove(b: _Baseline, x: int, between: np.ndarray) -> KeyPersonRisk:
    """The KeyPersonRisk of removing vertex ``x`` (all figures vectorized over x's ties)."""
    g, k, n = b.g, b.k, b.g.n
    mine = (b.cu == x) | (b.cv == x)
    p_mine = b.pair[mine]
    lost = np.bincount(p_mine, weights=b.cw[mine], minlength=k * k)
    ties_lost = np.bincount(p_mine, minlength=k * k)
    # x's neighbours across stop carrying the pair when x was their only tie in it
    other = np.where(b.cu[mine] == x, b.cv[mine], b.cu[mine])
    only_tie = b.counts[np.searchsorted(b.keys, p_mine * n + other)] == 1
    dropped = np.bincount(p_mine[only_tie], minlength=k * k)
    involved = ties_lost > 0
    x_lo = b.membership[x] == np.arange(k * k) // k  # x is on the side of the group named first
    after_lo = b.carriers_lo - np.where(x_lo, involved, dropped)
    after_hi = b.carriers_hi - np.where(x_lo, dropped, involved)
    no_tie = involved & (b.pair_ties == ties_lost)
    single = (involved & ~no_tie & (np.minimum(after_lo, after_hi) == 1)
              & (np.minimum(b.carriers_lo, b.carriers_hi) > 1))
    reach_after, pairs_after, _ = _reach(b.adj, b.membership, k, removed=x)
    upper = np.triu(np.ones((k, k), dtype=bool), 1).ravel()
    no_path = upper & b.reach.ravel() & ~reach_after.ravel()
    share = np.divide(lost, b.pair_w, out=np.zeros(k * k), where=b.pair_w > 0)
    names = b.partition.names
    pairs = [
        PairRisk(
            source=names[p // k], target=names[p % k], weight=float(b.pair_w[p]), weight_lost=float(lost[p]),
            share_lost=float(share[p]), carriers_before=int(b.carriers_lo[p] + b.carriers_hi[p]),
            carriers_after=int(after_lo[p] + after_hi[p]),
            no_tie=bool(no_tie[p]), no_path=bool(no_path[p]), single_carrier=bool(single[p]),
        )
        for p in np.flatnonzero((involved | no_path) & upper).tolist()
    ]
    pairs.sort(key=lambda r: (not r.no_path, not r.no_tie, not r.single_carrier, -r.share_lost,
                              r.source, r.target))
    weight_lost = float(lost.sum())
    total_cross = float(b.cw.sum())
    cross_share = weight_lost / total_cross if total_cross else 0.0
    # pairs of other people joined before: x's component loses x's own pairs
    others_before = b.component_pairs - (int(b.component_size[x]) - 1 if g.graph.degree(x) > 0 else 0)
    reachable_lost = max(others_before - pairs_after, 0)
    group = b.partition.group_of(x)
    n_path, n_tie, n_single = int(no_path.sum()), int(no_tie.sum()), int(single.sum())
    reason = (
        f"If this {group} member left, {len(pairs)} group pair(s) would lose collaboration: "
        f"{n_path} with no path left, {n_tie} with no direct tie, {n_single} newly resting on a single person; "
        f"{weight_lost:.1f} of cross-group weight ({cross_share:.0%}) would go, and {reachable_lost} pairs "
        "of colleagues would lose every path between them."
    )
    return KeyPersonRisk(
        rank=0, person_id=g.ids[x], group=group, betweenness=float(between[x]),
        pairs_affected=len(pairs), pairs_no_path=n_path, pairs_no_tie=n_tie, pairs_single_carrier=n_single,
        weight_lost=weight_lost, cross_weight_share=cross_share,
        reachable_pairs_lost=reachable_lost, pairs=pairs, reason=reason,
    )
