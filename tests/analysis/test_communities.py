"""Leiden communities and their comparison with the groups."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

from ona.analysis.communities import (
    community_summaries,
    compare_to_groups,
    group_community_split,
    leiden_communities,
)
from ona.graph.model import Partition
from tests.analysis.graphs_people import graph_from_edges, karate, random_org, to_networkx


def _blocks(membership: np.ndarray, ids: tuple[str, ...]) -> list[set[str]]:
    return [{ids[i] for i in np.flatnonzero(membership == c)} for c in range(int(membership.max()) + 1)]


def test_karate_club_modularity() -> None:
    g, _ = karate()
    result = leiden_communities(g, seed=0)
    # not igraph's CPM default (34 singletons): 3 or 4 communities, Q about 0.42
    assert 3 <= result.count <= 4
    assert result.isolates == 0
    G = to_networkx(g)
    q_nx = nx.community.modularity(G, _blocks(result.membership, g.ids), weight="weight")
    assert result.modularity == pytest.approx(q_nx, abs=1e-12)
    assert 0.40 <= result.modularity <= 0.4198 + 1e-4  # 0.4198: the known optimum
    # Leiden guarantees connected communities
    for block in _blocks(result.membership, g.ids):
        assert nx.is_connected(G.subgraph(block))


def test_same_seed_same_membership_and_rng_restored() -> None:
    g, _ = random_org(120, 0.06, 2, groups=4)
    state = random.getstate()
    one = leiden_communities(g, seed=7)
    assert random.getstate() == state  # the seeded section leaves Python's generator alone
    two = leiden_communities(g, seed=7)
    assert np.array_equal(one.membership, two.membership)
    assert one.modularity == two.modularity


def test_labels_are_canonical() -> None:
    g, _ = random_org(80, 0.05, 4, groups=3, isolates=3, shuffle_ids=True)
    m = leiden_communities(g, seed=1).membership
    sizes = np.bincount(m)
    assert np.all(np.diff(sizes) <= 0)  # community 0 is the largest
    first = [min(g.ids[i] for i in np.flatnonzero(m == c)) for c in range(len(sizes))]
    for c in range(len(sizes) - 1):
        if sizes[c] == sizes[c + 1]:
            assert first[c] < first[c + 1]


def test_isolates_are_singletons_and_said_so() -> None:
    # two triangles joined by c-d, plus two people without ties
    ids = ["a", "b", "c", "d", "e", "f", "x", "y"]
    edges = [("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("d", "e", 1), ("e", "f", 1), ("d", "f", 1), ("c", "d", 1)]
    result = leiden_communities(graph_from_edges(edges, ids), seed=0)
    assert result.membership.tolist() == [0, 0, 0, 1, 1, 1, 2, 3]
    assert result.count == 4 and result.isolates == 2
    assert "2 people without any tie" in result.note
    # Q = 6/7 - 2 * (7/14)^2: isolates add no volume
    assert result.modularity == pytest.approx(6 / 7 - 0.5)


def test_graph_without_ties() -> None:
    result = leiden_communities(graph_from_edges([], ["a", "b"]), seed=0)
    assert result.modularity is None
    assert result.count == 2 and result.isolates == 2


def test_resolution_changes_granularity() -> None:
    g, _ = karate()
    coarse = leiden_communities(g, resolution=0.5, seed=0)
    fine = leiden_communities(g, resolution=2.0, seed=0)
    assert coarse.count < fine.count
    assert fine.resolution == 2.0


def _entropy(p: np.ndarray) -> float:
    return -sum(v * math.log(v) for v in p.ravel() if v > 0)


def _pairs(v: np.ndarray | float) -> np.ndarray | float:
    return v * (v - 1) / 2


def _nmi_ari(x: list[int], y: list[int]) -> tuple[float, float]:
    """Independent NMI (arithmetic-mean normalization) and ARI from the contingency table."""
    n = len(x)
    table = np.zeros((max(x) + 1, max(y) + 1))
    np.add.at(table, (x, y), 1)
    px, py, pxy = table.sum(1) / n, table.sum(0) / n, table / n
    mutual = _entropy(px) + _entropy(py) - _entropy(pxy)
    nmi = 2 * mutual / (_entropy(px) + _entropy(py))
    index, a, b = _pairs(table).sum(), _pairs(table.sum(1)).sum(), _pairs(table.sum(0)).sum()
    expected = a * b / _pairs(n)
    ari = (index - expected) / ((a + b) / 2 - expected)
    return nmi, ari


@pytest.mark.parametrize("seed", range(4))
def test_nmi_ari_match_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 4, 60)
    comms = np.where(rng.random(60) < 0.7, groups, rng.integers(0, 5, 60))
    part = Partition.from_labels([f"g{x}" for x in groups])
    nmi, ari = compare_to_groups(part, comms)
    expected = _nmi_ari(part.membership.tolist(), comms.tolist())
    assert (nmi, ari) == pytest.approx(expected, abs=1e-9)


def test_identical_partitions_score_one() -> None:
    part = Partition.from_labels(["b", "b", "a", "c", "c", "a"])
    assert compare_to_groups(part, np.array([5, 5, 0, 2, 2, 0])) == pytest.approx((1.0, 1.0))
    one_block = Partition.from_labels(["x"] * 5)
    assert compare_to_groups(one_block, np.zeros(5, dtype=np.int64)) == (1.0, 1.0)


def test_summaries_and_split_by_hand() -> None:
    part = Partition.from_labels(["hr", "hr", "it", "it", "it", "ops"])
    membership = np.array([0, 0, 1, 1, 0, 2])
    summaries = community_summaries(part, membership)
    # community 0: hr 2, it 1 -> main hr (2/3); 1: it 2; 2: ops 1
    assert [(s.community, s.size, s.groups, s.main_group) for s in summaries] == [
        (0, 3, {"hr": 2, "it": 1}, "hr"),
        (1, 2, {"it": 2}, "it"),
        (2, 1, {"ops": 1}, "ops"),
    ]
    assert summaries[0].main_group_share == pytest.approx(2 / 3)
    assert group_community_split(part, membership) == {
        "hr": {"0": 2},
        "it": {"0": 1, "1": 2},
        "ops": {"2": 1},
    }


def test_summaries_cover_everyone() -> None:
    g, part = random_org(90, 0.05, 8, groups=5, isolates=2)
    membership = leiden_communities(g, seed=3).membership
    summaries = community_summaries(part, membership)
    assert sum(s.size for s in summaries) == g.n
    assert [s.community for s in summaries] == list(range(int(membership.max()) + 1))
    split = group_community_split(part, membership)
    assert {name: sum(d.values()) for name, d in split.items()} == dict(
        zip(part.names, part.sizes().tolist(), strict=True)
    )
    for s in summaries:
        assert s.main_group_share == pytest.approx(max(s.groups.values()) / s.size)
