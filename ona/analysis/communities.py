"""Communities of actual collaboration (Leiden) and how they cut across groups.

Input: a :class:`~ona.graph.model.CollabGraph` (and the group
:class:`~ona.graph.model.Partition` for the comparisons). Output: a
:class:`CommunityResult` with a membership array, and plain per-community
and per-group summaries.

Communities are found by maximizing weighted modularity with the Leiden
algorithm (Traag, Waltman & van Eck 2019), which guarantees connected
communities. igraph's ``community_leiden`` defaults to the CPM objective
(on Zachary's karate club it returns 34 singletons), so the objective is
always set to modularity, and it iterates until the partition is stable.
Leiden is randomized: it runs inside :func:`ona.graph.rng.seeded`, and the
same graph and seed give the same membership.

Labels are deterministic: community 0 is the largest, ties broken by the
smallest person_id among the members. People without any tie each end up as
a singleton community of their own (they are counted in
:attr:`CommunityResult.isolates`).

References
----------
Traag, V. A., Waltman, L. & van Eck, N. J. (2019). From Louvain to Leiden:
guaranteeing well-connected communities. *Scientific Reports* 9, 5233.
Newman, M. E. J. & Girvan, M. (2004). Finding and evaluating community
structure in networks. *Physical Review E* 69, 026113.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np

from ona.graph.model import CollabGraph, Partition
from ona.graph.rng import seeded
from ona.results import CommunitySummary


@dataclass(frozen=True)
class CommunityResult:
    """A Leiden partition of the people.

    Attributes
    ----------
    membership : numpy.ndarray
        Community of every vertex (int64, 0 = largest community).
    modularity : float or None
        Weighted modularity Q of the partition at resolution 1 (the
        classical Q, whatever resolution found it), in [-1/2, 1); None when
        the graph has no tie.
    count : int
        Number of communities, singletons of isolated people included.
    isolates : int
        People without any tie: each is a singleton community.
    resolution : float
        The resolution used by Leiden.
    note : str
        What happened to isolated people, in a sentence.
    """

    membership: np.ndarray
    modularity: float | None
    count: int
    isolates: int
    resolution: float
    note: str


def leiden_communities(g: CollabGraph, *, resolution: float = 1.0, seed: int = 0) -> CommunityResult:
    """Weighted Leiden communities maximizing modularity.

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    resolution : float
        Modularity resolution gamma (> 0): above 1, more and smaller
        communities; below 1, fewer and larger.
    seed : int
        Seed of Leiden's randomness.

    Returns
    -------
    CommunityResult

    Examples
    --------
    Two triangles joined by one tie: each triangle is a community. The
    ties inside communities hold 6 of 7 weight units and each community has
    volume 7 of 14, so ``Q = 6/7 - 2 * (7/14)^2 = 0.3571``.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph
    >>> edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]
    >>> gr = ig.Graph(n=7, edges=edges); gr.es["weight"] = [1.0] * 7
    >>> r = leiden_communities(CollabGraph(gr, tuple("abcdefg")), seed=1)
    >>> r.membership.tolist(), round(r.modularity, 4), r.count, r.isolates
    ([0, 0, 0, 1, 1, 1, 2], 0.3571, 3, 1)
    """
    with seeded(seed):
        clustering = g.graph.community_leiden(
            objective_function="modularity",
            weights=g.weight if g.graph.ecount() else None,
            resolution=resolution,
            n_iterations=-1,
        )
    membership = _canonical_labels(np.asarray(clustering.membership, dtype=np.int64), g.ids)
    isolates = int((np.asarray(g.graph.degree(), dtype=np.int64) == 0).sum()) if g.n else 0
    modularity = None
    if g.total_weight > 0:
        modularity = float(g.graph.modularity(membership.tolist(), weights=g.weight))
    count = int(membership.max()) + 1 if len(membership) else 0
    note = (
        f"{isolates} people without any tie are singleton communities of their own"
        if isolates
        else "every person has at least one tie"
    )
    return CommunityResult(membership, modularity, count, isolates, float(resolution), note)


def _canonical_labels(membership: np.ndarray, ids: tuple[str, ...]) -> np.ndarray:
    """Renumber communities by size (descending), then smallest person_id."""
    if len(membership) == 0:
        return membership
    _, dense = np.unique(membership, return_inverse=True)
    k = int(dense.max()) + 1
    sizes = np.bincount(dense, minlength=k)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    first = np.full(k, len(ids), dtype=np.int64)
    np.minimum.at(first, dense, rank)
    order = np.lexsort((first, -sizes))  # last key is primary
    new_label = np.empty(k, dtype=np.int64)
    new_label[order] = np.arange(k)
    return new_label[dense]


def compare_to_groups(partition: Partition, membership: np.ndarray) -> tuple[float, float]:
    """Agreement of the communities with the groups: (NMI, ARI).

    NMI (normalized mutual information, Danon et al. 2005) is in [0, 1]; ARI
    (adjusted Rand index, Hubert & Arabie 1985) is at most 1, about 0 for
    unrelated partitions. Both are 1 when communities and groups coincide
    (up to labels), including the degenerate case of two one-block or two
    all-singleton partitions where igraph's ARI is 0/0.

    Parameters
    ----------
    partition : Partition
        The groups.
    membership : numpy.ndarray
        Community of every vertex (same vertex order).

    Returns
    -------
    tuple of float
        ``(nmi, ari)``.

    Examples
    --------
    >>> from ona.graph.model import Partition
    >>> compare_to_groups(Partition.from_labels(["a", "a", "b", "b"]), np.array([1, 1, 0, 0]))
    (1.0, 1.0)
    """
    groups = np.asarray(partition.membership, dtype=np.int64).tolist()
    comms = np.asarray(membership, dtype=np.int64).tolist()
    if len(groups) != len(comms):
        raise ValueError(f"partition has {len(groups)} members, membership {len(comms)}")
    if len(groups) < 2:
        return 1.0, 1.0
    nmi = float(ig.compare_communities(groups, comms, method="nmi"))
    ari = float(ig.compare_communities(groups, comms, method="adjusted_rand"))
    # 0/0 only when both partitions are one block or both all singletons: identical
    return (1.0 if np.isnan(nmi) else nmi), (1.0 if np.isnan(ari) else ari)


def _crosstab(partition: Partition, membership: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-empty cells (community, group, members), sorted by community then group.

    Sparse on purpose: many singleton communities times many groups would
    make a dense table large.
    """
    comms = np.asarray(membership, dtype=np.int64)
    if len(comms) != len(partition.membership):
        raise ValueError(f"partition has {len(partition.membership)} members, membership {len(comms)}")
    k = max(partition.k, 1)
    cells, counts = np.unique(comms * k + np.asarray(partition.membership, dtype=np.int64), return_counts=True)
    return cells // k, cells % k, counts


