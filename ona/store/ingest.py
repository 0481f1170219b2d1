"""Saving a dataset: canonical Arrow tables -> store tables, in one transaction.

Input: a validated :class:`ona.io.dataset.Dataset`. Output: its
:class:`DatasetInfo`. Arrow tables are inserted whole (DuckDB scans them in
place, no row loop). Before that, every reference to a person becomes its
person index (the rank of the person_id among the dataset's people, see
:mod:`ona.store.schema`), computed with vectorized Arrow kernels, and the
recipient rows (email and chat) get their message's ts, k and sender index.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import DatasetError, ParameterError
from ona.io.dataset import Dataset
from ona.io.prep import as_numpy
from ona.io.schema import TABLES
from ona.io.string_index import StringIndex
from ona.results import Reject
from ona.store.datasets import INFO_FIELDS, with_utc
from ona.store.models import DatasetInfo
from ona.store.schema import first_row, transaction

#: Every reference to a person: (table, person_id column, index column,
#: address column kept for external parties only, or None).
_REFERENCES: tuple[tuple[str, str, str, str | None], ...] = (
    ("emails", "sender_id", "sender_idx", "sender_address"),
    ("email_recipients", "person_id", "pidx", "address"),
    ("meetings", "organizer_id", "organizer_idx", None),
    ("meeting_attendees", "person_id", "pidx", "address"),
    ("tickets", "assignee_id", "assignee_idx", "assignee_address"),
    ("chats", "sender_id", "sender_idx", "sender_address"),
    ("chats", "thread_author_id", "thread_author_idx", "thread_author_address"),
    ("chat_recipients", "person_id", "pidx", "address"),
    ("ties", "source_id", "source_idx", "source_address"),
    ("ties", "target_id", "target_idx", "target_address"),
    ("people_history", "person_id", "pidx", None),
)

_PLAIN = ("people", "aliases", "emails", "meetings", "meeting_attendees", "tickets", "chats", "ties", "people_history",
          "group_handoffs")


def person_order(people: pa.Table) -> StringIndex:
    """The dataset's person_ids in byte order (position = person index), indexed for lookups.

    Raises
    ------
    DatasetError
        If a person_id is empty or appears twice.
    """
    ids = people.column("person_id").combine_chunks()
    if ids.null_count or pc.any(pc.equal(ids, "")).as_py():
        raise DatasetError("people", "a person_id is empty")
    ordered = ids.take(pc.array_sort_indices(ids))
    if len(pc.unique(ordered)) != len(ordered):
        counts = pc.value_counts(ordered)
        twice = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"].as_py()
        raise DatasetError("people", f"person_id '{twice}' appears more than once")
    return StringIndex.build(ordered)


def _person_index(name: str, ref: pa.ChunkedArray, order: StringIndex) -> pa.Array:
    """Position of every person_id in ``order`` (null stays null: external).

    Raises
    ------
    DatasetError
        If a person_id is not in people (a reader bug: readers resolve every
        reference against people).
    """
    position = order.positions(ref)
    missing = position < 0
    unknown = missing & as_numpy(pc.is_valid(ref))
    if unknown.any():
        example = ref.take(pa.array(np.flatnonzero(unknown)[:1]))[0].as_py()
        raise DatasetError(name, f"person_id '{example}' is not in people")
    return pa.array(position.astype(np.int32), mask=missing)


def indexed(name: str, table: pa.Table, order: StringIndex) -> pa.Table:
    """Table ``name`` with its person references replaced by person indexes (``people`` gets ``pidx``).

    An address is kept only where the index is null (an external party).
    """
    if name == "people":
        return table.add_column(0, "pidx", _person_index("people", table.column("person_id"), order))
    for ref_table, id_column, index_column, address_column in _REFERENCES:
        if ref_table != name:  # a table may hold several references (chats: sender, thread author)
            continue
        index = _person_index(name, table.column(id_column), order)
        table = table.drop_columns([id_column]).append_column(index_column, index)
        if address_column is not None:
            external = pc.if_else(pc.is_null(index), table.column(address_column), pa.scalar(None, pa.string()))
            table = table.set_column(table.schema.get_field_index(address_column), address_column, external)
    return table


def _normalized(tables: dict[str, pa.Table], order: StringIndex) -> dict[str, pa.Table]:
    """The tables with person references replaced by person indexes."""
    return {name: indexed(name, t, order) for name, t in tables.items()}


def _event_span(tables: dict[str, pa.Table]) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest event timestamp (naive UTC), None without events."""
    lows: list[datetime] = []
    highs: list[datetime] = []
    spans = (("emails", "ts"), ("meetings", "start"), ("tickets", "ts"), ("chats", "ts"), ("ties", "period_start"),
             ("group_handoffs", "ts"))
    for name, col in spans:
        span = pc.min_max(tables[name].column(col))
        for value, bucket in ((span["min"].as_py(), lows), (span["max"].as_py(), highs)):
            if value is not None:
                bucket.append(value.astimezone(UTC).replace(tzinfo=None))
    return (min(lows) if lows else None, max(highs) if highs else None)


def _rejects_table(rejects: list[Reject]) -> pa.Table:
    return pa.table(
        {
            "seq": pa.array(range(len(rejects)), pa.int64()),
            "file": pa.array([r.file for r in rejects], pa.string()),
            "line": pa.array([r.line for r in rejects], pa.int64()),
            "reason": pa.array([r.reason for r in rejects], pa.string()),
        }
    )


