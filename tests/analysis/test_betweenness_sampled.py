"""Compiled betweenness: exact against networkx, sampled against igraph's exact values.

The truths are independent of ona's kernels: networkx's Brandes in Python
on small graphs, igraph's C implementation on a 1,500-person organization.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from ona.analysis.centrality import betweenness
from ona.analysis.shortest_paths import Adjacency, dependency_sums
from ona.graph.model import CollabGraph


def _graph(edges: list[tuple[int, int, float]], n: int) -> CollabGraph:
    gr = ig.Graph(n=n, edges=[(a, b) for a, b, _ in edges])
    gr.es["weight"] = [w for _, _, w in edges]
    return CollabGraph(gr, tuple(f"p{i:04d}" for i in range(n)))


def _teams(teams: int, size: int, seed: int, *, isolates: int = 0) -> CollabGraph:
    """Teams with strong ties inside, weak ties across, a few brokers with strong ties across."""
    rng = np.random.default_rng(seed)
    n = teams * size
    edges: dict[tuple[int, int], float] = {}
    for t in range(teams):
        members = np.arange(t * size, (t + 1) * size)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if rng.random() < 0.5:
                    edges[(int(a), int(b))] = float(rng.lognormal(0.0, 1.0))
    for a in range(n):
        for b in rng.choice(n, 3, replace=False):
            if b // size != a // size:
                edges.setdefault((min(a, int(b)), max(a, int(b))), float(rng.uniform(0.05, 0.3)))
    for a in rng.choice(n, max(2, n // 40), replace=False):
        for b in rng.choice(n, 5, replace=False):
            if b // size != a // size:
                edges[(min(int(a), int(b)), max(int(a), int(b)))] = float(rng.lognormal(0.5, 0.5))
    return _graph([(a, b, w) for (a, b), w in sorted(edges.items())], n + isolates)


def _tied(n: int, m: int, seed: int) -> CollabGraph:
    """G(n, m) with four weights only (many equal shortest paths), a separate triangle and two isolates."""
    rng = np.random.default_rng(seed)
    pairs = set()
    while len(pairs) < m:
        a, b = sorted(rng.choice(n, 2, replace=False).tolist())
        pairs.add((a, b))
    edges = [(a, b, float(rng.choice([1.0, 0.5, 2.0, 1 / 3]))) for a, b in sorted(pairs)]
    edges += [(n, n + 1, 1.0), (n + 1, n + 2, 1.0), (n, n + 2, 2.0)]
    return _graph(edges, n + 5)


def _networkx(g: CollabGraph, *, normalized: bool) -> np.ndarray:
    """networkx's betweenness (length 1/weight) of the active people; 0 for the others."""
    G = nx.Graph()
    for e in g.graph.es:
        G.add_edge(e.source, e.target, d=1.0 / e["weight"])
    values = nx.betweenness_centrality(G, weight="d", normalized=normalized)
    return np.asarray([values.get(v, 0.0) for v in range(g.n)])


def _igraph_exact(g: CollabGraph) -> np.ndarray:
    """igraph's exact normalized betweenness over the active people (an independent implementation)."""
    raw = np.asarray(g.graph.betweenness(directed=False, weights=(1.0 / g.edge_attr(g.weight)).tolist()))
    n = int((np.asarray(g.graph.degree()) > 0).sum())
    return raw * 2.0 / ((n - 1) * (n - 2))


