"""Group (silo) metrics: :class:`CollabGraph` + :class:`Partition` -> ``list[GroupMetrics]``.

For a group d over the undirected weighted graph with total weight W
(DESIGN.md, "Metrics"):

- I_d: sum of w_ij with both ends in d; E_d: sum of w_ij with exactly one
  end in d; i_d, e_d: the same counting ties instead of weights.
- ``ei_index = (E_d - I_d) / (E_d + I_d)`` (Krackhardt & Stern's E-I index,
  in [-1, 1]: -1 all inward, +1 all outward); ``ei_index_ties`` on counts.
- ``vol(d) = 2 I_d + E_d``; ``internal_share = 2 I_d / vol(d)``;
  ``expected_internal_share = vol(d) / 2W``;
  ``insularity = internal_share / expected_internal_share``;
  ``conductance = E_d / min(vol(d), 2W - vol(d))``.

A tie is an edge with w_ij > 0. Every ratio is null (None) when the group
has no tie; ``conductance`` is also null when the group holds every tie of
the organization (``2W - vol(d) = 0``); ``effective_partners`` and
``external_top2_share`` are null when ``E_d = 0``. The significance fields
(``z``, ``p_value``), ``community_split`` and the silo flags are left at
their defaults: :mod:`ona.analysis.significance`, the communities module and
:mod:`ona.analysis.silos` fill them.

Everything is vectorized over edges (``np.bincount`` and a sparse group x
group matrix); nothing loops over edges or people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ona.graph.model import CollabGraph, Partition
from ona.results import GroupMetrics

__all__ = ["GroupEdges", "group_edges", "group_metrics"]


@dataclass(frozen=True)
class GroupEdges:
    """Every edge of the graph with the groups of its two ends (numpy arrays).

    ``u < v`` are vertex indices, ``w`` the weights, ``gu``/``gv`` the group
    indices of ``u``/``v`` in ``partition.names``, ``tie`` is ``w > 0``.
    """

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    gu: np.ndarray
    gv: np.ndarray
    tie: np.ndarray


def group_edges(g: CollabGraph, partition: Partition) -> GroupEdges:
    """Edge arrays of ``g`` annotated with the group of each end (``u``, ``v``, ``w``: ``g.edges()``, read-only)."""
    u, v, w = g.edges()
    membership = np.asarray(partition.membership, dtype=np.int64)
    if membership.shape != (g.n,):
        raise ValueError(f"partition has {membership.shape[0]} members for a graph of {g.n} people")
    return GroupEdges(u, v, w, membership[u], membership[v], w > 0)


def group_metrics(g: CollabGraph, partition: Partition) -> list[GroupMetrics]:
    """Silo metrics of every group, sorted by group name.

    ``ei_index = (E_d - I_d) / (E_d + I_d)`` in [-1, 1] (null without ties),
    ``insularity = (2 I_d / vol(d)) / (vol(d) / 2W)`` in [0, 2W / vol(d)]
    (1 = what degree-preserving random mixing gives, above 1 = inward),
    with the other fields as in the module docstring. Weights are in the
    graph's weight unit (messages, meeting hours and handoffs after
    coefficients).

    Parameters
    ----------
    g : CollabGraph
        The undirected weighted collaboration graph (all people, active or not).
    partition : Partition
        The group of every vertex.

    Returns
    -------
    list of GroupMetrics
        One per group of ``partition`` (including groups without ties),
        sorted by group name, with ``z``, ``p_value``, ``community_split`` and
        the silo fields at their defaults.

    Raises
    ------
    ValueError
        The partition does not cover exactly the graph's vertices.

    Examples
    --------
    Three people in A (a1-a2 weight 2, a2-a3 and a1-a3 weight 1), two in B
    (b1-b2 weight 3) and one cross tie a3-b1 of weight 1:
    I_A = 4, E_A = 1, so ei_index = (1 - 4) / 5 = -0.6; W = 8 and
    vol(A) = 2 * 4 + 1 = 9, so internal_share = 8/9 and
    expected_internal_share = 9/16.

    >>> import pyarrow as pa
    >>> from ona.graph.build import build_graph, partition_of
    >>> pairs = pa.table({"a": ["a1", "a2", "a1", "a3", "b1"], "b": ["a2", "a3", "a3", "b1", "b2"],
    ...     "email": [2.0, 1, 1, 1, 3], "meeting": [0.0] * 5, "ticket": [0.0] * 5,
    ...     "handoffs": [0] * 5, "weight": [2.0, 1, 1, 1, 3]})
    >>> g = build_graph(pairs, ["a1", "a2", "a3", "b1", "b2"])
    >>> part = partition_of(g, {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"})
    >>> a, b = group_metrics(g, part)
    >>> a.internal_weight, a.external_weight, a.ei_index, a.expected_internal_share
    (4.0, 1.0, -0.6, 0.5625)
    >>> round(a.insularity, 4)  # (8/9) / (9/16)
    1.5802

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Informal networks and
    organizational crises: an experimental simulation. *Social Psychology
    Quarterly* 51(2), 123-140.
    """
    e = group_edges(g, partition)
    k, n = partition.k, g.n
    membership = np.asarray(partition.membership, dtype=np.int64)
    u, v, w, gu, gv = (x[e.tie] for x in (e.u, e.v, e.w, e.gu, e.gv))
    inside = gu == gv
    out = ~inside

    internal_w = np.bincount(gu[inside], weights=w[inside], minlength=k)
    internal_t = np.bincount(gu[inside], minlength=k)
    cu, cv, cw = gu[out], gv[out], w[out]
    external_w = np.bincount(cu, weights=cw, minlength=k) + np.bincount(cv, weights=cw, minlength=k)
    external_t = np.bincount(cu, minlength=k) + np.bincount(cv, minlength=k)
    volume = 2 * internal_w + external_w
    total = float(w.sum())
    n_ties = int(w.size)

    sizes = _sizes(membership, k)
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    active = np.bincount(membership, weights=degree > 0, minlength=k)
    # per person: weight and tie count outside the own group
    person_out = np.bincount(u[out], weights=w[out], minlength=n)
    person_out += np.bincount(v[out], weights=w[out], minlength=n)
    person_out_t = np.bincount(u[out], minlength=n) + np.bincount(v[out], minlength=n)
    carriers = np.bincount(membership, weights=person_out_t > 0, minlength=k)
    top2 = _top2_sum(person_out, membership, sizes)

    # group x group cross weights (symmetric): reach and inverse Simpson
    cross = sp.coo_matrix((cw, (cu, cv)), shape=(k, k)).tocsr()
    cross = (cross + cross.T).tocsr()
    cross.eliminate_zeros()
    reach = np.diff(cross.indptr)
    sum_sq = np.asarray(cross.multiply(cross).sum(axis=1)).ravel()

    result = []
    for d in np.argsort(np.asarray(partition.names, dtype=object), kind="stable"):
        I, E, i_t, e_t, vol = (float(internal_w[d]), float(external_w[d]), int(internal_t[d]),
                               int(external_t[d]), float(volume[d]))
        has_ties = i_t + e_t > 0
        has_out = e_t > 0
        # 2W - vol(d) is the volume of the other groups: zero exactly when every tie is inside d
        rest = 2 * total - vol if i_t < n_ties else 0.0
        share = 2 * I / vol if has_ties else None
        expected = vol / (2 * total) if has_ties else None
        result.append(
            GroupMetrics(
                group=partition.names[d],
                headcount=int(sizes[d]),
                active=int(active[d]),
                internal_weight=I,
                external_weight=E,
                internal_ties=i_t,
                external_ties=e_t,
                ei_index=(E - I) / (E + I) if has_ties else None,
                ei_index_ties=(e_t - i_t) / (e_t + i_t) if has_ties else None,
                volume=vol,
                internal_share=share,
                expected_internal_share=expected,
                insularity=share / expected if share is not None and expected else None,
                conductance=E / min(vol, rest) if has_ties and min(vol, rest) > 0 else None,
                z=None,
                p_value=None,
                external_reach=int(reach[d]),
                effective_partners=E * E / float(sum_sq[d]) if has_out else None,
                external_carriers=int(carriers[d]),
                external_top2_share=float(top2[d]) / E if has_out else None,
            )
        )
    return result


def _sizes(membership: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(membership, minlength=k)


def _top2_sum(values: np.ndarray, membership: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per group, the sum of its two largest ``values`` (fewer if it is smaller)."""
    k = sizes.shape[0]
    order = np.lexsort((-values, membership))
    starts = np.searchsorted(membership[order], np.arange(k))
    total = np.zeros(k)
    for rank in (0, 1):  # the first and the second member of each group
        has = sizes > rank
        total[has] += values[order[starts[has] + rank]]
    return total
