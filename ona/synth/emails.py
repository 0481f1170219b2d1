"""emails.csv: ``timestamp, sender, recipients, cc, bcc, message_id``.

Input: the organization, its contacts and the period. Output: the file,
written in time order one chunk of days at a time, and :class:`EmailStats`.
A sender (drawn by activity) writes to 1-6 partners drawn from their
contacts, split over to / cc / bcc; some emails include an outside party
(clients for Sales, suppliers for Procurement...), some come in from one;
a few broadcasts (> 50 recipients) announce things to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.progress import OnProgress
from ona.synth import csvout, timeline
from ona.synth.badrows import BadRowNote, Corruption, corrupt, duplicate
from ona.synth.catalog import DEPARTMENTS, DEPT
from ona.synth.contacts import Contacts, dedupe_rows
from ona.synth.org import VARIANTS, Org
from ona.synth.plant import Plan
from ona.synth.timeline import Period

COLUMNS = ["timestamp", "sender", "recipients", "cc", "bcc", "message_id"]
RECIPIENTS_P = np.array([0.45, 0.25, 0.13, 0.08, 0.05, 0.04])  # 1..6 partners drawn
# How a person is written: primary address, its Mixed.Case form, or their alias.
VARIANT_P = np.array([0.82, 0.12, 0.06])
P_INBOUND = 0.15  # of the emails with an outside party, the share sent by that party
P_CC, P_BCC = 0.35, 0.03
BROADCASTS_PER_PERSON_MONTH = 0.0015
BROADCAST_CAP = 400
CHUNK_ROWS = 400_000


@dataclass
class EmailStats:
    """What was written to emails.csv."""

    rows: int = 0
    broadcasts: int = 0
    with_external: int = 0
    pair_messages: int = 0  # internal messages between the dependency pair
    bad_rows: list[BadRowNote] = field(default_factory=list)
    duplicates: list[BadRowNote] = field(default_factory=list)


def external_pick(org: Org, dept: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An outside party of the kind each department deals with (address index)."""
    kinds = [org.ext_range[d.external] for d in DEPARTMENTS]
    lo = np.array([k[0] for k in kinds])[dept]
    hi = np.array([k[1] for k in kinds])[dept]
    return lo + (rng.random(dept.shape[0]) * (hi - lo)).astype(np.int64)


