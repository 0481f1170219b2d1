"""Small graphs for the group, significance, silo and link tests.

Graphs are built as the pipeline builds them: a pyarrow table of pair
weights (columns a, b, email, meeting, ticket, handoffs, weight) through
:func:`ona.graph.build.build_graph`. ``to_networkx`` gives the *same input
rows* (not the igraph graph) to networkx, so the tests' oracle never reads
what ona built.

Each named organization states its size and the findings it must give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pyarrow as pa

from ona.graph.build import build_graph, partition_of
from ona.graph.model import CollabGraph, Partition


@dataclass(frozen=True)
class Tie:
    """One input row: a pair of people and its channel weights."""

    a: str
    b: str
    weight: float
    email: float = 0.0
    meeting: float = 0.0
    ticket: float = 0.0
    handoffs: int = 0


@dataclass(frozen=True)
class Org:
    """People (in vertex order), their groups and the pair rows."""

    people: list[str]
    groups: dict[str, str]
    ties: list[Tie] = field(default_factory=list)

    def graph(self) -> tuple[CollabGraph, Partition]:
        g = build_graph(pair_table(self.ties), self.people)
        return g, partition_of(g, self.groups)

    def to_networkx(self) -> nx.Graph:
        """The same rows as a networkx graph; node attribute ``group``."""
        G = nx.Graph()
        for pid in self.people:
            G.add_node(pid, group=self.groups[pid])
        for t in self.ties:
            G.add_edge(t.a, t.b, weight=t.weight, email=t.email, meeting=t.meeting,
                       ticket=t.ticket, handoffs=t.handoffs)
        return G


def pair_table(ties: list[Tie]) -> pa.Table:
    """Pair-weight rows (a < b) as the store hands them to build_graph."""
    rows = [(min(t.a, t.b), max(t.a, t.b), t) for t in ties]
    return pa.table(
        {
            "a": pa.array([a for a, _, _ in rows], pa.string()),
            "b": pa.array([b for _, b, _ in rows], pa.string()),
            "email": pa.array([t.email for *_, t in rows], pa.float64()),
            "meeting": pa.array([t.meeting for *_, t in rows], pa.float64()),
            "ticket": pa.array([t.ticket for *_, t in rows], pa.float64()),
            "handoffs": pa.array([float(t.handoffs) for *_, t in rows], pa.float64()),
            "weight": pa.array([t.weight for *_, t in rows], pa.float64()),
        }
    )


def org(groups: dict[str, list[str]], ties: list[tuple[str, str, float]]) -> Org:
    """An Org from group -> members and (a, b, weight) email ties."""
    labels = {p: name for name, members in groups.items() for p in members}
    return Org(list(labels), labels, [Tie(a, b, w, email=w) for a, b, w in ties])


def hand_example() -> Org:
    """6 people: Ops o1 o2 o3, Fin f1 f2, Law l1 (a one-person group).

    Ties (weight): o1-o2 3, o2-o3 1, o1-f1 2, o3-f1 1, f1-f2 4, f2-l1 1.
    W = 12. I_Ops = 4, E_Ops = 3, I_Fin = 4, E_Fin = 4, I_Law = 0, E_Law = 1.
    """
    return org(
        {"Ops": ["o1", "o2", "o3"], "Fin": ["f1", "f2"], "Law": ["l1"]},
        [("o1", "o2", 3), ("o2", "o3", 1), ("o1", "f1", 2), ("o3", "f1", 1), ("f1", "f2", 4), ("f2", "l1", 1)],
    )


def planted_blocks(groups: int, size: int, *, p_in: float, p_out: float, seed: int, prefix: str = "G") -> Org:
    """``groups`` blocks of ``size`` people; each pair tied with p_in inside, p_out across.

    Weights are drawn from [1, 3). Group names are ``{prefix}0, {prefix}1, ...``.
    """
    rng = np.random.default_rng(seed)
    n = groups * size
    people = [f"p{i:04d}" for i in range(n)]
    block = np.arange(n) // size
    i, j = np.triu_indices(n, 1)
    p = np.where(block[i] == block[j], p_in, p_out)
    keep = rng.random(i.size) < p
    w = rng.uniform(1, 3, keep.sum())
    labels = {pid: f"{prefix}{block[k]}" for k, pid in enumerate(people)}
    return Org(people, labels, [Tie(people[a], people[b], float(x), email=float(x))
                                for a, b, x in zip(i[keep], j[keep], w)])


def random_labels(n: int, groups: int, p: float, *, seed: int) -> Org:
    """Erdos-Renyi G(n, p) with uniform random group labels: must show no silo."""
    rng = np.random.default_rng(seed)
    people = [f"p{i:04d}" for i in range(n)]
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < p
    w = rng.uniform(1, 3, keep.sum())
    labels = {pid: f"G{x}" for pid, x in zip(people, rng.integers(0, groups, n))}
    return Org(people, labels, [Tie(people[a], people[b], float(x), email=float(x))
                                for a, b, x in zip(i[keep], j[keep], w)])


def single_bridge() -> Org:
    """Two blocks of 5 (Eng, Sec) joined only through s0: Eng-Sec is fragile, s0 first.

    s0 holds three Eng-Sec ties (weights 2, 2, 1), nobody else holds one.
    """
    eng = [f"e{i}" for i in range(5)]
    sec = [f"s{i}" for i in range(5)]
    inside = [(x, y, 2.0) for block in (eng, sec) for k, x in enumerate(block) for y in block[k + 1:]]
    across = [("s0", "e0", 2.0), ("s0", "e1", 2.0), ("s0", "e2", 1.0)]
    return org({"Eng": eng, "Sec": sec}, inside + across)


def three_blocks(fin_it: list[Tie]) -> Org:
    """Three blocks of 4 (Fin f0-f3, IT i0-i3, Ops o0-o3), every pair inside tied with weight 2,
    every Fin-Ops and IT-Ops pair of people tied with email weight 1, and the given Fin-IT rows.

    Without Fin-IT: vol(Fin) = vol(IT) = 2 * 12 + 16 = 40, vol(Ops) = 2 * 12 + 32 = 56, W = 68.
    """
    blocks = {name: [f"{name[0].lower()}{i}" for i in range(4)] for name in ("Fin", "IT", "Ops")}
    ties = [Tie(x, y, 2.0, email=2.0) for m in blocks.values() for k, x in enumerate(m) for y in m[k + 1:]]
    for a, b in (("Fin", "Ops"), ("IT", "Ops")):
        ties += [Tie(x, y, 1.0, email=1.0) for x in blocks[a] for y in blocks[b]]
    labels = {p: name for name, m in blocks.items() for p in m}
    return Org(list(labels), labels, ties + fin_it)


def dependency_without_relationship() -> Org:
    """:func:`three_blocks` where Fin-IT barely collaborate but trade 12 handoffs.

    Fin-IT has one tie f0-i0 of weight 0.5, all of it from tickets (12
    handoffs), so no email or meeting at all: dependency_without_relationship
    and under-connected, listed first; f0 alone carries it, but at 0.5 (the
    median weight of the three linked pairs is 16) it does not matter enough
    to be fragile.
    """
    return three_blocks([Tie("f0", "i0", 0.5, ticket=0.5, handoffs=12)])


def dependent_pair(*, email: float, meeting: float = 0.0, handoffs: int = 1) -> Org:
    """:func:`three_blocks` where every Fin-IT pair of people is tied with weight 1.

    Each of the 16 Fin-IT ties splits its weight 1 into ``email``, ``meeting``
    and ticket ``1 - email - meeting``, with ``handoffs`` handoffs. Then
    vol = 56 for every group, W = 84, every pair expects 56 * 56 / 168 = 56/3
    and has ratio 16 / (56/3) = 6/7, so median_ratio = 6/7, nobody is
    under-connected and nothing is fragile (two people cut at most 8 of 16).
    Fin-IT's relationship ratio is 16 (e_w email + m_w meeting) / (56/3): it
    is below dependency_ratio * 6/7 exactly when
    ``e_w email + m_w meeting < dependency_ratio``.
    """
    fin, it = [f"f{i}" for i in range(4)], [f"i{i}" for i in range(4)]
    ticket = 1.0 - email - meeting
    return three_blocks([Tie(x, y, 1.0, email=email, meeting=meeting, ticket=ticket, handoffs=handoffs)
                         for x in fin for y in it])


def cliques(cross: dict[tuple[str, str], float], *, inside: float = 10.0) -> Org:
    """One group per letter of the ``cross`` keys, each a triangle (x1, x2, x3) of ``inside`` ties,
    and per (a, b) key one tie a1-b1 of that weight (none if 0). vol(x) = 6 * inside + x's cross weight."""
    names = sorted({g for pair in cross for g in pair})
    ties = [(f"{n}{i}", f"{n}{j}", inside) for n in names for i, j in ((1, 2), (1, 3), (2, 3))]
    ties += [(f"{a}1", f"{b}1", w) for (a, b), w in cross.items() if w > 0]
    return org({n: [f"{n}{i}" for i in (1, 2, 3)] for n in names}, ties)


