"""How well the formal groups describe who works with whom, in one number each.

Input: a :class:`~ona.graph.model.CollabGraph` and its group
:class:`~ona.graph.model.Partition`. Output: floats (None when undefined).

- ``formal_modularity``: the weighted modularity Q of the group partition
  itself. Compared with the Q of the Leiden communities, it tells how much
  of the collaboration structure the org chart explains.
- ``group_assortativity``: Newman's nominal assortativity coefficient of the
  group labels over the weighted ties; 1 when all weight stays inside
  groups, 0 for mixing as random as the groups' volumes allow, negative when
  groups work more with others than with themselves.

References
----------
Newman, M. E. J. (2003). Mixing patterns in networks. *Physical Review E*
67, 026126.
Newman, M. E. J. & Girvan, M. (2004). Finding and evaluating community
structure in networks. *Physical Review E* 69, 026113.
"""

from __future__ import annotations

import numpy as np

from ona.analysis.adjacency import tie_arrays
from ona.graph.model import CollabGraph, Partition


def formal_modularity(g: CollabGraph, partition: Partition) -> float | None:
    """Weighted modularity Q of the group partition.

    ``Q = sum_d [ I_d / W - (vol(d) / 2W)^2 ]`` with ``I_d`` the weight inside
    group d, ``vol(d) = 2 I_d + E_d`` and ``W`` the total weight (the
    Newman-Girvan Q at resolution 1). In [-1/2, 1).

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    partition : Partition
        The groups.

    Returns
    -------
    float or None
        Q; None when the graph has no tie.

    Examples
    --------
    Two groups {ann, bob}, {cat, dan}; ties ann-bob 3, cat-dan 1, bob-cat 1
    (W = 5). I = (3, 1), vol = (7, 3): ``Q = 3/5 + 1/5 - (7/10)^2 - (3/10)^2
    = 0.8 - 0.58 = 0.22``.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph, Partition
    >>> gr = ig.Graph(n=4, edges=[(0, 1), (2, 3), (1, 2)]); gr.es["weight"] = [3.0, 1.0, 1.0]
    >>> g = CollabGraph(gr, ("ann", "bob", "cat", "dan"))
    >>> round(formal_modularity(g, Partition.from_labels(["x", "x", "y", "y"])), 4)
    0.22
    """
    _check(g, partition)
    if g.total_weight <= 0:
        return None
    membership = np.asarray(partition.membership, dtype=np.int64).tolist()
    return float(g.graph.modularity(membership, weights=g.weight))


def mixing_matrix(g: CollabGraph, partition: Partition) -> np.ndarray:
    """Weighted group mixing matrix ``e`` (k x k, symmetric, sums to 1).

    ``e[x, y]`` is the share of tie ends weight between groups x and y: every
    tie of weight w between x and y adds ``w / 2W`` to ``e[x, y]`` and to
    ``e[y, x]`` (``w / W`` to ``e[x, x]`` when x = y). All zeros without ties.
    """
    _check(g, partition)
    k = partition.k
    u, v, w = tie_arrays(g)
    group = np.asarray(partition.membership, dtype=np.int64)
    gu, gv = group[u], group[v]
    e = np.bincount(gu * k + gv, weights=w, minlength=k * k).reshape(k, k)
    e = e + e.T
    total = e.sum()
    return e / total if total > 0 else e


def group_assortativity(g: CollabGraph, partition: Partition) -> float | None:
    """Weighted nominal assortativity of the groups (Newman 2003, eq. 2).

    ``r = (sum_x e_xx - sum_x a_x^2) / (1 - sum_x a_x^2)`` with ``e`` the
    weighted mixing matrix (:func:`mixing_matrix`) and ``a_x = sum_y e_xy``
    the share of all tie-end weight in group x. In [-1, 1]. With every weight
    equal to 1 this is ``networkx.attribute_assortativity_coefficient``.

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    partition : Partition
        The groups.

    Returns
    -------
    float or None
        r; None when it is undefined: no tie, or all tie weight in one group
        (then ``sum a_x^2 = 1``).

    Examples
    --------
    The organization of :func:`formal_modularity`: ``e = [[0.6, 0.1],
    [0.1, 0.2]]``, ``a = (0.7, 0.3)``, ``r = (0.8 - 0.58) / (1 - 0.58) =
    0.5238``.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph, Partition
    >>> gr = ig.Graph(n=4, edges=[(0, 1), (2, 3), (1, 2)]); gr.es["weight"] = [3.0, 1.0, 1.0]
    >>> g = CollabGraph(gr, ("ann", "bob", "cat", "dan"))
    >>> round(group_assortativity(g, Partition.from_labels(["x", "x", "y", "y"])), 4)
    0.5238
    """
    e = mixing_matrix(g, partition)
    if e.sum() <= 0:
        return None
    a = e.sum(axis=1)
    expected = float((a * a).sum())
    if np.isclose(expected, 1.0, rtol=0.0, atol=1e-12):
        return None
    return float((np.trace(e) - expected) / (1.0 - expected))


def _check(g: CollabGraph, partition: Partition) -> None:
    if len(partition.membership) != g.n:
        raise ValueError(f"partition has {len(partition.membership)} members, graph has {g.n} vertices")
