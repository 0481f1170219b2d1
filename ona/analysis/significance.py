"""Is a group more inward than chance? A label-permutation test on I_d.

Input: :class:`CollabGraph` + :class:`Partition`; output:
:class:`InsularityTest`, numpy arrays indexed like ``partition.names``.

The null hypothesis is that group labels carry no information about who
works with whom: the ties stay as observed and the group labels are
shuffled over all people (active or not), so every group keeps its
headcount. The statistic is each group's internal weight I_d. With P
shuffles drawn from ``numpy.random.default_rng(seed)``:

- ``z = (I_d - mean) / sd`` over the shuffles (``sd`` with ddof=1); NaN
  when the shuffles never change I_d (``sd = 0``, e.g. a one-person group);
- ``p_raw = (1 + #{shuffles with I >= I_d}) / (P + 1)``, one-sided, never 0;
- ``p_adjusted``: Benjamini-Hochberg over all groups of the partition.

The shuffles come from :func:`~ona.graph.shuffles.label_shuffles` and
every one of them is a pass over the ties, compiled and shared by a block of
shuffles (:func:`~ona.graph.shuffles.internal_null`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ona.analysis.groups import group_edges
from ona.errors import ParameterError
from ona.graph.model import CollabGraph, Partition
from ona.graph.shuffles import TieLists, internal_null, label_shuffles, shuffle_batch

__all__ = ["InsularityTest", "benjamini_hochberg", "insularity_test", "label_shuffles"]


@dataclass(frozen=True)
class InsularityTest:
    """Permutation test of every group's internal weight (arrays by group index).

    ``z`` is NaN where it is undefined; the caller turns NaN into null.
    """

    groups: tuple[str, ...]
    observed: np.ndarray
    null_mean: np.ndarray
    null_sd: np.ndarray
    z: np.ndarray
    p_raw: np.ndarray
    p_adjusted: np.ndarray
    permutations: int
    seed: int


def insularity_test(g: CollabGraph, partition: Partition, *, permutations: int, seed: int) -> InsularityTest:
    """Permutation z-score and p-value of every group's internal weight I_d.

    Shuffles group labels over people (group sizes kept) ``permutations``
    times; ``z = (I_d - mean) / sd`` (unitless, NaN when ``sd = 0``),
    ``p_raw = (1 + #{I_shuffled >= I_d}) / (permutations + 1)`` in
    (0, 1], ``p_adjusted`` its Benjamini-Hochberg adjustment over the groups.
    The same graph, partition and seed give the same arrays.

    Parameters
    ----------
    g : CollabGraph
        The collaboration graph.
    partition : Partition
        The group of every vertex.
    permutations : int
        Number of label shuffles (at least 1).
    seed : int
        Seed of the ``numpy.random.Generator`` drawing the shuffles.

    Returns
    -------
    InsularityTest
        Arrays indexed like ``partition.names``.

    Raises
    ------
    ParameterError
        ``permutations`` is below 1.

    Examples
    --------
    Two pairs, each tied inside (weight 5), and one weak cross tie a2-b1.
    A shuffle gives A's two labels to one of 4!/(2! 2!) = 6 pairs of
    people; I_A >= 5 when they land on {a1, a2} or {b1, b2}, so
    p_raw is about 2/6 = 1/3: four people cannot show a silo.

    >>> import pyarrow as pa
    >>> from ona.graph.build import build_graph, partition_of
    >>> pairs = pa.table({"a": ["a1", "a2", "b1"], "b": ["a2", "b1", "b2"],
    ...     "email": [5.0, 1, 5], "meeting": [0.0] * 3, "ticket": [0.0] * 3,
    ...     "handoffs": [0] * 3, "weight": [5.0, 1, 5]})
    >>> g = build_graph(pairs, ["a1", "a2", "b1", "b2"])
    >>> part = partition_of(g, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"})
    >>> test = insularity_test(g, part, permutations=999, seed=1)
    >>> test.observed.tolist()
    [5.0, 5.0]
    >>> bool(0.28 < test.p_raw[0] < 0.39)
    True

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery
    rate: a practical and powerful approach to multiple testing. *Journal of
    the Royal Statistical Society B* 57(1), 289-300.
    """
    if permutations < 1:
        raise ParameterError("permutations", f"must be at least 1, got {permutations}")
    e = group_edges(g, partition)
    k, n = partition.k, g.n
    membership = np.asarray(partition.membership, dtype=np.int64)
    ties = TieLists.of(e.u[e.tie], e.v[e.tie], e.w[e.tie], n)
    observed = internal_null(ties, membership, np.arange(n)[None, :], np.zeros(k), 0.0, block=1)[0]
    # shift by the observation: sums of (I - I_d) keep the variance accurate
    tol = 1e-9 * max(1.0, float(ties.weight.sum()))
    s1, s2, ge = np.zeros(k), np.zeros(k), np.zeros(k, dtype=np.int64)
    for perms in label_shuffles(n, permutations, seed, batch=shuffle_batch(n)):
        b1, b2, bge = internal_null(ties, membership, perms, observed, tol)
        s1 += b1
        s2 += b2
        ge += bge
    mean, sd, z, p_raw = null_summary(observed, s1, s2, ge, permutations=permutations, tol=tol)
    return InsularityTest(
        groups=tuple(partition.names),
        observed=observed,
        null_mean=mean,
        null_sd=sd,
        z=z,
        p_raw=p_raw,
        p_adjusted=benjamini_hochberg(p_raw),
        permutations=permutations,
        seed=seed,
    )


def null_summary(
    observed: np.ndarray, s1: np.ndarray, s2: np.ndarray, extreme: np.ndarray, *, permutations: int, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard deviation, z-score and one-sided p-value of a permutation null.

    ``s1`` and ``s2`` are the sums of ``X - X_obs`` and of its square over the
    shuffles (shifted by the observation, which keeps the variance accurate);
    ``extreme`` counts the shuffles at least as extreme as the observation.
    ``z`` is NaN where ``sd <= tol``; ``p_raw = (1 + extreme) / (permutations + 1)``.
    """
    mean = observed + s1 / permutations
    var = (s2 - s1 * s1 / permutations) / max(permutations - 1, 1)
    sd = np.sqrt(np.maximum(var, 0.0))
    defined = sd > tol
    z = np.full(observed.shape, np.nan)
    z[defined] = (observed[defined] - mean[defined]) / sd[defined]
    return mean, sd, z, (1.0 + extreme) / (permutations + 1.0)


def benjamini_hochberg(p: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), same order as ``p``.

    With the m p-values sorted ascending, ``p_adj(i) = min over j >= i of
    min(1, m p(j) / j)``: rejecting every hypothesis with ``p_adj < alpha``
    controls the false discovery rate at ``alpha``.

    Parameters
    ----------
    p : array_like
        Raw p-values in [0, 1].

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in [0, 1], each at least its raw value.

    Examples
    --------
    m = 4; sorted 0.01, 0.02, 0.03, 0.5 give 4*0.01/1 = 0.04,
    4*0.02/2 = 0.04, 4*0.03/3 = 0.04 and 4*0.5/4 = 0.5:

    >>> benjamini_hochberg([0.03, 0.5, 0.01, 0.02]).round(6).tolist()
    [0.04, 0.5, 0.04, 0.04]

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery
    rate: a practical and powerful approach to multiple testing. *Journal of
    the Royal Statistical Society B* 57(1), 289-300.
    """
    values = np.asarray(p, dtype=np.float64).ravel()
    m = values.size
    if m == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
