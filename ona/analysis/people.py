"""Network position of every person (analyst view only).

Input: a :class:`~ona.graph.model.CollabGraph`, its group
:class:`~ona.graph.model.Partition`, the :class:`~ona.params.AnalysisParams`
and optionally the Leiden membership. Output: one
:class:`~ona.results.PersonMetrics` per person, sorted by person_id.

Per person i of group d (``w_ij`` tie weights):

- ``degree``: number of ties; ``strength``: ``s_i = sum_j w_ij``;
  ``active``: degree > 0.
- ``external_share``: ``sum_{j not in d} w_ij / s_i`` in [0, 1], the share
  of i's collaboration spent outside the own group; null for isolates.
- ``role``, from ``external_share`` (thresholds: the parameters
  ``resident_below`` and ``wanderer_above``): *resident* below 0.25 by
  default (works mostly inside the group), *linker* from 0.25 to 0.6
  inclusive (a foot on each side), *wanderer* above 0.6 (works mostly for
  other groups); *inactive* for people without ties.
- ``betweenness``: normalized weighted betweenness in [0, 1] (tie length
  ``1 / w``), exact or sampled: :mod:`ona.analysis.centrality`.
- ``constraint`` and ``effective_size``: Burt's measures, weighted
  (:mod:`ona.analysis.burt`); null for isolates.
- ``articulation_point``: removing i disconnects part of the graph;
  ``bridge_edges``: i's ties whose removal disconnects the graph (both ends
  of a bridge count it).
- ``brokerage``: Gould-Fernandez role counts relative to the groups
  (:mod:`ona.analysis.brokerage`; gatekeeper = representative for undirected
  ties).
- ``depended_on_by`` is left empty: the pipeline fills it from the links.

References
----------
Burt, R. S. (1992). *Structural Holes*. Harvard University Press.
Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation.
*Sociological Methodology* 19, 89-126.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
*Int. J. Bifurcation and Chaos* 17(7), 2303-2318.
"""

from __future__ import annotations

import math

import numpy as np

from ona.analysis.adjacency import tie_arrays
from ona.analysis.brokerage import ROLES, brokerage_counts
from ona.analysis.burt import constraint, effective_size
from ona.analysis.centrality import BetweennessResult, analysis_betweenness, betweenness
from ona.analysis.ego import ego_sums, neighbours
from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress
from ona.results import Brokerage, PersonMetrics

__all__ = ["BetweennessResult", "betweenness", "person_metrics", "roles"]

def roles(
    external_share: np.ndarray, *, resident_below: float, wanderer_above: float
) -> np.ndarray:
    """Role of each person from their external share (NaN: inactive).

    ``resident_below`` and ``wanderer_above`` are the parameters of the same
    names (shares, 0 to 1).

    Examples
    --------
    >>> roles(np.array([0.0, 0.25, 0.6, 0.61, np.nan]), resident_below=0.25, wanderer_above=0.6).tolist()
    ['resident', 'linker', 'linker', 'wanderer', 'inactive']
    >>> roles(np.array([0.0, 0.25, 0.6, 0.61, np.nan]), resident_below=0.3, wanderer_above=0.5).tolist()
    ['resident', 'resident', 'wanderer', 'wanderer', 'inactive']
    """
    x = np.asarray(external_share, dtype=np.float64)
    out = np.full(x.shape, "linker", dtype=object)
    out[x < resident_below] = "resident"
    out[x > wanderer_above] = "wanderer"
    out[np.isnan(x)] = "inactive"
    return out


