"""emails file -> canonical ``emails`` and ``email_recipients`` tables, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``timestamp, sender, recipients``
and optionally ``cc``, ``bcc``, ``message_id``; the people
:class:`~ona.io.directory.Directory`. Output: :data:`ona.io.schema.EMAILS`,
:data:`ona.io.schema.EMAIL_RECIPIENTS`, the rejects and the duplicate count.

Rules:

- ``recipients``, ``cc`` and ``bcc`` are ``;``-separated lists (items
  trimmed, empty items dropped); each reference is resolved to a person or
  kept as an external address (:mod:`ona.io.directory`);
- ``k`` is the number of distinct recipients over to + cc + bcc: two
  aliases of one person count once, the sender is excluded, each distinct
  external address counts once; ``email_recipients`` has one row per
  counted recipient (its address as first written);
- a row is rejected when its timestamp is empty or not ISO 8601, its sender
  is empty, or it has no recipient other than the sender;
- a valid row whose non-empty ``message_id`` was already seen on an earlier
  valid row is a duplicate: not loaded, counted in ``duplicates`` (not
  rejected);
- ``message_key`` numbers the accepted messages 0, 1, ... in file order.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_times, repeated_ids, repeated_in_row
from ona.io.directory import Directory
from ona.io.prep import as_numpy, blank_as_null, exploded, trimmed
from ona.io.raw import RawTable, Validated


def validate_emails(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate and resolve email rows (see the module docstring for the rules)."""
    cols = raw.require("timestamp", "sender", "recipients")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(raw, {"ts": cols["timestamp"], "sender": cols["sender"], "mid": raw.column("message_id")})
    rows, refs = exploded(raw, [cols["recipients"], raw.column("cc"), raw.column("bcc")])
    # intermediates are dropped as soon as they are used: at 25 million rows
    # each one is hundreds of megabytes
    del raw
    # senders and recipients resolved together: the first n are the senders
    who = people.resolve(pa.chunked_array([*t["sender"].chunks, *refs.chunks], pa.string()))
    del refs
    has_sender = as_numpy(pc.not_equal(t["sender"], ""))
    t = t.drop_columns(["sender"])
    ts = parse_times(con, t["ts"])
    sender_ident = np.where(has_sender, who.ident[:n], -1)
    rcpt_ident = who.ident[n:]
    counted = rcpt_ident != sender_ident[rows]
    counted &= ~repeated_in_row(rows, rcpt_ident)
    del rcpt_ident, sender_ident
    k = np.bincount(rows[counted], minlength=n)
    listed = np.bincount(rows, minlength=n) > 0

    ts_raw = t["ts"]
    ts_blank = as_numpy(pc.equal(ts_raw, ""))
    checks = Checks(n)
    checks.add(ts_blank, "timestamp is empty")
    checks.add(~ts_blank & as_numpy(ts.is_null()), "timestamp '{}' is not ISO 8601", ts_raw)
    checks.add(~has_sender, "sender is empty")
    checks.add(~listed, "no recipient (recipients, cc and bcc are empty)")
    checks.add(listed & (k == 0), "no recipient other than the sender")
    valid = ~checks.failed

    duplicate = repeated_ids(valid, t["mid"])
    keep = valid & ~duplicate
    accepted = np.flatnonzero(keep)
    keys = np.full(n, -1, np.int64)
    keys[accepted] = np.arange(accepted.size)

    take = pa.array(keep)
    senders = pa.array(accepted)
    emails = pa.table(
        {
            "message_key": pa.array(np.arange(accepted.size, dtype=np.int64)),
            "message_id": blank_as_null(t["mid"].filter(take)),
            "ts": ts.filter(take),
            "sender_id": pc.take(who.person_id, senders),
            "sender_address": pc.take(who.address, senders),
            "k": pa.array(k[accepted].astype(np.int32)),
            "line": pa.array(lines[accepted], pa.int64()),
        }
    )
    kept = counted & keep[rows]
    recipients = who.references("message_key", keys[rows[kept]], n + np.flatnonzero(kept))
    return Validated(
        {"emails": emails, "email_recipients": recipients},
        checks.rejects(lines),
        int(duplicate.sum()),
    )
