"""Per-week sums for the stability resamples, compiled (numba).

Input: the weekly tie table of the store (one row per tie and week:
``edge, week, weight, relationship, handoffs``) and the group edges of the
graph. Output: for every week, the group-pair sums and the Gram matrices
that :func:`ona.analysis.stability.flag_stability` mixes into each
resample, so that a resample costs a product of small arrays, never a pass
over the ties. Split from :mod:`ona.analysis.stability` so that the
statistics and the compiled passes each have a file of their own.
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from ona.analysis.groups import GroupEdges
from ona.graph.shuffles import PARALLEL_LOCK


def column(table: pa.Table, name: str) -> np.ndarray:
    """A column as numpy, without a copy where arrow allows it (nulls become NaN)."""
    column = table.column(name)
    if column.null_count and not pa.types.is_floating(column.type):
        return column.to_numpy(zero_copy_only=False).astype(float)
    return column.to_numpy()


def week_blocks(week: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weeks with events (sorted) and every row's block: its week's index, or ``weeks.size`` if timeless.

    ``week`` is integer (every row dated) or float (NaN or infinite: a
    timeless row).
    """
    numbered = _number_weeks(week, 4 * week.size + 1_000_000)
    if numbered is not None:  # week numbers: a table beats sorting every row
        return numbered
    timeless = ~np.isfinite(week)
    dated = week[~timeless].astype(np.int64)
    weeks, inverse = np.unique(dated, return_inverse=True)
    block = np.full(week.size, weeks.size, dtype=np.int64)
    block[~timeless] = inverse
    return weeks, block


@numba.njit(cache=True, nogil=True)
def _number_weeks(week, span_limit):  # noqa: ANN001, ANN202
    """:func:`week_blocks` through a table of the weeks between the first and the last; None past ``span_limit``."""
    low, high, dated = np.int64(0), np.int64(0), 0
    for i in range(week.size):
        x = float(week[i])
        if np.isfinite(x):
            w = np.int64(week[i])
            if dated == 0 or w < low:
                low = w
            if dated == 0 or w > high:
                high = w
            dated += 1
    if dated == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(week.size, dtype=np.int64)
    span = high - low + 1
    if span > span_limit:
        return None
    index = np.zeros(span, dtype=np.int64)
    for i in range(week.size):
        if np.isfinite(float(week[i])):
            index[np.int64(week[i]) - low] = 1
    count = 0
    for j in range(span):
        present = index[j]
        index[j] = count if present else -1
        count += present
    weeks = np.empty(count, dtype=np.int64)
    for j in range(span):
        if index[j] >= 0:
            weeks[index[j]] = low + j
    block = np.empty(week.size, dtype=np.int64)
    for i in range(week.size):
        block[i] = index[np.int64(week[i]) - low] if np.isfinite(float(week[i])) else count
    return weeks, block


def week_sums(edge: np.ndarray, block: np.ndarray, columns: dict[str, np.ndarray], e: GroupEdges, n: int, k: int,
               blocks: int) -> tuple[dict[str, np.ndarray], tuple, tuple]:
    """Per week block: the k x k group sums of every column, and the Gram matrices of weight and relationship.

    The tensors are symmetric with the diagonal (I_d) counted once. With
    ``X[t, b]`` tie t's weight in block b and ``P[p, b]`` person p's, a
    resample drawing block b ``c_b`` times has ``W = sum(c @ X.T)``,
    ``Q = c @ (X.T X) @ c`` and ``S = c @ (P.T P) @ c``: each gram is
    ``(week sums, X.T X, P.T P)``. X.T X is a sum of outer products of one
    tie's few weeks, built tie by tie (never a dense ties x weeks matrix);
    P is held whole when people x weeks is at most :data:`_DENSE_PEOPLE`,
    and P.T P is otherwise summed person by person. Rows come sorted by tie
    from the store; other orders are sorted here.
    """
    names = ("weight", "relationship", "handoffs")
    values = [columns[c] for c in names]
    if not _is_sorted(edge):
        order = np.argsort(edge, kind="stable")
        edge, block, values = edge[order], block[order], [x[order] for x in values]
    cells = (e.gu * k + e.gv).astype(np.int64)
    sums, tie_gram, m, start = _week_kernel(edge, block, *values, cells, e.u, e.v, k, blocks)
    if 2 * n * blocks <= _DENSE_PEOPLE:  # every person's weight per week at once: P.T P is a matrix product
        people = _people_by_week(edge, block, values[0], values[1], e.u, e.v, n, blocks)
        person_gram = np.stack([people[c].T @ people[c] for c in range(2)])
    else:  # too many people x weeks to hold: person by person
        first, incident = _incidence(e.u, e.v, n)
        with PARALLEL_LOCK:
            person_gram = _person_gram(start, block, values[0], values[1], first, incident, blocks)
    diagonal = np.einsum("cbii->cbi", m).copy()
    m = m + m.transpose(0, 1, 3, 2)
    m[:, :, np.arange(k), np.arange(k)] = diagonal
    tensors = {c: m[i] for i, c in enumerate(names)}
    return tensors, (sums[0], tie_gram[0], person_gram[0]), (sums[1], tie_gram[1], person_gram[1])


