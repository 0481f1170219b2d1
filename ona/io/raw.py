"""What every format reader returns: a table of strings with exact source lines.

Input: nothing (shared types and helpers of :mod:`ona.io.csv_reader`,
:mod:`ona.io.jsonl_reader` and :mod:`ona.io.readers`). Output:
:class:`RawTable`, one per file, before any table-specific validation.

A raw table holds one string column per named column of the file, called
``c0, c1, ...`` in file order (so that any header text is safe in SQL), plus
``line`` (int64), the 1-based line of each row (the header is line 1; for
Parquet the row number). Rows that could not be split into fields at all are
already rejected and listed in ``rejects``.
"""

from __future__ import annotations

import codecs
import mmap
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from ona.errors import DatasetError

Format = Literal["csv", "parquet", "jsonl"]

REJECTS = pa.schema([("line", pa.int64()), ("reason", pa.string())])


def no_rejects() -> pa.Table:
    return REJECTS.empty_table()


def rejects_table(lines: Sequence[int] | pa.Array, reasons: Sequence[str] | pa.Array) -> pa.Table:
    """A ``(line, reason)`` table of rejected rows."""
    return pa.table({"line": pa.array(lines, pa.int64()), "reason": pa.array(reasons, pa.string())})


@dataclass
class RawTable:
    """One file's rows as strings, before validation.

    Attributes
    ----------
    file : str
        Base name of the file, as it appears in messages ("emails.csv").
    format : {"csv", "parquet", "jsonl"}
    names : list of str
        Column names as found (trimmed), in file order; ``names[i]`` is
        column ``c{i}`` of ``table``.
    table : pyarrow.Table
        Columns ``c0 ... c{n-1}`` (string, null when a JSON key or Parquet
        value is missing) and ``line`` (int64).
    rows_read : int
        Data rows in the file, including those in ``rejects``.
    rejects : pyarrow.Table
        ``(line, reason)`` of rows that could not be split into fields.
    """

    file: str
    format: Format
    names: list[str]
    table: pa.Table
    rows_read: int
    rejects: pa.Table = field(default_factory=no_rejects)

    def column(self, name: str) -> str | None:
        """SQL name (``c{i}``) of the column called ``name`` (case-insensitive), or None."""
        wanted = name.casefold()
        for i, found in enumerate(self.names):
            if found.casefold() == wanted:
                return f"c{i}"
        return None

    def require(self, *names: str) -> dict[str, str]:
        """SQL names of required columns.

        Raises
        ------
        DatasetError
            Naming the first missing column and listing the columns found.
        """
        out: dict[str, str] = {}
        for name in names:
            col = self.column(name)
            if col is None:
                raise DatasetError(self.file, f"missing required column '{name}' ({self.found()})")
            out[name] = col
        return out

    def found(self) -> str:
        """"columns found: a, b, c" (with a hint when the file looks ';'-separated)."""
        text = "columns found: " + (", ".join(self.names) if self.names else "none")
        if self.format == "csv" and len(self.names) == 1 and ";" in self.names[0]:
            text += "; the file seems to be separated by ';', but CSV files must use ','"
        return text


def check_names(file: str, names: Sequence[str]) -> list[str]:
    """Trimmed column names; two columns with the same name are a whole-file error.

    Names are compared case-insensitively, as required columns are matched.
    """
    trimmed = [str(n).strip() for n in names]
    seen: dict[str, int] = {}
    for i, name in enumerate(trimmed):
        if not name:
            continue
        key = name.casefold()
        if key in seen:
            raise DatasetError(
                file, f"column '{name}' appears twice (columns {seen[key] + 1} and {i + 1})"
            )
        seen[key] = i
    return trimmed


def keep_named(file: str, fmt: Format, names: list[str], table: pa.Table, rows_read: int,
               rejects: pa.Table | None = None) -> RawTable:
    """Build a :class:`RawTable`, dropping columns whose header is empty.

    ``table`` holds the columns in ``names`` order followed by ``line``.
    An empty header (often a trailing comma in a spreadsheet export) names
    no data, so that column is ignored.
    """
    names = check_names(file, names)
    keep = [i for i, n in enumerate(names) if n]
    if not keep and fmt == "csv":
        raise DatasetError(file, "the header names no column (the first row must name the columns)")
    columns = {f"c{j}": table.column(i) for j, i in enumerate(keep)}
    columns["line"] = table.column(table.num_columns - 1)
    return RawTable(
        file=file,
        format=fmt,
        names=[names[i] for i in keep],
        table=pa.table(columns),
        rows_read=rows_read,
        rejects=no_rejects() if rejects is None else rejects,
    )


