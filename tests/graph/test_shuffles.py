"""The compiled shuffle sums against plain numpy: one np.bincount per shuffle.

Random graphs with random labels (one group, a few, more groups than
people, weights with zeros), batches that are not whole blocks, one thread
or all: the running sums of the null must be those of the plain loop.
Integer weights keep every sum exact, so the counts of shuffles at least as
extreme must match exactly, ties with the observation included.
"""

from __future__ import annotations


import numba
import numpy as np
import pytest

from ona.graph import shuffles
from ona.graph.shuffles import TieLists, internal_null, label_shuffles, pair_block, pair_null


def _random_graph(rng: np.random.Generator, n: int, density: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u, v = np.triu_indices(n, 1)
    keep = rng.random(u.size) < density
    u, v = u[keep], v[keep]
    w = rng.integers(0, 4, u.size).astype(float)  # a quarter of the weights are 0
    order = rng.permutation(u.size)  # ties in no particular order
    return u[order], v[order], w[order]


def _plain_pairs(u: np.ndarray, v: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """k x k weight between groups under ``labels`` (symmetric, zero diagonal): one bincount."""
    m = np.bincount(labels[u] * k + labels[v], weights=w, minlength=k * k).reshape(k, k)
    m = m + m.T
    np.fill_diagonal(m, 0.0)
    return m


def _plain_internal(u: np.ndarray, v: np.ndarray, w: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    same = labels[u] == labels[v]
    return np.bincount(labels[u][same], weights=w[same], minlength=k)


CASES = [  # (people, groups, tie density, shuffles)
    (1, 1, 1.0, 5),
    (12, 1, 0.5, 40),
    (30, 3, 0.3, 70),
    (45, 7, 0.2, 33),
    (25, 40, 0.4, 65),  # more groups than people: most groups are empty
    (400, 300, 0.02, 12),  # k large: fewer shuffles per pass (pair_block)
]


@pytest.mark.parametrize(("n", "k", "density", "rows"), CASES)
@pytest.mark.parametrize("threads", [1, None])
def test_pair_null_equals_a_bincount_per_shuffle(n: int, k: int, density: float, rows: int,
                                                 threads: int | None) -> None:  # fmt: skip
    rng = np.random.default_rng(n * 1000 + k)
    u, v, w = _random_graph(rng, n, density)
    membership = rng.integers(0, k, n)
    cut_part = np.where(rng.random(u.size) < 0.3, rng.integers(0, 3, u.size), 0).astype(float)
    cut_part = np.minimum(cut_part, w)
    ticketed = np.flatnonzero(cut_part > 0)
    perms = np.stack([rng.permutation(n) for _ in range(rows)])
    observed = np.stack([_plain_pairs(u, v, w, membership, k), _plain_pairs(u, v, w - cut_part, membership, k)])

    null = np.array([[_plain_pairs(u, v, w, membership[p], k), _plain_pairs(u, v, w - cut_part, membership[p], k)]
                     for p in perms])  # (rows, 2, k, k)  # fmt: skip
    diff = null - observed[None]
    ties = TieLists.of(u, v, w, n)
    cut = TieLists.of(u[ticketed], v[ticketed], cut_part[ticketed], n)
    before = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        got_observed = pair_null(ties, cut, membership, np.arange(n)[None, :], np.zeros((2, k, k)), 0.0, block=1)[0]
        s1, s2, le = pair_null(ties, cut, membership, perms, observed, 1e-9)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(got_observed, observed)
    np.testing.assert_allclose(s1, diff.sum(axis=0), atol=1e-9)
    np.testing.assert_allclose(s2, (diff * diff).sum(axis=0), atol=1e-9)
    np.testing.assert_array_equal(le, (diff <= 1e-9).sum(axis=0))


@pytest.mark.parametrize(("n", "k", "density", "rows"), CASES)
@pytest.mark.parametrize("threads", [1, None])
def test_internal_null_equals_a_bincount_per_shuffle(n: int, k: int, density: float, rows: int,
                                                     threads: int | None) -> None:  # fmt: skip
    rng = np.random.default_rng(n * 1000 + k + 1)
    u, v, w = _random_graph(rng, n, density)
    membership = rng.integers(0, k, n)
    perms = np.stack([rng.permutation(n) for _ in range(rows)])
    observed = _plain_internal(u, v, w, membership, k)
    diff = np.array([_plain_internal(u, v, w, membership[p], k) for p in perms]) - observed[None]
    ties = TieLists.of(u, v, w, n)
    before = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        got_observed = internal_null(ties, membership, np.arange(n)[None, :], np.zeros(k), 0.0, block=1)[0]
        s1, s2, ge = internal_null(ties, membership, perms, observed, 1e-9)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(got_observed, observed)
    np.testing.assert_allclose(s1, diff.sum(axis=0), atol=1e-9)
    np.testing.assert_allclose(s2, (diff * diff).sum(axis=0), atol=1e-9)
    np.testing.assert_array_equal(ge, (diff >= -1e-9).sum(axis=0))


def test_float_weights_agree_to_rounding() -> None:
    rng = np.random.default_rng(5)
    n, k = 200, 6
    u, v, _ = _random_graph(rng, n, 0.1)
    w = rng.exponential(size=u.size) * (rng.random(u.size) < 0.8)
    membership = rng.integers(0, k, n)
    perms = np.concatenate(list(label_shuffles(n, 50, seed=1)))
    ties = TieLists.of(u, v, w, n)
    none = TieLists.of(u[:0], v[:0], w[:0], n)
    zeros = np.zeros((2, k, k))
    s1, _, _ = pair_null(ties, none, membership, perms, zeros, 0.0)
    plain = sum(_plain_pairs(u, v, w, membership[p], k) for p in perms)
    np.testing.assert_allclose(s1[0], plain, rtol=1e-12)
    np.testing.assert_allclose(s1[1], plain, rtol=1e-12)


def test_tie_lists_are_the_same_from_any_order() -> None:
    rng = np.random.default_rng(2)
    u, v, w = _random_graph(rng, 30, 0.3)
    shuffled = TieLists.of(u, v, w, 30)
    order = np.lexsort((v, u))
    ordered = TieLists.of(u[order], v[order], w[order], 30)  # the already-sorted path
    for name in ("indptr", "other", "weight"):
        np.testing.assert_array_equal(getattr(shuffled, name), getattr(ordered, name))
    assert shuffled.other.tolist() == v[order].tolist()


def test_pair_block_bounds_the_accumulators() -> None:
    assert pair_block(20) == shuffles.BLOCK
    assert pair_block(300) * 2 * 300 * 300 <= shuffles._PAIR_ENTRIES
    assert pair_block(5000) == 1


def test_threads_take_turns_and_agree() -> None:
    # analyses in threads (an API worker next to a script): the parallel kernels run one at a time, same sums
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(9)
    n, k = 300, 8
    u, v, w = _random_graph(rng, n, 0.1)
    membership = rng.integers(0, k, n)
    ties = TieLists.of(u, v, w, n)
    cut = TieLists.of(u[:0], v[:0], w[:0], n)
    perms = np.concatenate(list(label_shuffles(n, 200, seed=4)))

    def run(_: int) -> tuple[np.ndarray, np.ndarray]:
        return (pair_null(ties, cut, membership, perms, np.zeros((2, k, k)), 0.0)[0],
                internal_null(ties, membership, perms, np.zeros(k), 0.0)[0])  # fmt: skip

    alone = run(0)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(run, range(8)))
    for pairs, internal in together:
        np.testing.assert_array_equal(pairs, alone[0])
        np.testing.assert_array_equal(internal, alone[1])
