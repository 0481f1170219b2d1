"""The compiled ego-network pass against the former computations.

Oracles: igraph's ``Graph.constraint`` (Burt's constraint, as ona computed
it before), and the former scipy implementation of effective size and of the
brokerage closed pairs (the masked two-hop product ``A * (A @ Y)``, formed
whole), on random graphs with isolates, stars, cliques, zero-weight ties and
ties in any order.
"""

from __future__ import annotations

import threading

import igraph as ig
import numba
import numpy as np
import pytest
import scipy.sparse as sp

from ona.analysis import ego
from ona.analysis.adjacency import adjacency, row_of_entries
from ona.analysis.brokerage import ROLES, brokerage_counts
from ona.analysis.burt import constraint, effective_size
from ona.analysis.ego import ego_sums, neighbours
from ona.graph.model import CollabGraph, Partition
from tests.analysis.graphs_people import karate, random_org

_SHIFT = np.int64(1) << np.int64(32)


def _two_hop(mask: sp.csr_array, left: sp.csr_array, right: sp.csr_array) -> sp.csr_array:
    return sp.csr_array(mask.multiply(left @ right))


def igraph_constraint(g: CollabGraph) -> np.ndarray:
    """ona's former constraint: igraph, NaN for isolates."""
    values = np.asarray(g.graph.constraint(weights=g.weight if g.graph.ecount() else None), dtype=np.float64)
    values[np.asarray(g.graph.degree(), dtype=np.int64) == 0] = np.nan
    return values


