"""Pair weights -> :class:`CollabGraph`.

Input: an Arrow table of pair weights as the store aggregates them (one row
per unordered pair ``a < b`` with columns ``a, b, email, meeting, ticket, chat, ties,
handoffs, weight``) and the list of every person_id. Output: an undirected
igraph graph whose vertices are all people (in the given order) and whose
edges are the ties.
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.graph.model import CHANNELS, CollabGraph, Partition


def build_graph(pairs: pa.Table, person_ids: list[str] | tuple[str, ...]) -> CollabGraph:
    """Build the collaboration graph; vertex attributes ``name`` = person_id."""
    ids = tuple(person_ids)
    g = ig.Graph(n=len(ids), directed=False)
    g.vs["name"] = list(ids)
    columns: dict[str, np.ndarray] = {}
    m = pairs.num_rows
    if m:
        # attach by id lookup, never by position (Arrow's hash lookup: no Python string per tie)
        people = pa.array(ids, pa.string())
        u, v = (_positions(pairs.column(end), people) for end in ("a", "b"))
        if (u < 0).any() or (v < 0).any():
            raise ValueError("pair weights name a person who is not in people")
        g.add_edges(np.column_stack([u, v]))
    for col in (*CHANNELS, "handoffs", "weight"):
        # pair tables written before a channel existed (chat, ties) have none of its weight
        values = (pairs.column(col).to_numpy(zero_copy_only=False).astype(np.float64) if col in pairs.column_names
                  else np.zeros(m))
        values.flags.writeable = False
        columns[col] = values
    g.es["weight"] = columns["weight"].tolist()  # what igraph's algorithms read
    return CollabGraph(g, ids, columns=columns)


def _positions(values: pa.ChunkedArray, people: pa.Array) -> np.ndarray:
    """Vertex of every person_id in ``values`` (-1 if not a person)."""
    found = pc.fill_null(pc.index_in(values, value_set=people), -1)
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def partition_of(g: CollabGraph, groups: dict[str, str]) -> Partition:
    """Partition of the graph's vertices from a person_id -> group mapping."""
    return Partition.from_labels([groups[pid] for pid in g.ids])