def block_model(sizes: dict[str, int], p: dict[tuple[str, str], float], *, default: float, seed: int) -> Org:
    """Random graph with groups of the given sizes; pair probability ``p[(g, h)]`` (else ``default``).

    Weights are drawn from [1, 3). Person ids are ``p0000, p0001, ...`` group after group.
    """
    rng = np.random.default_rng(seed)
    labels = [name for name, size in sizes.items() for _ in range(size)]
    people = [f"p{i:04d}" for i in range(len(labels))]
    i, j = np.triu_indices(len(people), 1)
    prob = np.array([p.get((labels[a], labels[b]), p.get((labels[b], labels[a]), default)) for a, b in zip(i, j)])
    keep = rng.random(i.size) < prob
    w = rng.uniform(1, 3, keep.sum())
    return Org(people, dict(zip(people, labels)), [Tie(people[a], people[b], float(x), email=float(x))
                                                   for a, b, x in zip(i[keep], j[keep], w)])


def two_silos() -> Org:
    """60 people in 5 groups of 12: Audit and Board keep to themselves, Crew, Dock, Eng mix.

    Inside Audit and Board a pair is tied with probability 0.6, Audit/Board
    with anyone else 0.01; Crew, Dock and Eng pairs 0.2 inside and across.
    Must give: Audit and Board silos (all three reasons), the others not.
    """
    names = ["Audit", "Board", "Crew", "Dock", "Eng"]
    p = {("Audit", "Audit"): 0.6, ("Board", "Board"): 0.6}
    for a in ("Audit", "Board"):
        p.update({(a, b): 0.01 for b in names if b != a})
    return block_model(dict.fromkeys(names, 12), p, default=0.2, seed=3)
