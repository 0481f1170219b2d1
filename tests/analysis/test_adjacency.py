"""The compiled masked product against scipy's two-hop product, masked afterwards."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from ona.analysis.adjacency import adjacency, masked_product
from tests.analysis.graphs_people import random_org


def scipy_masked_product(mask: sp.csr_array, left: sp.csr_array, right: sp.csr_array) -> sp.csr_array:
    """The former implementation, in one block: the whole ``left @ right``, then the mask."""
    out = sp.csr_array(mask.multiply(left @ right))
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _assert_same(got: sp.csr_array, expected: sp.csr_array) -> None:
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_graph_operands_match_scipy(seed: int) -> None:
    g, part = random_org(40, 0.08 + 0.05 * seed, seed, isolates=seed % 3)
    u, v, w = g.edges()
    binary = adjacency(g)
    weights = adjacency(g, w)
    same = np.asarray(part.membership)[u] == np.asarray(part.membership)[v]
    shifted = adjacency(g, np.where(same, 1, 2**32), dtype=np.int64)
    _assert_same(masked_product(binary, binary, binary), scipy_masked_product(binary, binary, binary))
    _assert_same(masked_product(binary, weights, weights), scipy_masked_product(binary, weights, weights))
    _assert_same(masked_product(weights, binary, shifted.astype(np.float64)),
                 scipy_masked_product(weights, binary, shifted.astype(np.float64)))
    int_mask = adjacency(g, dtype=np.int64)
    _assert_same(masked_product(int_mask, int_mask, shifted), scipy_masked_product(int_mask, int_mask, shifted))
    both = shifted.astype(np.complex128) + 1j * weights
    _assert_same(masked_product(binary, binary, both), scipy_masked_product(binary, binary, both))


@pytest.mark.parametrize("seed", range(4))
def test_unrelated_patterns_match_scipy(seed: int) -> None:
    # mask, left and right need not share a pattern, be symmetric or have sorted indices
    rng = np.random.default_rng(seed)
    n = 30
    mask, left, right = (sp.random_array((n, n), density=d, rng=rng, format="csr") for d in (0.2, 0.1, 0.3))
    left = sp.csr_array((left.data, left.indices[::-1].copy(), left.indptr), shape=left.shape)  # unsorted rows
    _assert_same(masked_product(mask, left, right), scipy_masked_product(mask, left, right))


def test_empty_operands() -> None:
    empty = sp.csr_array((5, 5), dtype=np.float64)
    assert masked_product(empty, empty, empty).nnz == 0
    zero = sp.csr_array((0, 0), dtype=np.int64)
    assert masked_product(zero, zero, zero).shape == (0, 0)
    # a mask entry whose two-hop sum is 0 is not stored (as before)
    path = sp.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    assert masked_product(path, path, path).nnz == 0
