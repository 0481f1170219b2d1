"""mbox files and maildir folders -> ona's ``emails`` table, from the headers only.

Input: mbox files (RFC 4155: messages separated by ``From `` lines, as
written by Thunderbird, Gmail Takeout, Apple Mail, mutt, Python's
``mailbox``) or folders of one-message files (Maildir ``cur``/``new``,
folders of ``.eml`` files, and the Enron layout
``maildir/<user>/<folder>/<n>.``). Output: ``emails`` rows (timestamp,
sender, recipients, cc, bcc, message_id) written to a
:class:`~ona.io.imports.base.Sink` in batches of :data:`BATCH_ROWS`, and one
:class:`~ona.io.imports.base.SourceReport` per mbox file or folder.

Only the header block of each message is read: an mbox is streamed line by
line and a message's body is skipped without being kept, so neither a
multi-gigabyte file nor a large attachment is ever held in memory, and
subjects and bodies are never parsed. Headers are parsed with the standard
library's :class:`email.parser.BytesHeaderParser`.

Rules (a record is one message):

- ``mailing_list``: a ``List-Id`` header, ``Precedence: bulk | list |
  junk``, or ``Auto-Submitted`` other than ``no`` (RFC 3834): list
  traffic and automatic replies are not one person writing to another;
- ``unparseable``: no ``From``, no or a bad ``Date``, an address that
  cannot be read in ``From`` / ``To`` / ``Cc`` / ``Bcc`` (the whole
  message, so that 1/k never counts a recipient we could not see), a
  header block over 256 KB or not made of header lines (a binary blob).
  Its position is ``message N`` (1-based, in the mbox) or the file's path
  inside the folder;
- ``outside_window``: before ``--since`` or at / after ``--until``;
- ``no_recipient``: no To, Cc or Bcc address (drafts, a received copy
  whose recipients were all Bcc'd);
- ``duplicate``: the same Message-ID seen before in this import (the same
  message in Sent of one mailbox and Inbox of another, or in two folders),
  else the same sender, date and recipients.

A resent message (``Resent-From`` present, RFC 5322 section 3.6.6) is the
resender's message: sender ``Resent-From``, recipients ``Resent-To`` /
``Resent-Cc`` / ``Resent-Bcc``, time ``Resent-Date``, id
``Resent-Message-ID`` (the first block: resent fields are prepended, so
the first is the latest). The original sending counts only from its own
copy, if the archive has one.

An mbox record starts at a line that begins with ``From `` and carries a
time (``hh:mm``), as RFC 4155's From_ line does, so a body line such as
"From the team" that a writer did not escape does not split a message; a
body line that looks exactly like a From_ line starts a new record (as in
every mbox reader), which is then reported unparseable.

Dates without a zone (or ``-0000``) are UTC. RFC 2047 encoded display
names are decoded when they hide the address; names are never stored,
only addresses, in lower case.

Examples
--------
>>> from ona.io.imports.base import ImportOptions, MemorySink
>>> import pathlib, tempfile
>>> box = pathlib.Path(tempfile.mkdtemp()) / "inbox.mbox"
>>> _ = box.write_bytes(b"From a@x.org Mon Mar  4 09:00:00 2024\\n"
...     b"From: Ana <ana@x.org>\\nTo: ben@x.org\\nDate: Mon, 4 Mar 2024 09:00:00 +0100\\n\\nhi\\n")
>>> sink = MemorySink()
>>> [report] = import_mbox([box], ImportOptions(), sink)
>>> report.records_read, report.events_written
(1, {'emails': 1})
>>> sink.table("emails").column("timestamp")[0].as_py().isoformat()
'2024-03-04T08:00:00+00:00'
"""

from __future__ import annotations

import email.errors
import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport

#: Rows per Arrow batch handed to the sink: large enough for Parquet, small enough to bound memory.
BATCH_ROWS = 50_000

#: A header block larger than this is not mail (a binary blob, a file of another kind).
MAX_HEADER_BYTES = 256 * 1024

#: Longest line read at once: a body "line" of a binary attachment can be gigabytes long.
_LINE_LIMIT = 64 * 1024

#: An RFC 4155 From_ line: "From " sender, then an asctime date (a time hh:mm is enough to
#: tell it from a body line that starts with "From " and was not escaped).
_FROM_LINE = re.compile(rb"From \S*\s.*\d{1,2}:\d\d")

_GROUP_ONLY = re.compile(r"\s*[^:@<>]*:\s*;?\s*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]]+@[^@\s<>,;\"()\[\]]+")

#: Files in a mail folder that are not messages (Maildir, Dovecot, Courier bookkeeping).
_NOT_MAIL = {"maildirfolder", "dovecot-uidlist", "dovecot-keywords", "dovecot.index", "courierimapkeywords",
             "courierimapuiddb", "subscriptions", "readme", "readme.md", "readme.txt"}  # fmt: skip

