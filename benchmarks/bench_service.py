"""Benchmark: handoff analytics and monthly trends (issue 5), target under 30 s.

Generates an organization as canonical Arrow tables with numpy (no CSV
round trip: reading is benchmarked by bench_pipeline.py): 10,000 people in
20 departments over 12 months, 100,000 tickets of 1-5 assignees (half of
the reassignments stay in the department, 2% of rows go to an external
vendor, 70% of tickets end with a resolved row), 500,000 emails of 1-3
recipients (70% inside the department) and 40,000 meetings of 2-8
attendees. Saves it in an in-memory store, then times
``handoff_analytics`` and ``trend(period="month")`` and prints the figures.

    python benchmarks/bench_service.py                  # 10,000 people, 100,000 tickets
    python benchmarks/bench_service.py 10000 100000 500000
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

START = np.datetime64("2024-01-01T00:00:00", "us")
YEAR_US = 366 * 24 * 3600 * 10**6
HOUR_US = 3600 * 10**6
DEPARTMENTS = 20


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array((START + us.astype("timedelta64[us]")).astype("datetime64[us]")).cast(
        pa.timestamp("us", tz="UTC")
    )


def generate(people: int, tickets: int, emails: int, meetings: int, seed: int = 1):
    from ona.io.dataset import Dataset
    from ona.io.schema import TABLES

    rng = np.random.default_rng(seed)
    ids = np.array([f"p{i:05d}" for i in range(people)], dtype=object)
    dept = np.sort(rng.integers(0, DEPARTMENTS, size=people))
    lo = np.searchsorted(dept, np.arange(DEPARTMENTS))
    size = np.bincount(dept, minlength=DEPARTMENTS)

    def colleague(p: np.ndarray) -> np.ndarray:
        d = dept[p]
        return lo[d] + (p - lo[d] + 1 + rng.integers(0, np.maximum(size[d] - 1, 1))) % size[d]

    def anyone(n: int) -> np.ndarray:
        return rng.integers(0, people, size=n)

    people_table = pa.table({
        "person_id": pa.array(ids, pa.string()),
        "department": pa.array([f"Dept {d:02d}" for d in dept], pa.string()),
        "emails": pa.array([f"{p}@corp.example" for p in ids], pa.string()),
        "attributes": pa.nulls(people, pa.string()),
        "line": pa.array(np.arange(2, people + 2)),
    }, schema=TABLES["people"])

    # tickets: up to 5 assignees, then maybe a resolved row by the last one
    steps = 1 + rng.choice(5, size=tickets, p=[0.35, 0.30, 0.18, 0.10, 0.07])
    who = np.empty((tickets, 6), dtype=np.int64)
    who[:, 0] = anyone(tickets)
    for j in range(1, 5):
        stay = rng.random(tickets) < 0.5
        who[:, j] = np.where(stay, colleague(who[:, j - 1]), anyone(tickets))
    resolved = rng.random(tickets) < 0.7
    who[np.arange(tickets), steps] = who[np.arange(tickets), steps - 1]
    gaps = rng.exponential(20 * HOUR_US, size=(tickets, 6)).astype(np.int64) + HOUR_US // 4
    gaps[:, 0] = rng.integers(0, YEAR_US - 200 * HOUR_US, size=tickets)
    ts = np.cumsum(gaps, axis=1)
    col = np.arange(6)[None, :]
    valid = (col < steps[:, None]) | ((col == steps[:, None]) & resolved[:, None])
    status = np.where(col == steps[:, None], "resolved", np.where(col == 0, "open", "in_progress"))
    external = rng.random((tickets, 6)) < 0.02
    t_who, t_ext = who[valid], external[valid]
    t_id = np.repeat(np.arange(tickets), valid.sum(axis=1))
    address = np.where(t_ext, "vendor@supplier.example", np.char.add(ids[t_who].astype(str), "@corp.example"))
    ticket_table = pa.table({
        "ticket_id": pa.array(np.char.add("T", t_id.astype(str)), pa.string()),
        "ts": _ts(ts[valid]),
        "assignee_id": pa.array(np.where(t_ext, None, ids[t_who]), pa.string()),
        "assignee_address": pa.array(address, pa.string()),
        "status": pa.array(status[valid], pa.string()),
        "line": pa.array(np.arange(2, t_id.size + 2)),
    }, schema=TABLES["tickets"])

    # emails: 1-3 recipients, 70% in the sender's department
    sender = anyone(emails)
    k = rng.integers(1, 4, size=emails)
    rows = np.repeat(np.arange(emails), k)
    inside = rng.random(rows.size) < 0.7
    recipient = np.where(inside, colleague(sender[rows]), anyone(rows.size))
    keep = recipient != sender[rows]
    rows, recipient = rows[keep], recipient[keep]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (recipient[1:] != recipient[:-1])]
    rows, recipient = rows[first], recipient[first]
    k_real = np.bincount(rows, minlength=emails)
    has = k_real > 0
    m_ts = rng.integers(0, YEAR_US, size=emails)
    email_table = pa.table({
        "message_key": pa.array(np.arange(emails)[has]),
        "message_id": pa.array(np.char.add("m", np.arange(emails)[has].astype(str)), pa.string()),
        "ts": _ts(m_ts[has]),
        "sender_id": pa.array(ids[sender[has]], pa.string()),
        "sender_address": pa.array(np.char.add(ids[sender[has]].astype(str), "@corp.example"), pa.string()),
        "k": pa.array(k_real[has].astype(np.int32)),
        "line": pa.array(np.arange(2, int(has.sum()) + 2)),
    }, schema=TABLES["emails"])
    recipient_table = pa.table({
        "message_key": pa.array(rows),
        "person_id": pa.array(ids[recipient], pa.string()),
        "address": pa.array(np.char.add(ids[recipient].astype(str), "@corp.example"), pa.string()),
    }, schema=TABLES["email_recipients"])

    # meetings: 2-8 attendees around an organizer, mostly from the organizer's department
    n_att = rng.integers(2, 9, size=meetings)
    organizer = anyone(meetings)
    m_rows = np.repeat(np.arange(meetings), n_att)
    attendee = np.where(rng.random(m_rows.size) < 0.7, colleague(organizer[m_rows]), anyone(m_rows.size))
    pair_key = np.unique(m_rows.astype(np.int64) * people + attendee)
    m_rows, attendee = pair_key // people, pair_key % people
    n_real = np.bincount(m_rows, minlength=meetings)
    meeting_table = pa.table({
        "meeting_key": pa.array(np.arange(meetings)),
        "meeting_id": pa.array(np.char.add("mt", np.arange(meetings).astype(str)), pa.string()),
        "start": _ts(rng.integers(0, YEAR_US, size=meetings)),
        "hours": pa.array(rng.choice([0.5, 1.0, 1.5], size=meetings)),
        "n_attendees": pa.array(n_real.astype(np.int32)),
        "organizer_id": pa.array(ids[organizer], pa.string()),
        "line": pa.array(np.arange(2, meetings + 2)),
    }, schema=TABLES["meetings"])
    attendee_table = pa.table({
        "meeting_key": pa.array(m_rows),
        "person_id": pa.array(ids[attendee], pa.string()),
        "address": pa.array(np.char.add(ids[attendee].astype(str), "@corp.example"), pa.string()),
    }, schema=TABLES["meeting_attendees"])

    return Dataset(name=f"bench_{people}", tables={
        "people": people_table, "tickets": ticket_table, "emails": email_table,
        "email_recipients": recipient_table, "meetings": meeting_table, "meeting_attendees": attendee_table,
    })


def main(argv: list[str]) -> None:
    from ona.analysis.pipeline import handoff_analytics
    from ona.analysis.pipeline import trend
    from ona.params import AnalysisParams
    from ona.store import Store

    people, tickets, emails = (int(x) for x in (argv + ["10000", "100000", "500000"][len(argv):])[:3])
    meetings = 40_000
    t0 = time.perf_counter()
    data = generate(people, tickets, emails, meetings)
    t_gen = time.perf_counter() - t0
    params = AnalysisParams(since=datetime(2024, 1, 1, tzinfo=timezone.utc),
                            until=datetime(2025, 1, 1, tzinfo=timezone.utc))
    with Store() as store:
        t0 = time.perf_counter()
        info = store.save_dataset(data)
        t_save = time.perf_counter() - t0
        t0 = time.perf_counter()
        handoffs = handoff_analytics(store, info.dataset_id, params)
        t_handoffs = time.perf_counter() - t0
        t0 = time.perf_counter()
        monthly = trend(store, info.dataset_id, params, period="month")
        t_trend = time.perf_counter() - t0
    s = handoffs.summary
    print(f"organization: {people:,} people, {DEPARTMENTS} departments, {info.tickets:,} tickets "
          f"({info.ticket_rows:,} rows), {info.emails:,} emails ({info.email_recipients:,} recipient rows), "
          f"{info.meetings:,} meetings")
    print(f"generate (not counted)      {t_gen:7.2f} s")
    print(f"store load (not counted)    {t_save:7.2f} s")
    print(f"handoff analytics           {t_handoffs:7.2f} s   ({s.handoffs:,} handoffs, "
          f"{len(handoffs.pairs)} group pairs, {s.tickets_no_owner:,} no-owner tickets)")
    print(f"monthly trends              {t_trend:7.2f} s   ({len(monthly.periods)} periods, "
          f"{len(monthly.groups)} groups, {len(monthly.links)} links)")
    total = t_handoffs + t_trend
    print(f"handoffs + monthly trends   {total:7.2f} s   (target < 30 s: {'ok' if total < 30 else 'MISSED'})")


if __name__ == "__main__":
    main(sys.argv[1:])
