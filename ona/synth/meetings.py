"""meetings.csv: ``meeting_id, start, end, attendees, organizer``.

Input: the organization, its contacts and the period. Output: the file, in
order of start, and :class:`MeetingStats`. An organizer (drawn by activity)
invites 1-9 partners from their contacts, sometimes an outside party;
meetings last 15-120 minutes in office hours on weekdays. Each month the
large departments and the whole company hold an all-hands (> 25 attendees).
The attendee list includes the organizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.progress import OnProgress
from ona.synth import csvout, plant, timeline
from ona.synth.badrows import BadRowNote, Corruption, corrupt, swap
from ona.synth.catalog import DEPARTMENTS, DEPT
from ona.synth.contacts import Contacts, dedupe_rows
from ona.synth.emails import address_of, external_pick
from ona.synth.org import VARIANTS, Org
from ona.synth.plant import Plan
from ona.synth.timeline import HOUR, Period

COLUMNS = ["meeting_id", "start", "end", "attendees", "organizer"]
SIZES = np.arange(2, 11)
SIZE_P = np.array([0.30, 0.18, 0.14, 0.10, 0.08, 0.06, 0.05, 0.04, 0.05])
DURATIONS = np.array([15, 30, 45, 60, 90, 120])
DURATION_P = np.array([0.10, 0.35, 0.10, 0.30, 0.10, 0.05])
P_EXTERNAL_SCALE = 0.6  # meetings with an outside party, relative to the department's emails
ALL_HANDS_MIN = 30  # headcount from which a department holds a monthly all-hands
ALL_HANDS_CAP = 400
CHUNK_ROWS = 200_000


@dataclass
class MeetingStats:
    """What was written to meetings.csv."""

    rows: int = 0
    all_hands: int = 0
    with_external: int = 0
    pair_meetings: int = 0  # meetings with people of both departments of the dependency pair
    bad_rows: list[BadRowNote] = field(default_factory=list)


def meetings_for(people: int, per_person: float) -> int:
    """Ordinary meetings so that each person attends ``per_person`` on average."""
    return round(people * per_person / float((SIZES * SIZE_P).sum()))


def write_meetings(
    path: Path,
    org: Org,
    contacts: Contacts,
    plan: Plan,
    period: Period,
    per_person: float,
    rng: np.random.Generator,
    on_progress: OnProgress,
    *,
    bad_rows: bool,
) -> MeetingStats:
    """Write the meetings to ``path``.

    Parameters
    ----------
    path : pathlib.Path
    org, contacts, plan, period
        The organization, who works with whom, what is planted, and when.
    per_person : float
        Ordinary meetings each person attends on average.
    rng : numpy.random.Generator
        The meetings' random stream.
    on_progress : OnProgress
        Called with ``("meetings", meetings drawn, meetings planned)`` after each chunk.
    bad_rows : bool
        Corrupt two rows of the first chunk.

    Returns
    -------
    MeetingStats
    """
    stats = MeetingStats()
    total = meetings_for(org.n, per_person)
    per_day = period.per_day(total, 0.0, rng)
    big = _all_hands(org, period, rng)
    stats.all_hands = len(big)
    width = csvout.id_width(total + len(big))
    days = period.days
    done = 0
    with csvout.CsvSink(path, COLUMNS) as sink:
        for lo, hi in timeline.chunks(per_day, CHUNK_ROWS):
            ordinary = _ordinary(org, contacts, plan, np.repeat(days[lo:hi], per_day[lo:hi]), rng, stats)
            sel = [m for m in big if lo <= m[0] < hi]
            done += int(per_day[lo:hi].sum()) + len(sel)
            table = pa.concat_tables([ordinary, _all_hands_table(org, days, sel)])
            table = table.take(pc.sort_indices(table, [("ts", "ascending"), ("end_ts", "ascending")]))
            table = table.append_column("meeting_id", csvout.seq_ids("MTG", sink.rows, table.num_rows, width))
            table = table.append_column("start", csvout.iso(table.column("ts").to_numpy()))
            table = table.append_column("end", csvout.iso(table.column("end_ts").to_numpy()))
            if bad_rows and lo == 0:
                table = _spoil(table, period, stats)
            sink.write(table)
            on_progress("meetings", done, total + stats.all_hands)
    stats.rows = sink.rows
    return stats


def _ordinary(
    org: Org, contacts: Contacts, plan: Plan, day: np.ndarray, rng: np.random.Generator, stats: MeetingStats
) -> pa.Table:
    """One chunk of ordinary meetings (unsorted), dropping any left with one attendee."""
    n = int(day.shape[0])
    organizer = rng.choice(org.n, size=n, p=org.activity)
    size = rng.choice(SIZES, size=n, p=SIZE_P)
    invited = contacts.sample(organizer, int(SIZES[-1]) - 1, rng)
    invited[np.arange(invited.shape[1])[None, :] >= (size - 1)[:, None]] = -1
    people = _keep_planted(org, plan, np.column_stack([organizer, invited]))
    people = dedupe_rows(people)

    odept = org.dept[organizer]
    has_ext = rng.random(n) < P_EXTERNAL_SCALE * np.array([d.p_external for d in DEPARTMENTS])[odept]
    ext = np.where(has_ext, external_pick(org, odept, rng), -1)
    keep = (people >= 0).sum(axis=1) + has_ext >= 2
    stats.with_external += int((has_ext & keep).sum())
    a, b = plan.dependency
    pdept = np.where(people >= 0, org.dept[np.maximum(people, 0)], -1)
    stats.pair_meetings += int(((pdept == a).any(axis=1) & (pdept == b).any(axis=1) & keep).sum())

    start = timeline.stamp(day, 8 * HOUR + 900 * rng.integers(0, 39, size=n))
    minutes = rng.choice(DURATIONS, size=n, p=DURATION_P)
    # The organizer is written the same way in both columns.
    organizer_addr = address_of(organizer, rng)
    addr = np.where(people == organizer[:, None], organizer_addr[:, None], address_of(people, rng))
    addr = np.column_stack([addr, ext])
    key = np.where(addr >= 0, rng.random(addr.shape), 2.0)
    addr = np.take_along_axis(addr, np.argsort(key, axis=1), axis=1)
    book = org.addresses
    return pa.table(
        {
            "ts": pa.array(start[keep]),
            "end_ts": pa.array((start + minutes.astype("timedelta64[m]"))[keep].astype("datetime64[s]")),
            "attendees": csvout.join_lists(book, addr[keep]),
            "organizer": book.take(pa.array(organizer_addr[keep])),
        }
    )


def _keep_planted(org: Org, plan: Plan, people: np.ndarray) -> np.ndarray:
    """Keep the planted structure when a third party brings people together.

    Column 0 is the organizer. The cut-off team meets only among itself;
    Engineering meets Security only through the bridge.
    """
    if plan.well_mixed:
        return people
    valid = people >= 0
    safe = np.maximum(people, 0)
    cut = plant.cutoff_members(org, plan)
    mixed = valid & (cut[safe] != cut[people[:, :1]])
    people = np.where(mixed, -1, people)
    eng, sec = plan.fragile
    dept = np.where(people >= 0, org.dept[np.maximum(people, 0)], -1)
    to_bridge = (dept == eng).any(axis=1)[:, None] & (dept == sec) & (people != plan.bridge)
    to_bridge[:, 0] = False
    return np.where(to_bridge, plan.bridge, people)


def _all_hands(org: Org, period: Period, rng: np.random.Generator) -> list[tuple[int, int, np.ndarray]]:
    """Monthly all-hands of large departments and of the company: (day, organizer, attendees)."""
    out: list[tuple[int, int, np.ndarray]] = []
    month = period.month_index()
    weekday = period.weekday
    everyone = np.arange(org.n)
    groups = [
        (org.head(d), everyone[org.dept == d])
        for d in range(len(DEPARTMENTS))
        if org.dept_size[d] >= ALL_HANDS_MIN
    ]
    groups.append((org.head(DEPT["Executive"]), everyone))
    for m in range(int(month[-1]) + 1):
        days = np.flatnonzero((month == m) & weekday)
        if days.shape[0] == 0:
            continue
        for organizer, members in groups:
            if members.shape[0] > ALL_HANDS_CAP:
                others = rng.choice(members[members != organizer], size=ALL_HANDS_CAP - 1, replace=False)
                members = np.sort(np.append(others, organizer))
            out.append((int(rng.choice(days)), organizer, members))
    return out


def _all_hands_table(org: Org, days: np.ndarray, sel: list[tuple[int, int, np.ndarray]]) -> pa.Table:
    start = timeline.stamp(days[np.array([m[0] for m in sel], dtype=np.int64)], np.full(len(sel), 16 * HOUR))
    book = org.addresses
    return pa.table(
        {
            "ts": pa.array(start.astype("datetime64[s]")),
            "end_ts": pa.array((start + np.timedelta64(1, "h")).astype("datetime64[s]")),
            "attendees": csvout.join_ragged(book, [m[2] * VARIANTS for m in sel]),
            "organizer": book.take(pa.array([m[1] * VARIANTS for m in sel], pa.int64())),
        }
    )


def _spoil(table: pa.Table, period: Period, stats: MeetingStats) -> pa.Table:
    year = str(period.start.astype("datetime64[Y]"))
    corruptions = [
        Corruption(
            15,
            {"start": f"{year}-02-30T10:00:00Z"},
            f"start '{year}-02-30T10:00:00Z' is not a valid date (February 30)",
        )
    ]
    if table.num_rows > 4:
        corruptions.append(Corruption(4, swap(table, 4, "start", "end"), "end is before start"))
    table, notes = corrupt(table, "meetings.csv", corruptions)
    stats.bad_rows += sorted(notes, key=lambda note: note.line)
    return table
