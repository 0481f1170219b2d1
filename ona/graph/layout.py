"""Positions for the maps, computed once per analysis and stored with the result.

Input: the :class:`~ona.graph.model.CollabGraph` and its group
:class:`~ona.graph.model.Partition`. Output: a :class:`Layout`, plain
JSON-serializable data keyed by group name and person_id (the model lives
in :mod:`ona.results.layout`, the type layer), so that the API and
the report draw the maps from stored numbers and never re-run a layout per
request.

- Group positions (the department map): a seeded Fruchterman-Reingold layout
  of the group graph, whose edge between groups a and b is weighted by the
  ratio W_ab / expected (collaboration beyond what the groups' sizes alone
  would give; W_ab itself would pull the largest groups together whatever
  their affinity). Three groups or fewer sit on a circle.
- Person positions (the people map), group-anchored so that the people map
  reads like the department map: each group is a disc centred on its
  department-map position, with an area proportional to its active members
  (the largest disc about half the distance between the two closest groups).
  Inside the disc, members are placed by a seeded Fruchterman-Reingold
  layout of their ties within the group (weighted by
  ``1 + log(1 + w / median w)``, so a few heavy ties cannot collapse it).
  Then every person moves towards the weighted mean position of the groups
  they work with, by their outside share: a silo member (outside share 0.05)
  stays in the disc, a linker who spends half their collaboration outside
  moves halfway, so brokers sit between the groups they connect and, in a
  well-mixed organization, the discs melt together. (A force layout of the
  whole graph turns 10,000 people into one ball where no group shows.) Above
  60,000 ties each person's 6 strongest ties place them in the disc; 10,000
  people take a few seconds. People without ties sit on an outer ring,
  ordered by group.
- The backbone: the person-person ties the people map draws. Up to
  ``max_edges`` ties, every tie is kept. Above, ties are taken in this order
  until ``max_edges`` are kept: (1) every person's strongest tie, so nobody
  active looks isolated; (2) the ties between different groups, strongest
  first, because they are what a silo map is about; (3) every person's
  second and third strongest ties, strongest first. Ties with equal weight
  keep the graph's vertex order, so the backbone is deterministic.

Coordinates are scaled into [-1, 1] and, like weights, rounded to 4
decimals: the JSON stays small and the same seed gives the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ona.results.layout import ALGORITHM, Layout

if TYPE_CHECKING:  # igraph is loaded only to compute a layout, not to read one
    from ona.graph.model import CollabGraph, Partition

DIGITS = 4
PER_PERSON = 3  # strongest ties per person eligible for the backbone
LAYOUT_EDGES = 60_000  # above this many ties, people are laid out on their strongest ties only
LAYOUT_PER_PERSON = 6
PULL = 1.0  # how far a person moves towards their partner groups, times their outside share
RING = 1.12  # radius of the ring of people without ties


def compute_layout(g: CollabGraph, partition: Partition, *, seed: int, max_edges: int = 20000) -> Layout:
    """Positions of every group and person, and a readable backbone of ties.

    See the module docstring for the algorithms and the thinning rule.

    Parameters
    ----------
    g : CollabGraph
        The collaboration graph (every person is a vertex, active or not).
    partition : Partition
        The group of every vertex.
    seed : int
        Seed of igraph's random generator: the same seed gives the same layout.
    max_edges : int
        Most ties kept in the backbone (at least 0).

    Returns
    -------
    Layout
        Plain data keyed by group name and person_id.

    Examples
    --------
    >>> import igraph as ig, numpy as np
    >>> from ona.graph.model import CollabGraph, Partition
    >>> gr = ig.Graph([(0, 1), (1, 2), (2, 3)]); gr.es["weight"] = [1.0, 2.0, 1.0]
    >>> g = CollabGraph(gr, ("a", "b", "c", "d"))
    >>> lay = compute_layout(g, Partition(("X", "Y"), np.array([0, 0, 1, 1])), seed=1, max_edges=2)
    >>> sorted(lay.people), sorted(lay.groups), len(lay.edges)
    (['a', 'b', 'c', 'd'], ['X', 'Y'], 2)
    """
    from ona.graph.rng import seeded

    if max_edges < 0:
        raise ValueError("max_edges must be at least 0")
    u, v, w = g.edges()
    membership = np.asarray(partition.membership, dtype=np.int64)
    rank = _rank_per_person(u, v, w) if len(w) > min(max_edges, LAYOUT_EDGES) else None
    with seeded(seed):
        group_xy = _group_positions(u, v, w, membership, partition.k)
        person_xy = _person_positions(g.n, u, v, w, membership, group_xy, rank)
    keep, rule = backbone(u, v, w, membership, max_edges=max_edges, rank=rank)
    ids = g.ids
    edges = sorted(
        (ids[a], ids[b], _r(x)) if ids[a] < ids[b] else (ids[b], ids[a], _r(x))
        for a, b, x in zip(u[keep].tolist(), v[keep].tolist(), w[keep].tolist())
    )
    return Layout(
        seed=seed,
        algorithm=ALGORITHM,
        groups={name: (_r(group_xy[i, 0]), _r(group_xy[i, 1])) for i, name in enumerate(partition.names)},
        people={pid: (_r(person_xy[i, 0]), _r(person_xy[i, 1])) for i, pid in enumerate(ids)},
        edges=edges,
        total_edges=len(w),
        max_edges=max_edges,
        backbone_rule=rule,
    )


def backbone(
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    membership: np.ndarray,
    *,
    max_edges: int,
    per_person: int = PER_PERSON,
    rank: np.ndarray | None = None,
) -> tuple[np.ndarray, str]:
    """Indices of the ties kept in the backbone (sorted) and the rule in words.

    ``rank`` is :func:`_rank_per_person` of the ties, when already computed.
    """
    m = len(w)
    if m <= max_edges:
        return np.arange(m), f"all {m} ties are drawn"
    if rank is None:
        rank = _rank_per_person(u, v, w)
    cross = membership[u] != membership[v]
    tier = np.full(m, 3, dtype=np.int64)
    tier[rank < per_person] = 2
    tier[cross] = np.minimum(tier[cross], 1)
    tier[rank == 0] = 0
    eligible = np.flatnonzero(tier < 3)
    # strongest first within a tier; equal weights in the graph's vertex order
    order = np.lexsort((v[eligible], u[eligible], -w[eligible], tier[eligible]))
    keep = np.sort(eligible[order][:max_edges])
    rule = (
        f"{len(keep)} of {m} ties drawn: each person's strongest tie, then the ties between "
        f"different groups, then each person's next strongest ties (up to {per_person} per "
        f"person), strongest first, up to {max_edges} ties"
    )
    return keep, rule


def _rank_per_person(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """For every tie, its best rank among its two ends' ties (0 = the strongest of one end)."""
    m = len(w)
    ends = np.concatenate([u, v])
    other = np.concatenate([v, u])
    edge = np.concatenate([np.arange(m), np.arange(m)])
    order = np.lexsort((other, -np.concatenate([w, w]), ends))
    ends_sorted = ends[order]
    start = np.searchsorted(ends_sorted, ends_sorted, side="left")
    rank_sorted = np.arange(2 * m) - start
    rank = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(rank, edge[order], rank_sorted)
    return rank


