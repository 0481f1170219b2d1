"""What the mail-log importers share: text sniffing, DuckDB reading, and the collapse into messages.

Input: log files whose records are *per recipient or per event* (an
Exchange message trace, Gmail logs), read by DuckDB into one table of
recipient entries. Output: ``emails`` batches (one row per message) for a
:class:`~ona.io.imports.base.Sink`, and per-source counts.

An **entry** is one recipient of one message as the log lists it (a row of
a per-recipient trace, one ``addr##status`` item of a summary, one address
of an event row). The importer of each kind fills the table ``entries``::

    src INTEGER      -- index of the source file
    row BIGINT       -- the record's position in its file (1-based)
    ts TIMESTAMPTZ   -- when the service received the message (or the event time)
    key UHUGEINT     -- the message's identity (a hash; entries of one message share it)
    sender VARCHAR   -- lower-cased, '' when missing
    mid VARCHAR      -- the Message-ID to write ('' when none)
    rcpt VARCHAR     -- lower-cased recipient address ('' when none)
    cls VARCHAR      -- what the entry says about rcpt (below)
    bad VARCHAR      -- why the record is unparseable (one entry per such record), else null

``cls`` is one of ``deliver`` (delivered to the mailbox), ``sent`` (handed
to the recipient's server: outside recipients), ``failed`` (failed,
pending, quarantined, filtered as spam, ...), ``list`` (rcpt is a
distribution list that was expanded: not a person), ``dsn`` (a delivery
status notification was generated) or ``other`` (another event of the
message: receive, submit, transfer, resolve, ...).

:func:`collapse` then decides, in SQL (out of core: the connection is backed
by a file and a memory limit), for every message and every entry:

1. message level, for all its entries: ``bounce`` (sender empty,
   ``<>``, postmaster or mailer-daemon), ``system_sender``
   (:data:`SYSTEM_SENDER`), ``outside_window`` (the message's time, its
   earliest entry, is before ``since`` or not before ``until``);
2. entry level: ``bounce`` for a ``dsn`` entry; ``duplicate`` for an
   ``other`` entry (another event of a message counted once), for a list's
   own entry (its expanded members are the recipients) and for a recipient
   listed again (several rows, events or files: the first counts);
   ``no_recipient`` for an entry without an address; ``not_delivered`` for
   a recipient that was never delivered (a recipient is delivered when an
   entry says ``deliver``, or ``sent`` with no ``failed`` entry);
3. a message whose delivered recipients are only its sender: its kept
   entries become ``no_recipient``.

Every entry ends in exactly one place, so ``records_read`` = the dropped
entries + the recipients written. The written message has the earliest
time of its entries, the sender, every delivered recipient (sorted) in
``recipients`` (a trace does not tell to from cc from bcc), and its
Message-ID.
"""

from __future__ import annotations

import codecs
import csv
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, SourceReport, Sink
from ona.io.sqlkit import MACROS, lit

#: Local parts (before ``@``) of senders that are systems, not people: no-reply
#: variants, Exchange Online's system mailboxes (``MicrosoftExchange`` + 32 hex
#: digits, which sends non-delivery and system notices; ``FederatedEmail.<guid>``;
#: ``SystemMailbox{<guid>}``; ``Migration.<guid>``), Microsoft 365 service
#: notices (``MSOnlineServicesTeam``, ``O365mc``) and quarantine notices.
SYSTEM_SENDER = (
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply[-_.].*|.*[-_.]no[-_.]?reply"
    r"|microsoftexchange[0-9a-f]{32}|federatedemail\.[0-9a-f-]+|systemmailbox\{?[0-9a-f-]+\}?"
    r"|migration\.[0-9a-f-]+|msonlineservicesteam|o365mc|quarantine)$"
)

#: Local parts of senders of bounces (with an empty sender or ``<>``).
BOUNCE_SENDER = r"^(postmaster|mailer[-_]?daemon)$"

#: Timestamp texts read besides ISO 8601: what Export-Csv writes for the en-US culture.
US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")

