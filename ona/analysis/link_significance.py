"""Is a link weaker than chance? The label-permutation test on W_ab.

Input: :class:`CollabGraph` + :class:`Partition` + :class:`AnalysisParams`;
output: :class:`LinkTest`, k x k numpy arrays indexed by group index
(``partition.names``), symmetric.

The null hypothesis is the silo test's (:mod:`ona.analysis.significance`):
group labels carry no information about who works with whom. The ties stay
as observed and the labels are shuffled over all people, group sizes kept,
with the very shuffles of :func:`~ona.analysis.significance.insularity_test`
(:func:`~ona.graph.shuffles.label_shuffles`, same seed). Two
statistics per pair of groups (a, b) are tested, each one-sided toward
under-connection:

- ``weight``: W_ab, the tie weight between a and b;
- ``relationship``: R_ab, the email + meeting + chat + ties weight between
  a and b (with their coefficients), the relationship that a dependency
  without relationship lacks; the handoffs are taken as observed.

With P shuffles: ``z = (X_ab - mean) / sd`` (``sd`` with ddof=1; NaN when
the shuffles never change X_ab) and ``p_raw = (1 + #{shuffles with X <=
X_ab}) / (P + 1)``, in (0, 1]. The adjustment over pairs (Benjamini-Hochberg)
is left to the caller, who knows which pairs it judges.

Every shuffle's k x k matrix of pair weights, ``onehot(L)^T A onehot(L)``,
is a compiled pass over the ties shared by a block of shuffles
(:func:`~ona.graph.shuffles.pair_null`), which keeps only the null's running
sums: memory is the ties, a batch of shuffles and a few k x k matrices per
thread, however many groups there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ona.analysis.groups import group_edges
from ona.analysis.significance import null_summary
from ona.errors import ParameterError
from ona.graph.model import CollabGraph, Partition
from ona.graph.shuffles import TieLists, label_shuffles, pair_block, pair_null, shuffle_batch
from ona.params import AnalysisParams

__all__ = ["LinkTest", "NullTest", "link_test", "relationship_weights"]


@dataclass(frozen=True)
class NullTest:
    """One statistic's permutation test, k x k arrays by group index (symmetric)."""

    observed: np.ndarray
    null_mean: np.ndarray
    null_sd: np.ndarray
    z: np.ndarray
    p_raw: np.ndarray


@dataclass(frozen=True)
class LinkTest:
    """The permutation tests of every pair of groups' weight and relationship."""

    groups: tuple[str, ...]
    weight: NullTest
    relationship: NullTest
    permutations: int
    seed: int


def relationship_weights(g: CollabGraph, params: AnalysisParams) -> np.ndarray:
    """Per edge: email + meeting + chat + ties weight with their coefficients (no tickets)."""
    return (
        params.email_weight * g.edge_attr("email")
        + params.meeting_weight * g.edge_attr("meeting")
        + params.chat_weight * g.edge_attr("chat")
        + params.ties_weight * g.edge_attr("ties")
    )


def link_test(g: CollabGraph, partition: Partition, *, params: AnalysisParams) -> LinkTest:
    """Permutation z-scores and one-sided p-values of every pair's W_ab and R_ab.

    ``z = (X_ab - mean) / sd`` over ``params.permutations`` label shuffles
    (seed ``params.seed``, the shuffles of the silo test), unitless, NaN when
    ``sd = 0``; ``p_raw = (1 + #{X_shuffled <= X_ab}) / (permutations + 1)``
    in (0, 1]: small when the pair collaborates less than shuffled labels
    give. X is W_ab (tie weight) or R_ab (email, meeting, chat and ties
    weight with coefficients).

    Parameters
    ----------
    g : CollabGraph
        The collaboration graph.
    partition : Partition
        The group of every vertex.
    params : AnalysisParams
        ``permutations``, ``seed`` and the channel coefficients.

    Returns
    -------
    LinkTest
        Symmetric k x k arrays by group index; the diagonal is not a link.

    Raises
    ------
    ParameterError
        ``params.permutations`` is below 1.

    Examples
    --------
    Two pairs tied inside (weight 5) and one cross tie a2-b1 (weight 1).
    Of the 6 ways to place A's two labels, 2 ({a1, a2} or {b1, b2}) give
    W_AB = 1 and the other 4 give more, so p_raw is about 2/6 = 1/3.

    >>> import pyarrow as pa
    >>> from ona.graph.build import build_graph, partition_of
    >>> pairs = pa.table({"a": ["a1", "a2", "b1"], "b": ["a2", "b1", "b2"],
    ...     "email": [5.0, 1, 5], "meeting": [0.0] * 3, "ticket": [0.0] * 3,
    ...     "handoffs": [0] * 3, "weight": [5.0, 1, 5]})
    >>> g = build_graph(pairs, ["a1", "a2", "b1", "b2"])
    >>> part = partition_of(g, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"})
    >>> test = link_test(g, part, params=AnalysisParams(permutations=999, seed=1))
    >>> float(test.weight.observed[0, 1])
    1.0
    >>> bool(0.28 < test.weight.p_raw[0, 1] < 0.39)
    True

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Informal networks and
    organizational crises: an experimental simulation. *Social Psychology
    Quarterly* 51(2), 123-140.
    """
    permutations, seed = params.permutations, params.seed
    if permutations < 1:
        raise ParameterError("permutations", f"must be at least 1, got {permutations}")
    e = group_edges(g, partition)
    k, n = partition.k, g.n
    membership = np.asarray(partition.membership, dtype=np.int64)
    stats = np.stack([np.where(e.tie, e.w, 0.0), relationship_weights(g, params)])  # (2, edges)
    keep = (stats != 0).any(axis=0)
    u, v, stats = e.u[keep], e.v[keep], stats[:, keep]
    ties = TieLists.of(u, v, stats[0], n)
    # the relationship differs from the weight only on edges with tickets: sum that difference alone
    ticketed = np.flatnonzero(stats[0] != stats[1])
    cut = TieLists.of(u[ticketed], v[ticketed], stats[0][ticketed] - stats[1][ticketed], n)
    identity = np.arange(n)[None, :]
    observed = pair_null(ties, cut, membership, identity, np.zeros((2, k, k)), 0.0, block=1)[0]  # (2, k, k)
    tol = 1e-9 * max(1.0, float(np.abs(stats).sum()))
    s1, s2 = np.zeros((2, k, k)), np.zeros((2, k, k))
    le = np.zeros((2, k, k), dtype=np.int64)
    for perms in label_shuffles(n, permutations, seed, batch=shuffle_batch(n, pair_block(k))):
        # shift by the observation: sums of (X - X_ab) keep the variance accurate
        b1, b2, ble = pair_null(ties, cut, membership, perms, observed, tol)
        s1 += b1
        s2 += b2
        le += ble
    mean, sd, z, p_raw = null_summary(observed, s1, s2, le, permutations=permutations, tol=tol)
    tests = [NullTest(observed[s], mean[s], sd[s], z[s], p_raw[s]) for s in range(2)]
    return LinkTest(
        groups=tuple(partition.names),
        weight=tests[0],
        relationship=tests[1],
        permutations=permutations,
        seed=seed,
    )