def address_of(people: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How each reference to a person is written (address index); -1 stays -1."""
    variant = rng.choice(VARIANTS, size=people.shape, p=VARIANT_P)
    return np.where(people >= 0, people * VARIANTS + variant, -1)


def write_emails(
    path: Path,
    org: Org,
    contacts: Contacts,
    plan: Plan,
    period: Period,
    total: int,
    rng: np.random.Generator,
    on_progress: OnProgress,
    *,
    bad_rows: bool,
) -> EmailStats:
    """Write ``total`` emails (plus broadcasts) to ``path``.

    Parameters
    ----------
    path : pathlib.Path
    org, contacts, plan, period
        The organization, who works with whom, what is planted, and when.
    total : int
        Number of ordinary emails.
    rng : numpy.random.Generator
        The emails' random stream.
    on_progress : OnProgress
        Called with ``("emails", messages drawn, messages planned)`` after each chunk.
    bad_rows : bool
        Corrupt a few rows of the first chunk and repeat one message.

    Returns
    -------
    EmailStats
    """
    stats = EmailStats()
    per_day = period.per_day(total, timeline.WEEKEND_WEIGHT, rng)
    b_day, b_sender, b_recipients = _broadcasts(org, period, rng)
    stats.broadcasts = len(b_sender)
    width = csvout.id_width(total + len(b_sender))
    days = period.days
    done = 0
    with csvout.CsvSink(path, COLUMNS) as sink:
        for lo, hi in timeline.chunks(per_day, CHUNK_ROWS):
            ordinary = _ordinary(org, contacts, plan, np.repeat(days[lo:hi], per_day[lo:hi]), rng, stats)
            sel = [i for i, d in enumerate(b_day) if lo <= d < hi]
            table = pa.concat_tables(
                [ordinary, _broadcast_table(org, days, b_day, b_sender, b_recipients, sel, rng)]
            )
            done += table.num_rows
            table = table.take(pc.sort_indices(table, [("ts", "ascending")]))
            table = table.append_column("message_id", csvout.seq_ids("M", sink.rows, table.num_rows, width))
            table = table.append_column("timestamp", csvout.iso(table.column("ts").to_numpy()))
            if bad_rows and lo == 0:
                table = _spoil(table, period, stats)
            sink.write(table)
            on_progress("emails", done, total + stats.broadcasts)
    stats.rows = sink.rows
    return stats


def _ordinary(
    org: Org, contacts: Contacts, plan: Plan, day: np.ndarray, rng: np.random.Generator, stats: EmailStats
) -> pa.Table:
    """One chunk of person-to-person emails (unsorted), as an Arrow table."""
    n = int(day.shape[0])
    sender = rng.choice(org.n, size=n, p=org.activity)
    k = 1 + rng.choice(RECIPIENTS_P.shape[0], size=n, p=RECIPIENTS_P)
    partners = contacts.sample(sender, RECIPIENTS_P.shape[0], rng)
    partners[np.arange(partners.shape[1])[None, :] >= k[:, None]] = -1
    partners = dedupe_rows(partners)

    sdept = org.dept[sender]
    has_ext = rng.random(n) < np.array([d.p_external for d in DEPARTMENTS])[sdept]
    ext = external_pick(org, sdept, rng)
    inbound = has_ext & (rng.random(n) < P_INBOUND)

    a, b = plan.dependency
    rdept = np.where(partners >= 0, org.dept[np.maximum(partners, 0)], -1)
    between = ((sdept == a) & (rdept == b).any(axis=1)) | ((sdept == b) & (rdept == a).any(axis=1))
    stats.pair_messages += int((between & ~inbound).sum())
    own = address_of(sender, rng)
    sender_addr = np.where(inbound, ext, own)
    extra = np.where(inbound, sender * VARIANTS, np.where(has_ext, ext, -1))
    stats.with_external += int(has_ext.sum())
    return _message_table(
        org,
        timeline.stamp(day, timeline.office_seconds(n, rng)),
        sender_addr,
        np.column_stack([address_of(partners, rng), extra]),
        rng,
    )


def _message_table(
    org: Org, ts: np.ndarray, sender: np.ndarray, addr: np.ndarray, rng: np.random.Generator
) -> pa.Table:
    """Shuffle each row's addresses and split them over to, cc and bcc."""
    n, w = addr.shape
    key = np.where(addr >= 0, rng.random((n, w)), 2.0)
    addr = np.take_along_axis(addr, np.argsort(key, axis=1), axis=1)
    count = (addr >= 0).sum(axis=1)
    n_bcc = ((count >= 2) & (rng.random(n) < P_BCC)).astype(np.int64)
    n_cc = rng.binomial(np.maximum(count - 1 - n_bcc, 0), P_CC)
    n_to = count - n_cc - n_bcc
    pos = np.arange(w)[None, :]
    cc_end = (n_to + n_cc)[:, None]
    book = org.addresses
    return pa.table(
        {
            "ts": pa.array(ts),
            "sender": book.take(pa.array(sender)),
            "recipients": csvout.join_lists(book, np.where(pos < n_to[:, None], addr, -1)),
            "cc": csvout.join_lists(book, np.where((pos >= n_to[:, None]) & (pos < cc_end), addr, -1)),
            "bcc": csvout.join_lists(book, np.where(pos >= cc_end, addr, -1)),
        }
    )


def _broadcasts(
    org: Org, period: Period, rng: np.random.Generator
) -> tuple[list[int], list[int], list[np.ndarray]]:
    """Announcements from the CEO, HR, Communications and IT: day, sender, recipients."""
    months = int(period.month_index()[-1]) + 1
    count = max(3, round(org.n * months * BROADCASTS_PER_PERSON_MONTH))
    days = np.sort(rng.choice(np.flatnonzero(period.weekday), size=count))
    heads = [org.head(DEPT[d]) for d in ("Executive", "HR", "Marketing", "IT")]
    senders = [heads[i] for i in rng.integers(len(heads), size=count)]
    everyone = np.arange(org.n)
    recipients: list[np.ndarray] = []
    for s in senders:
        d = org.dept[s]
        team_wide = org.dept_size[d] > 51 and rng.random() < 0.4
        pool = everyone[org.dept == d] if team_wide else everyone
        pool = pool[pool != s]
        if pool.shape[0] > BROADCAST_CAP:
            pool = np.sort(rng.choice(pool, size=BROADCAST_CAP, replace=False))
        recipients.append(pool)
    return days.tolist(), senders, recipients


def _broadcast_table(
    org: Org,
    days: np.ndarray,
    b_day: list[int],
    b_sender: list[int],
    b_recipients: list[np.ndarray],
    sel: list[int],
    rng: np.random.Generator,
) -> pa.Table:
    ts = timeline.stamp(
        days[np.array([b_day[i] for i in sel], dtype=np.int64)],
        (9 * timeline.HOUR + rng.integers(0, 8 * timeline.HOUR, size=len(sel))),
    )
    book = org.addresses
    lists = [b_recipients[i] * VARIANTS for i in sel]
    return pa.table(
        {
            "ts": pa.array(ts.astype("datetime64[s]")),
            "sender": book.take(pa.array([b_sender[i] * VARIANTS for i in sel], pa.int64())),
            "recipients": csvout.join_ragged(book, lists),
            "cc": pa.nulls(len(sel), pa.string()),
            "bcc": pa.nulls(len(sel), pa.string()),
        }
    )


def _spoil(table: pa.Table, period: Period, stats: EmailStats) -> pa.Table:
    year = str(period.start.astype("datetime64[Y]"))
    table, notes = corrupt(
        table,
        "emails.csv",
        [
            Corruption(
                6,
                {"timestamp": f"{year}-13-01T09:00:00Z"},
                f"timestamp '{year}-13-01T09:00:00Z' is not a valid date (month 13)",
            ),
            Corruption(18, {"sender": None}, "empty sender"),
            Corruption(30, {"recipients": None, "cc": None, "bcc": None}, "no recipient at all"),
        ],
    )
    stats.bad_rows += notes
    table, dup = duplicate(table, "emails.csv", 42, "repeats the previous line's message_id")
    stats.duplicates += dup
    return table