def scipy_effective_size(g: CollabGraph) -> np.ndarray:
    """ona's former effective size: ``deg - sum_q p_iq (A @ M)[i, q]`` with the whole two-hop product."""
    u, v, w = g.edges()
    weights = adjacency(g, w)
    binary = adjacency(g)
    largest = weights.max(axis=1).toarray().ravel() if weights.nnz else np.zeros(g.n)
    with np.errstate(divide="ignore"):
        inv_largest = np.where(largest > 0, 1.0 / largest, 0.0)
    marginal = sp.csr_array(sp.diags_array(inv_largest) @ weights)
    degree = np.diff(binary.indptr).astype(np.float64)
    strength = np.asarray(weights.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv_strength = np.where(strength > 0, 1.0 / strength, 0.0)
    closure = _two_hop(binary, binary, marginal)
    values = degree - np.asarray(weights.multiply(closure).sum(axis=1)).ravel() * inv_strength
    values[degree == 0] = np.nan
    return values


def scipy_closed_pairs(g: CollabGraph, group: np.ndarray) -> dict[str, np.ndarray]:
    """ona's former closed pairs per brokerage role, from ``A * (A @ Z)`` (Z: 1 in a group, 2**32 across)."""
    u, v, _ = g.edges()
    n = g.n
    a = adjacency(g, dtype=np.int64)
    z = adjacency(g, np.where(group[u] == group[v], np.int64(1), _SHIFT), dtype=np.int64)
    product = _two_hop(a, a, z)
    product.sort_indices()
    rows = row_of_entries(product)
    c_out = product.data // _SHIFT
    c_in = product.data - c_out * _SHIFT
    same = group[rows] == group[product.indices]

    def total(select: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(rows[select], weights=values[select], minlength=n).round().astype(np.int64)

    everything = np.ones(len(rows), dtype=bool)
    coordinator = total(same, c_in) // 2
    triangles_in = total(everything, c_in) // 2
    gatekeeper = total(same, c_out)
    return {
        "coordinator": coordinator,
        "consultant": triangles_in - coordinator,
        "gatekeeper": gatekeeper,
        "liaison": total(everything, c_in + c_out) // 2 - triangles_in - gatekeeper,
    }


def graph(n: int, edges: list[tuple[int, int]], weights: list[float] | None = None) -> CollabGraph:
    gr = ig.Graph(n=n, edges=edges)
    gr.es["weight"] = [1.0] * len(edges) if weights is None else weights
    return CollabGraph(gr, tuple(f"p{i:03d}" for i in range(n)))


def shuffled(n: int, p: float, seed: int, *, zero_share: float = 0.0) -> CollabGraph:
    """G(n, p), ties in random order with random end order, some weights 0."""
    rng = np.random.default_rng(seed)
    iu, ju = np.triu_indices(n, k=1)
    keep = rng.random(len(iu)) < p
    pairs = np.column_stack([iu[keep], ju[keep]])
    pairs = pairs[rng.permutation(len(pairs))]
    flip = rng.random(len(pairs)) < 0.5
    pairs[flip] = pairs[flip][:, ::-1]
    weights = rng.uniform(0.2, 5.0, len(pairs))
    weights[rng.random(len(pairs)) < zero_share] = 0.0
    return graph(n, [tuple(x) for x in pairs.tolist()], weights.tolist())


def cases() -> list[tuple[str, CollabGraph, np.ndarray]]:
    out = []
    for seed in range(6):
        g, part = random_org(40, 0.05 + 0.07 * seed, seed, groups=1 + seed % 4, isolates=seed % 3)
        out.append((f"random-{seed}", g, np.asarray(part.membership)))
    for seed in range(3):
        g = shuffled(35, 0.25, seed, zero_share=0.15 * seed)
        out.append((f"shuffled-{seed}", g, np.random.default_rng(seed).integers(0, 3, g.n)))
    star = graph(8, [(3, i) for i in range(8) if i != 3], [float(i + 1) for i in range(7)])
    out.append(("star", star, np.array([0, 1, 2, 0, 1, 2, 0, 1])))
    star_isolates = graph(7, [(0, 1), (0, 2), (0, 3)])
    out.append(("star-with-isolates", star_isolates, np.array([0, 0, 1, 1, 0, 1, 2])))
    clique = graph(6, [(i, j) for i in range(6) for j in range(i + 1, 6)], [1.0 + (i * j) % 4 for i in range(6)
                                                                                 for j in range(i + 1, 6)])
    out.append(("clique", clique, np.array([0, 0, 0, 1, 1, 2])))
    out.append(("no-ties", graph(4, []), np.zeros(4, np.int64)))
    out.append(("one-tie", graph(3, [(2, 0)]), np.array([0, 1, 1])))
    out.append(("zero-weight-triangle", graph(4, [(0, 1), (1, 2), (0, 2), (2, 3)], [0.0, 0.0, 2.0, 1.0]),
                np.array([0, 1, 0, 1])))
    g, part = karate()
    out.append(("karate", g, np.asarray(part.membership)))
    return out


CASES = cases()


@pytest.mark.parametrize(("name", "g", "group"), CASES, ids=[c[0] for c in CASES])
def test_constraint_matches_igraph(name: str, g: CollabGraph, group: np.ndarray) -> None:
    np.testing.assert_allclose(constraint(g), igraph_constraint(g), rtol=1e-9, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize(("name", "g", "group"), CASES, ids=[c[0] for c in CASES])
def test_effective_size_matches_scipy_product(name: str, g: CollabGraph, group: np.ndarray) -> None:
    np.testing.assert_allclose(effective_size(g), scipy_effective_size(g), rtol=1e-9, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize(("name", "g", "group"), CASES, ids=[c[0] for c in CASES])
def test_closed_pairs_match_scipy_product(name: str, g: CollabGraph, group: np.ndarray) -> None:
    from ona.analysis.brokerage import _closed_pairs

    got = _closed_pairs(ego_sums(neighbours(g), group))
    expected = scipy_closed_pairs(g, group)
    for role in expected:
        np.testing.assert_array_equal(got[role], expected[role], err_msg=role)


def test_star_values() -> None:
    # the centre of an equal-weight star of k leaves: constraint 1/k, effective size k; leaves: 1, 1
    g = graph(6, [(0, i) for i in range(1, 6)])
    np.testing.assert_allclose(constraint(g), [0.2, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(effective_size(g), [5, 1, 1, 1, 1, 1])
    sums = ego_sums(neighbours(g))
    assert sums.triangles.tolist() == [0] * 6


def test_neighbour_lists_are_sorted_whatever_the_tie_order() -> None:
    g = shuffled(30, 0.3, 5)
    nb = neighbours(g)
    u, v, w = g.edges()
    expected = adjacency(g, w)
    np.testing.assert_array_equal(nb.indptr, expected.indptr)
    np.testing.assert_array_equal(nb.indices, expected.indices)
    np.testing.assert_array_equal(nb.weights, expected.data)
    assert nb.indices.dtype == np.int32


def test_blocks_and_threads_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    g, part = random_org(60, 0.3, 3, groups=3, isolates=2)
    nb = neighbours(g)
    reference = ego_sums(nb, part.membership)
    monkeypatch.setattr(ego, "BLOCKS_PER_THREAD", 1000)  # a block per row or so
    many = ego_sums(nb, part.membership)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        monkeypatch.setattr(ego, "BLOCKS_PER_THREAD", 1)
        one = ego_sums(nb, part.membership)
    finally:
        numba.set_num_threads(threads)
    for field in ("constraint", "redundancy", "triangles", "triangles_in", "coordinator", "gatekeeper"):
        # every vertex is summed by one thread in one order: bit for bit the same
        np.testing.assert_array_equal(getattr(many, field), getattr(reference, field), err_msg=field)
        np.testing.assert_array_equal(getattr(one, field), getattr(reference, field), err_msg=field)


def test_python_threads_may_call_at_once() -> None:
    g, part = random_org(80, 0.2, 9, groups=4)
    nb = neighbours(g)
    reference = ego_sums(nb, part.membership)
    results: list[ego.EgoSums] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(5):
                results.append(ego_sums(nb, part.membership))
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    workers = [threading.Thread(target=run) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert not errors and len(results) == 20
    for r in results:
        np.testing.assert_array_equal(r.constraint, reference.constraint)
        np.testing.assert_array_equal(r.triangles, reference.triangles)


def test_brokerage_from_shared_sums() -> None:
    g, part = random_org(50, 0.2, 4, groups=3, isolates=1)
    nb = neighbours(g)
    sums = ego_sums(nb, part.membership)
    shared = brokerage_counts(g, part, nb=nb, sums=sums)
    alone = brokerage_counts(g, part)
    for role in ROLES:
        np.testing.assert_array_equal(shared[role], alone[role])


@pytest.mark.parametrize("edges", [[(0, 1), (1, 1)], [(0, 1), (1, 2), (1, 0)]], ids=["loop", "repeated"])
def test_simple_graphs_only(edges: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError, match="simple graph"):
        neighbours(graph(3, edges))


def test_group_length_is_checked() -> None:
    g = graph(3, [(0, 1)])
    with pytest.raises(ValueError, match="group has 2 members"):
        ego_sums(neighbours(g), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="partition has 2 members"):
        brokerage_counts(g, Partition.from_labels(["a", "b"]))
