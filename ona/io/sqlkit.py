"""The in-memory DuckDB connection used while reading, and its SQL macros.

Input: Arrow columns registered by the readers. Output: Arrow results.
DuckDB parses what it parses best and fastest: ISO 8601 timestamps, numbers,
JSON lines, and JSON objects for people's attributes.

Macros (available in every query on a connection from :func:`connect`):

``clean(s)``
    ``s`` trimmed of spaces, tabs and line breaks; ``''`` for null.
``iso_ts(s)``
    ``s`` (already trimmed) as a UTC ``TIMESTAMPTZ`` when it is ISO 8601,
    else null. Accepted: ``YYYY-MM-DD``, optionally followed by ``T`` (or a
    space) and ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.fff...``, optionally
    followed by ``Z`` or an offset ``+HH``, ``+HHMM``, ``+HH:MM``. Without an
    offset the time is UTC; a date alone is midnight UTC. Impossible dates
    (``2024-02-30``), hour 24, leap seconds, year 0 and words (``yesterday``,
    ``infinity``, ``epoch``) are refused. Fractions finer than a microsecond
    are truncated.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

_ISO = (
    r"\d{4}-\d{2}-\d{2}"
    r"([Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"([Zz]|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?)?"
)

MACROS = (
    r"CREATE MACRO clean(s) AS trim(coalesce(s, ''), E' \t\r\n')",
    (
        f"CREATE MACRO iso_ts(s) AS CASE WHEN regexp_full_match(s, '{_ISO}') "
        "AND NOT starts_with(s, '0000') THEN try_cast(upper(s) AS TIMESTAMPTZ) END"
    ),
)


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection in UTC with the macros of this module."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for macro in MACROS:
        con.execute(macro)
    return con


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def table(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run a query and return its result as an Arrow table."""
    return con.sql(sql).to_arrow_table()


def rejects(con: duckdb.DuckDBPyConnection, source: str) -> pa.Table:
    """``(line, reason)`` of the rows of ``source`` whose ``reason`` is not null, by line."""
    return table(
        con, f"SELECT line::BIGINT AS line, reason FROM {source} WHERE reason IS NOT NULL ORDER BY line"
    )
