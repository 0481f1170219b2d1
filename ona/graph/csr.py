"""Neighbour lists of a graph's ties, built by a compiled counting sort.

Input: tie endpoints ``u``, ``v`` (person indexes below ``n``) and one
value per tie. Output: CSR arrays in which each tie appears twice, once
under each end, in tie order within a row.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def neighbour_lists(n, u, v, values):  # noqa: ANN001, ANN201 # pragma: no cover - compiled
    """Both directions of the ties ``(u, v, values)`` grouped by tail.

    Returns ``(indptr, indices, row_values)``: the neighbours of ``x`` are
    ``indices[indptr[x]:indptr[x + 1]]`` (int32) with their tie's value
    (float64) beside them, in tie order (rows are sorted when the ties are
    sorted by ``(u, v)``).
    """
    m = len(u)
    indptr = np.zeros(n + 1, np.int64)
    for e in range(m):
        indptr[u[e] + 1] += 1
        indptr[v[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(2 * m, np.int32)
    row_values = np.empty(2 * m, np.float64)
    for e in range(m):
        a, b = u[e], v[e]
        indices[fill[a]] = b
        row_values[fill[a]] = values[e]
        fill[a] += 1
        indices[fill[b]] = a
        row_values[fill[b]] = values[e]
        fill[b] += 1
    return indptr, indices, row_values
