"""tickets.csv: ``ticket_id, timestamp, assignee, status`` (assignment histories).

Input: the organization, the plan and the period. Output: the file, tickets
in order of creation and each ticket's rows in time order, and
:class:`TicketStats`. Tickets open in service departments (Customer Support,
IT, Logistics, Facilities, HR, ...), pass through 1-5 assignees (a
colleague, or another department following the handoff matrix) and are
mostly resolved. Assignees are written as person_ids, as a ticketing tool
exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from ona.progress import OnProgress
from ona.synth import csvout, plant, timeline
from ona.synth.badrows import BadRowNote, Corruption, corrupt
from ona.synth.catalog import DEPARTMENTS
from ona.synth.org import Org
from ona.synth.plant import Plan
from ona.synth.timeline import HOUR, Period

COLUMNS = ["ticket_id", "timestamp", "assignee", "status"]
STEPS_P = np.array([0.35, 0.30, 0.18, 0.10, 0.07])  # 1..5 assignees
P_RESOLVED = 0.7
P_STAY = 0.45  # a reassignment stays in the department
GAP_HOURS, RESOLVE_HOURS = 20.0, 24.0
STATUSES = pa.array(["open", "in_progress", "resolved"])
CHUNK_ROWS = 200_000  # tickets per chunk


@dataclass
class TicketStats:
    """What was written to tickets.csv."""

    rows: int = 0
    tickets: int = 0
    handoffs: int = 0
    pair_handoffs: int = 0  # handoffs between the two departments of the dependency pair
    bad_rows: list[BadRowNote] = field(default_factory=list)


def tickets_for(people: int, per_person: float) -> int:
    """Tickets so that the file holds about ``per_person`` rows per person."""
    rows_per_ticket = float((np.arange(1, 6) * STEPS_P).sum()) + P_RESOLVED
    return round(people * per_person / rows_per_ticket)


def write_tickets(
    path: Path,
    org: Org,
    plan: Plan,
    period: Period,
    per_person: float,
    rng: np.random.Generator,
    on_progress: OnProgress,
    *,
    bad_rows: bool,
) -> TicketStats:
    """Write the ticket assignment histories to ``path``.

    Parameters
    ----------
    path : pathlib.Path
    org, plan, period
        The organization, what is planted, and when.
    per_person : float
        Ticket rows (assignments and resolutions) per person on average.
    rng : numpy.random.Generator
        The tickets' random stream.
    on_progress : OnProgress
        Called with ``("tickets", tickets written, tickets expected)`` after each chunk.
    bad_rows : bool
        Corrupt two rows of the first chunk.

    Returns
    -------
    TicketStats
    """
    stats = TicketStats()
    total = tickets_for(org.n, per_person)
    per_day = period.per_day(total, 0.02, rng)
    width = csvout.id_width(total)
    days = period.days
    ids = pa.array(org.person_ids.tolist(), pa.string())
    with csvout.CsvSink(path, COLUMNS) as sink:
        for lo, hi in timeline.chunks(per_day, CHUNK_ROWS):
            table = _chunk(org, plan, period, np.repeat(days[lo:hi], per_day[lo:hi]), rng, stats, ids, width)
            if bad_rows and lo == 0:
                year = str(period.start.astype("datetime64[Y]"))
                table, notes = corrupt(
                    table,
                    "tickets.csv",
                    [
                        Corruption(9, {"assignee": None}, "empty assignee"),
                        Corruption(
                            21,
                            {"timestamp": f"{year}-03-15T25:00:00Z"},
                            f"timestamp '{year}-03-15T25:00:00Z' is not a valid time (hour 25)",
                        ),
                    ],
                )
                stats.bad_rows += notes
            sink.write(table)
            on_progress("tickets", stats.tickets, total)
    stats.rows = sink.rows
    return stats


def _assignees(org: Org, plan: Plan, n: int, rng: np.random.Generator) -> np.ndarray:
    """Shape ``(n, 5)``: the successive assignees of each ticket (consecutive ones differ)."""
    out_lo, out_n = plant.outside_pools(org, plan)
    origin_w = np.array([d.ticket_origin for d in DEPARTMENTS])
    dept = rng.choice(len(DEPARTMENTS), size=n, p=origin_w / origin_w.sum())
    who = np.empty((n, STEPS_P.shape[0]), dtype=np.int64)
    who[:, 0] = out_lo[dept] + (rng.random(n) * out_n[dept]).astype(np.int64)
    cum = np.cumsum(plant.handoffs(plan), axis=1)
    for j in range(1, who.shape[1]):
        prev = who[:, j - 1]
        u_dept, u_pick, u_stay = rng.random((3, n))
        if plan.well_mixed:
            lo, cnt = np.zeros(n, dtype=np.int64), np.full(n, org.n)
        else:
            moved = np.minimum((u_dept[:, None] > cum[dept]).sum(axis=1), len(DEPARTMENTS) - 1)
            dept = np.where(u_stay < P_STAY, dept, moved)
            lo, cnt = out_lo[dept], out_n[dept]
        in_pool = (prev >= lo) & (prev < lo + cnt)
        other = lo + (prev - lo + 1 + (u_pick * np.maximum(cnt - 1, 1)).astype(np.int64)) % cnt
        who[:, j] = np.where(in_pool, other, lo + (u_pick * cnt).astype(np.int64))
        dept = org.dept[who[:, j]]
    return who


def _chunk(
    org: Org,
    plan: Plan,
    period: Period,
    day: np.ndarray,
    rng: np.random.Generator,
    stats: TicketStats,
    ids: pa.StringArray,
    width: int,
) -> pa.Table:
    """One chunk of tickets as rows, in ticket then time order."""
    n = int(day.shape[0])
    created = np.sort(timeline.stamp(day, timeline.office_seconds(n, rng)))
    steps = 1 + rng.choice(STEPS_P.shape[0], size=n, p=STEPS_P)
    resolved = rng.random(n) < P_RESOLVED
    who = _assignees(org, plan, n, rng)

    w = who.shape[1] + 1
    gaps = (rng.exponential(GAP_HOURS * HOUR, size=(n, w)) + 900).astype(np.int64)
    gaps[:, 0] = 0
    gaps[np.arange(n), steps] = (rng.exponential(RESOLVE_HOURS * HOUR, size=n) + 900).astype(np.int64)
    ts = created[:, None] + np.cumsum(gaps, axis=1).astype("timedelta64[s]")
    assignee = np.column_stack([who, who[:, -1]])
    assignee[np.arange(n), steps] = who[np.arange(n), steps - 1]
    col = np.arange(w)[None, :]
    status = np.where(col == 0, 0, np.ones((n, w), dtype=np.int64))
    status[np.arange(n), steps] = 2
    valid = ((col < steps[:, None]) | ((col == steps[:, None]) & resolved[:, None])) & (ts < period.end_s)

    handoff = valid[:, 1:] & (col[:, 1:] < steps[:, None])
    a, b = plan.dependency
    d0, d1 = org.dept[assignee[:, :-1]], org.dept[assignee[:, 1:]]
    stats.handoffs += int(handoff.sum())
    stats.pair_handoffs += int((handoff & (((d0 == a) & (d1 == b)) | ((d0 == b) & (d1 == a)))).sum())

    ticket = np.repeat(np.arange(n), valid.sum(axis=1))
    table = pa.table(
        {
            "ticket_id": csvout.seq_ids("TCK", stats.tickets, n, width).take(pa.array(ticket)),
            "timestamp": csvout.iso(ts[valid]),
            "assignee": ids.take(pa.array(assignee[valid])),
            "status": STATUSES.take(pa.array(status[valid])),
        }
    )
    stats.tickets += n
    return table
