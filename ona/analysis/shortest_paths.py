"""Compiled single-source shortest-path dependencies (Brandes 2001) for betweenness.

Input: the ties of a :class:`~ona.graph.model.CollabGraph` as a compressed
adjacency (:class:`Adjacency`: both directions of every tie, length ``1 / w``)
and a list of source vertices. Output: per batch of sources, the sum of the
sources' dependencies on every vertex (:func:`dependency_sums`), which
:mod:`ona.analysis.centrality` turns into betweenness.

One search per source: Dijkstra with an indexed 4-ary heap over the
adjacency (:meth:`Adjacency.skeleton`: the ties that can lie on a shortest path); a vertex's shortest-path count ``sigma`` is summed from its
neighbours settled before it on a shortest path (``d(u) + length == d(v)``
within a relative ``1e-9``, as igraph compares path lengths, so that equal
paths summed in another order still count as equal), and those predecessors
are kept for the accumulation of the dependencies, farthest vertex first:

- plain (Brandes 2001): ``delta_s(v) = sum over w with pred v of
  sigma_v / sigma_w * (1 + delta_s(w))``; summed over every source and halved it is the
  betweenness of an undirected graph;
- linearly scaled (Geisberger, Sanders & Schultes 2008): the same with each
  term times ``d(s, v) / d(s, w)``; summed over every source it is the
  betweenness itself (a pair's share of v weighted by ``d(s, v) / d(s, t)``: the two
  ends of a pair give v ``1`` together).

The sources run in parallel over numba's threads (each thread its own work
arrays and its own batches, so sums do not depend on the scheduling: the same
sources give the same bits). numba takes the first threading layer it finds
(tbb, OpenMP, else its own ``workqueue``); ``workqueue`` must not be entered
from two Python threads at once, so :func:`dependency_sums` holds the lock of
every parallel kernel of the analyses (:data:`ona.graph.shuffles.PARALLEL_LOCK`)
around the compiled call (which releases the GIL: other threads run meanwhile). GNU OpenMP does not survive a ``fork`` after a parallel region:
the API forks its analysis processes from a fork server that never runs one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ona.graph.csr import neighbour_lists
from ona.graph.model import CollabGraph
from ona.graph.shuffles import PARALLEL_LOCK

#: Relative tolerance under which two path lengths are equal (igraph's comparison).
EPS = 1e-9



@dataclass(frozen=True)
class Adjacency:
    """Both directions of every tie grouped by tail, shortest first (CSR).

    ``head[start[v]:start[v + 1]]`` are v's neighbours and ``length[...]`` the lengths of
    the ties to them (``1 / weight``, ascending); ``reach[v]`` is the size of v's component.
    """

    start: np.ndarray  # int64, n + 1
    head: np.ndarray  # int32
    length: np.ndarray  # float64
    reach: np.ndarray  # int64, n

    @property
    def n(self) -> int:
        return len(self.start) - 1

    @classmethod
    def of(cls, g: CollabGraph) -> Adjacency:
        """The adjacency of ``g`` with tie length ``1 / weight``."""
        u, v, w = g.edges()
        membership = np.asarray(g.graph.connected_components().membership, dtype=np.int64)
        return cls._build(g.n, u, v, 1.0 / np.asarray(w, dtype=np.float64), membership)

    @classmethod
    def _build(cls, n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray, membership: np.ndarray) -> Adjacency:
        u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
        start, head, arc_length = _csr(n, u, v, np.asarray(length, dtype=np.float64))
        reach = np.bincount(membership, minlength=1)[membership] if n else np.zeros(0, np.int64)
        return cls(start, head, arc_length, reach.astype(np.int64))

    def skeleton(self) -> Adjacency:
        """The same graph without the ties that lie on no shortest path (same distances and path counts).

        A tie ``{a, b}`` lies on a shortest path only if it is one itself: ``length(a, b) <= d(a, b)``.
        It is dropped when a shorter path between a and b is known, by more than a margin
        (``1e-7`` of its length plus ``1e-8`` of twice the eccentricity of its component's
        landmark, a bound on every distance there: far above the ``1e-9`` under which path
        lengths count as equal, far below any real difference): through the landmark of
        its component (the person of greatest strength, ``d(l, a) + d(l, b)``), or through
        a common neighbour. Collaboration graphs are dense in weak ties that nobody's
        shortest path uses: at 10,000 people (gen.py) nine ties in ten go, and every
        search then scans a tenth of the ties.
        """
        n = self.n
        tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.start))
        one = tail < self.head
        a, b, length = tail[one], self.head[one].astype(np.int64), self.length[one]
        if len(a) == 0:
            return self
        strength = np.bincount(tail, weights=1.0 / self.length, minlength=n)
        # one landmark per component: the person of greatest strength
        comp = _components(self.start, self.head)
        by = np.lexsort((-strength, comp))
        first = np.ones(n, dtype=bool)
        first[1:] = comp[by][1:] != comp[by][:-1]
        landmarks = by[first]
        # every component's distances from its landmark at once (one search from all of them)
        d_land = _distances(self.start, self.head, self.length, landmarks.astype(np.int64))
        ecc = np.zeros(len(landmarks))
        np.maximum.at(ecc, comp, d_land)
        slack = 1e-7 * length + 1e-8 * 2.0 * ecc[comp[a]]
        keep = length - (d_land[a] + d_land[b]) <= slack
        idx = np.flatnonzero(keep)
        keep[idx] = _no_shorter_two_step(self.start, self.head, self.length, a[idx], b[idx], length[idx], slack[idx])
        return Adjacency._build(n, a[keep], b[keep], length[keep], comp)


@numba.njit(cache=True, nogil=True)
def _csr(n, u, v, length):  # pragma: no cover - compiled
    """Both directions of the ties ``(u, v, length)`` grouped by tail, each group shortest first."""
    start, head, arc_length = neighbour_lists(n, u, v, length)
    for x in range(n):
        lo, hi = start[x], start[x + 1]
        order = np.argsort(arc_length[lo:hi], kind="mergesort")  # stable: equal lengths in tie order
        head[lo:hi] = head[lo:hi][order]
        arc_length[lo:hi] = arc_length[lo:hi][order]
    return start, head, arc_length


@numba.njit(cache=True, nogil=True)
def _components(start, head):  # pragma: no cover - compiled
    """Component label per vertex (labels 0, 1, ... in order of first vertex)."""
    n = len(start) - 1
    comp = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    label = 0
    for s in range(n):
        if comp[s] >= 0:
            continue
        comp[s] = label
        stack[0] = s
        top = 1
        while top > 0:
            top -= 1
            v = stack[top]
            for e in range(start[v], start[v + 1]):
                u = head[e]
                if comp[u] < 0:
                    comp[u] = label
                    stack[top] = u
                    top += 1
        label += 1
    return comp


@numba.njit(cache=True, nogil=True)
def _no_shorter_two_step(start, head, length, a, b, length_ab, slack):  # pragma: no cover - compiled
    """Per tie {a, b}: False when a path a - x - b is shorter than the tie by more than ``slack``."""
    n = len(start) - 1
    via = np.full(n, np.inf)  # length(a, x) for the neighbours x of a (ties shorter than {a, b})
    keep = np.ones(len(a), dtype=np.bool_)
    for i in range(len(a)):
        lab = length_ab[i]
        need = lab - slack[i]
        for e in range(start[a[i]], start[a[i] + 1]):
            if length[e] >= lab:
                break
            via[head[e]] = length[e]
        for f in range(start[b[i]], start[b[i] + 1]):
            if length[f] >= lab:
                break
            if via[head[f]] + length[f] < need:
                keep[i] = False
                break
        for e in range(start[a[i]], start[a[i] + 1]):
            if length[e] >= lab:
                break
            via[head[e]] = np.inf
    return keep


# The queue of the searches: a 4-ary heap holding each entry's key (its tentative distance)
# next to its vertex, ``pos[v]`` the place of v, for decreasing a key in place (twice as
# fast as a binary heap of vertices that looks their keys up).


@numba.njit(cache=True, nogil=True, inline="always")
def _heap_up(hkey, hvert, pos, i, key, v):  # pragma: no cover - compiled
    """Place vertex v with ``key`` at or above slot i (a new last slot, or v's own after its key fell)."""
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hvert[i] = hvert[parent]
        pos[hvert[i]] = i
        i = parent
    hkey[i] = key
    hvert[i] = v
    pos[v] = i


@numba.njit(cache=True, nogil=True, inline="always")
def _heap_pop(hkey, hvert, pos, size):  # pragma: no cover - compiled
    """Remove the root of a heap of ``size`` entries (the caller takes it first)."""
    size -= 1
    if size == 0:
        return
    key = hkey[size]
    v = hvert[size]
    i = 0
    while True:
        child = 4 * i + 1
        if child >= size:
            break
        best = child
        best_key = hkey[child]
        for c in range(child + 1, min(child + 4, size)):
            if hkey[c] < best_key:
                best_key = hkey[c]
                best = c
        if key <= best_key:
            break
        hkey[i] = best_key
        hvert[i] = hvert[best]
        pos[hvert[i]] = i
        i = best
    hkey[i] = key
    hvert[i] = v
    pos[v] = i


@numba.njit(cache=True, nogil=True)
def _distances(start, head, length, sources):  # pragma: no cover - compiled
    """Shortest-path length from the nearest of ``sources`` to every vertex (+inf when unreachable)."""
    n = len(start) - 1
    dist = np.full(n, np.inf)
    hkey = np.empty(n)
    hvert = np.empty(n, dtype=np.int32)
    pos = np.empty(n, dtype=np.int32)
    size = 0
    for s in sources:
        if dist[s] == np.inf:
            dist[s] = 0.0
            size += 1
            _heap_up(hkey, hvert, pos, size - 1, 0.0, s)
    while size > 0:
        v = hvert[0]
        dv = hkey[0]
        _heap_pop(hkey, hvert, pos, size)
        size -= 1
        for e in range(start[v], start[v + 1]):
            u = head[e]
            nd = dv + length[e]
            if nd < dist[u]:  # never for a settled u: d(u) <= d(v) < nd
                if dist[u] == np.inf:
                    size += 1
                    _heap_up(hkey, hvert, pos, size - 1, nd, u)
                else:
                    _heap_up(hkey, hvert, pos, pos[u], nd, u)
                dist[u] = nd
    return dist


@numba.njit(cache=True, nogil=True)
def _single_source(start, head, length, reach, source, linear, out, dist, sigma, delta, hkey, hvert, pos, order,
                   pred_start, pred):  # fmt: skip  # pragma: no cover - compiled
    """Add the dependencies of ``source`` on every vertex to ``out``; work arrays are left clean.

    ``dist`` must be +inf and ``sigma``, ``delta`` zero on entry (they are reset on exit for
    the vertices reached). ``reach[v]`` is the number of vertices of v's component.
    """
    dist[source] = 0.0
    sigma[source] = 1.0
    _heap_up(hkey, hvert, pos, 0, 0.0, source)
    size = 1
    seen = 1
    settled = 0
    npred = 0
    # bound on every distance from the source: once the whole component is in the heap,
    # the largest tentative distance (tentative distances only decrease)
    bound = np.inf
    if seen == reach[source]:
        bound = 0.0
    while size > 0:
        v = hvert[0]
        dv = hkey[0]
        _heap_pop(hkey, hvert, pos, size)
        size -= 1
        order[settled] = v
        pred_start[settled] = npred
        settled += 1
        tol = EPS * dv
        # ties are sorted by length: a longer one can neither shorten a path (d(v) + length
        # beyond the bound) nor end a shortest path at v (d(u) + length > d(v))
        limit = max(bound - dv, dv) + tol
        sv = 0.0
        for e in range(start[v], start[v + 1]):
            length_e = length[e]
            if length_e > limit:
                break
            u = head[e]
            du = dist[u]
            # du + length >= dv for every u once v is settled (u settled: v was relaxed through it;
            # u not settled: du >= dv), so a shortest path through u is one within the tolerance
            if du + length_e - dv <= tol:
                sv += sigma[u]
                pred[npred] = u
                npred += 1
            elif dv + length_e < du:
                nd = dv + length_e
                dist[u] = nd
                if du == np.inf:
                    size += 1
                    seen += 1
                    _heap_up(hkey, hvert, pos, size - 1, nd, u)
                    if seen == reach[source]:
                        bound = hkey[0]
                        for i in range(1, size):
                            bound = max(bound, hkey[i])
                else:
                    _heap_up(hkey, hvert, pos, pos[u], nd, u)
        if v != source:
            sigma[v] = sv
    pred_start[settled] = npred
    # dependencies, farthest vertex first
    for i in range(settled - 1, 0, -1):
        w = order[i]
        coeff = (1.0 + delta[w]) / sigma[w]
        if linear:
            coeff /= dist[w]
        for j in range(pred_start[i], pred_start[i + 1]):
            v = pred[j]
            if linear:
                delta[v] += sigma[v] * dist[v] * coeff
            else:
                delta[v] += sigma[v] * coeff
        out[w] += delta[w]
    for i in range(settled):
        w = order[i]
        dist[w] = np.inf
        sigma[w] = 0.0
        delta[w] = 0.0


@numba.njit(cache=True, nogil=True, parallel=True)
def _batch_sums(start, head, length, reach, sources, batch, linear, threads):  # pragma: no cover - compiled
    n = len(start) - 1
    n_batches = (len(sources) + batch - 1) // batch
    out = np.zeros((n_batches, n))
    threads = max(1, min(threads, n_batches))
    for t in numba.prange(threads):
        # each thread its own work arrays, and batches t, t + threads, ... (sums independent of scheduling)
        dist = np.full(n, np.inf)
        sigma = np.zeros(n)
        delta = np.zeros(n)
        hkey = np.empty(n)
        hvert = np.empty(n, dtype=np.int32)
        pos = np.empty(n, dtype=np.int32)
        order = np.empty(n, dtype=np.int32)
        pred_start = np.empty(n + 1, dtype=np.int64)
        pred = np.empty(len(head), dtype=np.int32)
        for b in range(t, n_batches, threads):
            for k in range(b * batch, min((b + 1) * batch, len(sources))):
                _single_source(start, head, length, reach, sources[k], linear, out[b], dist, sigma, delta, hkey, hvert,
                               pos, order, pred_start, pred)  # fmt: skip
    return out


def dependency_sums(adj: Adjacency, sources: np.ndarray, *, batch: int, linear: bool) -> np.ndarray:
    """Sum of the dependencies of each batch of ``batch`` consecutive sources on every vertex.

    Parameters
    ----------
    adj : Adjacency
        The ties (:meth:`Adjacency.of`).
    sources : numpy.ndarray
        Source vertices, in batches of ``batch`` (the last may be shorter).
    batch : int
        Sources per batch (per row of the result).
    linear : bool
        Linearly scaled dependencies (Geisberger et al. 2008) instead of
        Brandes' plain ones.

    Returns
    -------
    numpy.ndarray
        ``(batches, n)``: row b is the sum over sources ``b * batch`` to
        ``(b + 1) * batch - 1`` of their dependencies (0 on the source itself).
    """
    src = np.ascontiguousarray(sources, dtype=np.int64)
    if len(src) == 0:
        return np.zeros((0, adj.n))
    with PARALLEL_LOCK:
        threads = numba.get_num_threads()
        return _batch_sums(adj.start, adj.head, adj.length, adj.reach, src, int(batch), bool(linear), threads)
