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
not rescale everyone's betweenness. Path lengths equal within a relative
``1e-9`` count as equal paths (igraph's comparison).

The shortest-path searches are compiled (:mod:`ona.analysis.shortest_paths`:
one Dijkstra search per source over the ties that can lie on a shortest
path, the sources spread over the cores).

Exact (Brandes 2001) when there are at most ``exact_limit`` active people.
Above that, sources are drawn uniformly without replacement among the
active people (seeded) and each contributes its *linearly scaled*
dependency (Geisberger, Sanders & Schultes 2008: a pair's share of v
weighted by how far along the path v stands, ``d(s, v) / d(s, t)``; the two
ends of a pair give v ``1`` together), scaled by ``n / k``: an unbiased
estimate that ranks brokers far better than Brandes & Pich's plain
dependency for the same number of shortest-path searches (it gives little
to the neighbours of a sampled source). The number of sources ``k`` is
adaptive: ``samples`` first, then times 1.5 (up to ``max_samples``, and
up to ``max_work`` tie visits: sources times the ties that can lie on a
shortest path, which bounds the time on the largest graphs) until the
ranking of the ``top`` brokers is stable to ``tolerance``. Stability
is measured by splitting the batches of sources (8 each) into two
independent halves at random, :data:`SPLITS` times (seeded): the share of
the top ``top`` of one half that the other half ranks elsewhere, averaged
over the splits, is the *disagreement*. Each half has twice the variance of
the whole estimate, so the two halves differ from each other by twice the
spread (standard deviation) by which the whole differs from the exact
values, and the share of the top that crosses the boundary grows in
proportion to that spread: the *estimated ranking error* of the whole is
half the disagreement (times the finite population correction
``sqrt(1 - k / n)``: every source gives the exact values), and sources are
added until it is at most ``tolerance`` (``benchmarks/bench_brokers.py``
checks it against exact values: at 10,000 people, over 8 seeds with the
default parameters, 2,570 to 3,855 sources, stated 3.9% on average and
measured 4.2%, every seed finding at least 94% of the exact top 50; the
disagreement itself is a conservative bound). Both are stated in
``method`` with the sources used. The standard error per person is
estimated from the spread of the estimates of the batches of sources
(batch means, with the finite population correction ``1 - k / n``), and the
largest one is stated too.

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

from ona.analysis.shortest_paths import Adjacency, dependency_sums
from ona.graph.model import CollabGraph
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress

#: Sources per batch of the sampled computation: the units of the standard error
#: (batch means) and of the random halves.
SOURCE_BATCH = 8

#: Most sources per compiled call; progress is reported after each (a call over
#: 256 sources takes well under a second at 10,000 people, and holds no lock on
#: Python: the searches release the GIL).
ROUND = 256

#: Random splits of the batches into two halves whose disagreements are averaged.
SPLITS = 16

#: Sources are multiplied by this until the ranking is stable.
GROWTH = 1.5


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
    tolerance: float = 0.05,
    max_samples: int = 4000,
    max_work: int = 3_000_000_000,
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
        mean disagreement of random halves of the sources, times
        ``sqrt(1 - k / n)``; ``AnalysisParams.betweenness_tolerance``).
    max_samples : int
        Most sources used (``AnalysisParams.betweenness_max_samples``; never
        fewer than ``samples``); the method says when the tolerance is not met.
    max_work : int
        Most tie visits: sources times the ties of the shortest-path
        skeleton (``AnalysisParams.betweenness_max_work``); it lowers
        ``max_samples`` on the largest graphs (never below ``samples``).
    on_progress : callable, optional
        Called as ``on_progress("betweenness", done, total)`` after each round
        of at most :data:`ROUND` sources (``total`` the most sources that may be used).

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
    adj = Adjacency.of(g).skeleton()
    if n <= exact_limit or samples >= n:
        on_progress("betweenness", 0, n)
        raw = np.zeros(n_all)
        # sum over every active source of Brandes' dependency delta_s(v), halved, is the exact betweenness
        for lo in range(0, n, ROUND):
            raw += dependency_sums(adj, active_idx[lo : lo + ROUND], batch=SOURCE_BATCH, linear=False).sum(axis=0)
            on_progress("betweenness", min(lo + ROUND, n), n)
        return BetweennessResult(
            values=np.clip(raw / 2 * scale, 0.0, 1.0),
            method=f"exact (Brandes 2001; all {n} active people as sources; tie length 1/weight)",
            exact=True,
            sources=n,
            active=n,
        )

    within_work = max_work // max(len(adj.head) // 2, 1)  # sources whose searches visit at most max_work ties
    return _sampled(adj, active_idx, samples=samples, seed=seed, top=top, tolerance=tolerance,
                    max_samples=min(max_samples, within_work), on_progress=on_progress)  # fmt: skip


