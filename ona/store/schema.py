"""The store's tables (DuckDB DDL) and their version.

Event tables hold the canonical Arrow tables of :mod:`ona.io.schema`,
with a leading ``ds`` column: the dataset's small integer key, so that
every query filters one integer column (DuckDB's zone maps skip the other
datasets' row groups).

A reference to a person is kept as a person index (``pidx``,
``sender_idx``, ``organizer_idx``, ``assignee_idx``): the rank of the
person_id in byte order among the dataset's people (``people.pidx``), null
for an external party. An address is kept only for external parties; the
alias an insider was written as is not needed and not kept (less personal
data, a much smaller store). Pair weights group and sort on these integers
(several times faster than on strings), and integer order is person_id
order, so ``a < b`` and ``ORDER BY a, b`` mean the same on both. The
canonical tables are the store tables joined to ``people`` on the index
(less ``emails.message_id``, which only the readers' de-duplication needs).

``schema_version`` holds one row; a store written by a newer ona is refused
rather than misread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from ona.errors import OnaError

SCHEMA_VERSION = 2
#: Versions this ona migrates on opening: 1 had no workspaces (its datasets go to "default").
MIGRATES_FROM: tuple[int, ...] = (1,)

#: Canonical event tables, in the order save_dataset inserts them.
EVENT_TABLES: tuple[str, ...] = (
    "people",
    "aliases",
    "emails",
    "email_recipients",
    "meetings",
    "meeting_attendees",
    "tickets",
    "chats",
    "chat_recipients",
    "ties",
    "people_history",
    "group_handoffs",
)

#: Every table of the store.
TABLE_NAMES: tuple[str, ...] = (
    "schema_version", "datasets", "rejects", *EVENT_TABLES, "analyses", "results",
)

_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE SEQUENCE IF NOT EXISTS dataset_key START 1;
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id        VARCHAR PRIMARY KEY,
    workspace         VARCHAR NOT NULL DEFAULT 'default',
    ds                INTEGER NOT NULL UNIQUE,
    name              VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL,   -- UTC
    people            BIGINT NOT NULL,
    emails            BIGINT NOT NULL,
    email_recipients  BIGINT NOT NULL,
    meetings          BIGINT NOT NULL,
    meeting_attendees BIGINT NOT NULL,
    tickets           BIGINT NOT NULL,
    ticket_rows       BIGINT NOT NULL,
    rejected          BIGINT NOT NULL,
    first_event       TIMESTAMP,            -- UTC
    last_event        TIMESTAMP,            -- UTC
    report            VARCHAR NOT NULL      -- ValidationReport JSON without its rejects
);
CREATE TABLE IF NOT EXISTS rejects (
    ds INTEGER NOT NULL, seq BIGINT NOT NULL, file VARCHAR NOT NULL, line BIGINT NOT NULL,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS people (
    ds INTEGER NOT NULL, pidx INTEGER NOT NULL, person_id VARCHAR NOT NULL,
    department VARCHAR, emails VARCHAR, attributes VARCHAR, line BIGINT
);
CREATE TABLE IF NOT EXISTS aliases (
    ds INTEGER NOT NULL, address VARCHAR NOT NULL, person_id VARCHAR NOT NULL
);
-- no message_id: it serves the readers' de-duplication; here message_key
-- names a message (5M random ids would be a third of the store's size)
CREATE TABLE IF NOT EXISTS emails (
    ds INTEGER NOT NULL, message_key BIGINT NOT NULL,
    ts TIMESTAMPTZ NOT NULL, sender_idx INTEGER, sender_address VARCHAR,
    k INTEGER NOT NULL, line BIGINT
);
-- ts, k and sender_idx are copied from the message: the email pass of
-- pair_weights is then one scan of this table, without a join.
CREATE TABLE IF NOT EXISTS email_recipients (
    ds INTEGER NOT NULL, message_key BIGINT NOT NULL, pidx INTEGER, address VARCHAR,
    ts TIMESTAMPTZ NOT NULL, k INTEGER NOT NULL, sender_idx INTEGER
);
CREATE TABLE IF NOT EXISTS meetings (
    ds INTEGER NOT NULL, meeting_key BIGINT NOT NULL, meeting_id VARCHAR,
    start TIMESTAMPTZ NOT NULL, hours DOUBLE NOT NULL, n_attendees INTEGER NOT NULL,
    organizer_idx INTEGER, line BIGINT
);
CREATE TABLE IF NOT EXISTS meeting_attendees (
    ds INTEGER NOT NULL, meeting_key BIGINT NOT NULL, pidx INTEGER, address VARCHAR
);
CREATE TABLE IF NOT EXISTS tickets (
    ds INTEGER NOT NULL, ticket_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL,
    assignee_idx INTEGER, assignee_address VARCHAR, status VARCHAR, line BIGINT NOT NULL
);
-- kind: 'dm', 'group', 'channel' or null; reply: adds 1 to (sender, thread author)
CREATE TABLE IF NOT EXISTS chats (
    ds INTEGER NOT NULL, message_key BIGINT NOT NULL, ts TIMESTAMPTZ NOT NULL,
    conversation_id VARCHAR NOT NULL, kind VARCHAR, sender_idx INTEGER, sender_address VARCHAR,
    k INTEGER NOT NULL, reply BOOLEAN NOT NULL, thread_author_idx INTEGER,
    thread_author_address VARCHAR, line BIGINT
);
-- ts, k, sender_idx, reply and channel (kind = 'channel') copied from the
-- message, as for email_recipients: the chat pass is one scan, no join.
CREATE TABLE IF NOT EXISTS chat_recipients (
    ds INTEGER NOT NULL, message_key BIGINT NOT NULL, pidx INTEGER, address VARCHAR,
    ts TIMESTAMPTZ NOT NULL, k INTEGER NOT NULL, sender_idx INTEGER, reply BOOLEAN NOT NULL,
    channel BOOLEAN NOT NULL
);
-- pre-aggregated ties: each row adds weight to the pair (source, target);
-- period_start null: a timeless tie, in every window
CREATE TABLE IF NOT EXISTS ties (
    ds INTEGER NOT NULL, source_idx INTEGER, source_address VARCHAR, target_idx INTEGER,
    target_address VARCHAR, weight DOUBLE NOT NULL, channel VARCHAR, period_start TIMESTAMPTZ,
    directed BOOLEAN NOT NULL, line BIGINT
);
-- a person's department and attributes in [valid_from, valid_to) (valid_to null: open)
CREATE TABLE IF NOT EXISTS people_history (
    ds INTEGER NOT NULL, pidx INTEGER NOT NULL, valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ,
    department VARCHAR, attributes VARCHAR, line BIGINT
);
-- assignment-group changes: a handoff between groups with no person (names as the export wrote them)
CREATE TABLE IF NOT EXISTS group_handoffs (
    ds INTEGER NOT NULL, ticket_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, from_group VARCHAR NOT NULL,
    to_group VARCHAR NOT NULL, line BIGINT
);
CREATE TABLE IF NOT EXISTS analyses (
    analysis_id VARCHAR PRIMARY KEY,
    dataset_id  VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    stage       VARCHAR,
    progress    DOUBLE NOT NULL,
    error       VARCHAR,
    parameters  VARCHAR NOT NULL,           -- AnalysisParams JSON
    created_at  TIMESTAMP NOT NULL,         -- UTC
    updated_at  TIMESTAMP NOT NULL          -- UTC
);
CREATE TABLE IF NOT EXISTS results (
    analysis_id VARCHAR PRIMARY KEY,
    result_json VARCHAR NOT NULL
);
"""


