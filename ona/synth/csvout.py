"""Writing event files in chunks: vectorized string columns and a CSV sink.

Input: numpy index matrices and timestamps. Output: Arrow string columns
(``;``-joined address lists, ISO 8601 timestamps, sequential ids) appended
to a CSV file with :mod:`pyarrow.csv`, never a Python loop over rows.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


class CsvSink:
    """A CSV file written chunk by chunk: plain header, UTF-8, no quoting.

    Values never contain a comma, a quote or a newline (ids, addresses,
    timestamps, names without commas), so no quoting is needed; pyarrow
    refuses to write a value that would need it.

    Parameters
    ----------
    path : pathlib.Path
    columns : list of str
        The header, and the order in which columns are written.
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._file = path.open("wb")
        self._file.write((",".join(columns) + "\n").encode())
        self._schema = pa.schema([(c, pa.string()) for c in columns])
        self._writer = pacsv.CSVWriter(self._file, self._schema, write_options=_OPTIONS)

    def write(self, table: pa.Table) -> None:
        """Append the rows of ``table`` (string columns named as the header)."""
        table = table.select(self.columns).cast(self._schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def join_lists(addresses: pa.StringArray, m: np.ndarray) -> pa.StringArray:
    """Per row of ``m``, the ``;``-joined addresses of its entries >= 0 (null if none).

    Parameters
    ----------
    addresses : pyarrow.StringArray
        The address book.
    m : numpy.ndarray
        Shape ``(n, w)`` indices into ``addresses``, -1 for no entry; the
        order of the entries in a row is kept.

    Examples
    --------
    >>> book = pa.array(["a@x", "b@x", "c@x"])
    >>> join_lists(book, np.array([[0, 2], [-1, -1], [1, -1]])).to_pylist()
    ['a@x;c@x', None, 'b@x']
    """
    valid = m >= 0
    counts = valid.sum(axis=1)
    offsets = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = addresses.take(pa.array(m[valid]))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), values, mask=pa.array(counts == 0))
    return pc.binary_join(lists, ";")


def join_ragged(addresses: pa.StringArray, lists: list[np.ndarray]) -> pa.StringArray:
    """``;``-joined addresses of a few long, ragged lists (broadcasts, all-hands)."""
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in lists], out=offsets[1:])
    flat = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    values = addresses.take(pa.array(flat, pa.int64()))
    return pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), values), ";")


def iso(ts: np.ndarray) -> pa.StringArray:
    """ISO 8601 UTC strings (``2024-01-02T09:30:00Z``) of ``datetime64[s]`` values.

    Arrow's cast gives ``2024-01-02 09:30:00`` ten times faster than its
    strftime; the space becomes ``T`` and a ``Z`` marks UTC.

    Examples
    --------
    >>> iso(np.array(["2024-01-02T09:30:00"], dtype="datetime64[s]")).to_pylist()
    ['2024-01-02T09:30:00Z']
    """
    text = pc.cast(pa.array(ts.astype("datetime64[s]")), pa.string())
    return pc.binary_join_element_wise(pc.binary_replace_slice(text, 10, 11, "T"), "Z", "")


def seq_ids(prefix: str, start: int, n: int, width: int) -> pa.StringArray:
    """Ids ``prefix + zero-padded number`` for ``start + 1 .. start + n``.

    Examples
    --------
    >>> seq_ids("T", 8, 2, 4).to_pylist()
    ['T0009', 'T0010']
    """
    numbers = pc.cast(pa.array(np.arange(start + 1, start + n + 1)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def id_width(total: int) -> int:
    """Digits needed for ids up to ``total`` (at least 6)."""
    return max(6, len(str(max(total, 1))))
