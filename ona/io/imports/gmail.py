"""Google Workspace Gmail logs (BigQuery export) -> ``emails`` (one row per sent message).

Input: the Gmail logs table that Google Workspace exports to BigQuery
(Admin console > Reporting > BigQuery Export; schema "Gmail logs in
BigQuery"), saved from BigQuery as

- JSON lines (``bq extract --destination_format NEWLINE_DELIMITED_JSON``;
  also a JSON array, as the console's "Save results" writes): one event per
  object with ``event_info`` and ``message_info`` records (or both under
  ``gmail``, with ``time_usec`` at the top, as in the newer Workspace logs
  ``activity`` table); integers may be written as strings, as BigQuery does;
- CSV of a query that flattens the table: columns named by their path
  (``message_info.rfc2822_message_id`` or ``message_info_rfc2822_message_id``)
  or by their last name (``rfc2822_message_id``); the destinations as one
  row per destination (``destination.address`` after ``UNNEST``) or as
  ``message_info.flattened_destinations`` (``service::address`` items).

Fields read (nothing else, never ``subject`` or attachments):
``event_info.timestamp_usec`` (or ``time_usec``), ``event_info.mail_event_type``,
``event_info.success``, ``message_info.rfc2822_message_id``,
``message_info.source.from_header_address`` (else ``source.address``),
``message_info.destination[].address`` and ``.rcpt_response``.

Rules:

- **sent events only**: rows whose ``event_info.mail_event_type`` is 1
  ("Message sent"); the other rows (2 received, opens, moves, labels, ...)
  describe the same messages or user actions and are not records. Tables
  older than that field (no ``mail_event_type`` at all) have every row
  treated as a stage of its message: they collapse by message id anyway.
- a **record** is one destination of a sent event; one message per
  ``rfc2822_message_id`` (sent events of one message seen in several rows or
  daily tables count once: ``duplicate``); the recipients are the
  destinations' addresses, deduplicated.
- ``not_delivered``: a sent event with ``event_info.success`` false (the
  message was rejected, e.g. by a policy), or a destination whose
  ``rcpt_response`` is an SMTP 4xx / 5xx reply.
- ``bounce`` (empty sender, postmaster, mailer-daemon), ``system_sender``
  (no-reply and the like), ``outside_window``, ``no_recipient`` and
  ``unparseable`` (``record N``: the N-th object or data row; invalid JSON,
  or no readable time) as for every mail log (see
  :mod:`ona.io.imports.mailtrace`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

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
from ona.io.sqlkit import lit

KIND = "gmail"

_DESTS = """'[{"address": "VARCHAR", "rcpt_response": "VARCHAR"}]'"""

#: CSV columns by what they hold: accepted names (compared loosely; '.' and '_' alike).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "time": ("event_info.timestamp_usec", "timestamp_usec", "time_usec"),
    "event": ("event_info.mail_event_type", "mail_event_type"),
    "success": ("event_info.success", "success"),
    "mid": ("message_info.rfc2822_message_id", "rfc2822_message_id"),
    "from": ("message_info.source.from_header_address", "source.from_header_address", "from_header_address"),
    "source": ("message_info.source.address", "source.address", "source_address"),
    "dest": ("message_info.destination.address", "destination.address", "destination_address"),
    "response": ("message_info.destination.rcpt_response", "destination.rcpt_response", "rcpt_response"),
    "flat": ("message_info.flattened_destinations", "flattened_destinations"),
}


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


def _is_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def looks_like_gmail(path: Path) -> bool:
    """True for a JSON file of Gmail log events, or a CSV whose header has rfc2822_message_id."""
    if not path.is_file():
        return False
    head = _head(path)
    if _is_json(head):
        return b'"message_info"' in head and (b'"event_info"' in head or b'"rfc2822_message_id"' in head)
    try:
        src = open_text(path)
    except DatasetError:
        return False
    return src.column(*CSV_COLUMNS["mid"]) is not None


def import_gmail(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Gmail log exports (JSON lines, JSON arrays or CSV, mixed).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        The exported files (one per daily table, or one for all).
    options : ImportOptions
        ``since`` / ``until`` limit the messages kept (by send time).
    sink : Sink
        Receives ``emails`` batches.

    Returns
    -------
    list of SourceReport
        One per source: destinations of sent events read, messages written,
        destinations dropped by reason.

    Raises
    ------
    DatasetError
        A source that is a folder, empty, or not a Gmail log export (naming
        the file and what was expected).
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    with connection() as con:
        con.execute(
            "CREATE MACRO flat_dests(s) AS list_transform("
            "list_filter(string_split_regex(s, '[,;\\s]+'), lambda x: x <> ''), "
            "lambda x: {'address': string_split(x, '::')[-1], 'rcpt_response': NULL::VARCHAR})"
        )
        for i, path in enumerate(sources):
            if path.is_dir():
                raise DatasetError(path.name, "is a folder: give the exported JSON or CSV files")
            if path.stat().st_size == 0:
                raise DatasetError(path.name, "the file is empty")
            if _is_json(_head(path)):
                events = _json_events(path, con)
            else:
                events = _csv_events(open_text(path), i)
            load(con, path, f"INSERT INTO entries {_entries(events, i)}")
            if not _is_json(_head(path)):
                csv_rejects(con, f"rejects_{i}", reports[i])
            take_unparseable(con, i, reports[i], "record")
        collapse(con, reports, options, sink)
    return reports


def _json_events(path: Path, con: duckdb.DuckDBPyConnection) -> str:
    """Events of a JSON file: ordinality, t, evtype, success, mid, sender, dests, bad."""
    array = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["
    reader = (
        f"read_json_objects({lit(str(path))}, format = 'array', ignore_errors = true, maximum_object_size = 67108864)"
        if array
        else f"read_ndjson_objects({lit(str(path))}, ignore_errors = true, maximum_object_size = 67108864)"
    )
    _check_json(path, con, reader)
    return f"""
        SELECT ordinality, t, evtype, success, mid, sender,
               CASE WHEN len(dests) = 0 AND flat <> '' THEN flat_dests(flat) ELSE dests END AS dests,
               CASE WHEN m IS NULL THEN 'not a JSON object'
                    WHEN t IS NULL THEN 'event_info.timestamp_usec is missing or not a number' END AS bad
        FROM (
            SELECT ordinality, m,
                   make_timestamp(coalesce(
                       try_cast(json_extract_string(m, '$.event_info.timestamp_usec') AS BIGINT),
                       try_cast(json_extract_string(json, '$.time_usec') AS BIGINT)))::TIMESTAMPTZ AS t,
                   try_cast(json_extract_string(m, '$.event_info.mail_event_type') AS INTEGER) AS evtype,
                   try_cast(json_extract_string(m, '$.event_info.success') AS BOOLEAN) AS success,
                   clean(json_extract_string(m, '$.message_info.rfc2822_message_id')) AS mid,
                   addr(coalesce(nullif(clean(json_extract_string(m, '$.message_info.source.from_header_address')), ''),
                                 json_extract_string(m, '$.message_info.source.address'))) AS sender,
                   coalesce(try(from_json(json_extract(m, '$.message_info.destination'), {_DESTS})), []) AS dests,
                   clean(json_extract_string(m, '$.message_info.flattened_destinations')) AS flat
            FROM (
                SELECT ordinality, json, CASE WHEN json_type(json) = 'OBJECT'
                    THEN coalesce(json_extract(json, '$.gmail'), json) END AS m
                FROM {reader} WITH ORDINALITY
            )
        )
    """


def _check_json(path: Path, con: duckdb.DuckDBPyConnection, reader: str) -> None:
    """Refuse a JSON file none of whose first objects is a Gmail log event."""
    rows = con.sql(
        f"""
        SELECT count(*) FILTER (WHERE json_exists(coalesce(json_extract(json, '$.gmail'), json), '$.message_info')),
               count(*)
        FROM (SELECT json FROM {reader} WHERE json IS NOT NULL LIMIT 1000)
        """
    ).fetchall()[0]
    if rows[1] and not rows[0]:
        raise DatasetError(
            path.name,
            "not a Gmail log export: none of its first objects has a message_info record "
            "(expected the Gmail logs table of the BigQuery export, as JSON lines)",
        )


def _csv_events(src: TextFile, i: int) -> str:
    cols = {what: src.column(*names) for what, names in CSV_COLUMNS.items()}
    missing = [CSV_COLUMNS[w][0] for w in ("time", "mid") if cols[w] is None]
    if cols["from"] is None and cols["source"] is None:
        missing.append(CSV_COLUMNS["from"][0])
    if cols["dest"] is None and cols["flat"] is None:
        missing.append(CSV_COLUMNS["dest"][0] + " (or message_info.flattened_destinations)")
    if missing:
        found = ", ".join(src.names[:12]) + (", ..." if len(src.names) > 12 else "")
        raise DatasetError(
            src.path.name,
            f"not a Gmail log export: missing {', '.join(missing)}; columns found: {found or 'none'}",
        )

    def c(what: str) -> str:
        return cols[what] or "NULL"

    dest = (
        f"CASE WHEN clean({c('dest')}) = '' THEN [] ELSE [{{'address': {c('dest')}, 'rcpt_response': {c('response')}}}] END"
        if cols["dest"] is not None
        else "[]"
    )
    return f"""
        SELECT ordinality, t, evtype, success, mid, sender,
               CASE WHEN len(dests) = 0 AND flat <> '' THEN flat_dests(flat) ELSE dests END AS dests,
               CASE WHEN t IS NULL THEN 'the time (timestamp_usec) is missing or not a number' END AS bad
        FROM (
            SELECT ordinality,
                   coalesce(make_timestamp(try_cast(clean({c('time')}) AS BIGINT))::TIMESTAMPTZ,
                            trace_ts({c('time')})) AS t,
                   try_cast(clean({c('event')}) AS INTEGER) AS evtype,
                   try_cast(clean({c('success')}) AS BOOLEAN) AS success,
                   clean({c('mid')}) AS mid,
                   addr(coalesce(nullif(clean({c('from')}), ''), {c('source')})) AS sender,
                   {dest} AS dests,
                   clean({c('flat')}) AS flat
            FROM {read_csv_sql(src, f'rejects_{i}')} WITH ORDINALITY
        )
    """


def _entries(events: str, i: int) -> str:
    return f"""
        SELECT {i}, ordinality, t,
               md5_number(CASE WHEN mid <> '' THEN 'g:' || mid ELSE 'r:' || sender || '|' || coalesce(t::VARCHAR, '') END),
               sender, mid, addr(d.address),
               CASE WHEN success = false OR regexp_matches(coalesce(d.rcpt_response, ''), '^\\s*[45]') THEN 'failed'
                    ELSE 'deliver' END,
               bad
        FROM (
            SELECT *, unnest(CASE WHEN bad IS NOT NULL OR len(dests) = 0
                                  THEN [{{'address': '', 'rcpt_response': NULL::VARCHAR}}] ELSE dests END) AS d
            FROM ({events})
            WHERE bad IS NOT NULL OR evtype IS NULL OR evtype = 1
        )
    """


__all__ = ["import_gmail", "looks_like_gmail"]