def community_summaries(partition: Partition, membership: np.ndarray) -> list[CommunitySummary]:
    """Size and group make-up of every community, in community order.

    ``groups`` maps each group present to its members in the community (most
    first, then by name); ``main_group`` is the first of them and
    ``main_group_share`` its share of the community, in (0, 1].

    Examples
    --------
    >>> from ona.graph.model import Partition
    >>> part = Partition.from_labels(["hr", "hr", "it", "it", "it"])
    >>> [(s.community, s.size, s.groups, s.main_group, round(s.main_group_share, 4))
    ...  for s in community_summaries(part, np.array([0, 0, 0, 1, 1]))]
    [(0, 3, {'hr': 2, 'it': 1}, 'hr', 0.6667), (1, 2, {'it': 2}, 'it', 1.0)]
    """
    comm, group, count = _crosstab(partition, membership)
    # within each community: most members first, then group name (names are sorted)
    order = np.lexsort((group, -count, comm))
    comm, group, count = comm[order], group[order], count[order]
    starts = np.flatnonzero(np.r_[True, comm[1:] != comm[:-1]]) if len(comm) else np.zeros(0, np.int64)
    out: list[CommunitySummary] = []
    for lo, hi in zip(starts, np.r_[starts[1:], len(comm)].astype(np.int64), strict=True):  # one step per community
        size = int(count[lo:hi].sum())
        groups = {partition.names[x]: int(c) for x, c in zip(group[lo:hi], count[lo:hi], strict=True)}
        out.append(
            CommunitySummary(
                community=int(comm[lo]),
                size=size,
                groups=groups,
                main_group=partition.names[group[lo]],
                main_group_share=float(count[lo]) / size,
            )
        )
    return out


def group_community_split(partition: Partition, membership: np.ndarray) -> dict[str, dict[str, int]]:
    """Per group, its members in each community: ``{group: {str(community): count}}``.

    Groups in name order, communities in numeric order; groups without
    members are left out.

    Examples
    --------
    >>> from ona.graph.model import Partition
    >>> part = Partition.from_labels(["hr", "hr", "it", "it", "it"])
    >>> group_community_split(part, np.array([0, 0, 0, 1, 1]))
    {'hr': {'0': 2}, 'it': {'0': 1, '1': 2}}
    """
    comm, group, count = _crosstab(partition, membership)
    order = np.lexsort((comm, group))
    out: dict[str, dict[str, int]] = {}
    for c, x, m in zip(comm[order].tolist(), group[order].tolist(), count[order].tolist(), strict=True):
        out.setdefault(partition.names[x], {})[str(c)] = m
    return out