def _group_positions(u: np.ndarray, v: np.ndarray, w: np.ndarray, membership: np.ndarray, k: int) -> np.ndarray:
    import igraph as ig

    if k <= 3:
        return _circle(k)
    gu, gv = membership[u], membership[v]
    vol = np.bincount(gu, weights=w, minlength=k) + np.bincount(gv, weights=w, minlength=k)
    total = float(w.sum())
    cross = gu != gv
    a, b = np.minimum(gu[cross], gv[cross]), np.maximum(gu[cross], gv[cross])
    pair_w = np.zeros((k, k))
    np.add.at(pair_w, (a, b), w[cross])
    pa, pb = np.nonzero(pair_w)
    if len(pa) == 0:
        return _circle(k)
    expected = vol[pa] * vol[pb] / (2 * total)
    ratio = np.clip(pair_w[pa, pb] / np.where(expected > 0, expected, 1.0), 0.05, 20.0)
    graph = ig.Graph(n=k, edges=list(zip(pa.tolist(), pb.tolist())))
    start = _circle(k).tolist()
    xy = np.asarray(graph.layout_fruchterman_reingold(weights=ratio.tolist(), niter=1000, seed=start).coords)
    return _scale(xy)


def _person_positions(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    membership: np.ndarray,
    group_xy: np.ndarray,
    rank: np.ndarray | None,
) -> np.ndarray:
    """Group-anchored positions: each group's disc at its department-map position,
    its members laid out inside by their ties within the group, each person then
    moved towards the groups they work with (see the module docstring)."""
    import igraph as ig

    xy = np.zeros((n, 2))
    if n == 0:
        return xy
    k = len(group_xy)
    degree = np.bincount(np.concatenate([u, v]), minlength=n)
    active = degree > 0
    sizes = np.bincount(membership[active], minlength=k)
    radius = _disc_radius(group_xy, sizes)
    intra = membership[u] == membership[v]
    # on large graphs each person's strongest ties are enough to place them in the disc
    thin = intra if rank is None or len(w) <= LAYOUT_EDGES else intra & (rank < LAYOUT_PER_PERSON)
    index = np.full(n, -1, dtype=np.int64)
    for gi in range(k):
        members = np.flatnonzero(active & (membership == gi))
        if len(members) == 0:
            continue
        index[members] = np.arange(len(members))
        own = thin & (membership[u] == gi)
        local = np.zeros((len(members), 2))
        if len(members) > 1:
            graph = ig.Graph(n=len(members), edges=np.column_stack([index[u[own]], index[v[own]]]).tolist())
            weights = 1.0 + np.log1p(w[own] / np.median(w[own])) if own.any() else np.zeros(0)
            coords = graph.layout_fruchterman_reingold(weights=weights.tolist(), niter=300, grid="auto").coords
            local = _to_disc(_pull_in(np.asarray(coords, dtype=np.float64)))
        xy[members] = group_xy[gi] + local * radius[gi]
    # move everyone towards the groups they work with, as far as their outside share
    cross = ~intra
    strength = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    outside = np.bincount(u[cross], weights=w[cross], minlength=n) + np.bincount(v[cross], weights=w[cross], minlength=n)
    target = np.zeros((n, 2))
    for axis in (0, 1):
        target[:, axis] = np.bincount(u[cross], weights=w[cross] * group_xy[membership[v[cross]], axis], minlength=n)
        target[:, axis] += np.bincount(v[cross], weights=w[cross] * group_xy[membership[u[cross]], axis], minlength=n)
    moving = outside > 0
    target[moving] /= outside[moving, None]
    share = np.where(strength > 0, outside / np.where(strength > 0, strength, 1.0), 0.0)
    xy[moving] += PULL * share[moving, None] * (target[moving] - group_xy[membership[moving]])
    if active.any():
        xy[active] = _scale(xy[active], clip=0.0)
    inactive = np.flatnonzero(~active)
    if len(inactive):
        # by group (then vertex order), so the ring shows which groups have silent members
        inactive = inactive[np.argsort(membership[inactive], kind="stable")]
        angle = 2 * np.pi * np.arange(len(inactive)) / len(inactive)
        xy[inactive, 0] = RING * np.cos(angle)
        xy[inactive, 1] = RING * np.sin(angle)
    return xy


