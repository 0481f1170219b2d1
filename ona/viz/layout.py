"""Positions for the maps, computed once per analysis and stored with the result.

Input: the :class:`~ona.graph.model.CollabGraph` and its group
:class:`~ona.graph.model.Partition`. Output: a :class:`Layout`, plain
JSON-serializable data keyed by group name and person_id, so that the API and
the report draw the maps from stored numbers and never re-run a layout per
request.

- Group positions (the department map): a seeded Fruchterman-Reingold layout
  of the group graph, whose edge between groups a and b is weighted by the
  ratio W_ab / expected (collaboration beyond what the groups' sizes alone
  would give; W_ab itself would pull the largest groups together whatever
  their affinity). Three groups or fewer sit on a circle.
- Person positions (the people map): a seeded Fruchterman-Reingold layout of
  the person graph, weighted by ``1 + log(1 + w / median w)`` so that a few
  very heavy ties cannot collapse the picture; it starts from each person's
  group position, so the two maps read alike. Distances beyond the 90th
  percentile from the centre are compressed logarithmically, so a small team
  hanging on one tie does not shrink everyone else into a corner. igraph switches to its grid
  implementation from 1,000 people (about a second for 10,000 people).
  People without ties are placed on an outer ring, ordered by group.
- The backbone: the person-person ties the people map draws. Up to
  ``max_edges`` ties, every tie is kept. Above, ties are taken in this order
  until ``max_edges`` are kept: (1) every person's strongest tie, so nobody
  active looks isolated; (2) the ties between different groups, strongest
  first, because they are what a silo map is about; (3) every person's
  second and third strongest ties, strongest first. Ties with equal weight
  are ordered by person_id, so the backbone is deterministic.

Coordinates are scaled into [-1, 1] and, like weights, rounded to 4
decimals: the JSON stays small and the same seed gives the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # igraph is loaded only to compute a layout, not to read one
    from ona.graph.model import CollabGraph, Partition

DIGITS = 4
PER_PERSON = 3  # strongest ties per person eligible for the backbone
RING = 1.12  # radius of the ring of people without ties


class Layout(BaseModel):
    """Stored positions of groups and people and the people map's backbone."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(description="seed of igraph's random generator during the layout")
    algorithm: str = Field("fruchterman_reingold", description="igraph layout used for groups and people")
    groups: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="group name -> (x, y) in [-1, 1]"
    )
    people: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="person_id -> (x, y) in [-1, 1]; people without ties on an outer ring"
    )
    edges: list[tuple[str, str, float]] = Field(
        default_factory=list, description="backbone ties (person_id a, person_id b, weight), a < b"
    )
    total_edges: int = Field(0, description="ties in the graph before thinning")
    max_edges: int = Field(20000, description="most ties the backbone keeps")
    backbone_rule: str = Field("", description="how the backbone was thinned, in words")


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
    with seeded(seed) as rng:
        group_xy = _group_positions(u, v, w, membership, partition.k)
        start = np.random.default_rng(rng.getrandbits(32))
        person_xy = _person_positions(g, u, v, membership, group_xy, start)
    keep, rule = backbone(u, v, w, membership, g.ids, max_edges=max_edges)
    ids = g.ids
    edges = sorted(
        (ids[a], ids[b], _r(x)) if ids[a] < ids[b] else (ids[b], ids[a], _r(x))
        for a, b, x in zip(u[keep].tolist(), v[keep].tolist(), w[keep].tolist())
    )
    return Layout(
        seed=seed,
        groups={name: (_r(group_xy[i, 0]), _r(group_xy[i, 1])) for i, name in enumerate(partition.names)},
        people={pid: (_r(person_xy[i, 0]), _r(person_xy[i, 1])) for i, pid in enumerate(ids)},
        edges=edges,
        total_edges=int(len(w)),
        max_edges=max_edges,
        backbone_rule=rule,
    )


