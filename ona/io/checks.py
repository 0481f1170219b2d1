"""Vectorized row checks: reasons, ISO 8601 times, first occurrences, distinct items.

Input: whole columns (Arrow / numpy). Output: masks, parsed values and the
``(line, reason)`` table of rejected rows. Nothing here loops over rows in
Python; the only per-row work is done by Arrow kernels, numpy and DuckDB.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.io.prep import as_numpy
from ona.io.raw import REJECTS

SHOWN = 60  # longest value quoted in a reason
SHORT = 8  # lists up to this long are de-duplicated by shifted comparisons


def shown(values: pa.Array) -> pa.Array:
    """Values as quoted in a message: cut to :data:`SHOWN` characters."""
    long = pc.greater(pc.utf8_length(values), SHOWN)
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, SHOWN - 3), "...", "")
    return pc.if_else(long, cut, values)


class Checks:
    """Collects failed checks of a table's rows and words them as reasons.

    Each check is a boolean mask (True = the row fails) and a message; a
    message may quote row values with ``{}`` placeholders, filled from the
    given columns. A row failing several checks gets one reason, the
    messages joined with ``'; '``.

    Examples
    --------
    >>> c = Checks(3)
    >>> c.add(np.array([True, False, True]), "sender is empty")
    >>> c.add(np.array([False, False, True]), "timestamp '{}' is not ISO 8601", pa.array(["", "", "x"]))
    >>> c.rejects(np.array([2, 3, 4])).to_pylist()  # doctest: +NORMALIZE_WHITESPACE
    [{'line': 2, 'reason': 'sender is empty'},
     {'line': 4, 'reason': "sender is empty; timestamp 'x' is not ISO 8601"}]
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._checks: list[tuple[np.ndarray, str, tuple[pa.Array | pa.ChunkedArray, ...]]] = []

    def add(self, failed: np.ndarray, message: str, *values: pa.Array | pa.ChunkedArray) -> None:
        self._checks.append((np.asarray(failed, bool), message, values))

    @property
    def failed(self) -> np.ndarray:
        """Mask of rows failing at least one check."""
        out = np.zeros(self.n, bool)
        for mask, _, _ in self._checks:
            out |= mask
        return out

    def rejects(self, lines: np.ndarray) -> pa.Table:
        """``(line, reason)`` of every failing row, in row order."""
        bad = np.flatnonzero(self.failed)
        if bad.size == 0:
            return REJECTS.empty_table()
        rows = pa.array(self.failed)
        parts = []
        for mask, message, values in self._checks:
            texts = message.split("{}")
            if values:
                pieces: list[pa.Array | str] = [texts[0]]
                for value, text in zip(values, texts[1:]):
                    pieces += [shown(value.filter(rows)), text]
                wording = pc.binary_join_element_wise(*pieces, "")
            else:
                wording = pa.array(np.full(bad.size, message, object), pa.string())
            parts.append(pc.if_else(pa.array(mask[bad]), wording, pa.nulls(bad.size, pa.string())))
        reason = pc.binary_join_element_wise(*parts, "; ", null_handling="skip")
        return pa.table({"line": pa.array(lines[bad], pa.int64()), "reason": reason})


def sql_map(
    con: duckdb.DuckDBPyConnection, values: pa.ChunkedArray | pa.Array | pa.Table, expr: str
) -> pa.Array:
    """Apply a SQL expression to every row, keeping the row order.

    ``values`` is one column (called ``s`` in ``expr``) or a table (its
    columns by name).
    """
    inputs = values if isinstance(values, pa.Table) else pa.table({"s": values})
    n = inputs.num_rows
    con.register("map_in", inputs.append_column("map_i", pa.array(np.arange(n, dtype=np.int64))))
    out = con.sql(f"SELECT map_i, {expr} AS v FROM map_in").to_arrow_table()
    con.unregister("map_in")
    order = out.column("map_i").to_numpy()
    mapped = out.column("v").combine_chunks()
    if not np.array_equal(order, np.arange(n)):
        mapped = mapped.take(pa.array(np.argsort(order, kind="stable")))
    return mapped


def parse_times(con: duckdb.DuckDBPyConnection, values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """ISO 8601 texts -> UTC timestamps, null where not ISO 8601 (``iso_ts`` of :mod:`ona.io.sqlkit`)."""
    return sql_map(con, values, "iso_ts(s)").cast(pa.timestamp("us", tz="UTC"))


def parse_numbers(con: duckdb.DuckDBPyConnection, values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Texts -> float64, NaN where not a finite number."""
    parsed = sql_map(con, values, "CASE WHEN isfinite(try_cast(s AS DOUBLE)) THEN try_cast(s AS DOUBLE) END")
    return pc.fill_null(parsed, np.nan).to_numpy(zero_copy_only=False)


def first_row(keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each row, the index of the first row with the same key."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64)
    groups = pa.table({"k": keys, "row": np.arange(n, dtype=np.int64)}).group_by("k", use_threads=False)
    firsts = groups.aggregate([("row", "min")])
    where = pc.index_in(keys, value_set=firsts.column("k").combine_chunks())
    if isinstance(where, pa.ChunkedArray):
        where = where.combine_chunks()
    return firsts.column("row_min").to_numpy()[where.to_numpy(zero_copy_only=False)]


def repeated_ids(valid: np.ndarray, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Mask of valid rows whose non-empty id (a message_id) a valid earlier row already had."""
    with_id = valid & as_numpy(pc.not_equal(ids, ""))
    repeated = np.zeros(len(valid), bool)
    repeated[np.flatnonzero(with_id)[~first_occurrence(ids.filter(pa.array(with_id)))]] = True
    return repeated


def first_occurrence(*keys: pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
    """Mask of rows whose key (a tuple of columns) has not appeared on an earlier row."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, bool)
    columns = {f"k{i}": k for i, k in enumerate(keys)}
    columns["row"] = np.arange(n, dtype=np.int64)
    # min is order-free: threads change only the order of the groups, which is not used
    groups = pa.table(columns).group_by(list(columns)[:-1], use_threads=True).aggregate([("row", "min")])
    out = np.zeros(n, bool)
    out[groups.column("row_min").to_numpy()] = True
    return out


def repeated_in_row(rows: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Mask of items already seen earlier in the same row.

    ``rows`` must be sorted (the items of one row are contiguous, in order).
    Short rows are compared by shifting; the few long ones (more than
    :data:`SHORT` items) are sorted.

    Examples
    --------
    >>> repeated_in_row(np.array([0, 0, 0, 1, 1]), np.array([5, 7, 5, 5, 6])).tolist()
    [False, False, True, False, False]
    """
    n = rows.size
    dup = np.zeros(n, bool)
    for shift in range(1, min(SHORT, n)):
        dup[shift:] |= (rows[shift:] == rows[:-shift]) & (items[shift:] == items[:-shift])
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if n else np.zeros(0, np.int64)
    lengths = np.diff(np.r_[starts, n])
    long_rows = rows[starts[lengths > SHORT]]
    if long_rows.size:
        sel = np.flatnonzero(np.isin(rows, long_rows))
        key = rows[sel].astype(np.int64) * (int(items.max()) + 1) + items[sel]
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        later = np.r_[False, sorted_key[1:] == sorted_key[:-1]]
        dup[sel[order[later]]] = True
    return dup
