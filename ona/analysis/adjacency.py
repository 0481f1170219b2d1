"""Sparse adjacency matrices of the collaboration graph, and masked products.

Input: a :class:`~ona.graph.model.CollabGraph`. Output: ``scipy.sparse``
CSR arrays. Measures that look inside ego networks need, for every tie
``(u, w)``, a sum over the common neighbours ``v`` of ``u`` and ``w``:
``(A @ Y)[u, w]`` restricted to the ties. :func:`masked_product` computes it
with a compiled loop that never forms the two-hop product (the person
metrics use the specialised pass of :mod:`ona.analysis.ego`).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from ona.analysis.ego import BLOCKS_PER_THREAD, row_blocks
from ona.graph.model import CollabGraph
from ona.graph.shuffles import PARALLEL_LOCK


def tie_arrays(g: CollabGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tie endpoints and weights ``(u, v, w)`` as numpy arrays, in igraph's edge order."""
    return g.edges()


def adjacency(
    g: CollabGraph,
    values: np.ndarray | None = None,
    *,
    dtype: type = np.float64,
    ties: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> sp.csr_array:
    """Symmetric ``n x n`` matrix with ``values[e]`` at both ends of edge ``e``.

    Parameters
    ----------
    g : CollabGraph
        The collaboration graph (simple and undirected).
    values : numpy.ndarray, optional
        One value per edge, in igraph's edge order; 1 for every tie when
        omitted (the binary adjacency matrix). Use the weights of ``tie_arrays(g)`` for the
        weighted matrix.
    dtype : type
        Value type of the matrix.
    ties : tuple of numpy.ndarray, optional
        ``tie_arrays(g)`` when the caller already has it.

    Returns
    -------
    scipy.sparse.csr_array
        With sorted indices and no explicit zeros unless ``values`` has some.

    Examples
    --------
    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph
    >>> gr = ig.Graph(n=3, edges=[(0, 1), (1, 2)]); gr.es["weight"] = [2.0, 1.0]
    >>> adjacency(CollabGraph(gr, ("a", "b", "c"))).toarray().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    u, v, _ = tie_arrays(g) if ties is None else ties
    vals: np.ndarray = np.ones(len(u), dtype=dtype) if values is None else np.asarray(values, dtype=dtype)
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    a = sp.coo_array((np.concatenate([vals, vals]), (rows, cols)), shape=(g.n, g.n)).tocsr()
    a.sort_indices()
    return a


def row_of_entries(a: sp.csr_array) -> np.ndarray:
    """Row index of every stored entry of a CSR array (aligned with ``a.indices``)."""
    return np.repeat(np.arange(a.shape[0], dtype=np.int64), np.diff(a.indptr))


def masked_product(mask: sp.csr_array, left: sp.csr_array, right: sp.csr_array) -> sp.csr_array:
    """``mask * (left @ right)`` (elementwise), without forming ``left @ right``.

    Only the entries where ``mask`` has a stored entry are computed, so
    memory is that of the three operands and the result (at most
    ``mask.nnz`` entries) although ``left @ right`` (a two-hop product) may
    be far denser. A compiled loop over the rows u (in parallel) flags u's
    mask columns in an array over the columns, then walks every entry
    ``left[u, k]`` and every entry ``right[k, w]`` of row k, adding
    ``left[u, k] * right[k, w]`` to entry ``(u, w)`` when w is flagged. Work
    is ``sum over u of sum over k with left[u, k] != 0 of nnz(right[k])``:
    ``sum_v deg(v)^2`` for adjacency matrices.

    Parameters
    ----------
    mask, left, right : scipy.sparse.csr_array
        Square matrices of the same shape; ``mask`` and ``left`` usually share
        the tie pattern. Real or complex values.

    Returns
    -------
    scipy.sparse.csr_array
        ``mask[u, w] * sum_k left[u, k] right[k, w]``, sorted indices, no
        explicit zeros.

    Examples
    --------
    Common neighbours of the two ends of every tie of a triangle with a
    pendant vertex (0-1-2 triangle, 2-3):

    >>> import numpy as np, scipy.sparse as sp
    >>> a = sp.csr_array(np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]]))
    >>> masked_product(a, a, a).toarray().tolist()
    [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    """
    dtype = np.result_type(mask.dtype, left.dtype, right.dtype)
    mask, left, right = (_canonical(x, dtype) for x in (mask, left, right))
    work = np.diff(mask.indptr) + np.bincount(row_of_entries(left), weights=np.diff(right.indptr)[left.indices],
                                              minlength=left.shape[0])
    blocks = row_blocks(work, BLOCKS_PER_THREAD * numba.get_num_threads())
    with PARALLEL_LOCK, numba.parallel_chunksize(1):
        data = _masked_product(mask.indptr, mask.indices, mask.data, left.indptr, left.indices, left.data,
                               right.indptr, right.indices, right.data, mask.shape[1], blocks)
    out = sp.csr_array((data, mask.indices, mask.indptr), shape=mask.shape)
    out.eliminate_zeros()
    return out


def _canonical(a: sp.csr_array, dtype: np.dtype) -> sp.csr_array:
    """CSR with sorted, summed indices, int64 index arrays and values of ``dtype``."""
    a = sp.csr_array(a, dtype=dtype, copy=True)
    a.sum_duplicates()  # also sorts the indices
    a.indptr = a.indptr.astype(np.int64, copy=False)
    a.indices = a.indices.astype(np.int64, copy=False)
    return a


@numba.njit(cache=True, nogil=True, parallel=True)
def _masked_product(mask_ptr, mask_idx, mask_val, left_ptr, left_idx, left_val, right_ptr, right_idx, right_val,
                    columns, blocks):  # pragma: no cover - compiled
    """Values of ``mask * (left @ right)`` aligned with ``mask``'s entries."""
    out = np.zeros(len(mask_idx), mask_val.dtype)
    for block in numba.prange(len(blocks) - 1):
        position = np.full(columns, -1, np.int64)  # entry of (u, w) in mask, -1 if none
        for u in range(blocks[block], blocks[block + 1]):
            for j in range(mask_ptr[u], mask_ptr[u + 1]):
                position[mask_idx[j]] = j
            for a in range(left_ptr[u], left_ptr[u + 1]):
                k = left_idx[a]
                value = left_val[a]
                for b in range(right_ptr[k], right_ptr[k + 1]):
                    j = position[right_idx[b]]
                    if j >= 0:
                        out[j] += value * right_val[b]
            for j in range(mask_ptr[u], mask_ptr[u + 1]):
                position[mask_idx[j]] = -1
                out[j] *= mask_val[j]
    return out