#: DuckDB's memory limit for an import; beyond it, joins and sorts spill to disk.
MEMORY_LIMIT = "768MB"

#: Messages per batch handed to the sink.
BATCH_ROWS = 1 << 16

Encoding = Literal["utf-8", "utf-16"]


# ------------------------------------------------------------------ text files


@dataclass(frozen=True)
class TextFile:
    """What the first bytes of a CSV file say: encoding, lines to skip, column names."""

    path: Path
    encoding: Encoding
    skip: int
    names: list[str]

    def column(self, *names: str) -> str | None:
        """SQL name (``c{i}``) of the first column called any of ``names`` (normalized), or None."""
        wanted = [normalize(n) for n in names]
        for name in wanted:
            for i, found in enumerate(self.names):
                if normalize(found) == name:
                    return f"c{i}"
        return None

    def has(self, *names: str) -> bool:
        return all(self.column(n) is not None for n in names)


def normalize(name: str) -> str:
    """A column name compared loosely: case, spaces, quotes, a leading ``#``, ``.`` vs ``_``."""
    return name.strip().strip('"').lstrip("#").strip().lower().replace(".", "_").replace(" ", "_")


def sniff_encoding(path: Path, head: bytes) -> tuple[Encoding, int]:
    """``(encoding, bytes of byte-order mark)`` of a text file from its first bytes.

    UTF-16 little-endian is recognized with a byte-order mark or, without
    one, by its pattern of NUL bytes (every second byte of ASCII text).

    Raises
    ------
    DatasetError
        For UTF-16 big-endian or a binary file.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        raise DatasetError(path.name, "the file is UTF-16 big-endian: save it as UTF-8 or UTF-16 (little-endian)")
    sample = head[:4096]
    if b"\x00" not in sample:
        return "utf-8", 0
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16", 0
    if even > 0.3 * half and odd < 0.05 * half:
        raise DatasetError(path.name, "the file is UTF-16 big-endian: save it as UTF-8 or UTF-16 (little-endian)")
    raise DatasetError(path.name, "the file is not text (it holds NUL bytes): not a CSV export")


def open_text(path: Path) -> TextFile:
    """Sniff a CSV export: encoding, a PowerShell ``#TYPE`` line to skip, the header's column names.

    Raises
    ------
    DatasetError
        If the file is empty, binary, UTF-16 big-endian, or has no header.
    """
    with path.open("rb") as f:
        head = f.read(1 << 16)
    if not head.strip():
        raise DatasetError(path.name, "the file is empty")
    encoding, bom = sniff_encoding(path, head)
    codec = "utf-16-le" if encoding == "utf-16" else "utf-8"
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head[bom:])
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].startswith("#TYPE")):
        skip += 1
    if skip >= len(lines) or (len(lines) == skip + 1 and len(head) == 1 << 16):
        raise DatasetError(path.name, "no header row found at the start of the file")
    names = next(csv.reader([lines[skip]]))
    return TextFile(path=path, encoding=encoding, skip=skip, names=[n.strip() for n in names])


def read_csv_sql(src: TextFile, rejects: str) -> str:
    """A DuckDB ``read_csv`` of every column as text, named ``c0, c1, ...``, rows that cannot be split stored in ``rejects``."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(src.names))) + "}"
    return (
        f"read_csv({lit(str(src.path))}, header = true, skip = {src.skip}, columns = {columns}, "
        f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', encoding = '{src.encoding}', "
        f"ignore_errors = true, store_rejects = true, rejects_table = '{rejects}', "
        f"rejects_scan = '{rejects}_scan', max_line_size = 16777216)"
    )