def first_bad_utf8(data: np.ndarray, chunk: int = 1 << 24) -> int | None:
    """Byte offset of the first byte of ``data`` (uint8) that is not valid UTF-8, or None."""
    carry = b""
    for start in range(0, data.size, chunk):
        piece = carry + data[start : start + chunk].tobytes()
        final = start + chunk >= data.size
        try:
            _, used = codecs.utf_8_decode(piece, "strict", final)
        except UnicodeDecodeError as exc:
            return start - len(carry) + exc.start
        carry = piece[used:]
    return None


BOM = b"\xef\xbb\xbf"


def map_file(path: Path, file: str) -> tuple[mmap.mmap, int]:
    """Memory-map a text file; return the map and the length of its byte-order mark.

    The map is not closed explicitly: arrays that view it keep it alive and it
    is released with the last of them.

    Raises
    ------
    DatasetError
        If the file is empty or cannot be opened.
    """
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                raise DatasetError(file, "the file is empty")
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise DatasetError(file, f"cannot be opened ({exc.strerror or exc})") from exc
    return mapped, len(BOM) if mapped[: len(BOM)] == BOM else 0


class Released:
    """Drops the pages of a file map already read from this process's resident memory.

    A file read front to back through a map would otherwise count whole in
    the process's resident memory (17 GB of CSV at 250,000 people), though
    the kernel may reclaim it: ``released(upto)`` tells the kernel that the
    bytes before ``upto`` (an offset after the byte-order mark) are no longer
    needed here. They stay in the page cache; reading them again faults them
    back in, so it is only an optimization.
    """

    def __init__(self, mapped: mmap.mmap, bom: int) -> None:
        self.mapped, self.bom, self.done = mapped, bom, 0

    def __call__(self, upto: int) -> None:
        end = (upto + self.bom) // mmap.PAGESIZE * mmap.PAGESIZE
        if end > self.done:
            self.mapped.madvise(mmap.MADV_DONTNEED, self.done, end - self.done)
            self.done = end


def holds(mapped: mmap.mmap, bom: int, byte: bytes, *, window: int = 1 << 26) -> bool:
    """Whether the file map holds ``byte`` after the byte-order mark, read a window at a time.

    Each window read is released again (:class:`Released`), so that looking
    for a byte that is not there does not leave the whole file resident.
    """
    released = Released(mapped, bom)
    for start in range(bom, len(mapped), window):
        if mapped.find(byte, start, start + window) >= 0:
            released(0)
            return True
        released(start + window - bom)
    return False


def not_utf8(file: str, line: int) -> DatasetError:
    """The whole-file error for text that is not UTF-8, naming the first bad line."""
    return DatasetError(file, "the text is not UTF-8 (save the file as UTF-8 and load it again)", line=line)


def fields_reason(found: int, expected: int) -> str:
    """Reason of a row with the wrong number of fields."""
    return f"has {found} field{'s' if found != 1 else ''} but the header has {expected}"


def fields_reasons(found: np.ndarray, expected: int) -> pa.Array:
    """:func:`fields_reason` of many rows, worded once per distinct count.

    Examples
    --------
    >>> fields_reasons(np.array([1, 3, 1]), 2).to_pylist()
    ['has 1 field but the header has 2', 'has 3 fields but the header has 2', 'has 1 field but the header has 2']
    """
    distinct, which = np.unique(found, return_inverse=True)
    words = pa.array([fields_reason(int(c), expected) for c in distinct], pa.string())
    return words.take(pa.array(which.reshape(-1).astype(np.int64)))


@dataclass
class Validated:
    """What a table validator returns: canonical tables, rejects, duplicates."""

    tables: dict[str, pa.Table]
    rejects: pa.Table
    duplicates: int = 0