def _disc_radius(group_xy: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Radius of each group's disc: area proportional to its active members, the largest
    disc about half the distance between the two closest groups."""
    k = len(group_xy)
    if k > 1:
        d = np.hypot(*(group_xy[:, None, :] - group_xy[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        largest = max(0.45 * float(d.min()), 0.08)
    else:
        largest = 0.8
    return largest * np.sqrt(sizes / max(int(sizes.max()), 1))


def _to_disc(xy: np.ndarray) -> np.ndarray:
    """Centre a local layout and scale it into the unit disc."""
    centred = xy - xy.mean(axis=0)
    reach = float(np.hypot(centred[:, 0], centred[:, 1]).max())
    return centred / reach if reach > 0 else centred


def _pull_in(xy: np.ndarray, q: float = 0.9) -> np.ndarray:
    """Pull far-flung points towards the centre, logarithmically beyond the q-quantile radius.

    A few people hanging on one tie are pushed far away by the force layout
    and would shrink everyone else into a corner; directions are kept, only
    distances beyond the bulk of the people are compressed.
    """
    if len(xy) < 20:
        return xy
    centre = np.median(xy, axis=0)
    d = xy - centre
    r = np.hypot(d[:, 0], d[:, 1])
    r0 = float(np.quantile(r, q))
    if r0 <= 0:
        return xy
    far = r > r0
    scale = np.ones_like(r)
    scale[far] = r0 * (1 + 0.5 * np.log(r[far] / r0)) / r[far]
    return centre + d * scale[:, None]


def _scale(xy: np.ndarray, clip: float = 0.005) -> np.ndarray:
    """Centre and scale into [-1, 1], the same factor on both axes.

    On more than 20 points the extreme ``clip`` share on each side is clipped
    to the border, so that one far-flung point cannot shrink everyone else.
    """
    if len(xy) == 0:
        return xy
    q = clip if len(xy) > 20 else 0.0
    low, high = np.quantile(xy, q, axis=0), np.quantile(xy, 1 - q, axis=0)
    half = float((high - low).max()) / 2
    if half <= 0:
        return np.zeros_like(xy)
    return np.clip((xy - (low + high) / 2) / half, -1.0, 1.0)


def _circle(k: int) -> np.ndarray:
    if k == 1:
        return np.zeros((1, 2))
    angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    return np.column_stack([np.cos(angle), np.sin(angle)]) * 0.8


def _r(x: float) -> float:
    value = round(float(x), DIGITS)
    return 0.0 if value == 0 else value