def csv_rejects(con: duckdb.DuckDBPyConnection, rejects: str, report: SourceReport) -> int:
    """Count the rows DuckDB could not split (store_rejects) as unparseable, listing the first with their line."""
    sql = (
        f"SELECT line AS row, any_value(error_type) AS kind, any_value(error_message) AS message "
        f"FROM {rejects} GROUP BY line"
    )
    n = int(con.sql(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
    for line, kind, message in con.sql(f"{sql} ORDER BY line LIMIT 100").fetchall():
        report.bad(f"line {line}", _csv_reason(str(kind), str(message)))
    report.drop("unparseable", n - min(n, 100))
    report.records_read += n
    return n


def _csv_reason(kind: str, message: str) -> str:
    reasons = {
        "MISSING COLUMNS": "fewer fields than the header",
        "TOO MANY COLUMNS": "more fields than the header",
        "UNQUOTED VALUE": "a quote that is not closed (a truncated file?)",
        "INVALID UNICODE": "not valid text in the file's encoding",
        "LINE SIZE OVER MAXIMUM": "a line longer than 16 MB",
    }
    # never the message: DuckDB may quote the line, which holds the subject
    return reasons.get(kind, f"the row could not be read ({kind.lower()})")


# ------------------------------------------------------------------ DuckDB


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection backed by a temporary file, with a memory limit (joins and sorts spill to disk)."""
    with tempfile.TemporaryDirectory(prefix="ona-import-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "import.duckdb"))
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            con.execute(f"SET temp_directory = {lit(str(Path(tmp) / 'spill'))}")
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")
            for macro in MACROS:
                con.execute(macro)
            formats = "[" + ", ".join(lit(f) for f in US_FORMATS) + "]"
            con.execute(
                f"CREATE MACRO trace_ts(s) AS coalesce(iso_ts(clean(s)), "
                f"try_strptime(clean(s), {formats})::TIMESTAMPTZ)"
            )
            con.execute("CREATE MACRO items(s) AS list_filter(string_split(coalesce(s, ''), ';'), lambda x: trim(x) <> '')")
            con.execute("CREATE MACRO addr(s) AS lower(trim(coalesce(s, ''), E' \\t\\r\\n<>\"'''))")
            con.execute(
                """
                CREATE TABLE entries (
                    src INTEGER, row BIGINT, ts TIMESTAMPTZ, key UHUGEINT,
                    sender VARCHAR, mid VARCHAR, rcpt VARCHAR, cls VARCHAR, bad VARCHAR
                )
                """
            )
            yield con
        finally:
            con.close()


def load(con: duckdb.DuckDBPyConnection, path: Path, sql: str) -> None:
    """Run the statement that reads ``path`` into ``entries``; a file DuckDB cannot read at all is a DatasetError.

    Only the first line of DuckDB's message is kept: the rest may quote the
    file's text (subjects).
    """
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatasetError(path.name, f"the file cannot be read ({first[:200]})") from exc


def take_unparseable(con: duckdb.DuckDBPyConnection, src: int, report: SourceReport, what: str) -> int:
    """Count source ``src``'s entries marked ``bad`` as unparseable records (listing the first), remove them."""
    where = f"src = {src} AND bad IS NOT NULL"
    n = int(con.sql(f"SELECT count(*) FROM entries WHERE {where}").fetchall()[0][0])
    if n:
        for row, reason in con.sql(f"SELECT row, bad FROM entries WHERE {where} ORDER BY row LIMIT 100").fetchall():
            report.bad(f"{what} {row}", str(reason))
        report.drop("unparseable", n - min(n, 100))
        con.execute(f"DELETE FROM entries WHERE {where}")
    report.records_read += n
    return n


# ------------------------------------------------------------------ collapse


def _window(options: ImportOptions) -> str:
    cond = []
    if options.since is not None:
        cond.append(f"ts < TIMESTAMPTZ {lit(options.since.isoformat())}")
    if options.until is not None:
        cond.append(f"ts >= TIMESTAMPTZ {lit(options.until.isoformat())}")
    return " OR ".join(cond) if cond else "false"


def collapse(
    con: duckdb.DuckDBPyConnection, reports: Sequence[SourceReport], options: ImportOptions, sink: Sink
) -> None:
    """Collapse ``entries`` into messages, write them to ``sink`` and count every entry in ``reports``.

    See the module docstring for the rules. ``reports[i]`` is source ``i``'s
    report; its ``records_read`` is increased by its entries.
    """
    con.execute(
        f"""
        CREATE TABLE messages AS
        SELECT key, min(ts) AS ts, max(sender) AS sender, max(mid) AS mid,
               arg_min(src, (src, row)) AS src
        FROM entries GROUP BY key
        """
    )
    con.execute(
        f"""
        ALTER TABLE messages ADD COLUMN reason VARCHAR;
        UPDATE messages SET reason = CASE
            WHEN sender = '' OR regexp_full_match(split_part(sender, '@', 1), {lit(BOUNCE_SENDER)}) THEN 'bounce'
            WHEN regexp_full_match(split_part(sender, '@', 1), {lit(SYSTEM_SENDER)}) THEN 'system_sender'
            WHEN {_window(options)} THEN 'outside_window'
        END
        """
    )
    con.execute(
        """
        CREATE TABLE recipients AS
        SELECT key, rcpt,
               CASE WHEN bool_or(cls = 'list') THEN 'list'
                    WHEN bool_or(cls = 'deliver') THEN 'delivered'
                    WHEN bool_or(cls = 'failed') THEN 'failed'
                    WHEN bool_or(cls = 'sent') THEN 'delivered'
                    ELSE 'failed' END AS status,
               min(rowid) AS first  -- entries are inserted source by source: the first source's copy counts
        FROM entries WHERE rcpt <> '' AND cls NOT IN ('other', 'dsn')
        GROUP BY key, rcpt
        """
    )
    con.execute(
        """
        CREATE TABLE kept AS
        SELECT r.key FROM recipients r JOIN messages m USING (key)
        WHERE m.reason IS NULL AND r.status = 'delivered' AND r.rcpt <> m.sender
        GROUP BY r.key
        """
    )
    counts = con.sql(
        """
        SELECT e.src,
               CASE WHEN m.reason IS NOT NULL THEN m.reason
                    WHEN e.cls = 'dsn' THEN 'bounce'
                    WHEN e.cls = 'other' THEN 'duplicate'
                    WHEN e.rcpt = '' THEN 'no_recipient'
                    WHEN r.status = 'list' THEN 'duplicate'
                    WHEN r.status <> 'delivered' THEN 'not_delivered'
                    WHEN e.rowid <> r.first THEN 'duplicate'
                    WHEN k.key IS NULL THEN 'no_recipient'
               END AS reason,
               count(*) AS n
        FROM entries e
        JOIN messages m USING (key)
        LEFT JOIN recipients r ON r.key = e.key AND r.rcpt = e.rcpt
        LEFT JOIN kept k ON k.key = e.key
        GROUP BY ALL
        """
    ).fetchall()
    for src, reason, n in counts:
        report = reports[src]
        report.records_read += int(n)
        if reason is not None:
            report.drop(str(reason), int(n))
    written = con.sql(
        "SELECT m.src, count(*) FROM messages m JOIN kept USING (key) GROUP BY m.src"
    ).fetchall()
    for src, n in written:
        reports[src].wrote("emails", int(n))
    result = con.sql(
        """
        SELECT m.ts AS timestamp, m.sender AS sender,
               list(r.rcpt ORDER BY r.rcpt) AS recipients,
               nullif(m.mid, '') AS message_id
        FROM messages m JOIN kept USING (key) JOIN recipients r USING (key)
        WHERE r.status = 'delivered'
        GROUP BY m.key, m.ts, m.sender, m.mid
        ORDER BY m.ts, m.mid, m.sender
        """
    )
    schema = pa.schema(
        [
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("sender", pa.string()),
            ("recipients", pa.list_(pa.string())),
            ("message_id", pa.string()),
        ]
    )
    for batch in result.to_arrow_reader(BATCH_ROWS):
        sink.write("emails", pa.Table.from_batches([batch]).cast(schema))
