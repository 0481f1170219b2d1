"""Sparse adjacency matrices of the collaboration graph, and masked products.

Input: a :class:`~ona.graph.model.CollabGraph`. Output: ``scipy.sparse``
CSR arrays. The person-level measures that look inside ego networks
(Burt's effective size, Gould-Fernandez brokerage) need, for every tie
``(u, w)``, a sum over the common neighbours ``v`` of ``u`` and ``w``:
``(A @ Y)[u, w]`` restricted to the ties. :func:`masked_product` computes it
row block by row block, so the two-hop products never hold more than a
bounded number of entries in memory, and no Python loop runs over ties.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from ona.graph.model import CollabGraph

#: Upper bound on the scalar products one row block may compute (about
#: 100 MB of temporaries with int64/float64 values).
BLOCK_WORK = 4_000_000


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
    """``mask * (left @ right)`` (elementwise), computed in bounded row blocks.

    Only the entries where ``mask`` is non-zero are kept, so the result has at
    most ``mask.nnz`` entries although ``left @ right`` (a two-hop product)
    may be far denser. Work is ``sum over rows u of sum over k with
    left[u, k] != 0 of nnz(right[k])``: ``sum_v deg(v)^2`` for adjacency
    matrices; rows are cut into blocks of about :data:`BLOCK_WORK` of it.

    Parameters
    ----------
    mask, left, right : scipy.sparse.csr_array
        Square matrices of the same shape; ``mask`` and ``left`` usually share
        the tie pattern.

    Returns
    -------
    scipy.sparse.csr_array
        ``mask[u, w] * sum_k left[u, k] right[k, w]``.

    Examples
    --------
    Common neighbours of the two ends of every tie of a triangle with a
    pendant vertex (0-1-2 triangle, 2-3):

    >>> import numpy as np, scipy.sparse as sp
    >>> a = sp.csr_array(np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]]))
    >>> masked_product(a, a, a).toarray().tolist()
    [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    """
    n = mask.shape[0]
    if n == 0 or mask.nnz == 0:
        return sp.csr_array(mask.shape, dtype=np.result_type(mask.dtype, left.dtype, right.dtype))
    per_row = left.astype(bool).astype(np.int64) @ np.diff(right.indptr).astype(np.int64)
    cumulative = np.cumsum(per_row)
    cuts = np.searchsorted(cumulative, np.arange(BLOCK_WORK, cumulative[-1], BLOCK_WORK), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [n]]))
    blocks = [sp.csr_array(mask[s:e].multiply(left[s:e] @ right)) for s, e in pairwise(bounds.tolist())]
    out = sp.vstack(blocks, format="csr")
    out.eliminate_zeros()
    out.sort_indices()
    return sp.csr_array(out)