def _info(ds: Dataset, dataset_id: str) -> DatasetInfo:
    tables = ds.tables
    first, last = _event_span(tables)
    return DatasetInfo(
        dataset_id=dataset_id,
        name=ds.name,
        created_at=datetime.now(UTC).replace(tzinfo=None),
        people=tables["people"].num_rows,
        emails=tables["emails"].num_rows,
        email_recipients=tables["email_recipients"].num_rows,
        meetings=tables["meetings"].num_rows,
        meeting_attendees=tables["meeting_attendees"].num_rows,
        tickets=pc.count_distinct(tables["tickets"].column("ticket_id")).as_py(),
        ticket_rows=tables["tickets"].num_rows,
        chats=tables["chats"].num_rows,
        chat_recipients=tables["chat_recipients"].num_rows,
        ties=tables["ties"].num_rows,
        people_history=tables["people_history"].num_rows,
        group_handoffs=tables["group_handoffs"].num_rows,
        rejected=ds.report.rejected_count,  # every rejected row; the list is capped per file
        first_event=first,
        last_event=last,
    )


def _insert(con: duckdb.DuckDBPyConnection, name: str, data: pa.Table, ds: int) -> None:
    """Bulk-insert an Arrow table into the store table of the same columns."""
    cols = ", ".join(f'"{c}"' for c in data.column_names)
    # no unregister on failure: the transaction is aborted by then, and the
    # cursor (with its registered views) is closed by the caller anyway
    con.register("_incoming", data)
    con.execute(f"INSERT INTO {name} (ds, {cols}) SELECT ?, {cols} FROM _incoming", [ds])
    con.unregister("_incoming")


def _with_message(recipients: pa.Table, messages: pa.Table, columns: list[str]) -> pa.Table:
    """Recipient rows with ``columns`` of their message (a lookup by position, no join).

    The messages of a table or a piece are keyed ``first, first + 1, ...``
    (the readers number them so); anything else is a bug, not data.
    """
    keys = messages.column("message_key").to_numpy()
    first = int(keys[0]) if keys.size else 0
    if keys.size and int(keys[-1]) - first != keys.size - 1:
        raise AssertionError("message keys are not consecutive")
    position = pc.subtract(recipients.column("message_key"), first)
    for name in columns:
        recipients = recipients.append_column(name, messages.column(name).take(position))
    return recipients


def _insert_recipients(con: duckdb.DuckDBPyConnection, recipients: pa.Table, emails: pa.Table, ds: int) -> None:
    """Insert recipient rows with their message's ts, k and sender index."""
    _insert(con, "email_recipients", _with_message(recipients, emails, ["ts", "k", "sender_idx"]), ds)


def _insert_chat_recipients(
    con: duckdb.DuckDBPyConnection, recipients: pa.Table, chats: pa.Table, ds: int
) -> None:
    """Insert chat recipient rows with their message's ts, k, sender index, reply and channel flags."""
    messages = chats.append_column("channel", pc.fill_null(pc.equal(chats.column("kind"), "channel"), False))
    _insert(con, "chat_recipients", _with_message(recipients, messages, ["ts", "k", "sender_idx", "reply", "channel"]), ds)


def save_dataset(
    con: duckdb.DuckDBPyConnection, ds: Dataset, dataset_id: str, workspace: str = "default"
) -> DatasetInfo:
    """Save every table of ``ds`` and its report in one transaction, in ``workspace``.

    Any failure rolls the transaction back (the store is left exactly as it
    was) and the error propagates. A recipient row whose message is missing
    fails the save (its ts cannot be null).

    Raises
    ------
    ParameterError
        If ``dataset_id`` is already in use.
    DatasetError
        If people has an empty or repeated person_id, or an event names a
        person_id that is not in people.
    """
    tables = {name: ds.tables[name].select(schema.names) for name, schema in TABLES.items()}
    info = _info(ds, dataset_id).model_copy(update={"workspace": workspace})
    tables = _normalized(tables, person_order(tables["people"]))
    tables["emails"] = tables["emails"].drop_columns(["message_id"])  # see ona.store.schema
    tables["chats"] = tables["chats"].drop_columns(["message_id"])
    with transaction(con):
        if first_row(con, "SELECT 1 FROM datasets WHERE dataset_id = ?", [dataset_id]) is not None:
            raise ParameterError("dataset_id", f"dataset '{dataset_id}' already exists")
        key = int(con.execute("SELECT nextval('dataset_key')").fetchall()[0][0])
        con.execute(
            f"INSERT INTO datasets ({', '.join(INFO_FIELDS)}, ds, report) "
            f"VALUES ({', '.join(['?'] * (len(INFO_FIELDS) + 2))})",
            [*(getattr(info, f) for f in INFO_FIELDS), key, ds.report.model_dump_json(exclude={"rejected"})],
        )
        for name in _PLAIN:
            _insert(con, name, tables[name], key)
        _insert_recipients(con, tables["email_recipients"], tables["emails"], key)
        _insert_chat_recipients(con, tables["chat_recipients"], tables["chats"], key)
        _insert(con, "rejects", _rejects_table(ds.report.rejected), key)
    return with_utc(info)
