"""The label shuffles of the permutation tests and their compiled sums over ties.

Input: ties as adjacency lists of their first end (:class:`TieLists`), the
group of every vertex and a batch of shuffles from :func:`label_shuffles`;
output: the shuffle null's running sums (``sum (X - X_obs)``, ``sum (X -
X_obs)^2`` and the count of shuffles at least as extreme), per group
(:func:`internal_null`, the silo test) or per pair of groups
(:func:`pair_null`, the link test).

Every shuffle must touch every tie (a tie's weight lands in the pair of its
ends' shuffled groups), so the cost is ties x shuffles. Two habits make that
cheap: the kernels take :data:`BLOCK` shuffles at once, with the labels laid
out vertex-major (``lab[vertex, shuffle]``, one cache line per vertex), so a
pass over the ties reads each tie once for 32 shuffles; and they run
compiled (numba) on every core, each thread with its own accumulators and
its own blocks of shuffles. The shuffles themselves are numpy's, drawn in
order from one seeded generator, so the result does not depend on the
number of threads beyond the order of floating-point sums.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["BLOCK", "PARALLEL_LOCK", "TieLists", "internal_null", "label_dtype", "label_shuffles", "pair_block",
           "pair_null", "shuffle_batch"]

#: shuffles per pass over the ties (int16 labels: 64 bytes, one cache line, per vertex)
BLOCK = 32
#: entries of the k x k accumulators of one pass of :func:`pair_null` per thread (bounds memory for many groups)
_PAIR_ENTRIES = 1_000_000
#: shuffle x vertex entries of one batch of shuffles (int64: 64 MB)
_BATCH_ENTRIES = 8_000_000

#: numba's workqueue threading layer (the fallback without TBB or OpenMP) aborts the process when two
#: Python threads enter parallel code at once: every parallel kernel of the analyses runs under this lock
PARALLEL_LOCK = threading.Lock()


def label_shuffles(n: int, permutations: int, seed: int, *, batch: int = 64) -> Iterator[np.ndarray]:
    """The label shuffles of the permutation tests, in batches of rows.

    Row j of the concatenated batches is the j-th ``rng.permutation(n)`` of
    ``numpy.random.default_rng(seed)``: ``membership[row]`` is a shuffled
    label vector with every group's size kept. The group test
    (:func:`~ona.analysis.significance.insularity_test`) and the link test
    (:func:`~ona.analysis.link_significance.link_test`) draw from this one
    generator, so the same seed gives both tests the same shuffles.

    Parameters
    ----------
    n : int
        Number of people (vertices).
    permutations : int
        Number of shuffles in all.
    seed : int
        Seed of the generator.
    batch : int, optional
        Rows per yielded array (at least 1).

    Yields
    ------
    numpy.ndarray
        An int64 array of shape (rows, n), rows <= ``batch``.

    Examples
    --------
    >>> [b.shape for b in label_shuffles(4, 5, seed=0, batch=2)]
    [(2, 4), (2, 4), (1, 4)]
    """
    rng = np.random.default_rng(seed)
    batch = max(1, int(batch))
    for start in range(0, permutations, batch):
        rows = min(batch, permutations - start)
        yield np.stack([rng.permutation(n) for _ in range(rows)]).astype(np.int64, copy=False)


def shuffle_batch(n: int, block: int = BLOCK) -> int:
    """Rows per batch of :func:`label_shuffles`: whole blocks for every thread, about 64 MB of shuffles."""
    step = block * numba.get_num_threads()
    return step * max(1, _BATCH_ENTRIES // max(1, n * step))


def label_dtype(k: int) -> type[np.integer]:
    """The narrowest label type for ``k`` groups (int16 keeps a block of labels in one cache line)."""
    return np.int16 if k <= np.iinfo(np.int16).max else np.int32


@dataclass(frozen=True)
class TieLists:
    """Ties as adjacency lists of their first end (compressed sparse rows).

    The ties of vertex ``x`` are ``other[indptr[x]:indptr[x + 1]]`` (their
    second ends, increasing) with weights ``weight[...]``; each tie is
    listed once.
    """

    indptr: np.ndarray
    other: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> TieLists:
        """Lists of the ties ``(u[i], v[i], w[i])`` over ``n`` vertices."""
        u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
        w = np.asarray(w, dtype=np.float64)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
        step, same = np.diff(u), u[1:] == u[:-1]
        if bool(np.all((step > 0) | (same & (v[1:] >= v[:-1])))):  # igraph's order already: no sort
            return cls(indptr, v.astype(np.int32), np.ascontiguousarray(w))
        order = np.lexsort((v, u))
        return cls(indptr, v[order].astype(np.int32), w[order])


def internal_null(ties: TieLists, membership: np.ndarray, perms: np.ndarray, observed: np.ndarray,
                  tol: float, *, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the shuffles ``membership[perms[r]]``: sums of ``I - observed``, of its square, and #{I >= observed - tol}.

    ``I`` is every group's internal weight (the weight of ties with both
    ends in it), ``observed`` its value to shift by (length k). ``block``
    shuffles share a pass over the ties (1 for a single labelling).

    >>> ties = TieLists.of(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([1.0, 2.0, 4.0]), 3)
    >>> s1, s2, ge = internal_null(ties, np.array([0, 0, 1]), np.array([[0, 1, 2], [2, 1, 0]]), np.zeros(2), 0.0)
    >>> s1.tolist()  # group 0 on {0, 1} holds the 0-1 tie (1), then on {2, 1} the 1-2 tie (4)
    [5.0, 0.0]
    """
    k = observed.size
    labels = np.asarray(membership).astype(label_dtype(k))
    chunks = numba.get_num_threads()
    with PARALLEL_LOCK:
        s1, s2, ge = _internal_null(ties.indptr, ties.other, ties.weight, labels, perms,
                                    np.asarray(observed, dtype=np.float64), float(tol), chunks,
                                    max(1, block))  # fmt: skip
    return s1.sum(axis=0), s2.sum(axis=0), ge.sum(axis=0)


