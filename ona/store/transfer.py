"""Copying one dataset between two store files, in SQL (for work done in another process).

Input: a store connection and a dataset id (export) or the path of a store
file holding one dataset (import). Output: a store file holding just that
dataset (export), or the dataset added to the store (import) with its
:class:`DatasetInfo`.

Why: a DuckDB file can be open in one process only, and the API's server
holds its store. Work that would starve the server's request handlers of
the GIL (an analysis, reading and validating an upload) runs in a child
process on a store file of its own: the server exports the dataset to a
temporary file for an analysis, and imports the temporary file an upload's
child wrote. Both copy every table with ``INSERT ... SELECT`` over an
``ATTACH``-ed file (DuckDB moves the rows; no row goes through Python), and
``BY NAME`` so that a store whose columns were added in another order (a
migrated one) copies the same.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb

from ona.errors import OnaError, ParameterError
from ona.store.datasets import dataset_key
from ona.store.schema import EVENT_TABLES, create_schema, first_row, transaction

#: The tables that hold a dataset's rows, keyed by its ``ds``.
DATASET_TABLES: tuple[str, ...] = ("rejects", *EVENT_TABLES)


def _literal(path: str | Path) -> str:
    """A SQL string literal of a path (ATTACH takes no parameter)."""
    return "'" + str(path).replace("'", "''") + "'"


def _alias() -> str:
    # unique: ATTACH is seen by every cursor of the database, and two copies may run at once
    return f"part_{uuid.uuid4().hex[:12]}"


def export_dataset(con: duckdb.DuckDBPyConnection, dataset_id: str, path: str | Path) -> None:
    """Write a new store file at ``path`` holding only ``dataset_id`` (its record, rejects and events).

    The dataset keeps its id and its key ``ds``; analyses and results are
    not copied.

    Raises
    ------
    NotFoundError
        No such dataset.
    OnaError
        ``path`` exists already.
    """
    if Path(path).exists():
        raise OnaError(f"cannot export to '{path}': the file exists")
    key = dataset_key(con, dataset_id)
    with duckdb.connect(str(path)) as part:
        create_schema(part)
    alias = _alias()
    con.execute(f"ATTACH {_literal(path)} AS {alias}")
    try:
        with transaction(con):
            con.execute(f"INSERT INTO {alias}.datasets BY NAME SELECT * FROM datasets WHERE ds = ?", [key])
            for name in DATASET_TABLES:
                con.execute(f"INSERT INTO {alias}.{name} BY NAME SELECT * FROM {name} WHERE ds = ?", [key])
    finally:
        con.execute(f"DETACH {alias}")


def import_dataset(con: duckdb.DuckDBPyConnection, path: str | Path, dataset_id: str, workspace: str) -> None:
    """Add the one dataset of the store file ``path`` as ``dataset_id`` in ``workspace``, in one transaction.

    The dataset gets a new key ``ds`` in this store. Any failure rolls back
    and leaves the store exactly as it was.

    Raises
    ------
    ParameterError
        ``dataset_id`` is already in use.
    OnaError
        The file does not hold exactly one dataset.
    """
    alias = _alias()
    con.execute(f"ATTACH {_literal(path)} AS {alias} (READ_ONLY)")
    try:
        row = first_row(con, f"SELECT count(*), min(ds) FROM {alias}.datasets")
        if row is None or row[0] != 1:
            raise OnaError(f"'{path}' holds {0 if row is None else row[0]} datasets; one was expected")
        part_key = int(row[1])
        with transaction(con):
            if first_row(con, "SELECT 1 FROM datasets WHERE dataset_id = ?", [dataset_id]) is not None:
                raise ParameterError("dataset_id", f"dataset '{dataset_id}' already exists")
            key = int(con.execute("SELECT nextval('dataset_key')").fetchall()[0][0])
            con.execute(
                f"INSERT INTO datasets BY NAME SELECT * REPLACE (CAST(? AS INTEGER) AS ds, "
                f"CAST(? AS VARCHAR) AS dataset_id, CAST(? AS VARCHAR) AS workspace) FROM {alias}.datasets",
                [key, dataset_id, workspace],
            )
            for name in DATASET_TABLES:
                con.execute(
                    f"INSERT INTO {name} BY NAME SELECT * REPLACE (CAST(? AS INTEGER) AS ds) "
                    f"FROM {alias}.{name} WHERE ds = ?",
                    [key, part_key],
                )
    finally:
        con.execute(f"DETACH {alias}")
