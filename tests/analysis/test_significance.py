"""The label-permutation test of I_d and the Benjamini-Hochberg adjustment."""

from __future__ import annotations


import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from ona.analysis.significance import benjamini_hochberg, insularity_test
from ona.errors import ParameterError
from tests.analysis.graphs_groups import Org, hand_example, org, planted_blocks, random_labels


def brute_force_test(o: Org, permutations: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(observed, z, p_raw) with I_d summed over networkx's edges for every shuffle.

    Uses the documented scheme: ``numpy.random.default_rng(seed)``, one
    ``rng.permutation(n)`` of the people (in vertex order) per shuffle.
    """
    G = o.to_networkx()
    names = sorted(set(o.groups.values()))
    membership = np.array([names.index(o.groups[p]) for p in o.people])
    index = {p: i for i, p in enumerate(o.people)}

    def internal(labels: np.ndarray) -> np.ndarray:
        out = np.zeros(len(names))
        for x, y, w in G.edges(data="weight"):
            if w > 0 and labels[index[x]] == labels[index[y]]:
                out[labels[index[x]]] += w
        return out

    observed = internal(membership)
    rng = np.random.default_rng(seed)
    null = np.array([internal(membership[rng.permutation(len(o.people))]) for _ in range(permutations)])
    sd = null.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (observed - null.mean(axis=0)) / sd, np.nan)
    p = (1 + (null >= observed - 1e-9).sum(axis=0)) / (permutations + 1)
    return observed, z, p


def test_matches_a_brute_force_permutation_test() -> None:
    o = planted_blocks(3, 6, p_in=0.6, p_out=0.15, seed=4)
    observed, z, p = brute_force_test(o, 150, seed=11)
    test = insularity_test(*o.graph(), permutations=150, seed=11)
    np.testing.assert_allclose(test.observed, observed, rtol=1e-12)
    np.testing.assert_allclose(test.z, z, rtol=1e-9)
    np.testing.assert_allclose(test.p_raw, p, rtol=1e-12)
    np.testing.assert_allclose(test.p_adjusted, scipy.stats.false_discovery_control(p), rtol=1e-12)
    assert test.groups == ("G0", "G1", "G2")


def test_same_seed_same_result_other_seed_other_draws() -> None:
    g, part = random_labels(60, 4, 0.1, seed=2).graph()
    a = insularity_test(g, part, permutations=100, seed=7)
    b = insularity_test(g, part, permutations=100, seed=7)
    c = insularity_test(g, part, permutations=100, seed=8)
    for name in ("observed", "null_mean", "null_sd", "z", "p_raw", "p_adjusted"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.null_mean, c.null_mean)
    np.testing.assert_array_equal(a.observed, c.observed)


def test_planted_blocks_are_significant() -> None:
    g, part = planted_blocks(2, 15, p_in=0.5, p_out=0.03, seed=1).graph()
    test = insularity_test(g, part, permutations=200, seed=0)
    # no shuffle reaches the planted internal weight: p = (1 + 0) / (200 + 1)
    np.testing.assert_allclose(test.p_raw, [1 / 201, 1 / 201])
    np.testing.assert_allclose(test.p_adjusted, [1 / 201, 1 / 201])  # 2 * (1/201) / 2
    assert (test.z > 5).all()


def test_random_labels_give_no_significant_group() -> None:
    o = random_labels(300, 10, 0.03, seed=5)
    g, part = o.graph()
    test = insularity_test(g, part, permutations=300, seed=0)
    assert (test.p_adjusted >= 0.05).all(), test.p_adjusted
    # the shuffles' mean is W n_d (n_d - 1) / (n (n - 1)): each tie lands inside d with that probability
    sizes = part.sizes()
    exact = g.total_weight * sizes * (sizes - 1) / (300 * 299)
    assert np.all(np.abs(test.null_mean - exact) < 4 * test.null_sd / np.sqrt(300))


def test_undefined_z_for_a_group_the_shuffles_never_change() -> None:
    # Law has one member: I_Law is 0 in every shuffle, sd = 0
    test = insularity_test(*hand_example().graph(), permutations=50, seed=0)
    law = test.groups.index("Law")
    assert np.isnan(test.z[law]) and test.null_sd[law] == 0
    assert test.p_raw[law] == 1.0  # (1 + 50) / 51: every shuffle ties the observed 0


def test_graph_without_ties() -> None:
    test = insularity_test(*org({"A": ["a1", "a2"], "B": ["b1", "b2"]}, []).graph(), permutations=20, seed=0)
    assert np.isnan(test.z).all() and (test.p_raw == 1).all() and (test.p_adjusted == 1).all()


def test_needs_a_permutation() -> None:
    with pytest.raises(ParameterError, match="permutations"):
        insularity_test(*hand_example().graph(), permutations=0, seed=0)


def test_benjamini_hochberg_by_hand() -> None:
    # m = 5, sorted p: 0.005, 0.01, 0.03, 0.04, 0.2
    # m p / rank: 0.025, 0.025, 0.05, 0.05, 0.2; then the running minimum from the top
    p = [0.04, 0.005, 0.2, 0.01, 0.03]
    np.testing.assert_allclose(benjamini_hochberg(p), [0.05, 0.025, 0.2, 0.025, 0.05])
    # a larger p earlier in the order lowers nothing: 0.9 * 2 / 2 = 0.9, min(0.5 * 2 / 1, 0.9) = 0.9
    np.testing.assert_allclose(benjamini_hochberg([0.5, 0.9]), [0.9, 0.9])
    assert benjamini_hochberg([]).size == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_benjamini_hochberg_matches_scipy(p: list[float]) -> None:
    adjusted = benjamini_hochberg(p)
    np.testing.assert_allclose(adjusted, scipy.stats.false_discovery_control(p), rtol=1e-12, atol=1e-15)
    assert (adjusted >= np.asarray(p) - 1e-15).all() and (adjusted <= 1).all()