def _top(values: np.ndarray, k: int) -> set[int]:
    return set(np.argsort(-values, kind="stable")[:k].tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_equals_networkx_with_tied_path_lengths(seed: int) -> None:
    g = _tied(60, [150, 240, 400][seed], seed)
    r = betweenness(g, exact_limit=1000, samples=10, seed=0)
    assert r.exact and r.active == int((np.asarray(g.graph.degree()) > 0).sum())
    assert r.values == pytest.approx(_networkx(g, normalized=True), abs=1e-9)


def test_exact_equals_networkx_on_teams_with_skewed_weights() -> None:
    g = _teams(6, 15, 3, isolates=2)
    r = betweenness(g, exact_limit=1000, samples=10, seed=0)
    assert r.exact
    assert r.values == pytest.approx(_networkx(g, normalized=True), abs=1e-9)


@pytest.mark.parametrize("linear", [False, True])
def test_dependencies_of_every_source_sum_to_networkx(linear: bool) -> None:
    g = _tied(70, 260, 5)
    expected = _networkx(g, normalized=False)
    for adj in (Adjacency.of(g), Adjacency.of(g).skeleton()):
        total = dependency_sums(adj, np.arange(g.n), batch=7, linear=linear).sum(axis=0)
        assert (total if linear else total / 2) == pytest.approx(expected, abs=1e-9)


def test_skeleton_drops_only_ties_on_no_shortest_path() -> None:
    g = _teams(10, 20, 4)
    full, skeleton = Adjacency.of(g), Adjacency.of(g).skeleton()
    assert len(skeleton.head) < len(full.head) // 2  # weak ties across teams are shortcuts of nobody
    lengths = (1.0 / g.edge_attr(g.weight)).tolist()
    dist = np.asarray(g.graph.distances(weights=lengths))
    tail = np.repeat(np.arange(g.n), np.diff(skeleton.start))
    kept = set(zip(tail.tolist(), skeleton.head.tolist(), strict=True))
    sk = ig.Graph(n=g.n, edges=[(a, b) for a, b in kept if a < b])
    sk.es["length"] = [skeleton.length[skeleton.start[a] + list(skeleton.head[skeleton.start[a] : skeleton.start[a + 1]]).index(b)]
                       for a, b in kept if a < b]  # fmt: skip
    assert np.asarray(sk.distances(weights="length")) == pytest.approx(dist, rel=1e-12)
    u, v, w = g.edges()
    for a, b, length in zip(u.tolist(), v.tolist(), (1.0 / w).tolist(), strict=True):
        if (a, b) not in kept:
            assert length > dist[a, b] * (1 + 1e-9)  # a strictly shorter path exists


@pytest.fixture(scope="module")
def org() -> tuple[CollabGraph, np.ndarray]:
    g = _teams(60, 25, 11, isolates=5)
    return g, _igraph_exact(g)


def test_sampled_ranks_the_top_brokers_as_stated(org: tuple) -> None:
    g, exact = org
    recalls, stated = [], []
    for seed in range(4):
        r = betweenness(g, exact_limit=100, samples=100, seed=seed, top=50, tolerance=0.05, max_samples=1200)
        assert not r.exact and r.top == 50 and r.top_error is not None
        assert r.top_error <= 0.05 and "(met;" in r.method
        recalls.append(len(_top(r.values, 50) & _top(exact, 50)) / 50)
        stated.append(r.top_error)
    assert min(recalls) >= 0.88
    # the stated error tracks the measured one (both a few per cent)
    assert 1 - np.mean(recalls) <= 2 * np.mean(stated) + 0.02


def test_sampled_estimate_is_unbiased(org: tuple) -> None:
    g, exact = org
    runs = np.asarray([
        betweenness(g, exact_limit=100, samples=120, seed=seed, max_samples=120).values for seed in range(12)
    ])  # fmt: skip
    brokers = np.argsort(-exact)[:100]
    mean, spread = runs[:, brokers].mean(axis=0), runs[:, brokers].std(axis=0, ddof=1) / np.sqrt(len(runs))
    z = (mean - exact[brokers]) / spread
    # unbiased: the errors of the mean of 12 estimates are centred on 0, about one standard error each
    assert abs(z.mean()) < 0.4 and np.mean(z**2) < 2.0
    # and the whole estimate is close: a wrong scale or a dropped term would not be
    assert mean.sum() == pytest.approx(exact[brokers].sum(), rel=0.03)


def test_threads_get_the_serial_results(org: tuple) -> None:
    g, _ = org
    small = _teams(8, 20, 2)
    calls = [(g, 100), (small, 1000), (g, 100), (small, 1000)]

    def run(call: tuple) -> np.ndarray:
        graph, limit = call
        return betweenness(graph, exact_limit=limit, samples=100, seed=3, max_samples=400).values

    serial = [run(c) for c in calls]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(run, calls * 2))
    for got, want in zip(threaded, serial * 2, strict=True):
        assert np.array_equal(got, want)


def test_progress_counts_sources() -> None:
    g = _teams(30, 20, 5)
    seen: list[tuple[int, int]] = []
    r = betweenness(g, exact_limit=100, samples=100, seed=0, max_samples=300,
                    on_progress=lambda stage, done, total: seen.append((done, total)))  # fmt: skip
    assert seen[-1] == (300, 300) and all(total == 300 for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and r.sources in [d for d, _ in seen]


def test_work_bound_caps_the_sources(org: tuple) -> None:
    g, _ = org
    ties = len(Adjacency.of(g).skeleton().head) // 2
    free = betweenness(g, exact_limit=100, samples=100, seed=0, top=50, tolerance=0.0, max_samples=1200)
    assert free.sources == 1200  # a tolerance of 0 is never met: every allowed source is used
    bounded = betweenness(g, exact_limit=100, samples=100, seed=0, top=50, tolerance=0.0, max_samples=1200,
                          max_work=ties * 450)
    assert bounded.sources == 450
    assert "not met with the most sources, 450" in bounded.method
    floor = betweenness(g, exact_limit=100, samples=100, seed=0, max_samples=1200, max_work=ties)
    assert floor.sources == 100  # never fewer than the first sample
