"""people_history file -> canonical ``people_history`` table, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``person_id, valid_from,
department`` and optionally ``valid_to`` and any other attribute columns
(``team``, ``location`` ...); the people :class:`~ona.io.directory.Directory`.
Output: :data:`ona.io.schema.PEOPLE_HISTORY` and the rejects.

One row says that from ``valid_from`` (inclusive) until ``valid_to``
(exclusive; empty: still valid) the person belonged to ``department`` and
had the row's attributes. It records a reorganization: a person who moved
from Sales to Support on 1 April has a Sales row ending on 1 April and a
Support row starting then. How analyses use it is
:func:`ona.store.history.window_labels` (the membership that covers most of
each analysis window). Rules:

- ``person_id`` must name a person of the people file (their person_id or
  one of their addresses); otherwise the row is rejected;
- ``valid_from`` must be ISO 8601; ``valid_to``, when given, must be ISO
  8601 and later than ``valid_from``; ``department`` must be non-empty;
- every other column is kept in ``attributes`` as for people (a JSON
  object, sorted keys, empty values null), so that any of them can be the
  grouping. Rows of one person may overlap: the analysis takes, for each
  window, the row covering most of it.

Examples
--------
>>> from ona.io.raw import keep_named
>>> from ona.io.sqlkit import connect
>>> d = Directory.build(pa.table({"person_id": ["ann"]}), pa.table({"address": ["ann@x.org"], "person_id": ["ann"]}))
>>> raw = keep_named("people_history.csv", "csv", ["person_id", "valid_from", "valid_to", "department"],
...     pa.table({"c0": ["ann@x.org", "ann", "zed"], "c1": ["2024-01-01", "2024-04-01", "2024-01-01"],
...               "c2": ["2024-04-01", "", ""], "c3": ["Sales", "Support", "IT"], "line": [2, 3, 4]}), 3)
>>> v = validate_history(connect(), raw, d)
>>> v.tables["people_history"].column("department").to_pylist()
['Sales', 'Support']
>>> v.rejects.column("reason").to_pylist()
["person_id 'zed' is not in people"]
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, parse_times
from ona.io.directory import Directory
from ona.io.people import attributes_of
from ona.io.prep import as_numpy, trimmed
from ona.io.raw import RawTable, Validated

KNOWN = ("person_id", "valid_from", "valid_to", "department")


def validate_history(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate people history rows (see the module docstring for the rules)."""
    cols = raw.require("person_id", "valid_from", "department")
    extra = sorted((name, f"c{i}") for i, name in enumerate(raw.names) if name.casefold() not in KNOWN)
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "person_id": cols["person_id"],
            "valid_from": cols["valid_from"],
            "valid_to": raw.column("valid_to"),
            "department": cols["department"],
        },
    )
    who = people.resolve(t["person_id"])
    person = who.person_id
    start = parse_times(con, t["valid_from"])
    end = parse_times(con, t["valid_to"])
    blank = {name: as_numpy(pc.equal(t[name], "")) for name in ("person_id", "valid_from", "valid_to", "department")}
    checks = Checks(n)
    checks.add(blank["person_id"], "person_id is empty")
    checks.add(~blank["person_id"] & as_numpy(person.is_null()), "person_id '{}' is not in people", t["person_id"])
    checks.add(blank["valid_from"], "valid_from is empty")
    checks.add(~blank["valid_from"] & as_numpy(start.is_null()), "valid_from '{}' is not ISO 8601", t["valid_from"])
    checks.add(~blank["valid_to"] & as_numpy(end.is_null()), "valid_to '{}' is not ISO 8601", t["valid_to"])
    not_after = as_numpy(pc.fill_null(pc.less_equal(end, start), False))
    checks.add(not_after, "valid_to '{}' is not after valid_from", t["valid_to"])
    checks.add(blank["department"], "department is empty")
    keep = ~checks.failed
    take = pa.array(keep)
    history = pa.table(
        {
            "person_id": person.filter(take),
            "valid_from": start.filter(take),
            "valid_to": end.filter(take),
            "department": t["department"].filter(take),
            "attributes": attributes_of(con, raw, extra).filter(take),
            "line": pa.array(lines[keep], pa.int64()),
        }
    )
    return Validated({"people_history": history}, checks.rejects(lines))