EMAIL_SCHEMA = pa.schema(
    [
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("sender", pa.string()),
        ("recipients", pa.list_(pa.string())),
        ("cc", pa.list_(pa.string())),
        ("bcc", pa.list_(pa.string())),
        ("message_id", pa.string()),
    ]
)

_PARSER = BytesHeaderParser(policy=compat32)


class Headers:
    """A message's header fields by lower-case name (a Message looks a name up by scanning them all)."""

    __slots__ = ("fields",)

    def __init__(self, message: Message) -> None:
        self.fields: dict[str, list[object]] = {}
        for name, value in message.items():
            self.fields.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: object = None) -> object:
        """The first ``name`` field (case-insensitive), or ``default``."""
        values = self.fields.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, default: list[object]) -> list[object]:
        """Every ``name`` field in order, or ``default``."""
        return self.fields.get(name.lower(), default)


class _Unparseable(ValueError):
    """A message whose headers cannot give an email row (the reason is the message)."""


class EmailWriter:
    """Collects email rows and hands them to the sink in batches; remembers what was kept.

    One writer serves a whole import so that a message seen in two files
    (or two folders) is kept once.
    """

    def __init__(self, sink: Sink, options: ImportOptions) -> None:
        self.sink = sink
        self.options = options
        self._seen: set[int] = set()
        self._rows: dict[str, list[object]] = {name: [] for name in EMAIL_SCHEMA.names}

    def add(self, headers: Headers, report: SourceReport, position: str) -> None:
        """Turn one message's headers into a row, or count why it is left out."""
        if _is_list_or_automatic(headers):
            report.drop("mailing_list")
            return
        try:
            row = _email_row(headers)
        except _Unparseable as e:
            report.bad(position, str(e))
            return
        ts = row[0]
        assert isinstance(ts, datetime)
        if (self.options.since and ts < self.options.since) or (self.options.until and ts >= self.options.until):
            report.drop("outside_window")
            return
        if not (row[2] or row[3] or row[4]):
            report.drop("no_recipient")
            return
        # Python's str hash is 64 bits: a false duplicate among a billion messages has odds ~ 1e-2 /
        # 2^34, and the set stays near 60 bytes a message instead of the key's full text.
        key = hash(row[5]) if row[5] else hash((row[1], ts, tuple(sorted(row[2] + row[3] + row[4]))))  # type: ignore[operator]
        if key in self._seen:
            report.drop("duplicate")
            return
        self._seen.add(key)
        for name, value in zip(EMAIL_SCHEMA.names, row, strict=True):
            self._rows[name].append(value)
        report.wrote("emails", 1)
        if len(self._rows["sender"]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the rows collected so far as one batch."""
        if self._rows["sender"]:
            self.sink.write("emails", pa.table(self._rows, schema=EMAIL_SCHEMA))
            self._rows = {name: [] for name in EMAIL_SCHEMA.names}


# ------------------------------------------------------------------ headers -> row


def _is_list_or_automatic(headers: Headers) -> bool:
    if headers.get("List-Id") is not None:
        return True
    precedence = str(headers.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return True
    auto = str(headers.get("Auto-Submitted", "")).strip().lower()
    return bool(auto) and not auto.startswith("no")


def _text(value: object) -> str:
    # compat32 returns an email.header.Header for values with raw 8-bit bytes; str() gives
    # its text with the undecodable bytes replaced, which is enough to find an address.
    return str(value)


def _quick_addresses(value: str) -> list[str] | None:
    """The addresses of a plain address list (``a@x, "B, b" <b@x>``), None when it needs the full parser.

    Nine headers in ten are this simple; ``getaddresses`` costs more than the rest of the
    import together, so it is kept for comments, groups, escapes and anything unexpected.
    """
    if "(" in value or ":" in value or "\\" in value or ";" in value:
        return None
    unquoted = _QUOTED.sub('""', value)
    if unquoted.count('"') % 2:
        return None  # an unbalanced quote: let the full parser decide
    found = []
    for part in unquoted.split(","):
        part = part.strip()
        if not part:
            continue
        if "<" in part:
            inner = part[part.index("<") + 1 :]
            if not inner.endswith(">"):
                return None
            part = inner[:-1].strip()
        if not _ADDRESS.fullmatch(part):
            return None
        found.append(part)
    return found


def _addresses(headers: Headers, name: str) -> list[str]:
    """The addresses of every ``name`` header, lower case, in order, without repeats."""
    found: list[str] = []
    for raw in headers.get_all(name, []):
        value = _text(raw)
        if not value.strip() or _GROUP_ONLY.fullmatch(value):
            continue  # empty, or "undisclosed-recipients:;"
        quick = _quick_addresses(value)
        parsed = quick if quick is not None else [addr for _, addr in getaddresses([value]) if addr]
        if (not parsed or not all(_ADDRESS.fullmatch(a) for a in parsed)) and "=?" in value:
            # A mailer that encoded the whole "name <address>" (RFC 2047 forbids it, some do it).
            decoded = str(make_header(decode_header(value)))
            parsed = [addr for _, addr in getaddresses([decoded]) if addr]
        if not parsed or not all(_ADDRESS.fullmatch(a) for a in parsed):
            raise _Unparseable(f"{name}: an address could not be read")
        for addr in parsed:
            addr = addr.lower()
            if addr not in found:
                found.append(addr)
    return found


def _date(headers: Headers, name: str) -> datetime:
    value = headers.get(name)
    if value is None or not _text(value).strip():
        raise _Unparseable(f"no {name} header")
    try:
        ts = parsedate_to_datetime(_text(value))
    except (ValueError, TypeError, IndexError, OverflowError) as e:
        raise _Unparseable(f"{name}: not an RFC 5322 date") from e
    if ts.tzinfo is None:
        return ts.replace(tzinfo=UTC)
    try:
        return ts.astimezone(UTC)
    except OverflowError as e:  # year 1 with a positive offset, year 9999 with a negative one
        raise _Unparseable(f"{name}: date out of range") from e


def _message_id(headers: Headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    text = _text(value).strip()
    return text or None


def _email_row(headers: Headers) -> tuple[object, ...]:
    """(timestamp, sender, to, cc, bcc, message_id) of a message or of its latest resending."""
    if not headers.fields:
        raise _Unparseable("no header lines (not an email message)")
    resent = headers.get("Resent-From") is not None
    prefix = "Resent-" if resent else ""
    senders = _addresses(headers, f"{prefix}From")
    if not senders and not resent:
        senders = _addresses(headers, "Sender")
    if not senders:
        raise _Unparseable(f"no {prefix}From address")
    ts = _date(headers, f"{prefix}Date")
    to = _addresses(headers, f"{prefix}To")
    cc = _addresses(headers, f"{prefix}Cc")
    bcc = _addresses(headers, f"{prefix}Bcc")
    mid = _message_id(headers, f"{prefix}Message-ID")
    if resent and mid is None:
        original = _message_id(headers, "Message-ID")
        # Without its own id a resending is told apart from the original by who resent it and when.
        mid = f"{original}#resent:{senders[0]}:{ts.isoformat()}" if original else None
    return ts, senders[0], to, cc, bcc, mid


def _parse_headers(block: bytes) -> Headers:
    try:
        return Headers(_PARSER.parsebytes(block))
    except (email.errors.MessageError, ValueError, TypeError, IndexError) as e:  # pragma: no cover - parser is lenient
        raise _Unparseable("headers could not be parsed") from e


def _headers_or_reason(block: bytes, truncated: bool) -> Headers | str:
    if truncated:
        return f"header block over {MAX_HEADER_BYTES // 1024} KB (not an email message)"
    if b"\x00" in block:
        return "binary data where headers were expected"
    try:
        return _parse_headers(block)
    except _Unparseable as e:
        return str(e)


# ------------------------------------------------------------------ mbox


def _mbox_header_blocks(f: BinaryIO, name: str) -> Iterator[tuple[bytes, bool]]:
    """Yield (header block, truncated) for every message of an mbox stream, skipping bodies."""
    readline = f.readline
    first = readline(_LINE_LIMIT)
    while first in (b"\n", b"\r\n"):
        first = readline(_LINE_LIMIT)
    if not first:
        return
    if not first.startswith(b"From "):
        raise DatasetError(name, "not an mbox file: it does not start with a 'From ' line (RFC 4155)")
    at_line_start = True
    while True:
        # Header block: from after the From_ line to the first empty line.
        lines: list[bytes] = []
        size = 0
        truncated = False
        line = b""
        while True:
            line = readline(_LINE_LIMIT)
            if not line:
                break
            if at_line_start and line.startswith(b"From ") and _FROM_LINE.match(line):
                break  # a message with no body
            at_line_start = line.endswith(b"\n")
            if line in (b"\n", b"\r\n"):
                line = b""
                break
            size += len(line)
            if size > MAX_HEADER_BYTES:
                truncated = True
                lines = []
            elif not truncated:
                lines.append(line)
        yield b"".join(lines), truncated
        if line.startswith(b"From "):
            continue
        # Body: skipped line by line until the next From_ line.
        while True:
            line = readline(_LINE_LIMIT)
            if not line:
                return
            if at_line_start and line[:5] == b"From " and _FROM_LINE.match(line):
                break
            at_line_start = line[-1:] == b"\n"


def import_mbox(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import mbox files (headers only) as ``emails`` rows.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        mbox files (``.mbox``, Gmail Takeout's ``All mail Including Spam and
        Trash.mbox``, Thunderbird's extensionless folder files).
    options : ImportOptions
        ``since`` / ``until`` drop messages outside the window.
    sink : Sink
        Receives ``emails`` batches of at most :data:`BATCH_ROWS` rows.

    Returns
    -------
    list of SourceReport
        One per file; unparseable messages are listed as ``message N``.

    Raises
    ------
    DatasetError
        If a file cannot be opened or does not start with a ``From `` line.
    """
    writer = EmailWriter(sink, options)
    reports = []
    for path in sources:
        report = SourceReport(source=path.name, kind="mbox")
        try:
            with path.open("rb") as f:
                for n, (block, truncated) in enumerate(_mbox_header_blocks(f, path.name), start=1):
                    report.records_read += 1
                    headers = _headers_or_reason(block, truncated)
                    if isinstance(headers, str):
                        report.bad(f"message {n}", headers)
                    else:
                        writer.add(headers, report, f"message {n}")
        except OSError as e:
            raise DatasetError(path.name, f"cannot be read ({e.strerror or e})") from e
        reports.append(report)
    writer.flush()
    return reports


def looks_like_mbox(path: Path) -> bool:
    """Whether ``path`` is a file that starts like an mbox (a ``From `` line, then a header line)."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as f:
            head = f.read(4096).lstrip(b"\r\n")
    except OSError:
        return False
    if not head.startswith(b"From "):
        return False
    lines = head.split(b"\n")
    return len(lines) > 1 and re.match(rb"[!-9;-~]+:", lines[1]) is not None


# ------------------------------------------------------------------ maildir


def _read_header_block(path: Path) -> tuple[bytes, bool]:
    lines: list[bytes] = []
    size = 0
    with path.open("rb") as f:
        while True:
            line = f.readline(_LINE_LIMIT)
            if not line or line in (b"\n", b"\r\n"):
                return b"".join(lines), False
            size += len(line)
            if size > MAX_HEADER_BYTES:
                return b"", True
            lines.append(line)


def _message_files(folder: Path) -> Iterator[Path]:
    """Every message file under ``folder``, in a stable order (Maildir ``tmp`` and bookkeeping left out).

    A generator, folder by folder: the Enron corpus alone is half a million files.
    """
    for root, dirs, files in os.walk(folder):
        # tmp holds messages still being delivered (Maildir spec); hidden folders are other tools'.
        dirs[:] = sorted(d for d in dirs if d != "tmp" and not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.lower() in _NOT_MAIL or name.lower().endswith((".index", ".cache")):
                continue
            yield Path(root) / name


def import_maildir(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import folders of one-message files (Maildir, ``.eml`` folders, Enron) as ``emails`` rows.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        Folders, read recursively (every user and folder of the Enron
        ``maildir``), or single ``.eml`` files.
    options : ImportOptions
        ``since`` / ``until`` drop messages outside the window.
    sink : Sink
        Receives ``emails`` batches of at most :data:`BATCH_ROWS` rows.

    Returns
    -------
    list of SourceReport
        One per source; unparseable messages are listed by their path
        inside the folder (``allen-p/sent/12.``).

    Raises
    ------
    DatasetError
        If a source does not exist.
    """
    writer = EmailWriter(sink, options)
    reports = []
    for source in sources:
        if not source.exists():
            raise DatasetError(source.name, "no such folder or file")
        report = SourceReport(source=source.name, kind="maildir")
        files = iter([source]) if source.is_file() else _message_files(source)
        for path in files:
            position = path.name if path == source else path.relative_to(source).as_posix()
            report.records_read += 1
            try:
                block, truncated = _read_header_block(path)
            except OSError as e:
                report.bad(position, f"cannot be read ({e.strerror or e})")
                continue
            headers = _headers_or_reason(block, truncated)
            if isinstance(headers, str):
                report.bad(position, headers)
            else:
                writer.add(headers, report, position)
        reports.append(report)
    writer.flush()
    return reports


def looks_like_maildir(path: Path) -> bool:
    """Whether ``path`` is a folder whose first message file starts with email headers."""
    if not path.is_dir():
        return False
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "tmp" and not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.lower() in _NOT_MAIL:
                continue
            try:
                with (Path(root) / name).open("rb") as f:
                    head = f.read(4096)
            except OSError:
                return False
            names = {m.group(1).lower() for m in re.finditer(rb"^([!-9;-~]+):", head, re.MULTILINE)}
            return b"from" in names and (b"date" in names or b"message-id" in names)
    return False
