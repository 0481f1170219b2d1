"""Organizations with groups under the minimum size, analysed for the privacy tests.

``Org`` describes one: group sizes, the minimum size K, meetings between
two people (random durations, so that weights are sums of random floats
and a difference of figures equals another figure only by an identity,
never by chance) and ticket histories (so that handoffs exist).
:func:`orgs` is the hypothesis strategy; :func:`analysed` runs the real
analysis (:func:`ona.analysis.pipeline.analyze_dataset`, with weekly
trends and a before / after split) on an in-memory store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

from ona.analysis.pipeline import analyze_dataset
from ona.io.dataset import Dataset
from ona.io.schema import TABLES
from ona.params import AnalysisParams
from ona.results import AnalysisResult
from ona.store import Store
from tests.orgs import T0, at, dataset

#: Group names: none is part of another, so a name found in a text is that group.
NAMES = ("Audit", "Board", "Crew", "Dock", "Fleet", "Grid", "Helm", "Quay")
DAYS = 28
SPLIT = T0 + timedelta(days=14)


@dataclass(frozen=True)
class Org:
    """One organization: group sizes, K, and the seed of its events."""

    sizes: dict[str, int]
    k: int
    meetings: int
    tickets: int
    seed: int

    @property
    def hidden(self) -> set[str]:
        return {g for g, n in self.sizes.items() if n < self.k}

    @property
    def pooled(self) -> bool:
        return len(self.hidden) >= 2 and sum(self.sizes[g] for g in self.hidden) >= self.k


def members(group: str, size: int) -> list[str]:
    return [f"{group.lower()}{i}" for i in range(size)]


@st.composite
def orgs(draw: st.DrawFn) -> Org:
    """3-6 groups, at least one under K and two at K or more; meetings and tickets between them."""
    k = draw(st.integers(3, 5))
    shown = draw(st.integers(2, 4))
    hidden = draw(st.integers(1, 3))
    names = draw(st.permutations(NAMES))[: shown + hidden]
    sizes = {name: draw(st.integers(k, k + 3)) for name in names[:shown]}
    sizes |= {name: draw(st.integers(1, k - 1)) for name in names[shown:]}
    return Org(sizes=dict(sorted(sizes.items())), k=k, meetings=draw(st.integers(16, 70)),
               tickets=draw(st.integers(0, 12)), seed=draw(st.integers(0, 2**32 - 1)))


def build(org: Org) -> Dataset:
    """The organization's dataset: people, two-person meetings, ticket histories.

    Half the meetings fall in the two weeks before :data:`SPLIT`, half after,
    so both windows of the comparison have ties. Meetings prefer people of
    the same group (silos) but cross groups often enough for every kind of
    link, including links carried by one or two people.
    """
    rng = np.random.default_rng(org.seed)
    people = {p: g for g, n in org.sizes.items() for p in members(g, n)}
    ids = list(people)
    by_group = {g: members(g, n) for g, n in org.sizes.items()}
    meetings = []
    for i in range(org.meetings):
        a = ids[rng.integers(len(ids))]
        pool = by_group[people[a]] if rng.random() < 0.5 and org.sizes[people[a]] > 1 else ids
        b = a
        while b == a:
            b = pool[rng.integers(len(pool))]
        half = 0 if i < org.meetings // 2 else 1
        start = at(24.0 * (14 * half + rng.uniform(0, 13.5)))
        meetings.append((f"m{i}", start, float(rng.uniform(0.1, 3.0)), a, b))
    tickets = []
    for t in range(org.tickets):
        hops = int(rng.integers(2, 5))
        hour = 24.0 * rng.uniform(0, DAYS - 2)
        for j in range(hops):
            status = "resolved" if j == hops - 1 and rng.random() < 0.6 else None
            tickets.append((f"t{t}", at(hour + 3 * j), ids[rng.integers(len(ids))], status))
    ds = dataset(people, tickets=tickets, name="privacy-org")
    keys = list(range(len(meetings)))
    ds.tables["meetings"] = pa.table({
        "meeting_key": keys, "meeting_id": [m[0] for m in meetings], "start": [m[1] for m in meetings],
        "hours": [m[2] for m in meetings], "n_attendees": [2] * len(meetings), "organizer_id": [m[3] for m in meetings],
        "line": [i + 2 for i in keys],
    }, schema=TABLES["meetings"])
    ds.tables["meeting_attendees"] = pa.table({
        "meeting_key": [i for i in keys for _ in (0, 1)],
        "person_id": [p for m in meetings for p in (m[3], m[4])],
        "address": [f"{p}@corp.example" for m in meetings for p in (m[3], m[4])],
    }, schema=TABLES["meeting_attendees"])
    return ds


def params(org: Org, **extra: object) -> AnalysisParams:
    """Fast parameters with weekly trends and the split, K from the organization."""
    values: dict[str, object] = {"permutations": 10, "min_group_size": org.k, "period": "week", "split": SPLIT,
                                 "key_people": 2, **extra}
    return AnalysisParams(**values)  # type: ignore[arg-type]


def analysed(org: Org) -> AnalysisResult:
    """The full (analyst) result of the organization."""
    with Store(":memory:") as store:
        info = store.save_dataset(build(org))
        return analyze_dataset(store, info.dataset_id, params(org))


def write_csv(org: Org, folder: Path) -> Path:
    """The organization as a dataset folder (people.csv, meetings.csv, tickets.csv), for the CLI and the API.

    The same events as :func:`build`; a meeting's duration is written in
    minutes with every digit, so weights stay sums of random floats.
    """
    ds = build(org)
    folder.mkdir(parents=True, exist_ok=True)
    people = ds.tables["people"].to_pylist()
    (folder / "people.csv").write_text(
        "person_id,department,email\n" + "".join(f"{p['person_id']},{p['department']},{p['emails']}\n" for p in people),
        encoding="utf-8",
    )
    meetings = ds.tables["meetings"].to_pylist()
    who: dict[int, list[str]] = {}
    for row in ds.tables["meeting_attendees"].to_pylist():
        who.setdefault(row["meeting_key"], []).append(row["person_id"])
    (folder / "meetings.csv").write_text(
        "meeting_id,start,duration_minutes,attendees\n" + "".join(
            f"{m['meeting_id']},{m['start'].isoformat()},{m['hours'] * 60!r},{';'.join(who[m['meeting_key']])}\n"
            for m in meetings),
        encoding="utf-8",
    )
    tickets = ds.tables["tickets"].to_pylist()
    (folder / "tickets.csv").write_text(
        "ticket_id,timestamp,assignee,status\n" + "".join(
            f"{t['ticket_id']},{t['ts'].isoformat()},{t['assignee_id']},{t['status'] or ''}\n" for t in tickets),
        encoding="utf-8",
    )
    return folder


#: Fixed organizations of the face tests (K = 5, the service's floor): one group under K left
#: out and a link carried by fewer than K people (Board | Crew); two groups under K pooled, whose
#: link with Board is carried by fewer than K people.
LEFT_OUT = Org(sizes={"Audit": 7, "Board": 6, "Crew": 5, "Dock": 2}, k=5, meetings=40, tickets=12, seed=1)
POOLED = Org(sizes={"Audit": 7, "Board": 6, "Dock": 2, "Fleet": 3}, k=5, meetings=30, tickets=12, seed=10)


def explicit(people: dict[str, str], meetings: list[tuple[str, str, float]], **extra: object) -> AnalysisResult:
    """The full result of ``people`` (person_id -> group) meeting in pairs ``(a, b, hours)`` on one day."""
    ds = dataset(people, name="explicit")
    keys = list(range(len(meetings)))
    ds.tables["meetings"] = pa.table({
        "meeting_key": keys, "meeting_id": [f"m{i}" for i in keys], "start": [at(i) for i in keys],
        "hours": [m[2] for m in meetings], "n_attendees": [2] * len(meetings), "organizer_id": [m[0] for m in meetings],
        "line": [i + 2 for i in keys],
    }, schema=TABLES["meetings"])
    ds.tables["meeting_attendees"] = pa.table({
        "meeting_key": [i for i in keys for _ in (0, 1)],
        "person_id": [p for m in meetings for p in m[:2]],
        "address": [f"{p}@corp.example" for m in meetings for p in m[:2]],
    }, schema=TABLES["meeting_attendees"])
    with Store(":memory:") as store:
        info = store.save_dataset(ds)
        return analyze_dataset(store, info.dataset_id, AnalysisParams(permutations=10, **extra))  # type: ignore[arg-type]
