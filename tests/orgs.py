"""The named test organizations, in one place (reused across the test folders).

Two kinds:

- **dataset folders** (CSV): ``two_silos``, ``well_mixed``,
  ``single_bridge_person``, ``with_isolates`` (:data:`NAMED`). Each function
  writes people.csv / emails.csv (and meetings.csv, tickets.csv where said)
  into ``folder`` and returns it. Each docstring states the size and the
  findings it must give. Events are generated from a seeded numpy
  generator, so the folders are the same on every run.
- **canonical datasets** (Arrow, for the store): ``dependency_pair``,
  ``reorganization`` and the graph ``bridges`` of the internal service
  tests, built with :func:`dataset` (below) that the privacy suite's
  organizations use too.

``dataset(people, tickets=..., emails=...)`` returns an
:class:`ona.io.dataset.Dataset` the store can save: people are
``person_id -> department``; a ticket row is ``(ticket_id, timestamp,
assignee, status)`` where an assignee that is not a person_id is an
external party (kept with its address); an email is ``(timestamp, sender,
[recipients])`` between person_ids. Lines are numbered as a CSV file would
(the header is line 1), in the order given, so a test can give unsorted
rows and ties in timestamps on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

import numpy as np
import pyarrow as pa

from ona.graph.build import build_graph, partition_of
from ona.graph.model import CollabGraph, Partition
from ona.io.dataset import Dataset
from ona.io.schema import TABLES
from ona.store import Store

# --- dataset folders (CSV) ---------------------------------------------------------------------

START = np.datetime64("2024-03-01T09:00")


def _write(folder: Path, name: str, header: str, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _people(folder: Path, depts: dict[str, int], *, prefix: str = "p") -> list[tuple[str, str]]:
    people: list[tuple[str, str]] = []
    for dept, size in depts.items():
        for i in range(size):
            people.append((f"{prefix}{len(people):03d}", dept))
    _write(
        folder,
        "people",
        "person_id,department,email,team",
        [f"{pid},{dept},{pid}@corp.example,{dept}-{int(pid[1:]) % 2}" for pid, dept in people],
    )
    return people


def _emails(folder: Path, pairs: list[tuple[str, str]], *, seed: int) -> None:
    rng = np.random.default_rng(seed)
    minutes = np.sort(rng.integers(0, 60 * 24 * 60, size=len(pairs)))
    rows = [
        f"{START + np.timedelta64(int(m), 'm')}:00Z,{s},{r},,,m{i}"
        for i, ((s, r), m) in enumerate(zip(pairs, minutes))
    ]
    _write(folder, "emails", "timestamp,sender,recipients,cc,bcc,message_id", rows)


def _pairs_within(rng: np.random.Generator, members: list[str], n: int) -> list[tuple[str, str]]:
    a = rng.integers(0, len(members), size=n)
    b = (a + rng.integers(1, len(members), size=n)) % len(members)
    return [(members[i], members[j]) for i, j in zip(a, b)]


def _pairs_between(rng: np.random.Generator, x: list[str], y: list[str], n: int) -> list[tuple[str, str]]:
    a = rng.integers(0, len(x), size=n)
    b = rng.integers(0, len(y), size=n)
    return [(x[i], y[j]) for i, j in zip(a, b)]


def two_silos(folder: Path) -> Path:
    """60 people in 4 departments of 15 (Audit, Board, Crew, Dock).

    Audit and Board keep 95% of their emails inside; Crew and Dock mix
    freely with each other and everyone. Must give: Audit and Board flagged
    silo (all rule conditions), Crew and Dock not flagged.
    """
    depts = {"Audit": 15, "Board": 15, "Crew": 15, "Dock": 15}
    people = _people(folder, depts)
    by = {d: [p for p, g in people if g == d] for d in depts}
    everyone = [p for p, _ in people]
    rng = np.random.default_rng(1)
    pairs = (
        _pairs_within(rng, by["Audit"], 380)
        + _pairs_within(rng, by["Board"], 380)
        + _pairs_between(rng, by["Audit"], by["Crew"] + by["Dock"], 20)
        + _pairs_between(rng, by["Board"], by["Crew"] + by["Dock"], 20)
        + _pairs_within(rng, by["Crew"] + by["Dock"], 700)
        + _pairs_between(rng, by["Crew"] + by["Dock"], everyone, 100)
    )
    _emails(folder, pairs, seed=2)
    return folder


def well_mixed(folder: Path) -> Path:
    """60 people in 4 departments of 15; emails between uniformly random pairs.

    Must give: no silo flag, no significant group, no under-connected link.
    """
    people = _people(folder, {"Audit": 15, "Board": 15, "Crew": 15, "Dock": 15})
    rng = np.random.default_rng(3)
    _emails(folder, _pairs_within(rng, [p for p, _ in people], 1600), seed=4)
    return folder


def single_bridge_person(folder: Path) -> Path:
    """40 people: Eng 20, Sec 10, Ops 10. Eng-Sec ties all go through p020.

    p020 (the first Sec member) is the only Sec person emailing Eng; Ops
    mixes with both. Must give: the Eng-Sec link is fragile and its first
    bridge person is p020, who is marked as depended on by 'Eng | Sec'.
    """
    people = _people(folder, {"Eng": 20, "Sec": 10, "Ops": 10})
    by = {d: [p for p, g in people if g == d] for d in ("Eng", "Sec", "Ops")}
    rng = np.random.default_rng(5)
    pairs = (
        _pairs_within(rng, by["Eng"], 400)
        + _pairs_within(rng, by["Sec"], 200)
        + _pairs_within(rng, by["Ops"], 150)
        + _pairs_between(rng, ["p020"], by["Eng"], 60)
        + _pairs_between(rng, by["Ops"], by["Eng"] + by["Sec"], 150)
    )
    _emails(folder, pairs, seed=6)
    return folder


def with_isolates(folder: Path) -> Path:
    """12 people: Alpha 5, Beta 5, Solo 1, Quiet 1 (no activity at all).

    Alpha and Beta email inside and a little across; Solo emails Alpha once;
    the Quiet member never appears in any event. Must give: people = 12,
    active_people = 11, isolates = 1, the Quiet group has headcount 1,
    active 0 and null E-I indices; Solo and Quiet are suppressed for viewers
    (min_group_size 5).
    """
    people = _people(folder, {"Alpha": 5, "Beta": 5, "Solo": 1, "Quiet": 1})
    by = {d: [p for p, g in people if g == d] for d in ("Alpha", "Beta", "Solo")}
    rng = np.random.default_rng(7)
    pairs = (
        _pairs_within(rng, by["Alpha"], 30)
        + _pairs_within(rng, by["Beta"], 30)
        + _pairs_between(rng, by["Alpha"], by["Beta"], 6)
        + [(by["Solo"][0], by["Alpha"][0])]
    )
    _emails(folder, pairs, seed=8)
    return folder


NAMED = {
    "two_silos": two_silos,
    "well_mixed": well_mixed,
    "single_bridge_person": single_bridge_person,
    "with_isolates": with_isolates,
}


# --- canonical datasets (Arrow) ----------------------------------------------------------------

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)  # a Monday

TicketRow = tuple[str, datetime, str, str | None]
Email = tuple[datetime, str, Sequence[str]]


def at(hours: float) -> datetime:
    """T0 plus ``hours``."""
    return T0 + timedelta(hours=hours)


def dataset(
    people: dict[str, str],
    *,
    tickets: Iterable[TicketRow] = (),
    emails: Iterable[Email] = (),
    name: str = "test",
) -> Dataset:
    ids = list(people)
    people_table = pa.table(
        {
            "person_id": ids,
            "department": [people[p] for p in ids],
            "emails": [f"{p}@corp.example" for p in ids],
            "attributes": [None] * len(ids),
            "line": list(range(2, len(ids) + 2)),
        },
        schema=TABLES["people"],
    )
    rows = list(tickets)
    ticket_table = pa.table(
        {
            "ticket_id": [r[0] for r in rows],
            "ts": [r[1] for r in rows],
            "assignee_id": [r[2] if r[2] in people else None for r in rows],
            "assignee_address": [r[2].lower() for r in rows],
            "status": [r[3] for r in rows],
            "line": list(range(2, len(rows) + 2)),
        },
        schema=TABLES["tickets"],
    )
    mails = list(emails)
    email_table = pa.table(
        {
            "message_key": list(range(len(mails))),
            "message_id": [f"m{i}" for i in range(len(mails))],
            "ts": [m[0] for m in mails],
            "sender_id": [m[1] for m in mails],
            "sender_address": [f"{m[1]}@corp.example" for m in mails],
            "k": [len(set(m[2])) for m in mails],
            "line": list(range(2, len(mails) + 2)),
        },
        schema=TABLES["emails"],
    )
    recipients = [(i, r) for i, m in enumerate(mails) for r in dict.fromkeys(m[2])]
    recipient_table = pa.table(
        {
            "message_key": [i for i, _ in recipients],
            "person_id": [r for _, r in recipients],
            "address": [f"{r}@corp.example" for _, r in recipients],
        },
        schema=TABLES["email_recipients"],
    )
    return Dataset(
        name=name,
        tables={
            "people": people_table,
            "tickets": ticket_table,
            "emails": email_table,
            "email_recipients": recipient_table,
        },
    )


def saved(store: Store, ds: Dataset) -> str:
    """Save ``ds`` in ``store`` and return its dataset_id."""
    return store.save_dataset(ds).dataset_id


# --- the internal service tests' organizations ---------------------------------------------------


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
