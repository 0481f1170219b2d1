"""Modularity of the groups and group assortativity, against networkx and by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from ona.analysis.structure import formal_modularity, group_assortativity, mixing_matrix
from ona.graph.model import Partition
from tests.analysis.graphs_people import graph_from_edges, random_org, to_networkx


def _groups(G: nx.Graph) -> list[set[str]]:
    names = sorted({d["group"] for _, d in G.nodes(data=True)})
    return [{x for x, d in G.nodes(data=True) if d["group"] == name} for name in names]


@pytest.mark.parametrize("seed", range(6))
def test_formal_modularity_matches_networkx(seed: int) -> None:
    g, part = random_org(40, 0.08 + 0.02 * seed, seed, groups=2 + seed % 3, isolates=1)
    G = to_networkx(g, part)
    expected = nx.community.modularity(G, _groups(G), weight="weight")
    assert formal_modularity(g, part) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_assortativity_matches_networkx_unweighted(seed: int) -> None:
    g, part = random_org(40, 0.1 + 0.02 * seed, seed, groups=2 + seed % 3, weighted=False)
    G = to_networkx(g, part)
    expected = nx.attribute_assortativity_coefficient(G, "group")
    assert group_assortativity(g, part) == pytest.approx(expected, abs=1e-12)


def test_weighted_assortativity_by_hand() -> None:
    # groups x = {a, b}, y = {c, d}, z = {e}
    # ties: a-b 4 (x-x), c-d 2 (y-y), b-c 1 (x-y), d-e 3 (y-z); W = 10
    g = graph_from_edges(
        [("a", "b", 4.0), ("c", "d", 2.0), ("b", "c", 1.0), ("d", "e", 3.0)], ["a", "b", "c", "d", "e"]
    )
    part = Partition.from_labels(["x", "x", "y", "y", "z"])
    # e (shares of 2W = 20): xx 8/20, yy 4/20, xy = yx 1/20, yz = zy 3/20
    e = np.array([[8, 1, 0], [1, 4, 3], [0, 3, 0]]) / 20
    np.testing.assert_allclose(mixing_matrix(g, part), e)
    # a = (9, 8, 3) / 20; sum a^2 = (81 + 64 + 9) / 400 = 0.385; trace = 12/20 = 0.6
    # r = (0.6 - 0.385) / (1 - 0.385) = 0.215 / 0.615
    assert group_assortativity(g, part) == pytest.approx(0.215 / 0.615)
    # Q = sum_d I_d / W - (vol_d / 2W)^2 = (4 + 2) / 10 - 0.385 = 0.215
    assert formal_modularity(g, part) == pytest.approx(0.215)


def test_weights_matter() -> None:
    # the same ties with heavier internal weight are more assortative
    ids = ["a", "b", "c", "d"]
    part = Partition.from_labels(["x", "x", "y", "y"])
    light = graph_from_edges([("a", "b", 1.0), ("c", "d", 1.0), ("b", "c", 1.0)], ids)
    heavy = graph_from_edges([("a", "b", 5.0), ("c", "d", 5.0), ("b", "c", 1.0)], ids)
    assert group_assortativity(heavy, part) > group_assortativity(light, part)
    assert formal_modularity(heavy, part) > formal_modularity(light, part)


def test_undefined_cases() -> None:
    empty = graph_from_edges([], ["a", "b"])
    part = Partition.from_labels(["x", "y"])
    assert formal_modularity(empty, part) is None
    assert group_assortativity(empty, part) is None
    # all weight inside one group: assortativity 0/0, modularity 0
    one = graph_from_edges([("a", "b", 2.0)], ["a", "b", "c"])
    part = Partition.from_labels(["x", "x", "y"])
    assert group_assortativity(one, part) is None
    assert formal_modularity(one, part) == pytest.approx(0.0)


def test_all_ties_across_groups() -> None:
    # a bipartite exchange: every tie joins x and y -> r = -1
    g = graph_from_edges([("a", "c", 1.0), ("b", "d", 2.0)], ["a", "b", "c", "d"])
    part = Partition.from_labels(["x", "x", "y", "y"])
    assert group_assortativity(g, part) == pytest.approx(-1.0)
