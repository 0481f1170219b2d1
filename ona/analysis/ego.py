"""Compiled ego-network sums: every tie's common neighbours, without a two-hop product.

Input: a :class:`~ona.graph.model.CollabGraph` (and the group of every
vertex). Output: :class:`Neighbours` (sorted CSR neighbour lists) and
:class:`EgoSums` (one value per vertex).

Burt's constraint and effective size and the closed two-paths of the
Gould-Fernandez brokerage all sum, for every tie ``(u, x)``, a quantity over
the common neighbours ``v`` of ``u`` and ``x`` (the triangles ``u - v - x``),
then reduce over u's ties. :func:`ego_sums` does it all in one compiled pass
per vertex ``u``, with no per-tie output: flag u's neighbours in a bitmap,
walk every neighbour ``v`` of ``u`` and the neighbours ``x > v`` of ``v``,
and for each flagged ``x`` add to the accumulators of both ties ``(u, x)``
(through v) and ``(u, v)`` (through x). Work is about ``sum_v deg(v)^2 / 2``
(half the cost of the masked sparse product ``A * (A @ A)``: each triangle
is found once per corner instead of twice), spread over the cores in row
blocks of equal work. Memory is the neighbour lists (``2 x ties`` indices
and weights) plus, per block, a bitmap and a position array over the
vertices and a few accumulators of the largest degree: nothing of the size
of the two-hop product.

The kernels are compiled with numba on first use and cached on disk. The
parallel ones run under :data:`ona.graph.shuffles.PARALLEL_LOCK`, the lock of
every parallel kernel of the analyses: numba's fallback threading layer
(*workqueue*) must not be entered by two Python threads at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ona.graph.csr import neighbour_lists
from ona.graph.model import CollabGraph
from ona.graph.shuffles import PARALLEL_LOCK

#: Row blocks per thread: blocks of equal work, handed out dynamically, so a
#: core slowed by another process does not hold the others up.
BLOCKS_PER_THREAD = 16


@dataclass(frozen=True)
class Neighbours:
    """Sorted neighbour lists of an undirected graph (CSR).

    The neighbours of vertex ``u`` are ``indices[indptr[u]:indptr[u + 1]]``,
    in increasing order, and ``weights`` holds the weight of each of those
    ties: every tie appears twice, once from each end.
    """

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32, 2 x ties
    weights: np.ndarray  # float64, 2 x ties

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def degree(self) -> np.ndarray:
        """Number of ties of every vertex."""
        return np.diff(self.indptr)

    def strength(self) -> np.ndarray:
        """Sum of the tie weights of every vertex (in neighbour order)."""
        return _row_sums(self.indptr, self.weights)


def neighbours(g: CollabGraph) -> Neighbours:
    """The sorted neighbour lists of ``g`` (simple and undirected).

    Examples
    --------
    >>> import igraph as ig
    >>> gr = ig.Graph(n=4, edges=[(2, 0), (0, 1), (1, 2)]); gr.es["weight"] = [3.0, 1.0, 2.0]
    >>> nb = neighbours(CollabGraph(gr, ("a", "b", "c", "d")))
    >>> nb.indptr.tolist(), nb.indices.tolist(), nb.weights.tolist()
    ([0, 2, 4, 6, 6], [1, 2, 0, 2, 0, 1], [1.0, 3.0, 1.0, 2.0, 3.0, 2.0])
    """
    u, v, w = g.edges()
    if g.n >= 2**31:
        raise ValueError(f"{g.n} vertices: neighbour indices are int32")
    indptr, indices, weights = neighbour_lists(g.n, u, v, np.asarray(w, dtype=np.float64))
    if not _sort_rows(indptr, indices, weights):
        raise ValueError("the graph has a loop or a repeated tie: the ego-network sums need a simple graph")
    return Neighbours(indptr, indices, weights)


@dataclass(frozen=True)
class EgoSums:
    """Per-vertex sums over the triangles through each tie (see :func:`ego_sums`).

    ``v`` is a common neighbour of ``u`` and its contact ``x``; ``w`` are tie
    weights and ``s_u = sum_x w_ux`` the strength of u.

    Attributes
    ----------
    constraint : numpy.ndarray
        Burt's constraint ``sum_x (p_ux + sum_v p_uv p_vx)^2``, ``p_uv = w_uv
        / s_u``: igraph's definition, NaN where a strength involved is 0
        (igraph's 0 / 0); 0 for isolates.
    redundancy : numpy.ndarray
        ``sum_x w_ux sum_v m_vx`` with ``m_vx = w_vx / max_y w_vy`` (0 when
        that maximum is 0): divided by ``s_u``, the redundancy of u's
        contacts in Burt's effective size.
    triangles, triangles_in : numpy.ndarray
        int64: over u's ties ``(u, x)``, the number of common neighbours v
        (all, those in x's group). Each triangle through u is counted twice
        (from both of its other corners).
    coordinator, gatekeeper : numpy.ndarray
        int64: the same over the ties ``(u, x)`` inside u's group only, the
        common neighbours v in x's group (each such triangle counted twice),
        and those outside x's group (once).
    """

    constraint: np.ndarray
    redundancy: np.ndarray
    triangles: np.ndarray
    triangles_in: np.ndarray
    coordinator: np.ndarray
    gatekeeper: np.ndarray


def ego_sums(nb: Neighbours, group: np.ndarray | None = None) -> EgoSums:
    """Constraint, effective-size redundancy and closed pairs of every vertex, in one pass.

    Parameters
    ----------
    nb : Neighbours
        The graph, from :func:`neighbours`.
    group : numpy.ndarray, optional
        Group of every vertex (the brokerage counts); everyone in one group
        without it.

    Returns
    -------
    EgoSums

    Examples
    --------
    A triangle 0-1-2 with a pendant 3 on 2, equal weights: vertex 0's
    constraint is ``(1/2 + 1/2 * 1/3)^2 + (1/2 + 1/2 * 1/2)^2``, and each of
    its two ties closes one triangle (counted from both ends).

    >>> import igraph as ig
    >>> gr = ig.Graph(n=4, edges=[(0, 1), (1, 2), (0, 2), (2, 3)]); gr.es["weight"] = [1.0] * 4
    >>> sums = ego_sums(neighbours(CollabGraph(gr, tuple("abcd"))), np.array([0, 0, 1, 1]))
    >>> [round(float(x), 4) for x in sums.constraint], sums.triangles.tolist()
    ([1.0069, 1.0069, 0.6111, 1.0], [2, 2, 2, 0])
    >>> sums.triangles_in.tolist(), sums.coordinator.tolist(), sums.gatekeeper.tolist()
    ([0, 0, 2, 0], [0, 0, 0, 0], [1, 1, 0, 0])
    """
    n = nb.n
    group = np.zeros(n, np.int64) if group is None else np.asarray(group, dtype=np.int64)
    if len(group) != n:
        raise ValueError(f"group has {len(group)} members, graph has {n} vertices")
    strength = nb.strength()
    with np.errstate(divide="ignore"):
        inv_strength = 1.0 / strength  # inf where 0: igraph's 0 / 0 = NaN for such egos
        largest = _row_max(nb.indptr, nb.weights)
        inv_largest = np.where(largest > 0, 1.0 / largest, 0.0)
    upper = _upper(nb.indptr, nb.indices)
    blocks = row_blocks(_half_work(nb.indptr, upper, nb.indices), BLOCKS_PER_THREAD * numba.get_num_threads())
    with PARALLEL_LOCK, numba.parallel_chunksize(1):
        out_float, out_int = _ego_kernel(nb.indptr, upper, nb.indices, nb.weights, inv_strength, inv_largest,
                                         group, blocks)
    return EgoSums(out_float[0], out_float[1], *out_int)


def group_counts(nb: Neighbours, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours in the own group and the sum of squared neighbours per group, of every vertex.

    Examples
    --------
    >>> import igraph as ig
    >>> gr = ig.Graph(n=4, edges=[(1, 0), (1, 2), (1, 3)]); gr.es["weight"] = [1.0] * 3
    >>> own, squares = group_counts(neighbours(CollabGraph(gr, tuple("abcd"))), np.array([0, 0, 1, 1]))
    >>> own.tolist(), squares.tolist()  # b: 1 own-group contact; 1^2 + 2^2
    ([1, 1, 0, 0], [1, 5, 1, 1])
    """
    group = np.asarray(group, dtype=np.int64)
    k = int(group.max()) + 1 if len(group) else 1
    return _group_counts(nb.indptr, nb.indices, group, k)


def row_blocks(work: np.ndarray, count: int) -> np.ndarray:
    """Row bounds cutting the rows into at most ``count`` blocks of about equal ``work`` (per row).

    >>> row_blocks(np.array([5, 1, 1, 1, 1, 1]), 2).tolist()
    [0, 1, 6]
    """
    n = len(work)
    if n == 0:
        return np.zeros(1, np.int64)
    work = np.cumsum(work)
    total = int(work[-1])
    if total == 0:
        return np.array([0, n], np.int64)
    cuts = np.searchsorted(work, np.linspace(0, total, count + 1)[1:-1], side="right")
    return np.unique(np.concatenate([[0], cuts, [n]])).astype(np.int64)


# ---------------------------------------------------------------- kernels


@numba.njit(cache=True, nogil=True)
def _sort_rows(indptr, indices, weights):  # pragma: no cover - compiled
    """Sort every neighbour list in place (rows already sorted are only checked).

    Returns whether the graph is simple (no vertex twice in a list, none in its own).
    """
    simple = True
    for i in range(len(indptr) - 1):
        start, stop = indptr[i], indptr[i + 1]
        for k in range(start + 1, stop):
            if indices[k] < indices[k - 1]:
                order = np.argsort(indices[start:stop], kind="mergesort")
                indices[start:stop] = indices[start:stop][order]
                weights[start:stop] = weights[start:stop][order]
                break
        for k in range(start, stop):
            if indices[k] == i or (k > start and indices[k] == indices[k - 1]):
                simple = False
    return simple


@numba.njit(cache=True, nogil=True)
def _row_sums(indptr, values):  # pragma: no cover - compiled
    n = len(indptr) - 1
    out = np.zeros(n)
    for i in range(n):
        total = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            total += values[k]
        out[i] = total
    return out


@numba.njit(cache=True, nogil=True)
def _row_max(indptr, values):  # pragma: no cover - compiled
    n = len(indptr) - 1
    out = np.zeros(n)
    for i in range(n):
        best = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            best = max(best, values[k])
        out[i] = best
    return out


@numba.njit(cache=True, nogil=True)
def _upper(indptr, indices):  # pragma: no cover - compiled
    """Position of the first neighbour above the vertex itself, in every row."""
    n = len(indptr) - 1
    out = np.empty(n, np.int64)
    for v in range(n):
        start, stop = indptr[v], indptr[v + 1]
        out[v] = start + np.searchsorted(indices[start:stop], v, side="right")
    return out


@numba.njit(cache=True, nogil=True)
def _half_work(indptr, upper, indices):  # pragma: no cover - compiled
    """Steps of :func:`_ego_kernel` from every row: its degree plus its neighbours' upper lists."""
    n = len(indptr) - 1
    out = np.zeros(n, np.int64)
    for i in range(n):
        total = indptr[i + 1] - indptr[i]
        for k in range(indptr[i], indptr[i + 1]):
            x = indices[k]
            total += indptr[x + 1] - upper[x]
        out[i] = total
    return out


@numba.njit(cache=True, nogil=True)
def _group_counts(indptr, indices, group, k):  # pragma: no cover - compiled
    n = len(indptr) - 1
    own = np.zeros(n, np.int64)
    squares = np.zeros(n, np.int64)
    count = np.zeros(k, np.int64)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            count[group[indices[j]]] += 1
        own[u] = count[group[u]]
        total = 0
        for j in range(indptr[u], indptr[u + 1]):
            c = count[group[indices[j]]]
            total += c * c  # once per group: zeroed below
            count[group[indices[j]]] = 0
        squares[u] = total
    return own, squares


@numba.njit(cache=True, nogil=True, parallel=True)
def _ego_kernel(indptr, upper, indices, weights, inv_strength, inv_largest, group,
                blocks):  # pragma: no cover - compiled
    """Per vertex u, the sums of :class:`EgoSums` over the triangles u - v - x.

    Each triangle through u is found once, from its lower other corner v (x
    in v's upper list), and feeds both ties (u, x) (through v) and (u, v)
    (through x).
    """
    n = len(indptr) - 1
    out_float = np.zeros((2, n))
    out_int = np.zeros((4, n), np.int64)
    largest_degree = 0
    for i in range(n):
        largest_degree = max(largest_degree, indptr[i + 1] - indptr[i])
    for block in numba.prange(len(blocks) - 1):
        member = np.zeros((n >> 6) + 1, np.uint64)  # bit x: x is a neighbour of u (fits the L1 cache)
        position = np.zeros(n, np.int32)  # position of a neighbour x of u in u's list
        # per tie (u, x), x at position k of u's list:
        via_p = np.zeros(largest_degree)  # sum_v w_uv w_vx / s_v
        via_m = np.zeros(largest_degree)  # sum_v m_vx
        same = np.zeros(largest_degree, np.int64)  # common neighbours v with g(v) = g(x)
        common = np.zeros(largest_degree, np.int64)  # all common neighbours
        # u's neighbours x, gathered once per u: w_ux / s_x, 1 / max_y w_xy, g(x)
        p_row = np.zeros(largest_degree)
        m_row = np.zeros(largest_degree)
        g_row = np.zeros(largest_degree, np.int64)
        hit_b = np.zeros(largest_degree + 1, np.int64)  # positions in v's list of the x found from v
        for u in range(blocks[block], blocks[block + 1]):
            start, stop = indptr[u], indptr[u + 1]
            degree = stop - start
            if degree == 0:
                continue
            for k in range(degree):
                x = indices[start + k]
                member[x >> 6] |= np.uint64(1) << np.uint64(x & 63)
                position[x] = k
                via_p[k] = 0.0
                via_m[k] = 0.0
                same[k] = 0
                common[k] = 0
                p_row[k] = weights[start + k] * inv_strength[x]
                m_row[k] = inv_largest[x]
                g_row[k] = group[x]
            highest = indices[stop - 1]
            for k_v in range(degree):
                v = indices[start + k_v]
                # the x found from v, collected without a branch (a miss writes
                # the slot the next one overwrites), then summed in a second
                # loop whose loads of weights[b] do not wait on each other
                hits = 0
                for b in range(upper[v], indptr[v + 1]):
                    x = indices[b]
                    if x > highest:
                        break
                    hit_b[hits] = b
                    hits += np.int64((member[x >> 6] >> np.uint64(x & 63)) & np.uint64(1))  # triangle u-v-x
                p_v = p_row[k_v]
                m_v = m_row[k_v]
                g_v = g_row[k_v]
                p_sum = 0.0  # the sums of tie (u, v), through those x
                m_sum = 0.0
                same_sum = 0
                for i in range(hits):
                    b = hit_b[i]
                    k_x = position[indices[b]]
                    w_vx = weights[b]
                    via_p[k_x] += p_v * w_vx
                    via_m[k_x] += m_v * w_vx
                    p_sum += p_row[k_x] * w_vx
                    m_sum += m_row[k_x] * w_vx
                    common[k_x] += 1
                    if g_row[k_x] == g_v:
                        same[k_x] += 1
                        same_sum += 1
                via_p[k_v] += p_sum
                via_m[k_v] += m_sum
                same[k_v] += same_sum
                common[k_v] += hits
            constraint = 0.0
            redundancy = 0.0
            triangles = 0
            triangles_in = 0
            coordinator = 0
            gatekeeper = 0
            g_u = group[u]
            inv_s_u = inv_strength[u]
            for k in range(degree):
                member[indices[start + k] >> 6] = np.uint64(0)
                # igraph: p_ux + sum_v w_uv w_vx / s_u / s_v (0 / 0 = NaN where a strength is 0)
                direct = (weights[start + k] + via_p[k]) * inv_s_u
                constraint += direct * direct
                redundancy += weights[start + k] * via_m[k]
                triangles += common[k]
                triangles_in += same[k]
                if g_row[k] == g_u:
                    coordinator += same[k]
                    gatekeeper += common[k] - same[k]
            out_float[0, u] = constraint
            out_float[1, u] = redundancy
            out_int[0, u] = triangles
            out_int[1, u] = triangles_in
            out_int[2, u] = coordinator
            out_int[3, u] = gatekeeper
    return out_float, out_int
