"""Weighted betweenness of every person: exact, or sampled with a stated error.

Input: a :class:`~ona.graph.model.CollabGraph`. Output: a
:class:`BetweennessResult` (one normalized value per vertex, the method and
its error).

Tie weights are collaboration strengths, so a strong tie is a *short*
path: the length of a tie is ``1 / w``, and a path's length is the sum of
its ties' lengths. The betweenness of v is

    ``B(v) = sum over unordered pairs {s, t} (s, t != v) of sigma_st(v) / sigma_st``

(``sigma_st`` shortest s-t paths, ``sigma_st(v)`` of them through v),
normalized by the number of pairs ``(n - 1)(n - 2) / 2`` with ``n`` the number
of *active* people (at least one tie): a value in [0, 1], the share of pairs
of active people whose shortest paths v carries. This is
``networkx.betweenness_centrality(G, weight="distance", normalized=True)``
with ``distance = 1 / weight`` on the graph of active people; inactive people
are left out of ``n`` so that adding people without ties to people.csv does
not rescale everyone's betweenness.

Exact (Brandes 2001) when there are at most ``exact_limit`` active people.
Above that, sources are drawn uniformly without replacement among the
active people (seeded) and each contributes its *linearly scaled*
dependency (Geisberger, Sanders & Schultes 2008; see
:func:`linear_dependency`), scaled by ``n / k``: an unbiased estimate that
ranks brokers far better than Brandes & Pich's plain dependency for the same
number of shortest-path searches. The number of sources ``k`` is adaptive:
``samples`` first, then doubled (up to ``max_samples``) until the ranking
of the ``top`` brokers is stable to ``tolerance``. Stability is measured by
splitting the sources into two independent halves (alternate batches): the
share of the top ``top`` of one half that the other half ranks elsewhere is
the *disagreement*. Each half has twice the variance of the whole estimate,
so the two halves differ from each other by twice the spread (standard
deviation) by which the whole differs from the exact values, and the share of
the top that crosses the boundary grows in proportion to that spread: the
*estimated ranking error* of the whole is half the disagreement (times the
finite population correction ``sqrt(1 - k / n)``: every source gives the exact
values), and sources are added until it is at most ``tolerance``
(``benchmarks/bench_brokers.py`` checks it against exact values; the
disagreement itself is a conservative bound). Both are stated in ``method``
with the sources used.
The standard error per person is estimated from the spread of the
estimates of the batches of sources (batch means, with the finite population
correction ``1 - k / n``), and the largest one is stated too.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality.
*Journal of Mathematical Sociology* 25(2), 163-177.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
*International Journal of Bifurcation and Chaos* 17(7), 2303-2318.
Geisberger, R., Sanders, P. & Schultes, D. (2008). Better approximation of
betweenness centrality. *ALENEX 2008*, 90-100.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ona.graph.model import CollabGraph
from ona.progress import OnProgress, no_progress

#: Sources per igraph distance call of the sampled computation (the batches
#: of the standard error and of the two halves; progress is reported per batch).
SOURCE_BATCH = 8

#: Sources per igraph call of the exact computation. igraph holds Python's GIL
#: for a whole call: one call over 1,000 people blocks every other thread of the
#: server (its HTTP reads) for about a second; batches of this size keep each
#: hold to tens of milliseconds, for a few per cent more time.
EXACT_BATCH = 50


@dataclass(frozen=True)
class BetweennessResult:
    """Normalized weighted betweenness per vertex and how it was obtained.

    Attributes
    ----------
    values : numpy.ndarray
        Betweenness per vertex in [0, 1] (0 for inactive people).
    method : str
        ``"exact (...)"`` or ``"sampled (k of n sources, ...)"`` with the
        tolerance asked for the top ``top``, the disagreement achieved and the
        largest standard error; the pipeline reports it as
        ``summary.betweenness_method``.
    exact : bool
        Whether every active person was a source.
    sources : int
        Number of source vertices used.
    active : int
        Number of active people ``n`` (the normalization uses it).
    standard_error : numpy.ndarray or None
        Estimated standard error per vertex (normalized units); None when exact.
    max_standard_error : float or None
        The largest of them; None when exact.
    top : int or None
        Size of the ranking the sampling was made stable for; None when exact.
    top_disagreement : float or None
        Share of the top ``top`` of one half of the sources that the other
        half does not rank there (conservative for the whole estimate); None
        when exact.
    top_error : float or None
        Estimated share of the stated top ``top`` that exact values would
        rank elsewhere: half the disagreement times ``sqrt(1 - sources / active)``;
        None when exact.
    """

    values: np.ndarray
    method: str
    exact: bool
    sources: int
    active: int
    standard_error: np.ndarray | None = None
    max_standard_error: float | None = None
    top: int | None = None
    top_disagreement: float | None = None
    top_error: float | None = None


def betweenness(
    g: CollabGraph,
    *,
    exact_limit: int,
    samples: int,
    seed: int,
    top: int = 50,
    tolerance: float = 0.1,
    max_samples: int = 100,
    on_progress: OnProgress = no_progress,
) -> BetweennessResult:
    """Normalized weighted betweenness, exact or sampled (see the module docstring).

    Parameters
    ----------
    g : CollabGraph
        Undirected collaboration graph; tie length is ``1 / weight``.
    exact_limit : int
        Exact computation when the number of active people is at most this
        (``AnalysisParams.betweenness_exact_limit``).
    samples : int
        Number of sampled source vertices above the limit to start with
        (``AnalysisParams.betweenness_samples``); exact if it is at least
        the number of active people.
    seed : int
        Seed of the source sample (a numpy generator: igraph's global
        generator is not used).
    top : int
        Size of the ranking of brokers to make stable
        (``AnalysisParams.betweenness_top``).
    tolerance : float
        Largest estimated share of the top ``top`` ranked wrongly (half the
        disagreement of two independent halves of the sources;
        ``AnalysisParams.betweenness_tolerance``).
    max_samples : int
        Most sources used (``AnalysisParams.betweenness_max_samples``; never
        fewer than ``samples``); the method says when the tolerance is not met.
    on_progress : callable, optional
        Called as ``on_progress("betweenness", done, total)`` after each batch
        of sources (``total`` the most sources that may be used).

    Returns
    -------
    BetweennessResult

    Examples
    --------
    In the path ann - bob - cat - dan, bob carries the pairs {ann, cat} and
    {ann, dan}: 2 of the 3 pairs without him. eve has no tie and is not
    counted in n = 4.

    >>> import igraph as ig
    >>> from ona.graph.model import CollabGraph
    >>> gr = ig.Graph(n=5, edges=[(0, 1), (1, 2), (2, 3)]); gr.es["weight"] = [1.0, 2.0, 1.0]
    >>> r = betweenness(CollabGraph(gr, ("ann", "bob", "cat", "dan", "eve")), exact_limit=100, samples=10, seed=0)
    >>> [round(float(x), 4) for x in r.values], r.exact
    ([0.0, 0.6667, 0.6667, 0.0, 0.0], True)
    """
    n_all = g.n
    active_idx = np.flatnonzero(np.asarray(g.graph.degree(), dtype=np.int64) > 0) if n_all else np.zeros(0, np.int64)
    n = len(active_idx)
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    # a list: igraph converts a numpy array again on every call
    lengths = (1.0 / g.edge_attr(g.weight)).tolist() if g.graph.ecount() else None
    if n <= exact_limit or samples >= n:
        on_progress("betweenness", 0, 1)
        raw = np.zeros(n_all)
        # sum over every active source of delta_s(v) / 2 (see below) is the exact betweenness
        exact_batches = [b.tolist() for b in np.array_split(active_idx, max(1, -(-n // EXACT_BATCH))) if len(b)]
        for batch in exact_batches:
            raw += g.graph.betweenness(directed=False, weights=lengths, sources=batch)
        on_progress("betweenness", 1, 1)
        return BetweennessResult(
            values=np.clip(raw * scale, 0.0, 1.0),
            method=f"exact (Brandes 2001; all {n} active people as sources; tie length 1/weight)",
            exact=True,
            sources=n,
            active=n,
        )

    return _sampled(g, active_idx, lengths, samples=samples, seed=seed, top=top, tolerance=tolerance,
                    max_samples=max_samples, on_progress=on_progress)


class _Directed:
    """Both directions of every tie (tail, head, length; sorted by head) and reused work arrays."""

    def __init__(self, g: CollabGraph, lengths: list[float]) -> None:
        u, v, _ = g.edges()
        length = np.asarray(lengths, dtype=np.float64)
        head = np.concatenate([v, u])
        order = np.argsort(head, kind="stable")  # gathers by head then read memory in order
        self.tail = np.concatenate([u, v])[order]
        self.head = head[order]
        self.length = np.concatenate([length, length])[order]
        self.n = g.n
        # one allocation per computation, not per source (fresh 16 MB arrays cost page faults)
        self._slack = np.empty(len(order))
        self._bound = np.empty(len(order))
        self._tight = np.empty(len(order), dtype=bool)

    def tight(self, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Arcs (tail, head) on a shortest path from the source of ``dist``."""
        slack, bound, tight = self._slack, self._bound, self._tight
        with np.errstate(invalid="ignore"):
            np.take(dist, self.head, out=bound)
            np.take(dist, self.tail, out=slack)
            slack += self.length
            slack -= bound
            np.abs(slack, out=slack)
            bound *= 1e-9
            np.less_equal(slack, bound, out=tight)
        return self.tail[tight], self.head[tight]


