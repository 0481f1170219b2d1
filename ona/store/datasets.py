"""Stored datasets: read back and delete (saving is :mod:`ona.store.ingest`).

Input: the id of a stored dataset. Output: :class:`DatasetInfo` records, the
people table, group labels and the paginated validation report.

Every function takes a DuckDB connection (one cursor of the store) as first
argument; :class:`ona.store.Store` owns the connection and the locking.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from ona.errors import NotFoundError, ParameterError
from ona.io.schema import TABLES
from ona.results import Reject, ValidationReport
from ona.store.models import DatasetInfo
from ona.store.schema import EVENT_TABLES, first_row, transaction

UNASSIGNED = "(unassigned)"

INFO_FIELDS: tuple[str, ...] = tuple(DatasetInfo.model_fields)
_INFO_COLUMNS = ", ".join(INFO_FIELDS)


def dataset_key(con: duckdb.DuckDBPyConnection, dataset_id: str) -> int:
    """The integer key ``ds`` of a dataset; NotFoundError if there is none."""
    row = first_row(con, "SELECT ds FROM datasets WHERE dataset_id = ?", [dataset_id])
    if row is None:
        raise NotFoundError("dataset", dataset_id)
    return int(row[0])


def with_utc(info: DatasetInfo) -> DatasetInfo:
    """Attach UTC to the naive UTC timestamps DuckDB's TIMESTAMP columns hold."""
    updates = {
        name: value.replace(tzinfo=UTC)
        for name in ("created_at", "first_event", "last_event")
        if (value := getattr(info, name)) is not None and value.tzinfo is None
    }
    return info.model_copy(update=updates)


