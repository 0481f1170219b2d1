"""Small graphs for the people, brokerage, community and structure tests.

Graphs are built the way the pipeline builds them: a pyarrow table of pair
weights (columns a, b, email, meeting, ticket, handoffs, weight) through
:func:`ona.graph.build.build_graph`. ``to_networkx`` gives the same graph to
networkx, the independent oracle, with ``weight`` and ``distance = 1 /
weight`` on every tie and the group as node attribute ``group``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa

from ona.graph.build import build_graph
from ona.graph.model import CollabGraph, Partition


def graph_from_edges(edges: list[tuple[str, str, float]], people: list[str]) -> CollabGraph:
    """CollabGraph of ``people`` (in this vertex order) with the given weighted ties."""
    a = [min(x, y) for x, y, _ in edges]
    b = [max(x, y) for x, y, _ in edges]
    w = [float(weight) for _, _, weight in edges]
    zeros = [0.0] * len(edges)
    table = pa.table(
        {
            "a": pa.array(a, pa.string()),
            "b": pa.array(b, pa.string()),
            "email": pa.array(w, pa.float64()),
            "meeting": pa.array(zeros, pa.float64()),
            "ticket": pa.array(zeros, pa.float64()),
            "handoffs": pa.array(zeros, pa.float64()),
            "weight": pa.array(w, pa.float64()),
        }
    )
    return build_graph(table, people)


def random_org(
    n: int,
    p: float,
    seed: int,
    *,
    groups: int = 3,
    isolates: int = 0,
    weighted: bool = True,
    shuffle_ids: bool = False,
) -> tuple[CollabGraph, Partition]:
    """G(n, p) with random groups, weights in [0.2, 5) and ``isolates`` extra people without ties.

    With ``shuffle_ids`` the vertex order is not the person_id order, so a
    result attached by position instead of by id would be caught.
    """
    rng = np.random.default_rng(seed)
    total = n + isolates
    ids = [f"p{i:03d}" for i in range(total)]
    if shuffle_ids:
        ids = [ids[i] for i in rng.permutation(total)]
    edges = []
    iu, ju = np.triu_indices(n, k=1)
    keep = rng.random(len(iu)) < p
    weights = rng.uniform(0.2, 5.0, len(iu)) if weighted else np.ones(len(iu))
    for i, j, w in zip(iu[keep], ju[keep], weights[keep], strict=True):
        edges.append((ids[i], ids[j], float(w)))
    labels = [f"g{x}" for x in rng.integers(0, groups, total)]
    return graph_from_edges(edges, ids), Partition.from_labels(labels)


def to_networkx(g: CollabGraph, partition: Partition | None = None) -> nx.Graph:
    """The same graph in networkx, nodes named by person_id."""
    G = nx.Graph()
    G.add_nodes_from(g.ids)
    for (i, j), w in zip(g.graph.get_edgelist(), g.graph.es[g.weight], strict=True):
        G.add_edge(g.ids[i], g.ids[j], weight=w, distance=1.0 / w)
    if partition is not None:
        nx.set_node_attributes(G, {pid: partition.group_of(i) for i, pid in enumerate(g.ids)}, "group")
    return G


def karate() -> tuple[CollabGraph, Partition]:
    """Zachary's karate club, unweighted (every tie 1), groups = the two clubs after the split."""
    K = nx.karate_club_graph()
    ids = [f"k{i:02d}" for i in K.nodes]
    g = graph_from_edges([(ids[i], ids[j], 1.0) for i, j in K.edges], ids)
    return g, Partition.from_labels([K.nodes[i]["club"] for i in K.nodes])
