"""The collaboration graph and the group partition, as analyses receive them.

``CollabGraph`` is undirected and weighted. Vertex ``i`` is person
``ids[i]``; every person of the dataset is a vertex, active or not. Edge
attributes: ``weight`` (w_ij after coefficients), ``email``, ``meeting``,
``ticket``, ``chat``, ``ties`` (channel weights before coefficients) and ``handoffs`` (ticket
handoff count, both directions).

igraph stays inside ``ona.graph`` and ``ona.analysis``: analyses return plain
data keyed by person_id and group name.

A ``CollabGraph`` is immutable: its igraph graph must not be changed once
wrapped (nothing in ona changes it), so what is derived from it
(:meth:`CollabGraph.edges`, the index) is computed once and kept. Only a
change of the graph's size is noticed (the edges are read again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import igraph as ig
import numpy as np

CHANNELS = ("email", "meeting", "ticket", "chat", "ties")


@dataclass(frozen=True)
class CollabGraph:
    """The graph, the person of every vertex, and the per-edge values.

    ``columns`` holds edge attributes as read-only numpy arrays in igraph's
    edge order (:func:`ona.graph.build.build_graph` keeps every channel
    there and only ``weight`` in igraph, which its algorithms read: an igraph
    attribute costs a Python float per edge, 32 bytes, against 8 here);
    :meth:`edge_attr` reads ``columns`` first, then igraph's attributes.
    """

    graph: ig.Graph
    ids: tuple[str, ...]
    weight: str = "weight"
    columns: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def index(self) -> dict[str, int]:
        """person_id -> vertex index."""
        return {pid: i for i, pid in enumerate(self.ids)}

    @property
    def n(self) -> int:
        return self.graph.vcount()

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edge endpoints and weights as numpy arrays ``(u, v, w)``, u < v, in igraph's edge order.

        Read from igraph once (an analysis asks a dozen times, and igraph
        hands its edge list over as Python tuples) and shared: the arrays are
        read-only. Read again if the graph's size has changed.

        Examples
        --------
        >>> gr = ig.Graph(n=3, edges=[(0, 1), (1, 2)]); gr.es["weight"] = [2.0, 1.0]
        >>> g = CollabGraph(gr, ("a", "b", "c"))
        >>> u, v, w = g.edges()
        >>> u.tolist(), v.tolist(), w.tolist(), g.edges()[0] is u, u.flags.writeable
        ([0, 1], [1, 2], [2.0, 1.0], True, False)
        """
        size = (self.graph.vcount(), self.graph.ecount())
        cached = self.__dict__.get("_edges")
        if cached is not None and cached[0] == size:
            return cached[1]
        m = size[1]
        # flattening igraph's list of tuples directly is ~4x faster than np.asarray on it
        flat = np.fromiter(chain.from_iterable(self.graph.get_edgelist()), dtype=np.int64, count=2 * m)
        arrays = (flat[0::2].copy(), flat[1::2].copy(), self.edge_attr(self.weight))
        for a in arrays:
            a.flags.writeable = False
        object.__setattr__(self, "_edges", (size, arrays))  # a cache on a frozen dataclass
        return arrays

    def edge_attr(self, name: str) -> np.ndarray:
        """One value per edge (float64, igraph's edge order); read-only when it comes from ``columns``."""
        if self.graph.ecount() == 0:
            return np.zeros(0)
        column = self.columns.get(name)
        if column is not None and column.size == self.graph.ecount():
            return column
        return np.asarray(self.graph.es[name], dtype=np.float64)

    def strength(self) -> np.ndarray:
        """Weighted degree of every vertex."""
        return np.asarray(self.graph.strength(weights=self.weight), dtype=np.float64)

    @property
    def total_weight(self) -> float:
        """W: the sum of all tie weights."""
        return float(self.edge_attr(self.weight).sum())


@dataclass(frozen=True)
class Partition:
    """Group of every vertex: ``names[membership[i]]`` is person i's group.

    ``names`` is sorted, so group indices are stable across runs.
    """

    names: tuple[str, ...]
    membership: np.ndarray = field(repr=False)

    @property
    def k(self) -> int:
        return len(self.names)

    def sizes(self) -> np.ndarray:
        """Headcount per group (including inactive members)."""
        return np.bincount(self.membership, minlength=self.k)

    def group_of(self, vertex: int) -> str:
        return self.names[int(self.membership[vertex])]

    @classmethod
    def from_labels(cls, labels: list[str] | np.ndarray) -> Partition:
        names, membership = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        return cls(tuple(str(x) for x in names), membership.astype(np.int64))