def backbone(
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    membership: np.ndarray,
    ids: tuple[str, ...],
    *,
    max_edges: int,
    per_person: int = PER_PERSON,
) -> tuple[np.ndarray, str]:
    """Indices of the ties kept in the backbone (sorted) and the rule in words."""
    m = len(w)
    if m <= max_edges:
        return np.arange(m), f"all {m} ties are drawn"
    rank = _rank_per_person(u, v, w, ids)  # 0 = the strongest tie of one of its ends
    cross = membership[u] != membership[v]
    tier = np.full(m, 3, dtype=np.int64)
    tier[rank < per_person] = 2
    tier[cross] = np.minimum(tier[cross], 1)
    tier[rank == 0] = 0
    eligible = np.flatnonzero(tier < 3)
    names = np.asarray(ids, dtype=object)
    # strongest first within a tier; ties broken by the endpoints' ids
    order = np.lexsort((names[v[eligible]], names[u[eligible]], -w[eligible], tier[eligible]))
    keep = np.sort(eligible[order][:max_edges])
    rule = (
        f"{len(keep)} of {m} ties drawn: each person's strongest tie, then the ties between "
        f"different groups, then each person's next strongest ties (up to {per_person} per "
        f"person), strongest first, up to {max_edges} ties"
    )
    return keep, rule


def _rank_per_person(u: np.ndarray, v: np.ndarray, w: np.ndarray, ids: tuple[str, ...]) -> np.ndarray:
    """For every tie, its best rank among its two ends' ties (0 = strongest)."""
    m = len(w)
    ends = np.concatenate([u, v])
    other = np.concatenate([v, u])
    edge = np.concatenate([np.arange(m), np.arange(m)])
    names = np.asarray(ids, dtype=object)
    order = np.lexsort((names[other], -np.concatenate([w, w]), ends))
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
    g: CollabGraph,
    u: np.ndarray,
    v: np.ndarray,
    membership: np.ndarray,
    group_xy: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    n = g.n
    xy = np.zeros((n, 2))
    if n == 0:
        return xy
    degree = np.bincount(np.concatenate([u, v]), minlength=n)
    active = degree > 0
    if active.any():
        # a seeded start near each person's group, so the two maps read alike
        spread = np.sqrt(n) / 4
        start = group_xy[membership] * spread + rng.normal(0.0, spread / 3, size=(n, 2))
        # people without ties are left out (their repulsion would only blur the picture);
        # copy_and_delete keeps the vertices in their original order
        keep = np.flatnonzero(active)
        sub = g.graph.induced_subgraph(keep.tolist(), implementation="copy_and_delete")
        sw = np.asarray(sub.es[g.weight], dtype=np.float64)
        weights = 1.0 + np.log1p(sw / np.median(sw))
        coords = sub.layout_fruchterman_reingold(
            weights=weights.tolist(), niter=500, seed=start[keep].tolist(), grid="auto"
        ).coords
        xy[keep] = _scale(_pull_in(np.asarray(coords, dtype=np.float64)))
    inactive = np.flatnonzero(~active)
    if len(inactive):
        # by group then id, so the ring shows which groups have silent members
        names = np.asarray(g.ids, dtype=object)
        inactive = inactive[np.lexsort((names[inactive], membership[inactive]))]
        angle = 2 * np.pi * np.arange(len(inactive)) / len(inactive)
        xy[inactive, 0] = RING * np.cos(angle)
        xy[inactive, 1] = RING * np.sin(angle)
    return xy


def _pull_in(xy: np.ndarray, q: float = 0.9) -> np.ndarray:
    """Pull far-flung points towards the centre, logarithmically beyond the q-quantile radius.

    A small team hanging on one tie is pushed far away by the force layout
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


def _scale(xy: np.ndarray) -> np.ndarray:
    """Centre and scale into [-1, 1], the same factor on both axes.

    On more than 20 points the extreme 0.5% on each side are clipped to the
    border, so that one far-flung component cannot shrink everyone else.
    """
    if len(xy) == 0:
        return xy
    q = 0.005 if len(xy) > 20 else 0.0
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
