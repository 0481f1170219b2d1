"""CSV file -> :class:`~ona.io.raw.RawTable` with the exact line of every row.

pyarrow parses the file (in parallel); :mod:`ona.io.records` finds, with
numpy, where each record starts, so every row pyarrow returns or refuses
gets the physical line a person sees in an editor, also after blank lines,
quoted line breaks and rows with the wrong number of fields.

Rules: UTF-8 (a byte-order mark is allowed), ``,`` separated, ``"`` quoted
as in RFC 4180, the first non-blank record is the header. Blank lines are
skipped (they are not rows). A row whose number of fields differs from the
header's is rejected with its line. Every value is read as text.

A file whose quotes do not follow RFC 4180 (``5" screen`` inside an
unquoted field) is read by Python's :mod:`csv` module instead, which tracks
lines itself: slower, but exact.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ona.errors import DatasetError
from ona.io.records import LF, QUOTE, Records, field_counts, find_records, quotes_before
from ona.io.raw import (
    RawTable,
    Released,
    holds,
    fields_reasons,
    first_bad_utf8,
    keep_named,
    map_file,
    not_utf8,
    rejects_table,
)

BLOCK_SIZE = 1 << 23  # 8 MiB: fewer, larger parallel parse tasks

#: Bytes of a large file parsed at once by :func:`read_csv_pieces` (cut at a record boundary):
#: about 300,000 rows of an email export, so a file is never held parsed as a whole.
PIECE_BYTES = 1 << 25

UNCLOSED = "a quoted field is not closed before the end of the file"


class _Mismatch(Exception):
    """pyarrow and the numpy layout disagree: use the line-tracking parser."""


def read_csv(path: Path, file: str) -> RawTable:
    """Read a CSV file as strings, with exact lines and malformed rows rejected.

    Parameters
    ----------
    path : pathlib.Path
    file : str
        Name used in messages (the base name, e.g. ``"emails.csv"``).

    Raises
    ------
    DatasetError
        Empty file, no header, text that is not UTF-8 (naming the first bad
        line), duplicated column names.
    """
    mapped, bom = map_file(path, file)
    data = np.frombuffer(mapped, np.uint8)[bom:]
    has_quote = mapped.find(b'"', bom) >= 0
    lay = find_records(data, has_cr=mapped.find(b"\r", bom) >= 0, has_quote=has_quote)
    content = np.flatnonzero(~lay.empty)
    if content.size == 0:
        raise DatasetError(file, "the file is empty (no header row)")
    if not lay.rfc4180:
        return _read_python(data, lay, file)
    head = int(content[0])
    names = _header(data, lay, head, file)
    records = content[1:]
    body_start = int(lay.starts[head + 1]) if head + 1 < lay.starts.size else data.size
    try:
        table, invalid = _parse(data[body_start:], len(names), lay.multiline, records.size)
        return _with_lines(table, invalid, data, lay, records, names, file, has_quote)
    except _Mismatch:
        return _read_python(data, lay, file)
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
            bad = first_bad_utf8(data)
            if bad is not None:
                raise not_utf8(file, lay.line_of(bad)) from exc
        return _read_python(data, lay, file)


def read_csv_pieces(path: Path, file: str) -> Iterator[RawTable]:
    """Read a CSV file as consecutive :class:`RawTable` pieces of about :data:`PIECE_BYTES` bytes.

    The rows, lines and rejects of :func:`read_csv`, in file order, without
    ever holding the parsed file (nor the per-record offsets of the whole
    file): each piece of bytes ends at a line break outside quotes (an even
    number of quote characters before it, exact for RFC 4180 quoting) and is
    parsed on its own, its lines counted on from the pieces before. A file
    of at most one piece, or whose quoting is not RFC 4180 (checked first, in
    bounded memory), is read whole by :func:`read_csv`.

    Raises
    ------
    DatasetError
        As :func:`read_csv`.
    """
    mapped, bom = map_file(path, file)
    data = np.frombuffer(mapped, np.uint8)[bom:]
    has_quote = holds(mapped, bom, b'"')
    has_cr = holds(mapped, bom, b"\r")
    if data.size <= 2 * PIECE_BYTES or (has_quote and not quotes_before(data, np.zeros(0, np.int64))[2]):
        yield read_csv(path, file)
        return
    first = data[: _cut(data, 0, has_quote)]
    lay = find_records(first, has_cr=has_cr, has_quote=has_quote)
    content = np.flatnonzero(~lay.empty)
    if content.size == 0:  # no header in the first piece: a file of blank lines, read whole
        yield read_csv(path, file)
        return
    head = int(content[0])
    names = _header(first, lay, head, file)
    pos = start = int(lay.starts[head + 1]) if head + 1 < lay.starts.size else first.size
    lines_before = header_lines = int(np.searchsorted(lay.terminators, pos, side="left"))
    released = Released(mapped, bom)
    while pos < data.size:
        end = _cut(data, pos, has_quote)
        body = data[pos:end]
        lay = find_records(body, has_cr=has_cr, has_quote=has_quote)
        lay = dataclasses.replace(lay, lines=lay.lines + lines_before)
        records = np.flatnonzero(~lay.empty)
        try:
            table, invalid = _parse(body, len(names), lay.multiline, records.size)
            piece = _with_lines(table, invalid, body, lay, records, names, file, has_quote)
        except _Mismatch:  # parsed by Python's csv module, after the header
            both = np.concatenate([data[:start], body])
            piece = _shifted(_read_python(both, find_records(both, has_cr=has_cr, has_quote=has_quote), file),
                             lines_before - header_lines)
        except pa.ArrowInvalid as exc:
            bad = first_bad_utf8(body)
            if bad is not None:
                raise not_utf8(file, lay.line_of(bad) + lines_before) from exc
            raise DatasetError(file, f"cannot be read as CSV ({exc})", line=lines_before + 1) from exc
        lines_before += int(lay.terminators.size)
        pos = end
        released(end)  # the piece's rows are parsed into their own buffers
        yield piece


def _shifted(raw: RawTable, lines: int) -> RawTable:
    """``raw`` with ``lines`` added to the line of every row and reject."""
    table = raw.table.set_column(raw.table.schema.get_field_index("line"), "line",
                                 pc.add(raw.table.column("line"), lines))
    rejects = raw.rejects.set_column(raw.rejects.schema.get_field_index("line"), "line",
                                     pc.add(raw.rejects.column("line"), lines))
    return dataclasses.replace(raw, table=table, rejects=rejects)


def _cut(data: np.ndarray, pos: int, has_quote: bool) -> int:
    """End of the piece of bytes starting at ``pos``: just after its last line break outside quotes."""
    size = PIECE_BYTES
    while pos + size < data.size:
        window = data[pos : pos + size]
        breaks = np.flatnonzero(window == LF)
        if has_quote and breaks.size:
            quotes = np.flatnonzero(window == QUOTE)
            breaks = breaks[(np.searchsorted(quotes, breaks) & 1) == 0]
        if breaks.size:
            return pos + int(breaks[-1]) + 1
        size *= 2  # a record longer than the piece
    return data.size


def _header(data: np.ndarray, lay: Records, head: int, file: str) -> list[str]:
    raw = data[lay.starts[head] : lay.ends[head]].tobytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(file, int(lay.lines[head])) from exc
    return next(csv.reader(io.StringIO(text, newline="")))


def _parse(body: np.ndarray, ncols: int, multiline: bool, expected: int) -> tuple[pa.Table, int]:
    """Parse the rows after the header; return the table and the count of refused rows."""
    names = [f"c{i}" for i in range(ncols)]
    if expected == 0:
        return pa.table({n: pa.array([], pa.string()) for n in names}), 0
    # a counter, not a list of the refused rows: a file can hold millions of them
    refused = itertools.count()

    def skip(row: pacsv.InvalidRow) -> str:
        next(refused)  # atomic (one C call under the GIL): the handler may run on several threads
        return "skip"

    table = pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=BLOCK_SIZE),
        parse_options=pacsv.ParseOptions(newlines_in_values=multiline, invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table, next(refused)


def _with_lines(
    table: pa.Table,
    invalid: int,
    data: np.ndarray,
    lay: Records,
    records: np.ndarray,
    names: list[str],
    file: str,
    has_quote: bool,
) -> RawTable:
    """Attach the line of every parsed row; reject the rows pyarrow refused."""
    ncols = len(names)
    unclosed = lay.unterminated and records.size > 0 and int(records[-1]) == lay.starts.size - 1
    rejects = None
    if invalid == 0 and not unclosed:
        if table.num_rows != records.size:
            raise _Mismatch
        good = records
    else:
        counts = field_counts(data, lay, has_quote=has_quote)[records]
        ok = counts == ncols
        if table.num_rows != int(ok.sum()) or invalid != int((~ok).sum()):
            raise _Mismatch
        reasons = fields_reasons(counts[~ok], ncols)
        bad_lines = lay.lines[records[~ok]]
        if unclosed:
            if ok[-1]:
                table = table.slice(0, table.num_rows - 1)
                ok[-1] = False
                bad_lines = np.append(bad_lines, lay.lines[records[-1]])
                reasons = pa.concat_arrays([reasons, pa.array([UNCLOSED])])
            else:
                reasons = pa.concat_arrays([reasons.slice(0, len(reasons) - 1), pa.array([UNCLOSED])])
        good = records[ok]
        rejects = rejects_table(pa.array(bad_lines), reasons)
    table = table.append_column("line", pa.array(lay.lines[good], pa.int64()))
    return keep_named(file, "csv", names, table, int(records.size), rejects)


def _read_python(data: np.ndarray, lay: Records, file: str) -> RawTable:
    """Line-tracking fallback for files pyarrow's parse cannot be matched to lines.

    Loops over rows in Python: used only for files whose quoting is not
    RFC 4180, never for well-formed ones.
    """
    try:
        text = data.tobytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(file, lay.line_of(exc.start)) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    bad_lines: list[int] = []
    bad_fields: list[int] = []  # numbers, worded at the end: one string per reason, not per row
    read = 0
    end = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DatasetError(file, f"cannot be read as CSV ({exc})", line=start) from exc
        end = reader.line_num
        if not row:
            continue
        if header is None:
            header = row
            continue
        read += 1
        if len(row) == len(header):
            rows.append(row)
            lines.append(start)
        else:
            bad_lines.append(start)
            bad_fields.append(len(row))
    if header is None:
        raise DatasetError(file, "the file is empty (no header row)")
    columns = {f"c{i}": pa.array([r[i] for r in rows], pa.string()) for i in range(len(header))}
    columns["line"] = pa.array(lines, pa.int64())
    reasons = fields_reasons(np.array(bad_fields, np.int64), len(header))
    return keep_named(file, "csv", header, pa.table(columns), read, rejects_table(bad_lines, reasons))
