"""Format dispatch and the Parquet reader: file -> :class:`~ona.io.raw.RawTable`.

The format comes from the file extension (``.csv``; ``.parquet`` / ``.pq``;
``.jsonl`` / ``.ndjson`` / ``.json``) unless given explicitly. Every reader
returns the same thing: one string column per named column and the source
line of every row (see :mod:`ona.io.raw`). :func:`read_pieces` gives the
same rows a slice at a time, so that validation holds one slice's
intermediates at once; a Parquet file is then also decoded a slice at a
time (a small compressed file can expand to millions of rows).

Parquet columns of any simple type are read as text the way a CSV export
would write them: numbers and booleans as written, timestamps in ISO 8601
(with ``Z`` or the offset of their time zone), dates as ``YYYY-MM-DD``, and
lists joined with ``;``. The line of a Parquet row is its 1-based row number.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ona.errors import DatasetError
from ona.io.csv_reader import read_csv, read_csv_pieces
from ona.io.jsonl_reader import read_jsonl
from ona.io.raw import Format, RawTable, keep_named, no_rejects

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}

FORMAT_NAMES: dict[str, Format] = {
    "csv": "csv",
    "parquet": "parquet",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "jsonl",
}


def format_of(path: Path, file: str, override: str | None = None) -> Format:
    """The format of a file, from ``override`` or else from its extension.

    Raises
    ------
    DatasetError
        For an unknown format or extension.
    """
    if override is not None:
        fmt = FORMAT_NAMES.get(override.strip().lower())
        if fmt is None:
            raise DatasetError(file, f"unknown format '{override}' (use csv, parquet or jsonl)")
        return fmt
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise DatasetError(
            file, f"unsupported file type '{path.suffix}' (use .csv, .parquet or .jsonl)"
        )
    return fmt


def read_raw(path: Path, file: str, fmt: Format) -> RawTable:
    """Read one file of any supported format (see :mod:`ona.io.raw`)."""
    if fmt == "csv":
        return read_csv(path, file)
    if fmt == "jsonl":
        return read_jsonl(path, file)
    return read_parquet(path, file)


#: Rows per piece of :func:`read_pieces`: small enough that a piece's
#: validation intermediates (a few hundred bytes a row) stay near 100 MB,
#: large enough that the per-piece overhead is lost in the work.
PIECE_ROWS = 1 << 18


def read_pieces(path: Path, file: str, fmt: Format, *, rows: int | None = None) -> Iterator[RawTable]:
    """Read one file as consecutive pieces of at most ``rows`` rows, in file order.

    Each piece is a :class:`RawTable` with the file's column names; its
    ``rows_read`` counts its own rows, and the first piece also carries the
    rows that could not be split into fields (its ``rejects`` and their
    count), so that the pieces' ``rows_read`` add up to the file's. A file
    without data rows gives one empty piece (its columns are still checked).

    Raises
    ------
    DatasetError
        As :func:`read_raw`.
    """
    rows = rows or PIECE_ROWS
    if fmt == "parquet":
        yield from _parquet_pieces(path, file, rows)
        return
    # a CSV file is parsed a piece of bytes at a time; a JSON Lines file whole
    parsed = read_csv_pieces(path, file) if fmt == "csv" else iter([read_raw(path, file, fmt)])
    for raw in parsed:
        handed = [raw]
        del raw
        yield from _split(handed, rows)


def _split(handed: list[RawTable], rows: int) -> Iterator[RawTable]:
    """The one RawTable in ``handed`` (taken from it) as pieces of at most ``rows`` rows."""
    raw = handed.pop()
    n = raw.table.num_rows
    if n <= rows:
        # no reference stays here while the piece is validated: the
        # validator frees the rows once prepared (peak memory)
        handed = [raw]
        del raw
        yield handed.pop()
        return
    # the parser's blocks, released one by one as their pieces are done
    blocks = deque(raw.table.to_batches())
    schema, names, unparsed, rejects, file, fmt = (raw.table.schema, raw.names, raw.rows_read - n, raw.rejects,
                                                   raw.file, raw.format)
    del raw
    first = True
    while blocks:
        group = [blocks.popleft()]
        size = group[0].num_rows
        while blocks and size + blocks[0].num_rows <= rows:
            size += blocks[0].num_rows
            group.append(blocks.popleft())
        handed = [
            RawTable(
                file=file,
                format=fmt,
                names=names,
                table=pa.Table.from_batches(group, schema),
                rows_read=size + (unparsed if first else 0),
                rejects=rejects if first else no_rejects(),
            )
        ]
        del group
        first = False
        yield handed.pop()


def _parquet_pieces(path: Path, file: str, rows: int) -> Iterator[RawTable]:
    if path.stat().st_size == 0:
        raise DatasetError(file, "the file is empty")
    try:
        reader = pq.ParquetFile(path)
        names = list(reader.schema_arrow.names)
        done = 0
        for batch in reader.iter_batches(batch_size=rows):
            handed = [_parquet_raw(file, names, batch.columns, done)]
            done += batch.num_rows
            del batch
            yield handed.pop()
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(
            file, f"the file is not readable Parquet (corrupt, truncated or another format): {exc}"
        ) from exc
    if done == 0:
        yield _parquet_raw(file, names, [pa.array([], field.type) for field in reader.schema_arrow], 0)


def _parquet_raw(file: str, names: list[str], columns: list[pa.Array], first: int) -> RawTable:
    """Parquet columns as a :class:`RawTable` whose lines are row numbers after ``first``."""
    text = [_as_text(file, name, pa.chunked_array([col])) for name, col in zip(names, columns)]
    n = len(columns[0]) if columns else 0
    text.append(pa.chunked_array([np.arange(first + 1, first + n + 1, dtype=np.int64)], pa.int64()))
    table = pa.table(text, names=[f"c{i}" for i in range(len(names))] + ["line"])
    return keep_named(file, "parquet", names, table, n)


def read_parquet(path: Path, file: str) -> RawTable:
    """Read a Parquet file, every column as text.

    Raises
    ------
    DatasetError
        If the file is empty, not Parquet, corrupt or truncated, or holds a
        column whose type has no text form (a struct or a map).
    """
    if path.stat().st_size == 0:
        raise DatasetError(file, "the file is empty")
    try:
        data = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(
            file, f"the file is not readable Parquet (corrupt, truncated or another format): {exc}"
        ) from exc
    columns = [_as_text(file, name, col) for name, col in zip(data.column_names, data.columns)]
    columns.append(pa.chunked_array([np.arange(1, data.num_rows + 1, dtype=np.int64)], pa.int64()))
    names = list(data.column_names)
    table = pa.table(columns, names=[f"c{i}" for i in range(len(names))] + ["line"])
    return keep_named(file, "parquet", names, table, data.num_rows)


def _as_text(file: str, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _as_text(file, name, column.cast(kind.value_type))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.chunked_array([_join(file, name, chunk) for chunk in column.chunks], pa.string())
    if pa.types.is_nested(kind) or pa.types.is_map(kind):
        raise DatasetError(file, f"column '{name}' holds {kind} values, which cannot be read as text")
    try:
        return column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DatasetError(file, f"column '{name}' cannot be read as UTF-8 text ({exc})") from exc


def _join(file: str, name: str, chunk: pa.Array) -> pa.Array:
    """A list column as ``;``-joined text (null items dropped)."""
    flat = pa.chunked_array([chunk.values], chunk.type.value_type) if len(chunk.values) else None
    values = (
        _as_text(file, name, flat).combine_chunks() if flat is not None else pa.array([], pa.string())
    )
    values = pc.fill_null(values, "")
    kind = pa.LargeListArray if pa.types.is_large_list(chunk.type) else pa.ListArray
    rebuilt = kind.from_arrays(chunk.offsets, values, mask=chunk.is_null())
    return pc.binary_join(rebuilt, ";")
