"""tickets file -> canonical ``tickets`` table (assignment history), and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``ticket_id, timestamp,
assignee`` and optionally ``status``; the people
:class:`~ona.io.directory.Directory`. Output: :data:`ona.io.schema.TICKETS`
and the rejects.

Rules: a row is rejected when ``ticket_id`` is empty, ``timestamp`` is
empty or not ISO 8601, or ``assignee`` is empty. The assignee is resolved
to a person or kept as an external address (:mod:`ona.io.directory`);
``status`` is kept as written (null when empty). Identical rows are all
kept: a ticket may legitimately come back to the same assignee.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_times
from ona.io.directory import Directory
from ona.io.prep import as_numpy, blank_as_null, trimmed
from ona.io.raw import RawTable, Validated


def validate_tickets(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate and resolve ticket rows (see the module docstring for the rules)."""
    cols = raw.require("ticket_id", "timestamp", "assignee")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "ticket_id": cols["ticket_id"],
            "ts": cols["timestamp"],
            "assignee": cols["assignee"],
            "status": raw.column("status"),
        },
    )
    ts = parse_times(con, t["ts"])
    who = people.resolve(t["assignee"])
    blank = {name: as_numpy(pc.equal(t[name], "")) for name in ("ticket_id", "ts", "assignee")}
    checks = Checks(n)
    checks.add(blank["ticket_id"], "ticket_id is empty")
    checks.add(blank["ts"], "timestamp is empty")
    checks.add(~blank["ts"] & as_numpy(ts.is_null()), "timestamp '{}' is not ISO 8601", t["ts"])
    checks.add(blank["assignee"], "assignee is empty")
    keep = ~checks.failed
    accepted = pa.array(keep)
    assignee = pa.array(np.flatnonzero(keep))
    tickets = pa.table(
        {
            "ticket_id": t["ticket_id"].filter(accepted),
            "ts": ts.filter(accepted),
            "assignee_id": pc.take(who.person_id, assignee),
            "assignee_address": pc.take(who.address, assignee),
            "status": blank_as_null(t["status"].filter(accepted)),
            "line": pa.array(lines[keep], pa.int64()),
        }
    )
    return Validated({"tickets": tickets}, checks.rejects(lines))
