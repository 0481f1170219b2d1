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
import pandas as pd
import pyarrow as pa

from ona.graph.model import CHANNELS, CollabGraph, Partition


def build_graph(pairs: pa.Table, person_ids: list[str] | tuple[str, ...]) -> CollabGraph:
    """Build the collaboration graph; vertex attributes ``name`` = person_id."""
    ids = tuple(person_ids)
    g = ig.Graph(n=len(ids), directed=False)
    g.vs["name"] = list(ids)
    if pairs.num_rows:
        # attach by id lookup, never by position
        index = pd.Index(ids)
        u = index.get_indexer(pairs.column("a").to_pandas())
        v = index.get_indexer(pairs.column("b").to_pandas())
        if (u < 0).any() or (v < 0).any():
            raise ValueError("pair weights name a person who is not in people")
        g.add_edges(np.column_stack([u, v]))
        for col in (*CHANNELS, "handoffs", "weight"):
            if col not in pairs.column_names and col in CHANNELS:
                # pair tables written before a channel existed (chat, ties) have none of its weight
                g.es[col] = [0.0] * pairs.num_rows
                continue
            g.es[col] = pairs.column(col).to_numpy(zero_copy_only=False).astype(np.float64).tolist()
    else:
        for col in (*CHANNELS, "handoffs", "weight"):
            g.es[col] = []
    return CollabGraph(g, ids)


def partition_of(g: CollabGraph, groups: dict[str, str]) -> Partition:
    """Partition of the graph's vertices from a person_id -> group mapping."""
    return Partition.from_labels([groups[pid] for pid in g.ids])
