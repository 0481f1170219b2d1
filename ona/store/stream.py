"""Loading dataset files straight into the store, a piece at a time.

Input: the dataset's files (table name -> path), read and validated by
:func:`ona.io.load.read_into`. Output: the stored dataset's
:class:`DatasetInfo`. Unlike :func:`ona.store.ingest.save_dataset`, which
inserts a :class:`~ona.io.dataset.Dataset` already held in memory, each
validated piece (at most :data:`ona.io.readers.PIECE_ROWS` rows of a file)
is inserted as soon as it is read, so memory holds one piece and the
person index, never the events: 25 million emails load in the memory of
one piece, and the store's DuckDB spills to disk what its memory limit
does not hold.

The rows stored are those of ``save_dataset(read_dataset_files(...))``
(the tests hold the two to the same tables and report). An event that
repeats one accepted in an earlier piece of its file (same ``message_id``;
same ``meeting_id`` and ``start``) is deleted after the file's last piece
and counted as a duplicate, as the in-memory merge does; event keys then
run on with gaps, which nothing reads as a count. Loading in one
transaction would hold every appended row in memory until its commit, so
the rows are appended outside one, under a dataset key no reader knows yet;
the dataset's row in ``datasets`` is written last, and a file refused
half-way deletes what was appended (rows left by a killed process are
deleted by the next load), so the store is left as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import ParameterError
from ona.io.limits import ReadLimits
from ona.io.load import EXTERNAL_PARTIES, read_into
from ona.io.raw import Validated
from ona.io.schema import TABLES
from ona.io.string_index import StringIndex
from ona.progress import OnProgress, no_progress
from ona.results import ValidationReport
from ona.store.datasets import INFO_FIELDS, with_utc
from ona.store.ingest import (
    _REFERENCES,
    _insert,
    _insert_chat_recipients,
    _insert_recipients,
    _rejects_table,
    indexed,
    person_order,
)
from ona.store.models import DatasetInfo
from ona.store.schema import EVENT_TABLES, first_row, transaction

#: Event tables whose rows carry a key numbered per piece: (key column, the tables keyed by it,
#: the columns that make two events one, the table holding them).
_KEYS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "emails": ("message_key", ("emails", "email_recipients"), ("message_id",)),
    "meetings": ("meeting_key", ("meetings", "meeting_attendees"), ("meeting_id", "start")),
    "chats": ("message_key", ("chats", "chat_recipients"), ("message_id",)),
}

#: Where each event table's timestamps are (the dataset's first and last event).
_SPANS = (("emails", "ts"), ("meetings", "start"), ("tickets", "ts"), ("chats", "ts"), ("ties", "period_start"),
          ("group_handoffs", "ts"))

#: External parties: (store table, index column, address column), from where the canonical tables name them.
_EXTERNAL = {name: (table, next(index for t, c, index, _ in _REFERENCES if (t, c) == (table, column)), address)
             for name, (table, column, address) in EXTERNAL_PARTIES.items()}


class StoreTables:
    """A :class:`ona.io.load.TableSink` inserting every piece into the store under dataset key ``ds``.

    Rows are appended as they come (see :func:`load_files` for how a failed load is undone).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, ds: int) -> None:
        self.con = con
        self.ds = ds
        self._order: StringIndex | None = None
        self._offset = 0  # keys used so far in the current file
        self._pieces = 0

    def add(self, table: str, validated: Validated) -> None:
        tables = {name: t.select(TABLES[name].names).cast(TABLES[name]) for name, t in validated.tables.items()}
        if table == "people":
            self._order = person_order(tables["people"])
        tables = self._indexed(tables)
        if table in _KEYS:
            key, keyed, _ = _KEYS[table]
            events = tables[keyed[0]]
            for name in keyed:
                t = tables[name]
                tables[name] = t.set_column(t.schema.get_field_index(key), key, pc.add(t.column(key), self._offset))
            self._offset += events.num_rows
            if table != "meetings":  # the store keeps no message_id: the ids of this file wait in a temp table
                ids = tables[table].select([key, "message_id"]).filter(pc.is_valid(tables[table].column("message_id")))
                self._keep_ids(ids)
                tables[table] = tables[table].drop_columns(["message_id"])
        self._pieces += 1
        if table == "emails":
            _insert(self.con, "emails", tables["emails"], self.ds)
            _insert_recipients(self.con, tables["email_recipients"], tables["emails"], self.ds)
        elif table == "chats":
            _insert(self.con, "chats", tables["chats"], self.ds)
            _insert_chat_recipients(self.con, tables["chat_recipients"], tables["chats"], self.ds)
        else:
            for name, t in tables.items():
                _insert(self.con, name, t, self.ds)

    def end_file(self, table: str) -> int:
        """Delete the events that repeat one of an earlier piece; how many."""
        pieces, self._pieces, self._offset = self._pieces, 0, 0
        if table not in _KEYS or pieces < 2:
            self._drop_ids()
            return 0
        key, keyed, same = _KEYS[table]
        columns = ", ".join(same)
        source = (f"SELECT {key}, {columns} FROM meetings WHERE ds = {self.ds} AND meeting_id IS NOT NULL"
                  if table == "meetings" else "SELECT * FROM _ona_ids")  # only ids that are there
        # the ids seen more than once (a hash aggregate, no sort of every id), then every row of them but the first
        self.con.execute(
            f"CREATE TEMP TABLE _ona_repeats AS WITH s AS ({source}), twice AS (SELECT {columns}, min({key}) AS "
            f"first FROM s GROUP BY {columns} HAVING count(*) > 1) "
            f"SELECT s.{key} FROM s JOIN twice USING ({columns}) WHERE s.{key} <> twice.first"
        )
        repeats = int(self.con.execute("SELECT count(*) FROM _ona_repeats").fetchall()[0][0])
        if repeats:
            for name in keyed:
                self.con.execute(f"DELETE FROM {name} WHERE ds = ? AND {key} IN (SELECT {key} FROM _ona_repeats)",
                                 [self.ds])
        self.con.execute("DROP TABLE _ona_repeats")
        self._drop_ids()
        return repeats

    def _indexed(self, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        """Person references as person indexes; an address kept only for external parties."""
        assert self._order is not None  # people come first
        return {name: indexed(name, t, self._order) for name, t in tables.items()}

    def _keep_ids(self, ids: pa.Table) -> None:
        self.con.execute("CREATE TEMP TABLE IF NOT EXISTS _ona_ids (message_key BIGINT, message_id VARCHAR)")
        self.con.register("_ona_incoming_ids", ids)
        self.con.execute("INSERT INTO _ona_ids SELECT message_key, message_id FROM _ona_incoming_ids")
        self.con.unregister("_ona_incoming_ids")

    def _drop_ids(self) -> None:
        self.con.execute("DROP TABLE IF EXISTS _ona_ids")


def external_counts(con: duckdb.DuckDBPyConnection, ds: int) -> dict[str, int]:
    """:func:`ona.io.load.external_counts` of a stored dataset (its addresses are kept for external parties only)."""
    parts = {k: f"SELECT {addr} AS address FROM {t} WHERE ds = {ds} AND {idx} IS NULL"
             for k, (t, idx, addr) in _EXTERNAL.items()}
    n = {k: f"(SELECT count(*) FROM ({q}))" for k, q in parts.items()}
    row = con.execute(
        f"SELECT (SELECT count(DISTINCT address) FROM ({' UNION ALL '.join(parts.values())})), "
        f"{n['senders']} + {n['recipients']}, {n['attendees']}, {n['assignees']}, "
        f"{n['chat_senders']} + {n['chat_recipients']}, {n['tie_sources']} + {n['tie_targets']}"
    ).fetchall()[0]
    keys = ("addresses", "email_references", "meeting_references", "ticket_assignments", "chat_references",
            "tie_references")  # fmt: skip
    return {key: int(value) for key, value in zip(keys, row)}


def _stored_info(con: duckdb.DuckDBPyConnection, ds: int, dataset_id: str, name: str, workspace: str,
                 report: ValidationReport) -> DatasetInfo:
    """The dataset's counts and event span, from the stored rows."""

    counts = {t: int(con.execute(f"SELECT count(*) FROM {t} WHERE ds = ?", [ds]).fetchall()[0][0])
              for t in ("people", "emails", "email_recipients", "meetings", "meeting_attendees", "chats",
                        "chat_recipients", "ties", "people_history", "group_handoffs")}
    tickets, ticket_rows = con.execute("SELECT count(DISTINCT ticket_id), count(*) FROM tickets WHERE ds = ?",
                                       [ds]).fetchall()[0]
    lows, highs = [], []
    for table, column in _SPANS:
        low, high = con.execute(f"SELECT min({column}), max({column}) FROM {table} WHERE ds = ?", [ds]).fetchall()[0]
        lows += [low] if low is not None else []
        highs += [high] if high is not None else []

    def naive(x: datetime | None) -> datetime | None:
        return None if x is None else x.astimezone(UTC).replace(tzinfo=None)

    return DatasetInfo(
        dataset_id=dataset_id, name=name, workspace=workspace, created_at=datetime.now(UTC).replace(tzinfo=None),
        **counts, tickets=int(tickets), ticket_rows=int(ticket_rows), rejected=report.rejected_count,
        first_event=naive(min(lows)) if lows else None, last_event=naive(max(highs)) if highs else None,
    )


def _drop_rows(con: duckdb.DuckDBPyConnection, which: str) -> None:
    """Delete the event rows whose dataset key ``ds`` is ``which`` (a SQL condition on ds)."""
    with transaction(con):
        for table in EVENT_TABLES:
            con.execute(f"DELETE FROM {table} WHERE ds {which}")


def load_files(
    con: duckdb.DuckDBPyConnection,
    files: Mapping[str, Path | str],
    dataset_id: str,
    *,
    name: str,
    workspace: str = "default",
    formats: Mapping[str, str] | None = None,
    limits: ReadLimits | None = None,
    column_map: Mapping[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> DatasetInfo:
    """Read, validate and store a dataset's files in one transaction (see the module docstring).

    Raises
    ------
    ParameterError
        If ``dataset_id`` is already in use.
    DatasetError
        As :func:`ona.io.read_dataset_files`; the store is left as it was.
    """
    if first_row(con, "SELECT 1 FROM datasets WHERE dataset_id = ?", [dataset_id]) is not None:
        raise ParameterError("dataset_id", f"dataset '{dataset_id}' already exists")
    _drop_rows(con, "NOT IN (SELECT ds FROM datasets)")  # left by a load that was killed
    key = int(con.execute("SELECT nextval('dataset_key')").fetchall()[0][0])
    try:
        report = read_into(files, StoreTables(con, key), formats=formats, limits=limits, column_map=column_map,
                           on_progress=on_progress)
        report.external = external_counts(con, key)
        info = _stored_info(con, key, dataset_id, name, workspace, report)
        with transaction(con):  # the dataset appears with all its rows at once
            con.execute(
                f"INSERT INTO datasets ({', '.join(INFO_FIELDS)}, ds, report) "
                f"VALUES ({', '.join(['?'] * (len(INFO_FIELDS) + 2))})",
                [*(getattr(info, f) for f in INFO_FIELDS), key, report.model_dump_json(exclude={"rejected"})],
            )
            _insert(con, "rejects", _rejects_table(report.rejected), key)
    except BaseException:
        _drop_rows(con, f"= {key}")
        raise
    return with_utc(info)