def person_metrics(
    g: CollabGraph,
    partition: Partition,
    *,
    params: AnalysisParams,
    communities: np.ndarray | None = None,
    betweenness_result: BetweennessResult | None = None,
    on_progress: OnProgress = no_progress,
) -> list[PersonMetrics]:
    """Every person's network position (see the module docstring for definitions).

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    partition : Partition
        The groups.
    params : AnalysisParams
        The ``betweenness_*`` parameters and ``seed`` (betweenness),
        ``resident_below`` and ``wanderer_above`` (roles) are used.
    communities : numpy.ndarray, optional
        Leiden community of every vertex; ``community`` is null without it.
    betweenness_result : BetweennessResult, optional
        Reuse a betweenness already computed with :func:`betweenness` (the
        pipeline needs its ``method`` for the summary); computed here
        otherwise.
    on_progress : callable, optional
        Passed to :func:`betweenness`.

    Returns
    -------
    list of PersonMetrics
        One per vertex, sorted by person_id.

    Examples
    --------
    ann and bob (sales), cat and dan (ops), eve (ops, no tie); ties ann-bob 3,
    bob-cat 1, cat-dan 2. bob spends 1 of 4 outside sales (linker, 0.25)
    and carries 2 of the 3 pairs of active people without him; eve is
    inactive.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph, Partition
    >>> gr = ig.Graph(n=5, edges=[(0, 1), (1, 2), (2, 3)]); gr.es["weight"] = [3.0, 1.0, 2.0]
    >>> g = CollabGraph(gr, ("ann", "bob", "cat", "dan", "eve"))
    >>> part = Partition.from_labels(["sales", "sales", "ops", "ops", "ops"])
    >>> people = person_metrics(g, part, params=AnalysisParams())
    >>> [(p.person_id, p.role, p.external_share, round(p.betweenness, 4)) for p in people]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('ann', 'resident', 0.0, 0.0), ('bob', 'linker', 0.25, 0.6667),
     ('cat', 'linker', 0.3333333333333333, 0.6667), ('dan', 'resident', 0.0, 0.0),
     ('eve', 'inactive', None, 0.0)]
    >>> people[1].bridge_edges, people[1].articulation_point, people[1].brokerage.gatekeeper
    (2, True, 1)
    """
    n = g.n
    if len(partition.membership) != n:
        raise ValueError(f"partition has {len(partition.membership)} members, graph has {n} vertices")
    if communities is not None and len(communities) != n:
        raise ValueError(f"communities has {len(communities)} members, graph has {n} vertices")
    group = np.asarray(partition.membership, dtype=np.int64)
    u, v, w = tie_arrays(g)
    degree = np.asarray(g.graph.degree(), dtype=np.int64) if n else np.zeros(0, np.int64)
    strength = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    cross = group[u] != group[v]
    outside = np.bincount(u[cross], weights=w[cross], minlength=n)
    outside += np.bincount(v[cross], weights=w[cross], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        external_share = np.where(degree > 0, outside / strength, np.nan)
    role = roles(external_share, resident_below=params.resident_below, wanderer_above=params.wanderer_above)

    if betweenness_result is None:
        betweenness_result = analysis_betweenness(g, params, on_progress=on_progress)
    between = betweenness_result.values
    if len(between) != n:
        raise ValueError(f"betweenness_result has {len(between)} values, graph has {n} vertices")
    # one compiled pass over the triangles through every tie gives constraint,
    # effective size and the closed two-paths of the brokerage (sum_v deg(v)^2 / 2 steps)
    nb = neighbours(g)
    sums = ego_sums(nb, group)
    burt_constraint = constraint(g, sums=sums, nb=nb)
    burt_size = effective_size(g, sums=sums, nb=nb)
    articulation = np.zeros(n, dtype=bool)
    articulation[np.asarray(g.graph.articulation_points(), dtype=np.int64)] = True
    bridges = np.asarray(g.graph.bridges(), dtype=np.int64)
    bridge_edges = np.bincount(u[bridges], minlength=n) + np.bincount(v[bridges], minlength=n)
    counts = brokerage_counts(g, partition, nb=nb, sums=sums)
    broker = np.column_stack([counts[r] for r in ROLES]) if n else np.zeros((0, len(ROLES)), np.int64)

    columns = {
        "group": [partition.names[x] for x in group.tolist()],
        "community": [None] * n if communities is None else np.asarray(communities, dtype=np.int64).tolist(),
        "active": (degree > 0).tolist(),
        "degree": degree.tolist(),
        "strength": strength.tolist(),
        "external_share": _nullable(external_share),
        "role": role.tolist(),
        "betweenness": between.tolist(),
        "constraint": _nullable(burt_constraint),
        "effective_size": _nullable(burt_size),
        "articulation_point": articulation.tolist(),
        "bridge_edges": bridge_edges.tolist(),
    }
    broker_rows = broker.tolist()
    order = sorted(range(n), key=g.ids.__getitem__)  # one cheap step per person
    return [
        PersonMetrics(
            person_id=g.ids[i],
            **{name: values[i] for name, values in columns.items()},
            brokerage=Brokerage(**dict(zip(ROLES, broker_rows[i], strict=True))),
        )
        for i in order
    ]


def _nullable(x: np.ndarray) -> list[float | None]:
    """Floats as a list, None where NaN (undefined)."""
    return [None if math.isnan(value) else value for value in x.tolist()]
