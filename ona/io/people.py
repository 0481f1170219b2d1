"""people file -> canonical ``people`` and ``aliases`` tables, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with at least ``person_id`` and
``department`` (and optionally ``email``). Output: tables
:data:`ona.io.schema.PEOPLE` and :data:`ona.io.schema.ALIASES`, and the
``(line, reason)`` of every rejected row.

Rules, checked in this order:

- ``person_id`` and ``department`` must be non-empty (after trimming);
- a ``person_id`` already defined on an earlier valid row is rejected,
  naming that line;
- ``email`` holds zero or more addresses separated by ``;``, compared
  case-insensitively; a row that lists an address already claimed by an
  earlier accepted person is rejected, naming that person (a rejected row
  claims nothing).

Every other column (``name``, ``team``, ``location``, ...) is kept in
``attributes``: a JSON object with one key per column (sorted), the trimmed
value, or null when empty, so that any of them can be the grouping.
``emails`` keeps the trimmed ``email`` cell as written (null when empty);
``aliases`` has one row per distinct lower-cased address of each person, in
people order.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.checks import Checks, first_row, repeated_in_row, sql_map
from ona.io.prep import as_numpy, blank_as_null, exploded, trimmed
from ona.io.raw import RawTable
from ona.io.sqlkit import lit

KNOWN = ("person_id", "department", "email")


def validate_people(
    con: duckdb.DuckDBPyConnection, raw: RawTable
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Validate people rows; return ``(people, aliases, rejects)``.

    Examples
    --------
    >>> from ona.io.raw import keep_named
    >>> from ona.io.sqlkit import connect
    >>> t = pa.table({"c0": ["p1", "p2", "p1", "p3"], "c1": ["HR", "", "IT", "IT"],
    ...               "c2": ["A@x", "", "", "a@X"], "line": [2, 3, 4, 5]})
    >>> raw = keep_named("people.csv", "csv", ["person_id", "department", "email"], t, 4)
    >>> people, aliases, bad = validate_people(connect(), raw)
    >>> people.column("person_id").to_pylist(), aliases.column("address").to_pylist()
    (['p1'], ['a@x'])
    >>> bad.column("reason").to_pylist()  # doctest: +NORMALIZE_WHITESPACE
    ['department is empty', "person_id 'p1' is already defined on line 2",
     "email 'a@x' already belongs to person 'p1' (line 2)"]
    """
    cols = raw.require("person_id", "department")
    extra = sorted((name, f"c{i}") for i, name in enumerate(raw.names) if name.casefold() not in KNOWN)
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {"person_id": cols["person_id"], "department": cols["department"], "email": raw.column("email")},
    )
    pid_blank = as_numpy(pc.equal(t["person_id"], ""))
    dept_blank = as_numpy(pc.equal(t["department"], ""))
    checks = Checks(n)
    checks.add(pid_blank, "person_id is empty")
    checks.add(dept_blank, "department is empty")
    complete = np.flatnonzero(~pid_blank & ~dept_blank)
    first = np.arange(n)
    first[complete] = complete[first_row(t["person_id"].filter(pa.array(~pid_blank & ~dept_blank)))]
    checks.add(
        first != np.arange(n),
        "person_id '{}' is already defined on line {}",
        t["person_id"],
        pa.array(lines[first]).cast(pa.string()),
    )
    rows, refs = exploded(raw, [raw.column("email")])
    addresses = pc.utf8_lower(refs)
    distinct = pc.unique(addresses)
    codes = as_numpy(pc.index_in(addresses, value_set=distinct)).astype(np.int64)
    own = ~repeated_in_row(rows, codes)  # an address listed twice by one person counts once
    claims = own & ~checks.failed[rows]
    lost = _settle_claims(rows[claims], codes[claims], distinct, t["person_id"], lines)
    lost_mask = np.zeros(n, bool)
    lost_mask[list(lost)] = True
    lost_reason = np.full(n, "", object)
    lost_reason[list(lost)] = list(lost.values())
    checks.add(lost_mask, "{}", pa.array(lost_reason, pa.string()))

    accepted = np.flatnonzero(~checks.failed)
    take = pa.array(~checks.failed)
    attributes = _attributes(con, raw, extra)
    people = pa.table(
        {
            "person_id": t["person_id"].filter(take),
            "department": t["department"].filter(take),
            "emails": blank_as_null(t["email"].filter(take)),
            "attributes": attributes.filter(take),
            "line": pa.array(lines[accepted], pa.int64()),
        }
    )
    alias_rows = np.flatnonzero(own & ~checks.failed[rows])
    aliases = pa.table(
        {
            "address": pc.take(addresses, pa.array(alias_rows)),
            "person_id": pc.take(t["person_id"], pa.array(rows[alias_rows])),
        }
    )
    return people, aliases, checks.rejects(lines)


def _attributes(con: duckdb.DuckDBPyConnection, raw: RawTable, extra: list[tuple[str, str]]) -> pa.Array:
    """The extra columns of every row as a JSON object text (sorted keys, '' -> null)."""
    n = raw.table.num_rows
    if not extra:
        return pa.array(np.full(n, "{}", object), pa.string())
    values = pa.table({f"a{i}": pc.utf8_trim_whitespace(raw.table.column(col)) for i, (_, col) in enumerate(extra)})
    pairs = ", ".join(f"{lit(name)}, nullif(a{i}, '')" for i, (name, _) in enumerate(extra))
    return sql_map(con, values, f"json_object({pairs})::VARCHAR")


#: The extra columns of raw rows as attribute JSON (also used by :mod:`ona.io.history`).
attributes_of = _attributes


def _settle_claims(
    rows: np.ndarray, codes: np.ndarray, distinct: pa.Array, person_ids: pa.ChunkedArray, lines: np.ndarray
) -> dict[int, str]:
    """Rows (-> reason) that claim an address an earlier accepted row holds.

    Only rows sharing an address with another row can lose one; they are
    few, and are settled in row order (a row rejected here claims nothing).
    """
    if codes.size == 0:
        return {}
    shared = np.bincount(codes) > 1
    sel = np.isin(rows, rows[shared[codes]])
    if not sel.any():
        return {}
    contested, contested_codes = rows[sel], codes[sel]
    cuts = np.flatnonzero(np.diff(contested)) + 1
    owner: dict[int, int] = {}
    lost: dict[int, str] = {}
    for row, mine in zip(contested[np.r_[0, cuts]].tolist(), np.split(contested_codes, cuts)):
        taken = next((c for c in mine.tolist() if c in owner), None)
        if taken is None:
            owner.update(dict.fromkeys(mine.tolist(), row))
            continue
        holder = owner[taken]
        lost[row] = (
            f"email '{distinct[taken].as_py()}' already belongs to person "
            f"'{person_ids[holder].as_py()}' (line {int(lines[holder])})"
        )
    return lost
