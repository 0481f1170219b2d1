"""Bounds on what one dataset may cost: rows per file, rows in all, rejects kept.

Input: the dataset's files, before any of them is decoded. Output: nothing
when they are within :class:`ReadLimits`, else a :class:`RowLimitError`
naming the file and the limit; and, while reading, a :class:`RejectsKept`
per file that keeps the first rejected rows and counts all of them.

Why: a Parquet file compresses a repeated row to almost nothing, so a 30 KB
upload can hold millions of rows; the bytes of a request say nothing about
the memory it will take. Rows are counted before decoding: from the Parquet
footer (``num_rows``), and for CSV and JSON Lines by a chunked scan of the
bytes that stops as soon as the count passes the limit. And a file of
millions of bad rows must not become millions of ``Reject`` objects: each
file keeps its first :attr:`ReadLimits.max_rejects_per_file` rejected rows
(line and reason) and the exact count of all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ona.errors import DatasetError
from ona.io.records import count_records
from ona.io.raw import REJECTS, Format, Released, holds, map_file

#: Default of :attr:`ReadLimits.max_rows_per_file` and :attr:`ReadLimits.max_rows`: a year of mail of
#: 250,000 people (events are validated and stored a piece at a time, so rows cost disk, not memory).
MAX_ROWS = 1_000_000_000
#: Default of :attr:`ReadLimits.max_rejects_per_file`.
MAX_REJECTS_PER_FILE = 10_000
#: Default of :attr:`ReadLimits.max_people`.
MAX_PEOPLE = 1_000_000


@dataclass(frozen=True)
class ReadLimits:
    """What one dataset may hold (the library's defaults; the service sets its own).

    Attributes
    ----------
    max_rows_per_file : int
        Data rows (header and blank lines excluded, rejected rows included)
        one file may hold. Default 1,000,000,000.
    max_rows : int
        Data rows all the dataset's files may hold together. Default
        1,000,000,000.
    max_rejects_per_file : int
        Rejected rows whose line and reason are kept per file (the first
        ones, in line order); every rejected row is still counted. Default
        10,000.
    max_people : int
        Rows the people file may hold. Default 1,000,000. Lower than the
        other caps because the people file is validated whole (its checks,
        repeated ids and claimed addresses, span all rows), at a few hundred
        bytes a row, where event files are validated a piece at a time.

    Examples
    --------
    >>> ReadLimits().max_rejects_per_file
    10000
    >>> ReadLimits(max_rows=1_000).max_rows_per_file
    1000000000
    """

    max_rows_per_file: int = MAX_ROWS
    max_rows: int = MAX_ROWS
    max_rejects_per_file: int = MAX_REJECTS_PER_FILE
    max_people: int = MAX_PEOPLE

    def __post_init__(self) -> None:
        for name in ("max_rows_per_file", "max_rows", "max_rejects_per_file", "max_people"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")


class RowLimitError(DatasetError):
    """A file, or the whole dataset, holds more rows than a :class:`ReadLimits` allows.

    ``limit`` names the attribute of :class:`ReadLimits` that was exceeded
    (``"max_rows_per_file"``, ``"max_rows"`` or ``"max_people"``), so that a
    face can say which of its settings to raise.
    """

    def __init__(self, file: str, reason: str, *, limit: str) -> None:
        super().__init__(file, reason)
        self.limit = limit


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def count_rows(path: Path, file: str, fmt: Format, *, stop_after: int | None = None) -> tuple[int, bool]:
    """Data rows of a file without decoding it.

    Parquet: the row count of the file's footer. CSV: non-blank records
    (RFC 4180 quoting) minus the header. JSON Lines: non-blank lines.

    Parameters
    ----------
    stop_after : int, optional
        Stop scanning a text file once more rows than this were counted.

    Returns
    -------
    rows : int
        The count; when ``exact`` is False, a lower bound above ``stop_after``.
    exact : bool

    Raises
    ------
    DatasetError
        If the file cannot be opened, or its Parquet footer cannot be read.
    """
    if fmt == "parquet":
        if path.stat().st_size == 0:
            raise DatasetError(file, "the file is empty")
        try:
            return int(pq.ParquetFile(path).metadata.num_rows), True
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(
                file, f"the file is not readable Parquet (corrupt, truncated or another format): {exc}"
            ) from exc
    mapped, bom = map_file(path, file)
    data = np.frombuffer(mapped, np.uint8)[bom:]
    header = 1 if fmt == "csv" else 0
    stop = None if stop_after is None else stop_after + header
    records, exact = count_records(
        data,
        has_cr=holds(mapped, bom, b"\r"),
        has_quote=fmt == "csv" and holds(mapped, bom, b'"'),
        stop_after=stop,
        done=Released(mapped, bom),
    )
    return max(records - header, 0), exact


def check_rows(files: Mapping[str, tuple[Path, str, Format]], limits: ReadLimits) -> dict[str, int]:
    """Refuse, before decoding anything, files with more rows than ``limits`` allow.

    Parameters
    ----------
    files : mapping
        Table name -> (path, file name used in messages, format).

    Returns
    -------
    dict
        Table name -> data rows counted.

    Raises
    ------
    RowLimitError
        Naming the first file over ``max_rows_per_file``, or every file when
        together they pass ``max_rows``.
    """
    counted: dict[str, int] = {}
    total = 0
    for table, (path, file, fmt) in files.items():
        # stop a text scan as soon as any limit is certainly passed
        stop = min(limits.max_rows_per_file, max(limits.max_rows - total, 0))
        if table == "people":
            stop = min(stop, limits.max_people)
        rows, exact = count_rows(path, file, fmt, stop_after=stop)
        at_least = "" if exact else "at least "
        if rows > limits.max_rows_per_file:
            raise RowLimitError(
                file,
                f"the file holds {at_least}{_rows(rows)}, more than the limit of "
                f"{_rows(limits.max_rows_per_file)} per file",
                limit="max_rows_per_file",
            )
        if table == "people":
            check_people(file, rows, limits, at_least=at_least)
        total += rows
        counted[table] = rows
        if total > limits.max_rows:
            names = ", ".join(f for _, f, _ in list(files.values())[: len(counted)])
            raise RowLimitError(
                names,
                f"the files hold {at_least}{_rows(total)} together, more than the limit of "
                f"{_rows(limits.max_rows)} per dataset",
                limit="max_rows",
            )
    return counted


def check_people(file: str, rows: int, limits: ReadLimits, *, at_least: str = "") -> None:
    """Refuse a people file of more than ``limits.max_people`` rows (RowLimitError)."""
    if rows > limits.max_people:
        raise RowLimitError(
            file,
            f"the people file holds {at_least}{_rows(rows)}, more than the limit of "
            f"{_rows(limits.max_people)} of people",
            limit="max_people",
        )


def check_read(file: str, rows_read: int, limits: ReadLimits) -> None:
    """The same per-file check on the rows a reader actually found.

    The count before decoding follows RFC 4180; a file quoted another way is
    read by a different parser, which may split it into more rows.
    """
    if rows_read > limits.max_rows_per_file:
        raise RowLimitError(
            file,
            f"the file holds {_rows(rows_read)}, more than the limit of "
            f"{_rows(limits.max_rows_per_file)} per file",
            limit="max_rows_per_file",
        )


class RejectsKept:
    """The first ``keep`` rejected rows of one file, and the count of all of them.

    Rejects arrive in pieces (``(line, reason)`` Arrow tables, a piece in
    line order); only the first ``keep`` by line are held at any time, so
    memory does not grow with the number of rejected rows.

    Examples
    --------
    >>> from ona.io.raw import rejects_table
    >>> kept = RejectsKept(2)
    >>> kept.add(rejects_table([5, 9], ["a", "b"]))
    >>> kept.add(rejects_table([3], ["c"]))
    >>> kept.total, kept.table().column("line").to_pylist()
    (3, [3, 5])
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.total = 0
        self._kept = REJECTS.empty_table()

    def add(self, rejects: pa.Table) -> None:
        """Count a piece of rejects and keep what is among the first ``keep``."""
        self.total += rejects.num_rows
        if rejects.num_rows == 0:
            return
        first = rejects.select(REJECTS.names).cast(REJECTS).sort_by("line").slice(0, self.keep)
        both = pa.concat_tables([self._kept, first])
        self._kept = both.sort_by("line").slice(0, self.keep) if self._kept.num_rows else both

    def table(self) -> pa.Table:
        """The kept rejects, by line."""
        return self._kept
