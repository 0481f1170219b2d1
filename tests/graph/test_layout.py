"""compute_layout: deterministic, complete, thinned by the documented rule."""

from __future__ import annotations

import math

import igraph as ig
import numpy as np
import pytest

from ona.graph.layout import RING, Layout, compute_layout
from ona.graph.model import CollabGraph, Partition


def clusters(k: int = 4, size: int = 15, cross: int = 6, isolates: int = 3) -> tuple[CollabGraph, Partition]:
    """k groups of ``size`` people, each a complete graph inside (weights 1..3);
    ``cross`` light ties between consecutive groups; ``isolates`` extra people in group 0
    with no tie. Edges: k * size*(size-1)/2 inside + k * cross across."""
    edges, weights = [], []
    for gidx in range(k):
        base = gidx * size
        for i in range(size):
            for j in range(i + 1, size):
                edges.append((base + i, base + j))
                weights.append(1.0 + (i * j) % 3)
    for gidx in range(k):
        nxt = ((gidx + 1) % k) * size
        for c in range(cross):
            edges.append((gidx * size + c, nxt + size - 1 - c))
            weights.append(0.5)
    n = k * size + isolates
    graph = ig.Graph(n=n, edges=edges)
    graph.es["weight"] = weights
    ids = tuple(f"p{i:03d}" for i in range(n))
    labels = [f"G{i // size}" if i < k * size else "G0" for i in range(n)]
    return CollabGraph(graph, ids), Partition.from_labels(labels)


def cross_ties(g: CollabGraph, partition: Partition, layout: Layout) -> tuple[set, set]:
    group = {pid: partition.group_of(i) for i, pid in enumerate(g.ids)}
    u, v, _ = g.edges()
    all_cross = {tuple(sorted((g.ids[a], g.ids[b]))) for a, b in zip(u, v) if group[g.ids[a]] != group[g.ids[b]]}
    kept = {(a, b) for a, b, _ in layout.edges}
    return all_cross, kept


def test_same_seed_same_bytes_and_other_seed_moves_people():
    g, partition = clusters()
    a = compute_layout(g, partition, seed=5)
    b = compute_layout(g, partition, seed=5)
    assert a.model_dump_json() == b.model_dump_json()
    c = compute_layout(g, partition, seed=6)
    assert c.people != a.people


def test_every_person_and_group_has_a_rounded_position_in_range():
    g, partition = clusters()
    layout = compute_layout(g, partition, seed=1)
    assert set(layout.people) == set(g.ids)
    assert set(layout.groups) == set(partition.names)
    for x, y in [*layout.people.values(), *layout.groups.values()]:
        assert -RING - 1e-9 <= x <= RING + 1e-9 and -RING - 1e-9 <= y <= RING + 1e-9
        assert round(x, 4) == x and round(y, 4) == y


def test_people_without_ties_sit_on_the_outer_ring():
    g, partition = clusters(isolates=3)
    layout = compute_layout(g, partition, seed=1)
    for pid in g.ids[-3:]:
        x, y = layout.people[pid]
        assert math.hypot(x, y) == pytest.approx(RING, abs=1e-3)
    # active people stay inside the unit square
    for pid in g.ids[:-3]:
        assert max(abs(c) for c in layout.people[pid]) <= 1.0


def test_small_graph_keeps_every_tie():
    g, partition = clusters(k=2, size=5, cross=1, isolates=0)
    layout = compute_layout(g, partition, seed=0)
    assert len(layout.edges) == layout.total_edges == g.graph.ecount()
    assert layout.backbone_rule.startswith("all")


def test_backbone_is_thinned_to_max_edges_and_keeps_cross_group_ties():
    g, partition = clusters(k=4, size=15, cross=6, isolates=0)  # 420 inside + 24 across
    active = g.n
    max_edges = active + 24 + 10  # room for everyone's strongest tie and every cross tie
    layout = compute_layout(g, partition, seed=2, max_edges=max_edges)
    assert layout.total_edges == 444
    assert len(layout.edges) == max_edges
    all_cross, kept = cross_ties(g, partition, layout)
    assert all_cross <= kept
    # nobody active looks isolated: everyone keeps at least one tie
    touched = {p for a, b, _ in layout.edges for p in (a, b)}
    assert touched == set(g.ids)
    # edges are (a, b, w) with a < b, sorted, weights rounded
    assert all(a < b for a, b, _ in layout.edges)
    assert layout.edges == sorted(layout.edges)
    assert str(max_edges) in layout.backbone_rule


def test_cross_ties_come_after_each_persons_strongest_tie_when_the_budget_is_tight():
    g, partition = clusters(k=4, size=15, cross=6, isolates=0)
    layout = compute_layout(g, partition, seed=2, max_edges=70)
    assert len(layout.edges) == 70
    touched = {p for a, b, _ in layout.edges for p in (a, b)}
    assert touched == set(g.ids)  # tier 1 fits in 70 (at most 60 strongest ties)
    all_cross, kept = cross_ties(g, partition, layout)
    assert kept & all_cross  # the remaining budget goes to cross ties first


def test_zero_budget_and_negative_budget():
    g, partition = clusters(k=2, size=4, cross=1, isolates=0)
    assert compute_layout(g, partition, seed=0, max_edges=0).edges == []
    with pytest.raises(ValueError, match="^max_edges must be at least 0$"):
        compute_layout(g, partition, seed=0, max_edges=-1)


def test_json_round_trip():
    g, partition = clusters(k=3, size=6, cross=2)
    layout = compute_layout(g, partition, seed=4)
    again = Layout.model_validate_json(layout.model_dump_json())
    assert again == layout


def test_one_group_and_no_ties():
    graph = ig.Graph(n=4)
    graph.es["weight"] = []
    g = CollabGraph(graph, ("a", "b", "c", "d"))
    layout = compute_layout(g, Partition.from_labels(["X"] * 4), seed=0)
    assert layout.groups == {"X": (0.0, 0.0)}
    assert len(layout.people) == 4 and layout.edges == []


def test_group_positions_spread_out():
    g, partition = clusters(k=6, size=6, cross=2, isolates=0)
    layout = compute_layout(g, partition, seed=0)
    xy = np.array(list(layout.groups.values()))
    distances = [np.hypot(*(xy[i] - xy[j])) for i in range(len(xy)) for j in range(i + 1, len(xy))]
    assert min(distances) > 0.05


def test_large_graphs_are_laid_out_on_each_persons_strongest_ties(monkeypatch):
    import ona.graph.layout as lay

    g, partition = clusters(k=4, size=15, cross=6, isolates=2)
    monkeypatch.setattr(lay, "LAYOUT_EDGES", 100)  # 444 ties: the thinned branch
    a = compute_layout(g, partition, seed=3, max_edges=100)
    b = compute_layout(g, partition, seed=3, max_edges=100)
    assert a == b
    assert set(a.people) == set(g.ids) and len(a.edges) == 100
    # the groups still come out as separate clusters: each person is nearer its own group's centre
    xy = {pid: np.array(p) for pid, p in a.people.items()}
    centres = {
        name: np.mean([xy[pid] for i, pid in enumerate(g.ids[:60]) if partition.group_of(i) == name], axis=0)
        for name in partition.names
    }
    nearest = [
        min(centres, key=lambda c: np.hypot(*(xy[pid] - centres[c]))) == partition.group_of(i)
        for i, pid in enumerate(g.ids[:60])
    ]
    assert sum(nearest) >= 0.9 * len(nearest)
