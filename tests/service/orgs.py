"""Named small organizations for the service tests (each states what it must show)."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

import numpy as np
import pyarrow as pa

from ona.graph.build import build_graph, partition_of
from ona.graph.model import CollabGraph, Partition
from ona.io.dataset import Dataset
from tests.service.data import T0, at, dataset


def _members(group: str, size: int) -> list[str]:
    return [f"{group.lower()}{i}" for i in range(size)]


def dependency_pair() -> Dataset:
    """24 people in A, B, C, D (6 each), each group emailing heavily inside,
    and a typical pair of groups exchanging 150 emails (ratio about 0.4).

    - A and B hand each other 40 tickets (20 tickets A -> B -> A) but email
      little (10 messages): the planted dependency without relationship. Its
      ratio with the handoffs' weight (about 0.2) is not under-connected.
    - C and D hand each other just as many tickets *and* email a lot (800
      messages): heavy handoffs with a strong relationship, not flagged.
    - B and D email little and hand each other 12 tickets: enough for
      link_metrics' own rule (10 handoffs), below the median of the pairs
      with handoffs (40, 40, 12, 2: 26), so not a dependency here.
    - A and C: 2 handoffs.
    """
    groups = {g: _members(g, 6) for g in "ABCD"}
    people = {p: g for g, ms in groups.items() for p in ms}
    emails = []
    hour = 0
    for ms in groups.values():
        for s, r in combinations(ms, 2):
            for _ in range(30):
                emails.append((at(hour % 500), s, [r]))
                hour += 1
    for x, y, n in (("C", "D", 800), ("A", "C", 150), ("A", "D", 150), ("B", "C", 150), ("A", "B", 10),
                    ("B", "D", 10)):
        emails += [(at(i % 500), groups[x][i % 6], [groups[y][(i // 6) % 6]]) for i in range(n)]
    tickets = []
    for x, y, name, count in (("A", "B", "AB", 20), ("C", "D", "CD", 20), ("B", "D", "BD", 6)):
        for i in range(count):
            t = f"{name}{i}"
            tickets += [(t, at(10 * i), groups[x][i % 6], "open"), (t, at(10 * i + 1), groups[y][i % 6], None),
                        (t, at(10 * i + 3), groups[x][(i + 1) % 6], "resolved")]
    tickets += [("AC0", at(1), "a2", None), ("AC0", at(2), "c2", "resolved"),
                ("AC1", at(3), "c3", None), ("AC1", at(4), "a3", "resolved")]
    return dataset(people, tickets=tickets, emails=emails, name="dependency_pair")


WEEK = timedelta(days=7)


def reorganization(weeks: int = 8, change: int = 4, per_week: int = 600, seed: int = 7) -> Dataset:
    """32 people in A, B, C, D (8 each) over ``weeks`` weeks from T0 (a Monday).

    Until week ``change`` every group sends half of its emails inside and half
    to the others. From week ``change`` on, A turns inward: 95% of its
    emails stay inside and the others stop writing to A. Must show: A more
    insular (and a silo) after ``T0 + change weeks``; no group more insular
    between the first and second half of the weeks before it.
    """
    rng = np.random.default_rng(seed)
    groups = {g: _members(g, 8) for g in "ABCD"}
    people = {p: g for g, ms in groups.items() for p in ms}
    names = list(groups)
    emails = []
    for week in range(weeks):
        after = week >= change
        for _ in range(per_week):
            gs = names[rng.integers(4)]
            sender = groups[gs][rng.integers(8)]
            inside = rng.random() < (0.95 if after and gs == "A" else 0.5)
            if inside:
                pool = [p for p in groups[gs] if p != sender]
            else:
                others = [g for g in names if g != gs and not (after and g == "A")]
                pool = groups[others[rng.integers(len(others))]]
            recipient = pool[rng.integers(len(pool))]
            emails.append((T0 + week * WEEK + timedelta(minutes=int(rng.integers(7 * 24 * 60))), sender, [recipient]))
    return dataset(people, emails=emails, name="reorganization")


def _pairs(ties: list[tuple[str, str, float, int]]) -> pa.Table:
    return pa.table({
        "a": [min(a, b) for a, b, _, _ in ties],
        "b": [max(a, b) for a, b, _, _ in ties],
        "email": [w - h for _, _, w, h in ties],
        "meeting": [0.0] * len(ties),
        "ticket": [float(h) for *_, h in ties],
        "handoffs": [h for *_, h in ties],
        "weight": [float(w) for _, _, w, _ in ties],
    })


def bridges() -> tuple[CollabGraph, Partition]:
    """28 people: A (a0-a7), B (b0-b7), C (c0-c5), D (d0-d5), each group a dense
    circle inside (every member tied to the next two, weight 3).

    Across (link weights AB 12, AC 10, AD 3, BD 3, BC 0, CD 0; the median
    weight of the linked pairs is 6.5, the median ratio about 0.13):

    - A-B: a0-b0 (4 handoffs) and a1-b1 (8 handoffs), no email: a dependency
      without relationship, fragile (a1 and a0 carry it all).
    - A-C: a3-c0 only (weight 10): fragile; without a3 (or c0) C has no tie
      and no path to anyone outside.
    - A-D: a4-d1, a5-d2, a6-d3 (1 each); B-D: b0-d0, b1-d1, b2-d2 (1 each).
    - B-C and C-D: no tie at all: under-connected.
    """
    groups = {"A": _members("A", 8), "B": _members("B", 8), "C": _members("C", 6), "D": _members("D", 6)}
    ties: list[tuple[str, str, float, int]] = []
    for ms in groups.values():
        size = len(ms)
        for i in range(size):
            for step in (1, 2):  # each member tied to the next two: a dense circle
                ties.append((ms[i], ms[(i + step) % size], 3.0, 0))
    ties += [("a0", "b0", 4.0, 4), ("a1", "b1", 8.0, 8), ("a3", "c0", 10.0, 0)]
    ties += [(f"a{i + 3}", f"d{i}", 1.0, 0) for i in (1, 2, 3)] + [(f"b{i}", f"d{i}", 1.0, 0) for i in (0, 1, 2)]
    people = [p for ms in groups.values() for p in ms]
    table = _pairs(ties).sort_by([("a", "ascending"), ("b", "ascending")])
    g = build_graph(table, people)
    return g, partition_of(g, {p: g_ for g_, ms in groups.items() for p in ms})
