"""Burt's structural holes measures: constraint and effective size, weighted.

Input: a :class:`~ona.graph.model.CollabGraph`. Output: one float per
vertex, NaN for isolates (the measures are undefined without contacts).

With ``w_ij`` the tie weight and ``s_i`` the strength of i, the proportional
tie strength is ``p_ij = w_ij / s_i`` (Burt's ``(a_ij + a_ji) / sum_k (a_ik +
a_ki)`` for undirected ties), and the marginal strength is ``m_jq = w_jq /
max_k w_jk``.

- constraint ``C_i = sum_{j in N(i)} (p_ij + sum_{q in N(i), q != i, j}
  p_iq p_qj)^2``: how much i's time goes to few contacts who are tied to
  each other. Positive, 1 for a single contact, ``1 / deg`` for ``deg``
  equal contacts who do not know each other, above 1 in closed triads (1.125
  in an equal-weight triangle); the higher, the fewer structural holes i
  spans.
- effective size ``E_i = sum_{j in N(i)} (1 - sum_{q in N(i), q != j}
  p_iq m_jq)``: the number of i's contacts, less their redundancy, in
  ``[1, deg_i]`` (contacts who are not tied to each other count fully).

Both match ``networkx.constraint`` and ``networkx.effective_size`` with
``weight="weight"`` (and constraint igraph's ``Graph.constraint``). Both
come from one compiled pass over the triangles through every tie
(:func:`ona.analysis.ego.ego_sums`), which the person metrics share with
the brokerage counts.

References
----------
Burt, R. S. (1992). *Structural Holes: The Social Structure of
Competition*. Harvard University Press.
"""

from __future__ import annotations

import numpy as np

from ona.analysis.ego import EgoSums, Neighbours, ego_sums, neighbours
from ona.graph.model import CollabGraph


def constraint(g: CollabGraph, *, sums: EgoSums | None = None, nb: Neighbours | None = None) -> np.ndarray:
    """Burt's weighted constraint of every vertex (igraph's definition), NaN for isolates.

    Computed by the compiled pass of :func:`ona.analysis.ego.ego_sums`
    (igraph's ``Graph.constraint`` gives the same values, one vertex at a
    time and on one core).

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    sums : EgoSums, optional
        ``ego_sums`` of the graph when the caller already has them.
    nb : Neighbours, optional
        ``neighbours(g)`` when the caller already has them.

    Returns
    -------
    numpy.ndarray
        ``C_i`` (see the module docstring) per vertex; NaN where i has no tie
        (and, as igraph, where a strength involved is 0).

    Examples
    --------
    A triangle ann-bob-cat plus dan tied to cat, equal weights. ann puts
    ``p = 1/2`` on bob directly and ``1/2 * 1/3`` through cat (who has three
    contacts), and ``1/2`` on cat directly and ``1/2 * 1/2`` through bob:
    ``C = (1/2 + 1/6)^2 + (1/2 + 1/4)^2 = 4/9 + 9/16 = 1.0069``. cat:
    ``2 * (1/3 + 1/3 * 1/2)^2 + (1/3)^2 = 0.6111``; dan, one contact: 1.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph
    >>> gr = ig.Graph(n=5, edges=[(0, 1), (1, 2), (0, 2), (2, 3)]); gr.es["weight"] = [1.0] * 4
    >>> c = constraint(CollabGraph(gr, ("ann", "bob", "cat", "dan", "eve")))
    >>> [round(float(x), 4) for x in c]
    [1.0069, 1.0069, 0.6111, 1.0, nan]
    """
    nb = neighbours(g) if nb is None else nb
    sums = ego_sums(nb) if sums is None else sums
    values = sums.constraint.copy()
    values[nb.degree() == 0] = np.nan
    return values


def effective_size(g: CollabGraph, *, sums: EgoSums | None = None, nb: Neighbours | None = None) -> np.ndarray:
    """Burt's weighted effective size of every vertex, NaN for isolates.

    ``E_i = deg_i - sum_q p_iq sum_{j in N(i)} m_jq``: the inner sum runs over
    the common neighbours j of i and q, which the compiled pass of
    :func:`ona.analysis.ego.ego_sums` visits (its ``redundancy`` is the double
    sum with ``w_iq`` for ``p_iq``).

    Parameters
    ----------
    g : CollabGraph
        Undirected weighted collaboration graph.
    sums : EgoSums, optional
        ``ego_sums`` of the graph when the caller already has them.
    nb : Neighbours, optional
        ``neighbours(g)`` when the caller already has them.

    Returns
    -------
    numpy.ndarray
        ``E_i`` per vertex, in ``[1, deg_i]``; NaN where i has no tie
        (``deg_i`` where all of i's ties weigh 0).

    Examples
    --------
    In the triangle ann-bob-cat each contact of ann is half redundant
    (``p = 1/2``, ``m = 1``): ``E = 2 - 2 * 1/2 = 1``. cat also reaches dan,
    who knows nobody else: ``E = 3 - 2 * (1/3 * 1) = 7/3``.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph
    >>> gr = ig.Graph(n=5, edges=[(0, 1), (1, 2), (0, 2), (2, 3)]); gr.es["weight"] = [1.0] * 4
    >>> e = effective_size(CollabGraph(gr, ("ann", "bob", "cat", "dan", "eve")))
    >>> [round(float(x), 4) for x in e]
    [1.0, 1.0, 2.3333, 1.0, nan]
    """
    nb = neighbours(g) if nb is None else nb
    sums = ego_sums(nb) if sums is None else sums
    degree = nb.degree().astype(np.float64)
    strength = nb.strength()
    with np.errstate(divide="ignore"):
        inv_strength = np.where(strength > 0, 1.0 / strength, 0.0)
    values = degree - sums.redundancy * inv_strength
    values[degree == 0] = np.nan
    return values