#: Count columns of ``datasets`` added after version 2 was released (ALTER TABLE on opening).
_ADDED_COUNTS: tuple[str, ...] = ("chats", "chat_recipients", "ties", "people_history", "group_handoffs")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> tuple[Any, ...] | None:
    """The first row of a query, or None.

    Fetches every row: DuckDB refuses further work on a connection whose
    last result was not read to the end.
    """
    rows = con.execute(sql, params).fetchall()
    return tuple(rows[0]) if rows else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: commit at the end, roll back on any error.

    The error is re-raised unchanged after the rollback, so the store is
    left exactly as it was before the block.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables if needed and check the schema version.

    Raises
    ------
    OnaError
        If the store was written by a version of ona with another schema.
    """
    with transaction(con):
        con.execute(_DDL)
        row = first_row(con, "SELECT max(version) FROM schema_version")
        if row is None or row[0] is None:
            con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
        elif row[0] in MIGRATES_FROM:
            # 1 -> 2: every dataset (and so its analyses) goes to the "default" workspace
            con.execute("ALTER TABLE datasets ADD COLUMN IF NOT EXISTS workspace VARCHAR DEFAULT 'default'")
            con.execute("UPDATE datasets SET workspace = 'default' WHERE workspace IS NULL")
            con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION])
        elif row[0] != SCHEMA_VERSION:
            raise OnaError(
                f"the store has schema version {row[0]}; this ona reads version {SCHEMA_VERSION}"
            )
        # added within version 2 (the chat channel, ties, people history, group handoffs): counts of datasets saved before are 0
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'datasets' AND schema_name = 'main' "
            "AND database_name = current_database()").fetchall()}  # fmt: skip
        for column in _ADDED_COUNTS:
            if column not in have:
                con.execute(f"ALTER TABLE datasets ADD COLUMN IF NOT EXISTS {column} BIGINT DEFAULT 0")
