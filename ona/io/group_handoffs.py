"""group_handoffs file -> canonical ``group_handoffs`` table, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``ticket_id, timestamp,
from_group, to_group`` (what the ServiceNow and Zendesk importers write
for assignment-group changes); the people
:class:`~ona.io.directory.Directory` (unused: a group handoff names no
person). Output: :data:`ona.io.schema.GROUP_HANDOFFS` and the rejects.

One row says that at ``timestamp`` the ticket moved from the assignment
group ``from_group`` to ``to_group``: a handoff between groups with no
person. How the handoff analytics match the export's group names to
ona's groups is :mod:`ona.store.handoffs`. Rules: a row is rejected when
``ticket_id`` is empty, ``timestamp`` is empty or not ISO 8601,
``from_group`` or ``to_group`` is empty, or the two name the same group
(compared trimmed, ignoring case). Names are kept trimmed, as written.

Examples
--------
>>> from ona.io.raw import keep_named
>>> from ona.io.sqlkit import connect
>>> raw = keep_named("group_handoffs.csv", "csv", ["ticket_id", "timestamp", "from_group", "to_group"],
...     pa.table({"c0": ["T1", "T1", ""], "c1": ["2024-03-04T10:00:00Z", "2024-03-04T11:00:00Z", "2024-03-04"],
...               "c2": ["Legal", "sales", "Legal"], "c3": ["Sales", "Sales ", "IT"], "line": [2, 3, 4]}), 3)
>>> v = validate_group_handoffs(connect(), raw, None)
>>> v.tables["group_handoffs"].column("to_group").to_pylist()
['Sales']
>>> v.rejects.column("reason").to_pylist()
["from_group 'sales' and to_group 'Sales' are the same group", 'ticket_id is empty']
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_times
from ona.io.directory import Directory
from ona.io.prep import as_numpy, trimmed
from ona.io.raw import RawTable, Validated


def validate_group_handoffs(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory | None) -> Validated:
    """Validate group handoff rows (see the module docstring for the rules)."""
    del people  # a group handoff names no person
    cols = raw.require("ticket_id", "timestamp", "from_group", "to_group")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "ticket_id": cols["ticket_id"],
            "ts": cols["timestamp"],
            "from_group": cols["from_group"],
            "to_group": cols["to_group"],
        },
    )
    ts = parse_times(con, t["ts"])
    blank = {name: as_numpy(pc.equal(t[name], "")) for name in ("ticket_id", "ts", "from_group", "to_group")}
    same = as_numpy(pc.equal(pc.utf8_lower(t["from_group"]), pc.utf8_lower(t["to_group"])))
    checks = Checks(n)
    checks.add(blank["ticket_id"], "ticket_id is empty")
    checks.add(blank["ts"], "timestamp is empty")
    checks.add(~blank["ts"] & as_numpy(ts.is_null()), "timestamp '{}' is not ISO 8601", t["ts"])
    checks.add(blank["from_group"], "from_group is empty")
    checks.add(blank["to_group"], "to_group is empty")
    checks.add(
        same & ~blank["from_group"],
        "from_group '{}' and to_group '{}' are the same group",
        t["from_group"],
        t["to_group"],
    )
    keep = ~checks.failed
    accepted = pa.array(keep)
    handoffs = pa.table(
        {
            "ticket_id": t["ticket_id"].filter(accepted),
            "ts": ts.filter(accepted),
            "from_group": t["from_group"].filter(accepted),
            "to_group": t["to_group"].filter(accepted),
            "line": pa.array(lines[keep], pa.int64()),
        }
    )
    return Validated({"group_handoffs": handoffs}, checks.rejects(lines))