def _infos(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> list[DatasetInfo]:
    rows = con.execute(
        f"SELECT {_INFO_COLUMNS} FROM datasets {where} ORDER BY created_at, dataset_id", params
    ).fetchall()
    return [with_utc(DatasetInfo(**dict(zip(INFO_FIELDS, row)))) for row in rows]


def list_datasets(con: duckdb.DuckDBPyConnection) -> list[DatasetInfo]:
    """Every dataset, oldest first."""
    return _infos(con, "", [])


def get_dataset(con: duckdb.DuckDBPyConnection, dataset_id: str) -> DatasetInfo:
    """One dataset; NotFoundError if there is none."""
    found = _infos(con, "WHERE dataset_id = ?", [dataset_id])
    if not found:
        raise NotFoundError("dataset", dataset_id)
    return found[0]


def delete_dataset(con: duckdb.DuckDBPyConnection, dataset_id: str) -> None:
    """Delete a dataset, its events, its rejects, its analyses and their results."""
    with transaction(con):
        key = dataset_key(con, dataset_id)
        for name in (*EVENT_TABLES, "rejects"):
            con.execute(f"DELETE FROM {name} WHERE ds = ?", [key])
        con.execute(
            "DELETE FROM results WHERE analysis_id IN (SELECT analysis_id FROM analyses WHERE dataset_id = ?)",
            [dataset_id],
        )
        con.execute("DELETE FROM analyses WHERE dataset_id = ?", [dataset_id])
        con.execute("DELETE FROM datasets WHERE dataset_id = ?", [dataset_id])


def validation_report(
    con: duckdb.DuckDBPyConnection, dataset_id: str, offset: int = 0, limit: int | None = None
) -> ValidationReport:
    """The dataset's validation report with one page of its rejected rows.

    Rejects come in (file, line) order; ``offset`` skips that many, ``limit``
    (None: all) caps the page. ``files`` always covers every file.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise ParameterError("offset" if offset < 0 else "limit", "must be 0 or more")
    row = first_row(con, "SELECT ds, report FROM datasets WHERE dataset_id = ?", [dataset_id])
    if row is None:
        raise NotFoundError("dataset", dataset_id)
    report = ValidationReport.model_validate_json(row[1])
    page = "" if limit is None else "LIMIT ?"
    rows = con.execute(
        f"SELECT file, line, reason FROM rejects WHERE ds = ? ORDER BY file, line, seq {page} OFFSET ?",
        [row[0], *([] if limit is None else [limit]), offset],
    ).fetchall()
    report.rejected = [Reject(file=f, line=ln, reason=r) for f, ln, r in rows]
    return report


def person_ids(con: duckdb.DuckDBPyConnection, dataset_id: str) -> list[str]:
    """Every person_id of the dataset, sorted."""
    key = dataset_key(con, dataset_id)
    rows = con.execute("SELECT person_id FROM people WHERE ds = ? ORDER BY pidx", [key]).fetchall()
    return [r[0] for r in rows]


def people_table(con: duckdb.DuckDBPyConnection, dataset_id: str) -> pa.Table:
    """The canonical people table (:data:`ona.io.schema.PEOPLE`), ordered by person_id."""
    key = dataset_key(con, dataset_id)
    cols = ", ".join(f'"{c}"' for c in TABLES["people"].names)
    rel = con.sql(f"SELECT {cols} FROM people WHERE ds = ? ORDER BY pidx", params=[key])
    return rel.to_arrow_table().cast(TABLES["people"])


def group_columns(con: duckdb.DuckDBPyConnection, key: int) -> list[str]:
    """Columns usable as group_by: 'department' and every attribute key, sorted."""
    rows = con.execute(
        "SELECT DISTINCT unnest(json_keys(attributes)) AS k FROM people "
        "WHERE ds = ? AND attributes IS NOT NULL ORDER BY k",
        [key],
    ).fetchall()
    return ["department", *(r[0] for r in rows if r[0] != "department")]


def group_labels(
    con: duckdb.DuckDBPyConnection,
    dataset_id: str,
    group_by: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, str]:
    """person_id -> group for a people column or attribute, as of a window when one is given.

    An empty or missing value becomes ``"(unassigned)"``.

    With a window ``[since, until)`` (both given) and a ``people_history``
    table, a person's group is taken from their history row that covers the
    largest part of the window (ties: the later ``valid_from``, then the
    later line); a history row without the ``group_by`` attribute, and a
    person with no history row overlapping the window, keep the people
    table's value. Without a window, or without history, it is the people
    table's value: nothing changes.

    Raises
    ------
    ParameterError
        If ``group_by`` is neither 'department' nor an attribute key.
    """
    key = dataset_key(con, dataset_id)
    available = group_columns(con, key)
    if group_by not in available:
        raise ParameterError(
            "group_by", f"unknown column '{group_by}'; available: {', '.join(available)}"
        )
    path = '$."' + group_by.replace("\\", "\\\\").replace('"', '\\"') + '"'
    value = "department" if group_by == "department" else "json_extract_string(attributes, $path)"
    params: dict[str, object] = {"ds": key, "unassigned": UNASSIGNED}
    if group_by != "department":
        params["path"] = path
    history = ""
    if since is not None and until is not None and _has_history(con, key):
        params.update(since=since, until=until)
        history = f"""
        , h AS (
            SELECT pidx, {value} AS v FROM (
                SELECT *, epoch(least(coalesce(valid_to, $until), $until)) - epoch(greatest(valid_from, $since)) AS o
                FROM people_history
                WHERE ds = $ds AND valid_from < $until AND (valid_to IS NULL OR valid_to > $since)
            ) QUALIFY row_number() OVER (PARTITION BY pidx ORDER BY o DESC, valid_from DESC, line DESC) = 1
        )"""
    joined = "LEFT JOIN h ON h.pidx = p.pidx" if history else ""
    chosen = "coalesce(h.v, p.v)" if history else "p.v"
    rows = con.execute(
        f"WITH p AS (SELECT person_id, pidx, {value} AS v FROM people WHERE ds = $ds) {history} "
        f"SELECT p.person_id, CASE WHEN trim(coalesce({chosen}, '')) = '' THEN $unassigned ELSE {chosen} END "
        f"FROM p {joined} ORDER BY p.pidx",
        params,
    ).fetchall()
    return dict(rows)


def _has_history(con: duckdb.DuckDBPyConnection, key: int) -> bool:
    return first_row(con, "SELECT 1 FROM people_history WHERE ds = ? LIMIT 1", [key]) is not None
