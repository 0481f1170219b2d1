"""Small named organizations, written as dataset folders (CSV), for tests.

Each function writes people.csv / emails.csv (and meetings.csv, tickets.csv
where said) into ``folder`` and returns it. Each docstring states the size
and the findings it must give. Events are generated from a seeded numpy
generator, so the folders are the same on every run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
