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
Above that, ``k`` source vertices are drawn uniformly without replacement
among the active people (seeded) and the single-source dependencies are
scaled by ``n / k`` (Brandes & Pich 2007): an unbiased estimate. Its
standard error per person is estimated from the spread of the estimates of
equal batches of sources (batch means, with the finite population
correction ``1 - k / n``), and the largest one is stated in ``method``.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality.
*Journal of Mathematical Sociology* 25(2), 163-177.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
*International Journal of Bifurcation and Chaos* 17(7), 2303-2318.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ona.graph.model import CollabGraph
from ona.progress import OnProgress, no_progress

#: Source batches used to estimate the sampling error (and to report progress).
BATCHES = 20

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
    """

    values: np.ndarray
    method: str
    exact: bool
    sources: int
    active: int
    standard_error: np.ndarray | None = None
    max_standard_error: float | None = None


def betweenness(
    g: CollabGraph,
    *,
    exact_limit: int,
    samples: int,
    seed: int,
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
        Number of sampled source vertices above the limit
        (``AnalysisParams.betweenness_samples``); exact if it is at least
        the number of active people.
    seed : int
        Seed of the source sample (a numpy generator: igraph's global
        generator is not used).
    on_progress : callable, optional
        Called as ``on_progress("betweenness", done, total)`` after each batch
        of sources.

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

    rng = np.random.default_rng(seed)
    sources = np.sort(rng.choice(active_idx, size=samples, replace=False))
    batches = [b for b in np.array_split(sources, min(BATCHES, samples)) if len(b)]
    # igraph returns sum_{s in batch} delta_s(v) / 2 for undirected graphs
    sums = np.empty((len(batches), n_all))
    for i, batch in enumerate(batches):
        sums[i] = g.graph.betweenness(directed=False, weights=lengths, sources=batch.tolist())
        on_progress("betweenness", i + 1, len(batches))
    sizes = np.array([len(b) for b in batches], dtype=np.float64)
    k = float(samples)
    mean = sums.sum(axis=0) / k  # mean per source
    batch_means = sums / sizes[:, None]
    # batch means: Var(one source) ~ sum_b k_b (mean_b - mean)^2 / (B - 1)
    per_source_var = (sizes[:, None] * (batch_means - mean) ** 2).sum(axis=0) / max(len(batches) - 1, 1)
    se_mean = np.sqrt(per_source_var / k * (1.0 - k / n))
    values = np.clip(n * mean * scale, 0.0, 1.0)
    se = n * se_mean * scale
    max_se = float(se.max()) if len(se) else 0.0
    return BetweennessResult(
        values=values,
        method=(
            f"sampled ({samples} of {n} sources, Brandes & Pich 2007; seed {seed}; tie length 1/weight; "
            f"max standard error {max_se:.2g})"
        ),
        exact=False,
        sources=samples,
        active=n,
        standard_error=se,
        max_standard_error=max_se,
    )
