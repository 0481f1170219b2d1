"""CollabGraph: the edge arrays are read from igraph once and shared."""

from __future__ import annotations


import igraph as ig
import numpy as np
import pytest

from ona.graph.model import CollabGraph


def test_edges_are_read_once_and_read_only() -> None:
    gr = ig.Graph(n=4, edges=[(2, 3), (0, 1), (1, 2)])
    gr.es["weight"] = [1.0, 2.0, 3.0]
    g = CollabGraph(gr, ("a", "b", "c", "d"))
    first = g.edges()
    assert all(x is y for x, y in zip(first, g.edges(), strict=True))
    assert first[0].tolist() == [2, 0, 1] and first[1].tolist() == [3, 1, 2] and first[2].tolist() == [1.0, 2.0, 3.0]
    for a in first:
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0


def test_edges_follow_a_change_of_size() -> None:
    gr = ig.Graph(n=3, edges=[(0, 1)])
    gr.es["weight"] = [1.0]
    g = CollabGraph(gr, ("a", "b", "c"))
    assert g.edges()[1].tolist() == [1]
    gr.add_edges([(1, 2)])
    gr.es["weight"] = [1.0, 4.0]
    u, v, w = g.edges()
    assert (u.tolist(), v.tolist(), w.tolist()) == ([0, 1], [1, 2], [1.0, 4.0])


def test_empty_graph() -> None:
    g = CollabGraph(ig.Graph(n=2), ("a", "b"))
    u, v, w = g.edges()
    assert len(u) == len(v) == len(w) == 0 and u.dtype == np.int64 and w.dtype == np.float64
