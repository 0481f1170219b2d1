"""Gould-Fernandez brokerage against a brute-force enumeration of two-paths."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ona.analysis.brokerage import ROLES, brokerage_counts
from ona.graph.model import CollabGraph, Partition
from tests.analysis.graphs_people import graph_from_edges, random_org, to_networkx


def brute_force(g: CollabGraph, partition: Partition) -> dict[str, list[int]]:
    """Enumerate every unordered pair {a, c} of b's neighbours, one by one."""
    G = to_networkx(g)
    group = {pid: partition.group_of(i) for i, pid in enumerate(g.ids)}
    counts = {role: [0] * g.n for role in ROLES}
    for i, b in enumerate(g.ids):
        for a, c in combinations(sorted(G[b]), 2):
            if G.has_edge(a, c):
                continue
            ga, gb, gc = group[a], group[b], group[c]
            if ga == gb == gc:
                counts["coordinator"][i] += 1
            elif ga == gc:
                counts["consultant"][i] += 1
            elif gb not in (ga, gc):
                counts["liaison"][i] += 1
            else:  # b shares its group with exactly one of a, c: both readings
                counts["gatekeeper"][i] += 1
                counts["representative"][i] += 1
    return counts


def _assert_same(g: CollabGraph, partition: Partition) -> None:
    got = brokerage_counts(g, partition)
    expected = brute_force(g, partition)
    for role in ROLES:
        assert got[role].tolist() == expected[role], role


@pytest.mark.parametrize("seed", range(10))
def test_matches_brute_force_on_random_graphs(seed: int) -> None:
    g, part = random_org(35, 0.1 + 0.04 * seed, seed, groups=2 + seed % 4, isolates=seed % 2)
    _assert_same(g, part)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=12),
    data=st.data(),
)
def test_matches_brute_force_property(n: int, data: st.DataObject) -> None:
    pairs = list(combinations(range(n), 2))
    present = data.draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    labels = data.draw(st.lists(st.sampled_from("xyzw"), min_size=n, max_size=n))
    ids = [f"p{i:02d}" for i in range(n)]
    g = graph_from_edges([(ids[i], ids[j], 1.0) for (i, j), keep in zip(pairs, present, strict=True) if keep], ids)
    _assert_same(g, Partition.from_labels(labels) if n else Partition((), np.zeros(0, dtype=np.int64)))


def test_small_blocks_give_the_same_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    g, part = random_org(40, 0.3, 3, groups=4)
    whole = brokerage_counts(g, part)
    monkeypatch.setattr("ona.analysis.ego.BLOCKS_PER_THREAD", 1000)  # about a block per row
    cut = brokerage_counts(g, part)
    for role in ROLES:
        assert np.array_equal(cut[role], whole[role])


def test_open_two_paths_add_up() -> None:
    # every open pair is counted once in coordinator + consultant + liaison + gatekeeper
    g, part = random_org(40, 0.2, 9, groups=3)
    G = to_networkx(g)
    counts = brokerage_counts(g, part)
    total = counts["coordinator"] + counts["consultant"] + counts["liaison"] + counts["gatekeeper"]
    triangles = nx.triangles(G)
    for i, pid in enumerate(g.ids):
        d = G.degree(pid)
        assert total[i] == d * (d - 1) // 2 - triangles[pid]
    assert np.array_equal(counts["gatekeeper"], counts["representative"])


def test_roles_by_hand() -> None:
    # hub (group h) with neighbours: h1 (h), a1, a2 (a), c1 (c); a1 ~ a2 closed
    ids = ["hub", "h1", "a1", "a2", "c1", "h2"]
    g = graph_from_edges(
        [("hub", "h1", 1), ("hub", "a1", 1), ("hub", "a2", 1), ("hub", "c1", 1), ("a1", "a2", 1), ("hub", "h2", 1)],
        ids,
    )
    part = Partition.from_labels(["h", "h", "a", "a", "c", "h"])
    counts = {role: int(brokerage_counts(g, part)[role][0]) for role in ROLES}
    # pairs of hub's 5 neighbours: 10, one closed (a1-a2)
    # {h1, h2}: coordinator; {a1, a2}: closed; {a1, c1}, {a2, c1}: liaison
    # {h1|h2} x {a1, a2, c1}: 6 gatekeeper/representative
    assert counts == {"coordinator": 1, "gatekeeper": 6, "representative": 6, "consultant": 0, "liaison": 2}
    # a1, a2 (group a) broker nothing: their only neighbours are tied to each other
    assert int(brokerage_counts(g, part)["consultant"].sum()) == 0


def test_consultant() -> None:
    # b (ops) between two sales people who are not tied
    g = graph_from_edges([("a", "b", 1), ("b", "c", 1)], ["a", "b", "c"])
    counts = brokerage_counts(g, Partition.from_labels(["sales", "ops", "sales"]))
    assert counts["consultant"].tolist() == [0, 1, 0]
    assert sum(int(counts[r].sum()) for r in ROLES) == 1