def linear_dependency(dist: np.ndarray, source: int, arcs: _Directed) -> np.ndarray:
    """Linearly scaled dependency of ``source`` on every vertex (Geisberger et al. 2008).

    ``delta'_s(v) = sum over t of sigma_st(v) / sigma_st * d(s, v) / d(s, t)``: a
    pair's share of v weighted by how far along the path v lies. Summed over
    every source it is the betweenness itself (the two ends of a pair give v
    ``d(s, v) / d(s, t) + d(t, v) / d(t, s) = 1``), so sampled sources give an
    unbiased estimate; unlike Brandes & Pich's plain dependency it gives
    little to a vertex next to the source (whose whole shortest-path tree may
    hang below it), the heavy tail that makes uniform sampling rank poorly.

    ``dist`` is the distance row of ``source`` (igraph); the shortest-path DAG
    is the set of arcs with ``d(a) + length == d(b)`` (relative tolerance 1e-9, as
    igraph compares lengths), processed level by level (a vertex's level is
    the most arcs on a shortest path to it) with vectorized sums.
    """
    n = arcs.n
    a, b = arcs.tight(dist)
    if len(a) == 0:
        return np.zeros(n)
    level = np.zeros(n, dtype=np.int64)
    while True:  # longest arc count from the source: one pass per level of the DAG
        nxt = level.copy()
        np.maximum.at(nxt, b, level[a] + 1)
        if np.array_equal(nxt, level):
            break
        level = nxt
    head_level = level[b]
    order = np.argsort(head_level, kind="stable")
    a, b, head_level = a[order], b[order], head_level[order]
    bounds = np.searchsorted(head_level, np.arange(int(head_level[-1]) + 2))
    sigma = np.zeros(n)
    sigma[source] = 1.0
    for lv in range(1, len(bounds) - 1):  # shortest-path counts, nearest first
        i, j = bounds[lv], bounds[lv + 1]
        sigma += np.bincount(b[i:j], weights=sigma[a[i:j]], minlength=n)
    delta = np.zeros(n)
    for lv in range(len(bounds) - 2, 0, -1):  # dependencies, farthest first
        i, j = bounds[lv], bounds[lv + 1]
        x, w = a[i:j], b[i:j]
        delta += np.bincount(x, weights=sigma[x] / sigma[w] * dist[x] / dist[w] * (1.0 + delta[w]), minlength=n)
    delta[source] = 0.0
    return delta