def analysis_betweenness(g: CollabGraph, params: AnalysisParams, *,
                         on_progress: OnProgress = no_progress) -> BetweennessResult:
    """:func:`betweenness` with an analysis' parameters (``betweenness_*`` and ``seed``)."""
    return betweenness(
        g, exact_limit=params.betweenness_exact_limit, samples=params.betweenness_samples, seed=params.seed,
        top=params.betweenness_top, tolerance=params.betweenness_tolerance,
        max_samples=params.betweenness_max_samples, max_work=params.betweenness_max_work, on_progress=on_progress,
    )  # fmt: skip


def _ranking_error(disagreement: float, sources: int, n: int) -> float:
    """Estimated share of the top ranked wrongly by all the sources (module docstring)."""
    return disagreement / 2 * float(np.sqrt(max(0.0, 1.0 - sources / n)))


def _top_set(values: np.ndarray, candidates: np.ndarray, top: int) -> set[int]:
    """The ``top`` candidates of highest value."""
    if top >= len(candidates):
        return set(candidates.tolist())
    return set(candidates[np.argpartition(-values[candidates], top - 1)[:top]].tolist())


def _disagreement(sums: np.ndarray, sizes: np.ndarray, candidates: np.ndarray, top: int, seed: int) -> float:
    """Mean share of one random half's top ``top`` that the other half ranks elsewhere (:data:`SPLITS` splits)."""
    rng = np.random.default_rng([seed, len(sums)])  # the same splits for the same batches
    halves = np.zeros((SPLITS, len(sums)))
    for row in halves:
        row[rng.permutation(len(sums))[: len(sums) // 2]] = 1.0
    a, k_a = halves @ sums, halves @ sizes  # each split's half A, in one product
    b, k_b = sums.sum(axis=0) - a, sizes.sum() - k_a
    shares = [
        1.0 - len(_top_set(a[i] / k_a[i], candidates, top) & _top_set(b[i] / k_b[i], candidates, top)) / top
        for i in range(SPLITS)
    ]
    return float(np.mean(shares))


def _sampled(
    adj: Adjacency,
    active_idx: np.ndarray,
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
    scale = 2.0 / ((n - 1) * (n - 2))
    cap = max(samples, min(max_samples, n))
    order = np.random.default_rng(seed).permutation(active_idx)  # sources, a uniform order
    k_top = min(top, n)
    # per-batch sums of linearly scaled dependencies and sources per batch (each call adds at most
    # one short batch: rows for cap / SOURCE_BATCH full ones, one per call and one per growth step)
    sums = np.empty((cap // SOURCE_BATCH + 2 * (cap // ROUND) + 64, adj.n))
    sizes = np.empty(len(sums))
    rows = 0
    done = 0
    target = min(samples, cap)
    disagreement = 1.0
    while True:
        while done < target:
            chunk = order[done : min(done + ROUND, target)]
            part = dependency_sums(adj, chunk, batch=SOURCE_BATCH, linear=True)
            sums[rows : rows + len(part)] = part
            sizes[rows : rows + len(part)] = SOURCE_BATCH
            sizes[rows + len(part) - 1] = len(chunk) - SOURCE_BATCH * (len(part) - 1)
            rows += len(part)
            done += len(chunk)
            on_progress("betweenness", done, cap)
        if rows > 1:
            disagreement = _disagreement(sums[:rows], sizes[:rows], active_idx, k_top, seed)
        if _ranking_error(disagreement, done, n) <= tolerance or done >= cap:
            break
        target = min(int(np.ceil(GROWTH * done)), cap)
    sums, sizes = sums[:rows], sizes[:rows]
    on_progress("betweenness", cap, cap)

    k = float(done)
    mean = sums.sum(axis=0) / k  # mean per source
    # batch means: Var(one source) ~ sum_b k_b (mean_b - mean)^2 / (B - 1) (a row at a time: no B x n temporaries)
    per_source_var = np.zeros(adj.n)
    for row, size in zip(sums, sizes, strict=True):
        gap = row / size - mean
        per_source_var += size * gap * gap
    per_source_var /= max(len(sizes) - 1, 1)
    se = n * np.sqrt(per_source_var / k * (1.0 - k / n)) * scale
    values = np.clip(n * mean * scale, 0.0, 1.0)
    max_se = float(se.max()) if len(se) else 0.0
    error = _ranking_error(disagreement, done, n)
    met = "met" if error <= tolerance else f"not met with the most sources, {cap}"
    return BetweennessResult(
        values=values,
        method=(
            f"sampled ({done} of {n} sources, linear scaling of Geisberger, Sanders & Schultes 2008; "
            f"top {k_top} brokers: estimated {error:.0%} ranked wrongly, tolerance {tolerance:.0%} "
            f"({met}; two random halves of the sources differ on {disagreement:.0%}); seed {seed}; "
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
