"""Record boundaries and physical line numbers of a delimited text file, with numpy.

Input: the bytes of a CSV or JSON Lines file (a ``numpy.uint8`` view of a
memory map). Output: a :class:`Records`: where each record starts and ends,
and the 1-based physical line on which it starts, so that every row a
parser returns (or refuses) can be named by the line a person sees in an
editor.

Line terminators are ``\\n``, ``\\r\\n`` and a lone ``\\r`` (as pyarrow's CSV
parser reads them). For CSV, a terminator inside a quoted field does not end
the record: a terminator ends a record when the number of quote characters
before it is even, which is exact for RFC 4180 quoting. Files that quote in
another way (a quote in the middle of an unquoted field) are flagged
``rfc4180=False`` so that the reader can fall back to a parser that tracks
lines itself.

Every pass works on chunks of :data:`CHUNK` bytes, so memory stays bounded by
the number of records, not by the size of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CHUNK = 1 << 24  # 16 MiB per numpy pass

LF, CR, QUOTE, COMMA = 10, 13, 34, 44
_OPEN_BEFORE = np.array([COMMA, LF, CR, QUOTE], dtype=np.uint8)  # may precede an opening quote
_CLOSE_AFTER = _OPEN_BEFORE  # may follow a closing quote


@dataclass(frozen=True)
class Records:
    """Records of a text file.

    Attributes
    ----------
    starts, ends : numpy.ndarray
        Byte offsets (int64) of each record's first byte and of the end of
        its content (exclusive; the terminator, including the ``\\r`` of
        ``\\r\\n``, is not part of it).
    lines : numpy.ndarray
        1-based physical line on which each record starts.
    terminators : numpy.ndarray
        Offsets of every line terminator, quoted or not (to turn any byte
        offset into a line with :meth:`line_of`).
    multiline : bool
        Some record spans several physical lines (a quoted line break).
    unterminated : bool
        The file ends inside a quoted field: the last record is incomplete.
    rfc4180 : bool
        Every quote character sits where RFC 4180 allows it, so the
        boundaries above are those any conforming parser finds.
    """

    starts: np.ndarray
    ends: np.ndarray
    lines: np.ndarray
    terminators: np.ndarray
    multiline: bool
    unterminated: bool
    rfc4180: bool

    @property
    def empty(self) -> np.ndarray:
        """Mask of records with no content (blank lines)."""
        return self.ends == self.starts

    def line_of(self, offset: int) -> int:
        """1-based physical line holding byte ``offset``."""
        return int(np.searchsorted(self.terminators, offset, side="left")) + 1


def positions(data: np.ndarray, byte: int) -> np.ndarray:
    """Sorted int64 offsets of every occurrence of ``byte`` in ``data``."""
    found = [np.flatnonzero(data[s : s + CHUNK] == byte) + s for s in range(0, data.size, CHUNK)]
    found = [f for f in found if f.size]
    return np.concatenate(found).astype(np.int64) if found else np.zeros(0, np.int64)


def _terminators(data: np.ndarray, has_cr: bool) -> np.ndarray:
    lf = positions(data, LF)
    if not has_cr:
        return lf
    cr = positions(data, CR)
    following = data[np.minimum(cr + 1, data.size - 1)]
    lone = cr[(cr + 1 >= data.size) | (following != LF)]
    return np.sort(np.concatenate([lf, lone])) if lone.size else lf


def quotes_before(data: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """Number of quote characters before each sorted offset in ``points``.

    Also checks RFC 4180 placement: a quote that opens a quoted field must
    follow a delimiter, a line break, another quote or the start of the file,
    and a quote that closes one must precede a delimiter, a line break,
    another quote or the end of the file.

    Returns
    -------
    counts : numpy.ndarray
        int64, one per point.
    total : int
        Quote characters in the whole file.
    rfc4180 : bool
        Whether every quote is placed as RFC 4180 allows.
    """
    counts = np.zeros(points.size, np.int64)
    carried = 0
    conforming = True
    n = data.size
    for s in range(0, n, CHUNK):
        q = np.flatnonzero(data[s : s + CHUNK] == QUOTE) + s
        lo, hi = np.searchsorted(points, [s, s + CHUNK])
        counts[lo:hi] = carried + np.searchsorted(q, points[lo:hi], side="left")
        if q.size and conforming:
            parity = (carried + np.arange(q.size)) & 1
            opening, closing = q[parity == 0], q[parity == 1]
            ok_open = (opening == 0) | np.isin(data[np.maximum(opening - 1, 0)], _OPEN_BEFORE)
            ok_close = (closing == n - 1) | np.isin(data[np.minimum(closing + 1, n - 1)], _CLOSE_AFTER)
            conforming = bool(ok_open.all() and ok_close.all())
        carried += q.size
    return counts, carried, conforming


def find_records(data: np.ndarray, *, has_cr: bool, has_quote: bool) -> Records:
    """Find the records of ``data`` (CSV rules when ``has_quote``, else plain lines).

    Parameters
    ----------
    data : numpy.ndarray
        The file's bytes (uint8), after any byte-order mark.
    has_cr, has_quote : bool
        Whether the file holds a ``\\r`` / a ``"`` at all (a cheap ``find``
        on the memory map), to skip passes that cannot matter.

    Examples
    --------
    >>> raw = np.frombuffer(b'a,b\\n1,"x\\ny"\\n\\n2,3', np.uint8)
    >>> lay = find_records(raw, has_cr=False, has_quote=True)
    >>> lay.lines.tolist(), lay.empty.tolist()
    ([1, 2, 4, 5], [False, False, True, False])
    """
    n = data.size
    term = _terminators(data, has_cr)
    if has_quote:
        quotes, total, rfc4180 = quotes_before(data, term)
        closing = (quotes & 1) == 0
    else:
        closing, total, rfc4180 = np.ones(term.size, bool), 0, True
    idx = np.flatnonzero(closing)
    starts = np.concatenate([[0], term[idx] + 1]).astype(np.int64)
    lines = np.concatenate([[1], idx + 2]).astype(np.int64)
    ends = np.concatenate([term[idx], [n]]).astype(np.int64)
    if starts[-1] >= n:  # the file ends with a terminator: no trailing record
        starts, lines, ends = starts[:-1], lines[:-1], ends[:-1]
    if has_cr and ends.size:
        # a record ended by CR LF ends before the CR
        end_byte = data[np.minimum(ends, n - 1)]
        crlf = (ends < n) & (end_byte == LF) & (ends > starts) & (data[np.maximum(ends - 1, 0)] == CR)
        ends = ends - crlf
    return Records(
        starts=starts,
        ends=ends,
        lines=lines,
        terminators=term,
        multiline=bool(idx.size != term.size),
        unterminated=bool(total & 1),
        rfc4180=rfc4180,
    )


def field_counts(data: np.ndarray, lay: Records, *, has_quote: bool) -> np.ndarray:
    """Number of comma-separated fields of each record (quoted commas excluded)."""
    counts = np.ones(lay.starts.size, np.int64)
    if lay.starts.size == 0:
        return counts
    carried = 0
    for s in range(0, data.size, CHUNK):
        chunk = data[s : s + CHUNK]
        commas = np.flatnonzero(chunk == COMMA) + s
        if has_quote:
            q = np.flatnonzero(chunk == QUOTE) + s
            before = carried + np.searchsorted(q, commas, side="left")
            commas = commas[(before & 1) == 0]
            carried += q.size
        if commas.size:
            record = np.searchsorted(lay.starts, commas, side="right") - 1
            counts += np.bincount(record, minlength=counts.size)
    return counts


def count_records(
    data: np.ndarray, *, has_cr: bool, has_quote: bool, stop_after: int | None = None,
    done: Callable[[int], None] | None = None,
) -> tuple[int, bool]:
    """Count the non-blank records of ``data`` as :func:`find_records` finds them, in bounded memory.

    The file is scanned chunk by chunk and nothing is kept per record, so a
    file can be measured (and refused) before it is parsed.

    Parameters
    ----------
    data : numpy.ndarray
        The file's bytes (uint8), after any byte-order mark.
    has_cr, has_quote : bool
        As for :func:`find_records`.
    stop_after : int, optional
        Stop once more records than this were counted.
    done : callable, optional
        Called with the offset before which the scan no longer reads, after
        each chunk (see :class:`ona.io.raw.Released`).

    Returns
    -------
    count : int
        Non-blank records (a lower bound above ``stop_after`` when stopped).
    exact : bool
        False when the scan stopped early.

    Examples
    --------
    >>> raw = np.frombuffer(b'a,b\\r\\n1,"x\\ny"\\r\\n\\r\\n2,3', np.uint8)
    >>> count_records(raw, has_cr=True, has_quote=True)
    (3, True)
    >>> count_records(raw, has_cr=True, has_quote=True, stop_after=1)
    (2, False)
    """
    n = data.size
    count = 0
    quotes = 0  # quote characters before the current chunk
    start = 0  # first byte of the record being read
    for s in range(0, n, CHUNK):
        chunk = data[s : s + CHUNK]
        term = np.flatnonzero(chunk == LF) + s
        if has_cr:
            cr = np.flatnonzero(chunk == CR) + s
            lone = cr[(cr + 1 >= n) | (data[np.minimum(cr + 1, n - 1)] != LF)]
            term = np.sort(np.concatenate([term, lone])) if lone.size else term
        if has_quote:
            q = np.flatnonzero(chunk == QUOTE) + s
            term = term[((quotes + np.searchsorted(q, term, side="left")) & 1) == 0]
            quotes += q.size
        if term.size == 0:
            continue
        starts = np.concatenate([[start], term[:-1] + 1])
        blank = term == starts
        if has_cr:  # "\r\n" alone on its line
            blank |= (term == starts + 1) & (data[term] == LF) & (data[starts] == CR)
        count += int(term.size - blank.sum())
        start = int(term[-1]) + 1
        if stop_after is not None and count > stop_after:
            return count, False
        if done is not None:
            done(min(start, s))
    if start < n:  # a last record without a terminator
        count += 1
    return count, True
