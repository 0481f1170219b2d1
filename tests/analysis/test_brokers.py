"""Brokers you can rank: adaptive sampled betweenness against exact values."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError

from ona.analysis.centrality import betweenness
from ona.analysis.shortest_paths import Adjacency, dependency_sums
from ona.graph.model import CollabGraph
from ona.params import AnalysisParams
from tests.analysis.graphs_people import random_org


def _top(values: np.ndarray, active: np.ndarray, k: int) -> set[int]:
    return set(active[np.lexsort((active, -values[active]))[:k]].tolist())


def test_linear_dependencies_of_every_source_sum_to_exact_betweenness() -> None:
    # equal weights on purpose: many shortest paths tie, so the path counts matter
    rng = np.random.default_rng(3)
    gr = ig.Graph.Erdos_Renyi(n=80, m=300)
    gr.es["weight"] = rng.choice([1.0, 0.5, 2.0, 1 / 3], size=gr.ecount()).tolist()
    g = CollabGraph(gr, tuple(f"p{i:02d}" for i in range(80)))
    total = dependency_sums(Adjacency.of(g).skeleton(), np.arange(80), batch=8, linear=True).sum(axis=0)
    G = nx.Graph()
    G.add_nodes_from(range(80))
    G.add_weighted_edges_from(((e.source, e.target, 1 / e["weight"]) for e in gr.es), weight="d")
    expected = nx.betweenness_centrality(G, weight="d", normalized=False)
    assert total == pytest.approx([expected[i] for i in range(80)], abs=1e-9)


@pytest.fixture(scope="module")
def mid() -> tuple:
    g, _ = random_org(1500, 0.01, 21, groups=8, isolates=5)
    exact = betweenness(g, exact_limit=10_000, samples=10, seed=0)
    return g, exact


def test_adaptive_top_k_meets_the_tolerance_it_states(mid: tuple) -> None:
    g, exact = mid
    active = np.flatnonzero(np.asarray(g.graph.degree()) > 0)
    r = betweenness(g, exact_limit=100, samples=50, seed=4, top=20, tolerance=0.1, max_samples=1500)
    assert not r.exact and r.top == 20
    assert r.top_error is not None and r.top_disagreement is not None
    assert r.top_error == pytest.approx(r.top_disagreement / 2 * np.sqrt(1 - r.sources / r.active))
    assert r.top_error <= 0.1 and "(met;" in r.method
    grown = [50]
    while grown[-1] < r.sources:
        grown.append(int(np.ceil(1.5 * grown[-1])))
    assert r.sources > 50 and r.sources == grown[-1]  # times 1.5 from 50
    recall = len(_top(r.values, active, 20) & _top(exact.values, active, 20)) / 20
    assert 1 - recall <= r.top_disagreement  # the halves' disagreement is conservative
    assert recall >= 1 - 2 * 0.1


def test_stated_error_is_reported_when_the_tolerance_is_not_met(mid: tuple) -> None:
    g, exact = mid
    r = betweenness(g, exact_limit=100, samples=20, seed=1, top=20, tolerance=0.0, max_samples=40)
    assert r.sources == 40
    assert f"sampled (40 of {exact.active} sources, linear scaling" in r.method
    assert f"estimated {r.top_error:.0%} ranked wrongly, tolerance 0%" in r.method
    assert "not met with the most sources, 40" in r.method
    assert "max standard error" in r.method and r.max_standard_error is not None


def test_determinism_with_the_seed(mid: tuple) -> None:
    g, _ = mid
    a = betweenness(g, exact_limit=100, samples=30, seed=7, top=10, tolerance=0.05, max_samples=120)
    b = betweenness(g, exact_limit=100, samples=30, seed=7, top=10, tolerance=0.05, max_samples=120)
    c = betweenness(g, exact_limit=100, samples=30, seed=8, top=10, tolerance=0.05, max_samples=120)
    assert np.array_equal(a.values, b.values) and a.method == b.method and a.sources == b.sources
    assert not np.array_equal(a.values, c.values)


def test_every_source_is_exact(mid: tuple) -> None:
    g, exact = mid
    r = betweenness(g, exact_limit=100, samples=exact.active, seed=0)
    assert r.exact
    s = betweenness(g, exact_limit=100, samples=400, seed=0, tolerance=0.0, max_samples=10_000)
    assert s.sources == exact.active  # doubled up to every active person: the exact values
    assert s.values == pytest.approx(exact.values, abs=1e-12)


def test_parameters_reach_the_estimate() -> None:
    p = AnalysisParams()
    assert (p.betweenness_samples, p.betweenness_top, p.betweenness_tolerance, p.betweenness_max_samples) == (
        100, 50, 0.05, 4000,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="betweenness_tolerance\n  Input should be less than or equal to 1"):
        AnalysisParams(betweenness_tolerance=1.5)
