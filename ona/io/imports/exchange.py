"""Exchange Online message trace CSV -> ``emails`` (one row per delivered message).

Input: CSV files exported from Exchange Online's message trace, in any of
three layouts (recognized from the header; UTF-8, or UTF-16 little-endian
with or without a byte-order mark; a PowerShell ``#TYPE`` first line is
skipped):

- **Get-MessageTraceV2** (``Get-MessageTraceV2 | Export-Csv``; also the
  older Get-MessageTrace): one row per recipient with ``Received,
  SenderAddress, RecipientAddress, Subject, Status, ToIP, FromIP, Size,
  MessageId, MessageTraceId``. Status ``Delivered`` is delivered,
  ``Expanded`` marks a distribution group that was expanded (its members
  have their own rows), anything else (``Failed``, ``Pending``,
  ``Quarantined``, ``FilteredAsSpam``, ``GettingStatus``, ``None``) is not
  delivered.
- **Enhanced summary report** (historical search): one row per message with
  ``origin_timestamp_utc, sender_address, recipient_status, message_subject,
  total_bytes, message_id, network_message_id, ...``; ``recipient_status``
  lists ``address##events`` items separated by ``;`` (``##Receive,
  Deliver`` delivered to the mailbox, ``##Receive, Send`` handed to an
  outside server, ``Fail`` failed, ``Expand`` a group expanded).
- **Extended report** (historical search): one row per event with
  ``date_time_utc, ..., event_id, ..., message_id, network_message_id,
  recipient_address, recipient_status, ..., related_recipient_address, ...,
  sender_address, ...``. ``DELIVER`` delivers to a mailbox, ``SEND`` hands
  the message to another server (outside recipients), ``FAIL`` / ``DROP``
  fail, ``EXPAND`` expands a group (the group is ``related_recipient_address``
  when given), ``DSN`` records a delivery status notification; other events
  (``RECEIVE``, ``SUBMIT``, ``TRANSFER``, ``RESOLVE``, ``DEFER``, ...) are
  the same message again.

Output: ``emails`` rows ``timestamp, sender, recipients, message_id``; all
delivered recipients are in ``recipients`` (a trace does not distinguish
to, cc and bcc). Subjects and every other column are never read into a
table.

Rows are collapsed into messages by :func:`ona.io.imports.mailtrace.collapse`
(DuckDB, out of core), keyed by the network message id when the layout has
one, else the Message-ID with the sender (RFC 5322 message ids are unique,
so the time is not needed: rows of one message received a few milliseconds
apart stay one message), else the MessageTraceId, else the sender and time.
Drop reasons (per recipient entry): ``bounce``, ``system_sender``,
``outside_window``, ``not_delivered``, ``duplicate`` (repeated rows, other
events of a message, a group's own row), ``no_recipient``, ``unparseable``
(``line N`` for a row that cannot be split into fields, ``row N`` -- the
N-th data row read -- for a time that cannot be read).

Times are UTC (as the trace writes them): ISO 8601, or the en-US form
``M/D/YYYY h:mm:ss AM`` that Export-Csv writes on an en-US system.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.mailtrace import (
    TextFile,
    collapse,
    connection,
    csv_rejects,
    load,
    open_text,
    read_csv_sql,
    take_unparseable,
)

KIND = "exchange-trace"

#: Columns that identify each layout (compared loosely: case, '#', quotes).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "v2": ("Received", "SenderAddress", "RecipientAddress", "Status", "MessageId"),
    "summary": ("origin_timestamp_utc", "sender_address", "recipient_status", "message_id"),
    "extended": ("date_time_utc", "event_id", "sender_address", "recipient_address", "message_id"),
}

_EXPECTED = (
    "not an Exchange Online message trace export: expected the columns of Get-MessageTraceV2 "
    "(Received, SenderAddress, RecipientAddress, Status, MessageId), of an enhanced summary report "
    "(origin_timestamp_utc, sender_address, recipient_status, message_id) or of an extended report "
    "(date_time_utc, event_id, sender_address, recipient_address, message_id)"
)


def layout_of(src: TextFile) -> str | None:
    """``"v2"``, ``"summary"`` or ``"extended"`` from the header, or None."""
    for layout, columns in LAYOUTS.items():
        if src.has(*columns):
            return layout
    return None


def looks_like_exchange_trace(path: Path) -> bool:
    """True when ``path`` is a CSV file whose header is one of the message trace layouts."""
    if not path.is_file():
        return False
    try:
        return layout_of(open_text(path)) is not None
    except DatasetError:
        return False


def import_exchange_trace(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Exchange Online message trace CSV files (any of the three layouts, mixed).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        The CSV files; one message seen in several files counts once.
    options : ImportOptions
        ``since`` / ``until`` limit the messages kept (by the time the
        service received them).
    sink : Sink
        Receives ``emails`` batches.

    Returns
    -------
    list of SourceReport
        One per source: entries read (recipients as the trace lists them),
        messages written, entries dropped by reason.

    Raises
    ------
    DatasetError
        A source that is a folder, empty, binary, or not a message trace
        (naming the file and the columns expected).
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    with connection() as con:
        for i, path in enumerate(sources):
            if path.is_dir():
                raise DatasetError(path.name, "is a folder: give the message trace's CSV files")
            src = open_text(path)
            layout = layout_of(src)
            if layout is None:
                found = ", ".join(src.names[:12]) + (", ..." if len(src.names) > 12 else "")
                raise DatasetError(path.name, f"{_EXPECTED}; columns found: {found or 'none'}")
            load(con, path, f"INSERT INTO entries {_LOADERS[layout](src, i)}")
            csv_rejects(con, f"rejects_{i}", reports[i])
            take_unparseable(con, i, reports[i], "row")
        collapse(con, reports, options, sink)
    return reports


def _col(src: TextFile, name: str) -> str:
    col = src.column(name)
    return col if col is not None else "NULL"


def _key(nmid: str, mid: str, alt: str) -> str:
    return (
        f"md5_number(CASE WHEN {nmid} <> '' THEN 'n:' || {nmid} "
        f"WHEN {mid} <> '' THEN 'm:' || {mid} || '|' || sender "
        f"WHEN {alt} <> '' THEN 't:' || {alt} "
        f"ELSE 'r:' || sender || '|' || coalesce(t::VARCHAR, '') END)"
    )


def _bad(column: str) -> str:
    return (
        f"CASE WHEN t IS NULL THEN '{column} is not a date and time (ISO 8601, or M/D/YYYY h:mm:ss AM/PM)' END"
    )


def _v2(src: TextFile, i: int) -> str:
    return f"""
        SELECT {i}, ordinality, t, {_key("''", "mid", "trace")}, sender, mid, addr(rcpt),
               CASE lower(clean(status)) WHEN 'delivered' THEN 'deliver' WHEN 'expanded' THEN 'list'
                    ELSE 'failed' END,
               {_bad('Received')}
        FROM (
            SELECT ordinality, trace_ts({_col(src, 'Received')}) AS t, addr({_col(src, 'SenderAddress')}) AS sender,
                   clean({_col(src, 'MessageId')}) AS mid, lower(clean({_col(src, 'MessageTraceId')})) AS trace,
                   {_col(src, 'RecipientAddress')} AS rcpt, {_col(src, 'Status')} AS status
            FROM {read_csv_sql(src, f'rejects_{i}')} WITH ORDINALITY
        )
    """


def _summary(src: TextFile, i: int) -> str:
    return f"""
        SELECT {i}, ordinality, t, {_key("nmid", "mid", "''")}, sender, mid,
               addr(split_part(item, '##', 1)),
               CASE WHEN item = '' THEN 'failed'
                    WHEN words LIKE '%expand%' THEN 'list'
                    WHEN words LIKE '%deliver%' THEN 'deliver'
                    WHEN words LIKE '%fail%' THEN 'failed'
                    WHEN words LIKE '%send%' THEN 'sent'
                    ELSE 'failed' END,
               {_bad('origin_timestamp_utc')}
        FROM (
            SELECT *, lower(split_part(item, '##', 2)) AS words
            FROM (
                SELECT ordinality, t, sender, mid, nmid,
                       trim(unnest(CASE WHEN t IS NULL OR len(items(rs)) = 0 THEN [''] ELSE items(rs) END)) AS item
                FROM (
                    SELECT ordinality, trace_ts({_col(src, 'origin_timestamp_utc')}) AS t,
                           addr({_col(src, 'sender_address')}) AS sender, clean({_col(src, 'message_id')}) AS mid,
                           lower(clean({_col(src, 'network_message_id')})) AS nmid,
                           {_col(src, 'recipient_status')} AS rs
                    FROM {read_csv_sql(src, f'rejects_{i}')} WITH ORDINALITY
                )
            )
        )
    """


def _extended(src: TextFile, i: int) -> str:
    return f"""
        SELECT {i}, ordinality, t, {_key("nmid", "mid", "''")}, sender, mid, addr(r),
               CASE WHEN ev = 'DELIVER' THEN 'deliver'
                    WHEN ev = 'SEND' THEN 'sent'
                    WHEN ev IN ('FAIL', 'DROP', 'BADMAIL', 'POISONMESSAGE') THEN 'failed'
                    WHEN ev = 'EXPAND' THEN 'list'
                    WHEN ev = 'DSN' THEN 'dsn'
                    ELSE 'other' END,
               {_bad('date_time_utc')}
        FROM (
            SELECT ordinality, t, sender, mid, nmid, ev,
                   unnest(CASE WHEN t IS NULL THEN ['']
                               WHEN ev = 'EXPAND' AND len(items(related)) > 0 THEN items(related)
                               WHEN len(items(rcpts)) = 0 THEN ['']
                               ELSE items(rcpts) END) AS r
            FROM (
                SELECT ordinality, trace_ts({_col(src, 'date_time_utc')}) AS t,
                       addr({_col(src, 'sender_address')}) AS sender, clean({_col(src, 'message_id')}) AS mid,
                       lower(clean({_col(src, 'network_message_id')})) AS nmid,
                       upper(clean({_col(src, 'event_id')})) AS ev,
                       {_col(src, 'recipient_address')} AS rcpts,
                       {_col(src, 'related_recipient_address')} AS related
                FROM {read_csv_sql(src, f'rejects_{i}')} WITH ORDINALITY
            )
        )
    """


_LOADERS = {"v2": _v2, "summary": _summary, "extended": _extended}

__all__ = ["import_exchange_trace", "looks_like_exchange_trace", "layout_of"]