@numba.njit(cache=True, nogil=True)
def _is_sorted(a):  # noqa: ANN001, ANN202
    for i in range(1, a.size):
        if a[i] < a[i - 1]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _week_kernel(edge, block, weight, relationship, handoffs, cells, u, v, k, blocks):  # noqa: ANN001, ANN202
    """Over rows sorted by tie: the week sums, X.T X of weight and relationship, the tensors, each tie's rows."""
    edges = u.size
    start = np.zeros(edges + 1, dtype=np.int64)  # each tie's run of rows
    for r in range(edge.size):
        start[edge[r] + 1] += 1
    for t in range(edges):
        start[t + 1] += start[t]
    sums = np.zeros((2, blocks))
    tie_gram = np.zeros((2, blocks, blocks))
    tensor = np.zeros((3, blocks, k * k))
    vec = np.zeros((blocks, 2))
    seen = np.zeros(blocks, dtype=np.bool_)
    touched = np.empty(blocks, dtype=np.int64)
    for t in range(edges):  # tie by tie: X.T X, the week sums and the tensors
        m = 0
        for r in range(start[t], start[t + 1]):
            b = block[r]
            m = _accumulate(vec, seen, touched, m, b, weight[r], relationship[r])
            tensor[0, b, cells[t]] += weight[r]
            tensor[1, b, cells[t]] += relationship[r]
            tensor[2, b, cells[t]] += handoffs[r]
        _add_outer(tie_gram, vec, touched, m, seen)
    for r in range(edge.size):
        sums[0, block[r]] += weight[r]
        sums[1, block[r]] += relationship[r]
    return sums, tie_gram, tensor.reshape(3, blocks, k, k), start


#: people x weeks entries up to which P is held whole (2 columns: 256 MB)
_DENSE_PEOPLE = 32_000_000


@numba.njit(cache=True, nogil=True)
def _people_by_week(edge, block, weight, relationship, u, v, n, blocks):  # noqa: ANN001, ANN202
    """P of weight and relationship: every person's weight in every week block, (2, n, blocks)."""
    people = np.zeros((2, n, blocks))
    for r in range(edge.size):
        t, b = edge[r], block[r]
        people[0, u[t], b] += weight[r]
        people[0, v[t], b] += weight[r]
        people[1, u[t], b] += relationship[r]
        people[1, v[t], b] += relationship[r]
    return people


@numba.njit(cache=True, nogil=True)
def _incidence(u, v, n):  # noqa: ANN001, ANN202
    """Every person's ties, person by person (a counting sort of both ends): (first, incident)."""
    edges = u.size
    first = np.zeros(n + 1, dtype=np.int64)
    for t in range(edges):
        first[u[t] + 1] += 1
        first[v[t] + 1] += 1
    for p in range(n):
        first[p + 1] += first[p]
    fill = first[:-1].copy()
    incident = np.empty(2 * edges, dtype=np.int64)
    for t in range(edges):
        incident[fill[u[t]]] = t
        fill[u[t]] += 1
        incident[fill[v[t]]] = t
        fill[v[t]] += 1
    return first, incident


@numba.njit(cache=True, nogil=True, inline="always")
def _accumulate(vec, seen, touched, m, b, weight, relationship):  # noqa: ANN001, ANN202
    """Add a row's weight and relationship to block ``b`` of ``vec``; ``m``, the touched blocks, counted on."""
    if not seen[b]:
        seen[b] = True
        touched[m] = b
        m += 1
    vec[b, 0] += weight
    vec[b, 1] += relationship
    return m


@numba.njit(cache=True, nogil=True)
def _add_outer(gram, vec, touched, m, seen):  # noqa: ANN001, ANN202
    """gram[c] += outer(vec[:, c], vec[:, c]) over the ``m`` touched blocks; then clear them."""
    for i in range(m):
        bi = touched[i]
        for j in range(m):
            bj = touched[j]
            gram[0, bi, bj] += vec[bi, 0] * vec[bj, 0]
            gram[1, bi, bj] += vec[bi, 1] * vec[bj, 1]
    for i in range(m):
        b = touched[i]
        seen[b] = False
        vec[b, 0] = 0.0
        vec[b, 1] = 0.0


#: people per share of the P.T P pass (a fixed split: the sum's order does not depend on the threads)
_PEOPLE_SHARE = 4096


@numba.njit(cache=True, nogil=True, parallel=True)
def _person_gram(start, block, weight, relationship, first, incident, blocks):  # noqa: ANN001, ANN202
    """P.T P of weight and relationship, person by person (each share of people on one thread)."""
    n = first.size - 1
    shares = max(1, (n + _PEOPLE_SHARE - 1) // _PEOPLE_SHARE)
    grams = np.zeros((shares, 2, blocks, blocks))
    for s in numba.prange(shares):
        vec = np.zeros((blocks, 2))
        seen = np.zeros(blocks, dtype=np.bool_)
        touched = np.empty(blocks, dtype=np.int64)
        for p in range(s * _PEOPLE_SHARE, min(n, (s + 1) * _PEOPLE_SHARE)):
            m = 0
            for i in range(first[p], first[p + 1]):
                t = incident[i]
                for r in range(start[t], start[t + 1]):
                    m = _accumulate(vec, seen, touched, m, block[r], weight[r], relationship[r])
            _add_outer(grams[s], vec, touched, m, seen)
    out = np.zeros((2, blocks, blocks))
    for s in range(shares):
        out += grams[s]
    return out