def _ranking_error(disagreement: float, sources: int, n: int) -> float:
    """Estimated share of the top ranked wrongly by all the sources (module docstring)."""
    return disagreement / 2 * float(np.sqrt(max(0.0, 1.0 - sources / n)))


def _top_set(values: np.ndarray, candidates: np.ndarray, top: int) -> set[int]:
    """The ``top`` candidates of highest value (ties by vertex index)."""
    order = np.lexsort((candidates, -values[candidates]))
    return set(candidates[order[:top]].tolist())


def _sampled(
    g: CollabGraph,
    active_idx: np.ndarray,
    lengths: list[float],
    *,
    samples: int,
    seed: int,
    top: int,
    tolerance: float,
    max_samples: int,
    on_progress: OnProgress,
) -> BetweennessResult:
    """Adaptive sampled betweenness (see the module docstring)."""
    n = len(active_idx)
    n_all = g.n
    scale = 2.0 / ((n - 1) * (n - 2))
    cap = max(samples, min(max_samples, n))
    order = np.random.default_rng(seed).permutation(active_idx)  # sources, a uniform order
    arcs = _Directed(g, lengths)
    k_top = min(top, n)
    # per-batch sums of dependencies; even batches form half A, odd ones half B
    sums: list[np.ndarray] = []
    sizes: list[int] = []
    done = 0
    target = min(samples, cap)
    agreement = 0.0
    while True:
        while done < target:
            batch = order[done : min(done + SOURCE_BATCH, target)]
            dist = np.asarray(g.graph.distances(source=batch.tolist(), weights=lengths), dtype=np.float64)
            total = np.zeros(n_all)
            for row, s in zip(dist, batch):
                total += linear_dependency(row, int(s), arcs)
            sums.append(total)
            sizes.append(len(batch))
            done += len(batch)
            on_progress("betweenness", done, cap)
        half_a = np.sum(sums[0::2], axis=0) / max(sum(sizes[0::2]), 1)
        half_b = np.sum(sums[1::2], axis=0) / max(sum(sizes[1::2]), 1)
        agreement = len(_top_set(half_a, active_idx, k_top) & _top_set(half_b, active_idx, k_top)) / k_top
        if _ranking_error(1.0 - agreement, done, n) <= tolerance or done >= cap:
            break
        target = min(2 * done, cap)
    on_progress("betweenness", cap, cap)

    stacked = np.asarray(sums)
    size = np.asarray(sizes, dtype=np.float64)
    k = float(done)
    mean = stacked.sum(axis=0) / k  # mean per source
    # batch means: Var(one source) ~ sum_b k_b (mean_b - mean)^2 / (B - 1)
    per_source_var = (size[:, None] * (stacked / size[:, None] - mean) ** 2).sum(axis=0) / max(len(sizes) - 1, 1)
    se = n * np.sqrt(per_source_var / k * (1.0 - k / n)) * scale
    values = np.clip(n * mean * scale, 0.0, 1.0)
    max_se = float(se.max()) if len(se) else 0.0
    disagreement = 1.0 - agreement
    error = _ranking_error(disagreement, done, n)
    met = "met" if error <= tolerance else f"not met with the most sources, {cap}"
    return BetweennessResult(
        values=values,
        method=(
            f"sampled ({done} of {n} sources, linear scaling of Geisberger, Sanders & Schultes 2008; "
            f"top {k_top} brokers: estimated {error:.0%} ranked wrongly, tolerance {tolerance:.0%} "
            f"({met}; two independent halves of the sources differ on {disagreement:.0%}); seed {seed}; "
            f"tie length 1/weight; max standard error {max_se:.2g})"
        ),
        exact=False,
        sources=done,
        active=n,
        standard_error=se,
        max_standard_error=max_se,
        top=k_top,
        top_disagreement=disagreement,
        top_error=error,
    )
