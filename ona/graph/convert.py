"""Interop: :class:`CollabGraph` -> networkx, GraphML and GEXF (for Gephi).

Vertices carry ``person_id`` as their node key and their group (and any
extra vertex attributes given) as node attributes; edges carry the total
weight and the channel weights.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ona.graph.model import CHANNELS, CollabGraph, Partition


def to_networkx(g: CollabGraph, partition: Partition | None = None) -> nx.Graph:
    """An undirected networkx graph with the same people, ties and weights."""
    out = nx.Graph()
    if partition is not None:
        groups = [partition.names[i] for i in partition.membership]
        out.add_nodes_from((pid, {"group": grp}) for pid, grp in zip(g.ids, groups))
    else:
        out.add_nodes_from(g.ids)
    attrs = ("weight", *CHANNELS, "handoffs")
    columns = [g.edge_attr(a).tolist() for a in attrs]
    u, v, _ = g.edges()
    out.add_edges_from(
        (g.ids[a], g.ids[b], dict(zip(attrs, vals)))
        for a, b, *vals in zip(u.tolist(), v.tolist(), *columns)
    )
    return out


def write_graph(g: CollabGraph, partition: Partition | None, path: Path, *, fmt: str | None = None) -> Path:
    """Write the graph as GraphML (``.graphml``) or GEXF (``.gexf``).

    ``fmt`` overrides the format taken from the file suffix.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    graph = to_networkx(g, partition)
    if fmt == "graphml":
        nx.write_graphml(graph, path)
    elif fmt == "gexf":
        nx.write_gexf(graph, path)
    else:
        raise ValueError(f"unknown graph format '{fmt}': use graphml or gexf")
    return path
