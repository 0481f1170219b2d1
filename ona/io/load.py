"""Dataset files -> :class:`~ona.io.dataset.Dataset` (canonical tables + validation report).

Input: a folder, or explicit table -> file paths. Output: a ``Dataset``
whose tables follow :mod:`ona.io.schema` with identities resolved, and whose
``report`` lists, per file, the rows read, accepted, rejected and dropped as
duplicates, every rejected row with its line and reason, and the external
parties seen.

Flow: count every file's rows and refuse the dataset if they pass its
:class:`~ona.io.limits.ReadLimits` (before anything is decoded); read each
file as strings with exact lines (:mod:`ona.io.readers`), validate people
first (:mod:`ona.io.people`) to build the identity directory
(:mod:`ona.io.directory`), then emails, meetings and tickets, a piece of
rows at a time (:func:`~ona.io.readers.read_pieces`; messages and meetings
repeated across pieces are found after). A bad row is a ``Reject``; a file
unusable as a whole raises :class:`~ona.errors.DatasetError`.

Memory: an event file costs its accepted rows plus one piece's work, never
a multiple of its rejected rows. Every rejected row is counted, but only the
first ``max_rejects_per_file`` of each file are listed (line and reason);
``FileReport.rejects_kept`` says how many.

Columns: names are trimmed and matched case-insensitively (``Person_ID``
is ``person_id``); a column whose header is empty is ignored; two columns
with the same name are refused. Extra columns of people become its
``attributes``; extra columns of emails, meetings and tickets are ignored
(the canonical event tables have no place for them).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import DatasetError
from ona.io.chats import validate_chats
from ona.io.checks import first_occurrence
from ona.io.columns import apply_map
from ona.io.dataset import Dataset
from ona.io.directory import Directory
from ona.io.emails import validate_emails
from ona.io.group_handoffs import validate_group_handoffs
from ona.io.history import validate_history
from ona.io.limits import ReadLimits, RejectsKept, check_people, check_read, check_rows
from ona.io.meetings import validate_meetings
from ona.io.people import validate_people
from ona.io.prep import as_numpy
from ona.io.raw import Format, RawTable, Validated, no_rejects
from ona.io.readers import EXTENSIONS, format_of, read_pieces, read_raw
from ona.io.sqlkit import connect
from ona.io.ties import validate_ties
from ona.io.tickets import validate_tickets
from ona.progress import OnProgress, no_progress
from ona.results import FileReport, Reject, ValidationReport

TABLE_ORDER = ("people", "emails", "meetings", "tickets", "chats", "ties", "people_history", "group_handoffs")

#: Event pieces validated at once (each on its own thread, with its own DuckDB connection).
PIECE_WORKERS = 2

_EVENTS: dict[str, Callable[[duckdb.DuckDBPyConnection, RawTable, Directory], Validated]] = {
    "emails": validate_emails,
    "meetings": validate_meetings,
    "tickets": validate_tickets,
    "chats": validate_chats,
    "ties": validate_ties,
    "people_history": validate_history,
    "group_handoffs": validate_group_handoffs,
}


def find_files(folder: Path) -> dict[str, Path]:
    """The dataset files of a folder: table name -> path.

    A file belongs to a table when its name, without extension and ignoring
    case, is the table's name (``people.csv``, ``Emails.parquet``,
    ``tickets.jsonl``). Other files are ignored.

    Raises
    ------
    DatasetError
        If the folder does not exist, has two files for one table, or has
        no people file.
    """
    if not folder.is_dir():
        raise DatasetError(str(folder), "no such dataset folder")
    found: dict[str, Path] = {}
    unsupported: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        table = path.stem.lower()
        if table not in TABLE_ORDER or not path.is_file():
            continue
        if path.suffix.lower() not in EXTENSIONS:
            unsupported.setdefault(table, path)
            continue
        if table in found:
            raise DatasetError(
                path.name,
                f"the folder holds two files for the {table} table "
                f"({found[table].name} and {path.name}); keep only one",
            )
        found[table] = path
    for table, path in unsupported.items():
        if table not in found:
            raise DatasetError(path.name, f"unsupported file type '{path.suffix}' (use .csv, .parquet or .jsonl)")
    if "people" not in found:
        raise DatasetError(
            folder.name or str(folder), "no people file (people.csv, people.parquet or people.jsonl) in the folder"
        )
    return found


def read_dataset(
    path: str | Path,
    *,
    name: str | None = None,
    limits: ReadLimits | None = None,
    column_map: Mapping[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> Dataset:
    """Read and validate a dataset folder.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder holding ``people.csv`` (or ``.parquet`` / ``.jsonl`` /
        ``.ndjson`` / ``.json``), and optionally ``emails``, ``meetings``,
        ``tickets``, ``chats``, ``ties``, ``people_history`` and
        ``group_handoffs`` files in any of those formats.
    name : str, optional
        The dataset's name; the folder's name by default.
    limits : ReadLimits, optional
        Rows per file and in all, rows of the people file, and rejected
        rows listed per file (defaults: a billion, a billion, 1 million,
        10,000).
    column_map : mapping of str to str, optional
        Target column -> the people file's column (``{"person_id": "Employee
        ID"}``), applied to the people file (and people_history) before
        validation: see :mod:`ona.io.columns`.
    on_progress : callable, optional
        Called as ``on_progress("read people.csv", done, total)`` before and
        after each file.

    Returns
    -------
    Dataset
        Canonical tables (see :mod:`ona.io.schema`) and the validation report.

    Raises
    ------
    DatasetError
        If the folder or the people file is missing, a table has two files,
        or a file is unusable as a whole (empty, no header, a required column
        missing, not UTF-8, corrupt Parquet, no JSON object). A
        :class:`~ona.io.limits.RowLimitError` (a DatasetError) when a file or
        the dataset holds more rows than ``limits`` allow.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "people.csv").write_text("person_id,department,email\\na,HR,a@x.org\\nb,IT,\\n")
    >>> _ = (folder / "emails.csv").write_text(
    ...     "timestamp,sender,recipients\\n2024-01-02T09:00:00+01:00,A@X.org,b;ext@y.com\\nnot-a-date,a,b\\n")
    >>> ds = read_dataset(folder)
    >>> ds.tables["emails"].column("k").to_pylist()  # b and one external address
    [2]
    >>> ds.report.rejected[0].line, ds.report.rejected[0].reason
    (3, "timestamp 'not-a-date' is not ISO 8601")
    """
    folder = Path(path)
    files = find_files(folder)
    return read_dataset_files(
        files, name=name or folder.resolve().name, limits=limits, column_map=column_map, on_progress=on_progress
    )


def read_dataset_files(
    files: Mapping[str, Path | str],
    *,
    name: str,
    formats: Mapping[str, str] | None = None,
    limits: ReadLimits | None = None,
    column_map: Mapping[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> Dataset:
    """Read and validate a dataset given as table name -> file path.

    Parameters
    ----------
    files : mapping of str to path
        Keys among ``people`` (required), ``emails``, ``meetings``,
        ``tickets``, ``chats``, ``ties``, ``people_history``,
        ``group_handoffs``. Messages name
        each file by its base name.
    name : str
        The dataset's name.
    formats : mapping of str to str, optional
        Table name -> ``"csv"``, ``"parquet"`` or ``"jsonl"``, for files whose
        extension does not tell (e.g. uploads saved to temporary files).
    limits : ReadLimits, optional
        See :func:`read_dataset`.
    column_map : mapping of str to str, optional
        See :func:`read_dataset`.
    on_progress : callable, optional
        Called as ``on_progress("read emails.csv", done, total)``.

    Raises
    ------
    DatasetError
        See :func:`read_dataset`; also for an unknown table name.
    """
    collected = CollectTables()
    report = read_into(files, collected, formats=formats, limits=limits, column_map=column_map,
                       on_progress=on_progress)
    con = connect()
    try:
        report.external = external_counts(con, collected.tables)
    finally:
        con.close()
    return Dataset(name=name, tables=collected.tables, report=report)


class TableSink(Protocol):
    """Where :func:`read_into` puts validated rows: memory (:class:`CollectTables`) or a store.

    ``add`` receives the people file's tables (``people`` and ``aliases``)
    first, then each event file's pieces in file order, each piece's event
    keys (``message_key``, ``meeting_key``) numbered from 0; ``end_file`` is
    called after a file's last piece and returns how many of its accepted
    events repeat one accepted in an earlier piece (dropped there, counted as
    duplicates).
    """

    def add(self, table: str, validated: Validated) -> None: ...

    def end_file(self, table: str) -> int: ...


class CollectTables:
    """A :class:`TableSink` that keeps every table in memory (``tables``, merged per file)."""

    def __init__(self) -> None:
        self.tables: dict[str, pa.Table] = {}
        self._pieces: list[Validated] = []

    def add(self, table: str, validated: Validated) -> None:
        self._pieces.append(Validated(validated.tables, no_rejects(), 0))

    def end_file(self, table: str) -> int:
        merged = _merged(table, self._pieces)
        self._pieces = []
        self.tables.update(merged.tables)
        return merged.duplicates


def read_into(
    files: Mapping[str, Path | str],
    sink: TableSink,
    *,
    formats: Mapping[str, str] | None = None,
    limits: ReadLimits | None = None,
    column_map: Mapping[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> ValidationReport:
    """Read and validate the files, handing the accepted rows to ``sink`` a piece at a time.

    The validation of :func:`read_dataset_files`, without holding the
    tables: at most one piece of an event file is in memory at once (plus
    what ``sink`` keeps). Returns the validation report (without
    ``external``, which the sink's tables give).

    Raises
    ------
    DatasetError
        See :func:`read_dataset_files`.
    """
    formats = dict(formats or {})
    for table in list(files) + list(formats):
        if table not in TABLE_ORDER:
            raise DatasetError(table, f"unknown table '{table}' (expected one of: {', '.join(TABLE_ORDER)})")
    if "people" not in files:
        raise DatasetError("people", "a dataset needs a people file")
    order = [t for t in TABLE_ORDER if t in files]
    labels = {t: Path(files[t]).name for t in order}
    if len(set(labels.values())) != len(labels):
        raise DatasetError(", ".join(labels.values()), "two tables are read from files with the same name")
    limits = limits or ReadLimits()
    fmts = {t: format_of(Path(files[t]), labels[t], formats.get(t)) for t in order}
    check_rows({t: (Path(files[t]), labels[t], fmts[t]) for t in order}, limits)
    report = ValidationReport()
    con = connect()
    directory: Directory | None = None
    try:
        for done, table in enumerate(order):
            path, label = Path(files[table]), labels[table]
            on_progress(f"read {label}", done, len(order))
            kept = RejectsKept(limits.max_rejects_per_file)
            if table == "people":
                # read whole: its checks (repeated ids, claimed addresses) span all rows
                raw = apply_map(read_raw(path, label, fmts[table]), column_map or {})
                check_read(label, raw.rows_read, limits)
                check_people(label, raw.rows_read, limits)
                rows_read = raw.rows_read
                kept.add(raw.rejects)
                people, aliases, bad = validate_people(con, raw)
                del raw
                directory = Directory.build(people, aliases)
                kept.add(bad)
                sink.add(table, Validated({"people": people, "aliases": aliases}, no_rejects()))
                duplicates = 0
            else:
                assert directory is not None  # people is always read first
                rows_read, duplicates = _validate_pieces(
                    table, path, label, fmts[table], directory, kept, limits, column_map or {}, sink
                )
            duplicates += sink.end_file(table)
            _add_file(report, label, fmts[table], rows_read, kept, duplicates)
            on_progress(f"read {label}", done + 1, len(order))
    finally:
        con.close()
    return report


def _validate_pieces(
    table: str,
    path: Path,
    file: str,
    fmt: Format,
    directory: Directory,
    kept: RejectsKept,
    limits: ReadLimits,
    column_map: Mapping[str, str],
    sink: TableSink,
) -> tuple[int, int]:
    """Validate an event file a piece at a time into ``sink``; the rows read and the duplicates within pieces.

    Pieces are validated on :data:`PIECE_WORKERS` threads (Arrow, numpy and
    DuckDB release the GIL), while the next piece is parsed; the sink gets
    them in file order. Each piece's rejects go to ``kept`` as soon as it is
    validated, so only its first rejected rows outlive the piece.
    """
    validator = _EVENTS[table]
    local = threading.local()
    opened: list[duckdb.DuckDBPyConnection] = []
    lock = threading.Lock()

    def validate(piece: RawTable) -> Validated:
        own = getattr(local, "con", None)
        if own is None:  # one DuckDB connection per thread: a connection is not shared across threads
            own = local.con = connect()
            with lock:
                opened.append(own)
        return validator(own, piece, directory)

    rows_read = duplicates = 0
    pending: deque[Future[Validated]] = deque()

    def hand_over() -> None:
        nonlocal duplicates
        result = pending.popleft().result()
        kept.add(result.rejects)
        duplicates += result.duplicates
        sink.add(table, Validated(result.tables, no_rejects(), result.duplicates))

    try:
        with ThreadPoolExecutor(max_workers=PIECE_WORKERS, thread_name_prefix="ona-validate") as pool:
            try:
                for piece in read_pieces(path, file, fmt):
                    rows_read += piece.rows_read
                    check_read(file, rows_read, limits)
                    kept.add(piece.rejects)
                    # hand the rows over: the validator frees them once prepared (peak memory)
                    handed = [apply_map(piece, column_map, required=False) if table == "people_history" else piece]
                    del piece
                    pending.append(pool.submit(validate, handed.pop()))
                    while len(pending) > PIECE_WORKERS:
                        hand_over()
                while pending:
                    hand_over()
            finally:
                for future in pending:
                    future.cancel()
    finally:
        for own in opened:
            own.close()
    return rows_read, duplicates


#: Per event table: the canonical table, its key column, the participants
#: table keyed by it, and the columns that make two accepted rows one event.
_KEYED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "emails": ("emails", "message_key", "email_recipients", ("message_id",)),
    "meetings": ("meetings", "meeting_key", "meeting_attendees", ("meeting_id", "start")),
    "chats": ("chats", "message_key", "chat_recipients", ("message_id",)),
}


def _merged(table: str, results: list[Validated]) -> Validated:
    """One ``Validated`` from consecutive pieces of a file.

    Keys are renumbered to run on across pieces, and an event accepted in a
    piece that repeats one accepted in an earlier piece (same message_id;
    same meeting_id and start) is dropped as a duplicate, as the validators
    do within a piece.
    """
    duplicates = sum(r.duplicates for r in results)
    if len(results) == 1:
        return Validated(results[0].tables, no_rejects(), duplicates)
    names = list(results[0].tables)
    if table not in _KEYED:
        merged = {n: pa.concat_tables([r.tables[n] for r in results]) for n in names}
        return Validated(merged, no_rejects(), duplicates)
    events_name, key, parts_name, same = _KEYED[table]
    events, parts = [], []
    offset = 0
    for r in results:
        e, p = r.tables[events_name], r.tables[parts_name]
        events.append(e.set_column(e.schema.get_field_index(key), key, pc.add(e.column(key), offset)))
        parts.append(p.set_column(p.schema.get_field_index(key), key, pc.add(p.column(key), offset)))
        offset += e.num_rows
    all_events = pa.concat_tables(events)
    all_parts = pa.concat_tables(parts)
    columns = [all_events.column(c) for c in same]
    identified = np.ones(all_events.num_rows, bool)  # a message without message_id is never a repeat
    for col in columns:
        identified &= ~as_numpy(col.is_null())
    first = np.ones(all_events.num_rows, bool)
    ids = np.flatnonzero(identified)
    first[ids] = first_occurrence(*(col.take(pa.array(ids)) for col in columns))
    repeated = int((~first).sum())
    if repeated:
        new_key = np.cumsum(first) - 1
        part_key = all_parts.column(key).to_numpy()
        keep_parts = first[part_key]
        all_events = all_events.filter(pa.array(first))
        all_events = all_events.set_column(
            all_events.schema.get_field_index(key), key, pa.array(np.arange(all_events.num_rows, dtype=np.int64))
        )
        all_parts = all_parts.filter(pa.array(keep_parts))
        all_parts = all_parts.set_column(
            all_parts.schema.get_field_index(key), key, pa.array(new_key[part_key[keep_parts]])
        )
    return Validated({events_name: all_events, parts_name: all_parts}, no_rejects(), duplicates + repeated)


def _add_file(
    report: ValidationReport, file: str, fmt: Format, rows_read: int, kept: RejectsKept, duplicates: int
) -> None:
    """Record one file's counts and its first rejected rows (unparsable and invalid rows, by line)."""
    bad = kept.table()
    accepted = rows_read - kept.total - duplicates
    report.files[file] = FileReport(
        file=file,
        format=fmt,
        rows_read=rows_read,
        accepted=accepted,
        rejected=kept.total,
        rejects_kept=bad.num_rows,
        duplicates=duplicates,
    )
    lines = bad.column("line").to_pylist()
    reasons = bad.column("reason").to_pylist()
    report.rejected.extend(
        Reject.model_construct(file=file, line=line, reason=reason) for line, reason in zip(lines, reasons)
    )


#: Where external parties are named: name -> (canonical table, person_id column, address column).
#: ``external_counts`` counts them here and :mod:`ona.store.stream` in the store.
EXTERNAL_PARTIES: dict[str, tuple[str, str, str]] = {
    "senders": ("emails", "sender_id", "sender_address"),
    "recipients": ("email_recipients", "person_id", "address"),
    "attendees": ("meeting_attendees", "person_id", "address"),
    "assignees": ("tickets", "assignee_id", "assignee_address"),
    "chat_senders": ("chats", "sender_id", "sender_address"),
    "chat_recipients": ("chat_recipients", "person_id", "address"),
    "tie_sources": ("ties", "source_id", "source_address"),
    "tie_targets": ("ties", "target_id", "target_address"),
}


def external_counts(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """External parties in the accepted events.

    ``addresses``: distinct external addresses (senders, recipients,
    attendees, assignees); ``email_references``: external senders plus
    external recipients (each distinct recipient of a message once);
    ``meeting_references``: external attendees (each distinct attendee of a
    meeting once; organizers are not attendees); ``ticket_assignments``:
    ticket rows assigned to an external party; ``chat_references``: external
    chat senders plus external recipients (each distinct member of a
    message's conversation once).
    """
    empty = pa.table({"address": pa.array([], pa.string())})
    sources = {f"x_{name}": where for name, where in EXTERNAL_PARTIES.items()}
    for view, (table, id_col, addr_col) in sources.items():
        t = tables.get(table)
        if t is None:
            con.register(view, empty)
            continue
        mask = t.column(id_col).is_null()
        con.register(view, pa.table({"address": t.column(addr_col).filter(mask)}))
    row = con.sql(
        "SELECT (SELECT count(DISTINCT address) FROM (SELECT address FROM x_senders UNION ALL "
        "SELECT address FROM x_recipients UNION ALL SELECT address FROM x_attendees UNION ALL "
        "SELECT address FROM x_assignees UNION ALL SELECT address FROM x_chat_senders UNION ALL "
        "SELECT address FROM x_chat_recipients UNION ALL SELECT address FROM x_tie_sources UNION ALL "
        "SELECT address FROM x_tie_targets)), "
        "(SELECT count(*) FROM x_senders) + (SELECT count(*) FROM x_recipients), "
        "(SELECT count(*) FROM x_attendees), (SELECT count(*) FROM x_assignees), "
        "(SELECT count(*) FROM x_chat_senders) + (SELECT count(*) FROM x_chat_recipients), "
        "(SELECT count(*) FROM x_tie_sources) + (SELECT count(*) FROM x_tie_targets)"
    ).fetchall()[0]
    for view in sources:
        con.unregister(view)
    keys = ("addresses", "email_references", "meeting_references", "ticket_assignments", "chat_references",
            "tie_references")  # fmt: skip
    return {key: int(value) for key, value in zip(keys, row)}