def pair_block(k: int) -> int:
    """Shuffles per pass of :func:`pair_null`: :data:`BLOCK`, fewer when k x k accumulators are large."""
    return max(1, min(BLOCK, _PAIR_ENTRIES // max(1, 2 * k * k)))


def pair_null(ties: TieLists, cut: TieLists, membership: np.ndarray, perms: np.ndarray, observed: np.ndarray,
              tol: float, *, block: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the shuffles: sums of ``X - observed``, of its square, and #{X <= observed + tol}, per pair.

    Two statistics per pair of groups a != b: ``X[0, a, b]``, the weight of
    ``ties`` between a and b, and ``X[1, a, b]``, that weight minus the
    weight of ``cut`` (the same ties, with the part that the second
    statistic leaves out) between a and b. ``observed`` is (2, k, k); the
    returned arrays are (2, k, k) and symmetric, with 0 (sums) and the
    number of shuffles (counts) on the diagonal, which is not a pair.
    ``block`` shuffles share a pass over the ties (default
    :func:`pair_block`; 1 for a single labelling).

    >>> ties = TieLists.of(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([1.0, 2.0, 4.0]), 3)
    >>> cut = TieLists.of(np.array([1]), np.array([2]), np.array([3.0]), 3)
    >>> s1, _, _ = pair_null(ties, cut, np.array([0, 0, 1]), np.array([[0, 1, 2]]), np.zeros((2, 2, 2)), 0.0)
    >>> s1[:, 0, 1].tolist()  # between {0, 1} and {2}: ties 0-2 and 1-2 weigh 6, less 3 of cut
    [6.0, 3.0]
    """
    k = observed.shape[1]
    labels = np.asarray(membership).astype(label_dtype(k))
    chunks = numba.get_num_threads()
    with PARALLEL_LOCK:
        s1, s2, le = _pair_null(ties.indptr, ties.other, ties.weight, cut.indptr, cut.other, cut.weight, labels,
                                perms, np.asarray(observed, dtype=np.float64), float(tol), chunks,
                                max(1, block or pair_block(k)))  # fmt: skip
    s1, s2, le = s1.sum(axis=0), s2.sum(axis=0), le.sum(axis=0)
    lower = np.tril_indices(k, -1)
    for m in (s1, s2, le):
        m[:, lower[0], lower[1]] = m[:, lower[1], lower[0]]
    diagonal = np.arange(k)
    le[:, diagonal, diagonal] = perms.shape[0]
    return s1, s2, le


@numba.njit(cache=True, nogil=True)
def _fill_labels(lab: np.ndarray, membership: np.ndarray, perms: np.ndarray, r0: int, m: int) -> None:
    """lab[i, b] = membership[perms[r0 + b, i]]; columns past the m rows repeat the last (ignored)."""
    n, block = lab.shape
    for b in range(block):
        r = r0 + min(b, m - 1)
        for i in range(n):
            lab[i, b] = membership[perms[r, i]]


@numba.njit(cache=True, nogil=True, parallel=True)
def _internal_null(indptr, other, weight, membership, perms, observed, tol, chunks, block):  # noqa: ANN001, ANN202
    rows, n = perms.shape
    k = observed.size
    s1 = np.zeros((chunks, k))
    s2 = np.zeros((chunks, k))
    ge = np.zeros((chunks, k), dtype=np.int64)
    blocks = (rows + block - 1) // block
    for c in numba.prange(chunks):
        lab = np.empty((n, block), dtype=membership.dtype)
        mine = np.empty(block, dtype=membership.dtype)
        inside = np.empty(block)
        acc = np.empty((block, k))
        for blk in range(c, blocks, chunks):
            r0 = blk * block
            m = min(block, rows - r0)
            _fill_labels(lab, membership, perms, r0, m)
            acc[:] = 0.0
            for x in range(n):
                lo, hi = indptr[x], indptr[x + 1]
                if lo == hi:
                    continue
                for b in range(block):
                    mine[b] = lab[x, b]
                    inside[b] = 0.0
                # x's ties to its own shuffled group, for every shuffle of the block (vectorizes over b)
                for j in range(lo, hi):
                    y = other[j]
                    wj = weight[j]
                    for b in range(block):
                        if lab[y, b] == mine[b]:
                            inside[b] += wj
                for b in range(block):
                    acc[b, mine[b]] += inside[b]
            for b in range(m):
                for d in range(k):
                    diff = acc[b, d] - observed[d]
                    s1[c, d] += diff
                    s2[c, d] += diff * diff
                    if diff >= -tol:
                        ge[c, d] += 1
    return s1, s2, ge


@numba.njit(cache=True, nogil=True, parallel=True)
def _pair_null(indptr, other, weight, cut_indptr, cut_other, cut_weight, membership, perms, observed,  # noqa: ANN001
               tol, chunks, block):  # noqa: ANN001, ANN202
    rows, n = perms.shape
    k = observed.shape[1]
    s1 = np.zeros((chunks, 2, k, k))
    s2 = np.zeros((chunks, 2, k, k))
    le = np.zeros((chunks, 2, k, k), dtype=np.int64)
    blocks = (rows + block - 1) // block
    for c in numba.prange(chunks):
        lab = np.empty((n, block), dtype=membership.dtype)
        acc = np.empty(block * k * k)
        less = np.empty(block * k * k)
        row = np.empty(block, dtype=np.int64)
        for blk in range(c, blocks, chunks):
            r0 = blk * block
            m = min(block, rows - r0)
            _fill_labels(lab, membership, perms, r0, m)
            acc[:] = 0.0
            less[:] = 0.0
            for x in range(n):
                for b in range(block):
                    row[b] = (b * k + lab[x, b]) * k  # x's row of shuffle b's k x k matrix
                for j in range(indptr[x], indptr[x + 1]):
                    y = other[j]
                    wj = weight[j]
                    for b in range(block):
                        acc[row[b] + lab[y, b]] += wj
                for j in range(cut_indptr[x], cut_indptr[x + 1]):
                    y = cut_other[j]
                    wj = cut_weight[j]
                    for b in range(block):
                        less[row[b] + lab[y, b]] += wj
            for b in range(m):
                base = b * k * k
                for a in range(k):
                    for d in range(a + 1, k):
                        # each tie was counted one way: a pair's weight is both cells
                        x0 = acc[base + a * k + d] + acc[base + d * k + a]
                        x1 = x0 - (less[base + a * k + d] + less[base + d * k + a])
                        d0 = x0 - observed[0, a, d]
                        d1 = x1 - observed[1, a, d]
                        s1[c, 0, a, d] += d0
                        s2[c, 0, a, d] += d0 * d0
                        s1[c, 1, a, d] += d1
                        s2[c, 1, a, d] += d1 * d1
                        if d0 <= tol:
                            le[c, 0, a, d] += 1
                        if d1 <= tol:
                            le[c, 1, a, d] += 1
    return s1, s2, le
