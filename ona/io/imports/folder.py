"""The dataset folder an import writes: Parquet tables, people, ``import_report.json``.

Input: Arrow batches from an importer (through :class:`ParquetFolderSink`),
the people to use, and the run's :class:`ImportReport`. Output: a dataset
folder that :func:`ona.io.read_dataset` reads (its ``find_files`` ignores
files that are not tables, such as ``import_report.json``).

- Tables are streamed to Parquet (``pyarrow.parquet.ParquetWriter``) a batch
  at a time: memory holds one batch, never a table.
- Several runs into one folder add up: when ``<table>.parquet`` already
  exists, its row groups and the new rows are streamed into one new file
  (schemas unified; a column whose types cannot be unified, such as a list
  in one run and text in another, is written as the text the readers would
  make of it).
- Never a partial dataset: everything is written in a staging folder beside
  the target, and the target is replaced only when the whole import has
  succeeded (files unchanged by the run are hard-linked, or copied, into the
  new folder). A failed import removes the staging folder and leaves the
  target exactly as it was.
- ``people``: a ``--people`` file is copied in as the people table (replacing
  the folder's). Without one, people are the *internal* addresses seen in
  the folder's tables (their domain is one of ``--internal-domain``):
  ``person_id`` = the lower-cased address, ``department`` = its domain (a
  placeholder until a real people file is given), ``email`` = the address;
  they are added to the people already in the folder's ``people.parquet``
  (existing rows win). A people file the user put in the folder in another
  format (``people.csv``) is left as it is.
- ``import_report.json`` lists every run (kind, time, options, per-source
  reports, totals, people), appended across runs.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from ona.errors import DatasetError
from ona.io.imports.base import SourceReport
from ona.io.readers import EXTENSIONS, _as_text, format_of, read_pieces
from ona.io.sqlkit import lit

#: Tables an importer may write (DESIGN.md's input tables).
TABLES = ("people", "emails", "meetings", "tickets", "chats", "ties", "people_history", "group_handoffs")
#: ``group_handoffs`` (ticket_id, timestamp, from_group, to_group): assignment-group changes of the ticket
#: kinds (ServiceNow, Zendesk), kept beside the dataset; the readers do not read it yet.

#: Columns that refer to people by address, per table (used to derive people).
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "emails": ("sender", "recipients", "cc", "bcc"),
    "meetings": ("attendees", "organizer"),
    "tickets": ("assignee",),
    "chats": ("sender", "recipients", "thread_author"),
    "ties": ("source", "target"),
}

#: Columns holding an event's time, per table (for the span of the other channels).
TIME_COLUMNS: dict[str, str] = {"emails": "timestamp", "meetings": "start", "tickets": "timestamp", "chats": "timestamp"}

REPORT_FILE = "import_report.json"

#: Rows per row group when tables are merged (bounded memory per step).
MERGE_BATCH = 1 << 16


class Totals(BaseModel):
    """Sums of the per-source reports of one run."""

    model_config = ConfigDict(extra="forbid")

    records_read: int = 0
    events_written: dict[str, int] = Field(default_factory=dict)
    dropped: dict[str, int] = Field(default_factory=dict)
    unparseable: int = 0


class PeopleNote(BaseModel):
    """Where the dataset's people came from in one run."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="'file' (--people), 'derived' (internal addresses seen) or 'folder' (kept)")
    file: str | None = Field(default=None, description="the people file's name (source 'file' or 'folder')")
    rows: int = 0
    added: int = Field(default=0, description="people added by this run (source 'derived')")
    note: str | None = None


class ImportReport(BaseModel):
    """What one ``ona import`` run did: its sources' reports and totals."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    started_at: datetime
    finished_at: datetime | None = None
    folder: str = Field(description="the dataset folder's name")
    options: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceReport] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    people: PeopleNote | None = None

    def add_up(self) -> None:
        """Compute :attr:`totals` from :attr:`sources`."""
        totals = Totals()
        for src in self.sources:
            totals.records_read += src.records_read
            for table, n in src.events_written.items():
                totals.events_written[table] = totals.events_written.get(table, 0) + n
            for reason, n in src.dropped.items():
                totals.dropped[reason] = totals.dropped.get(reason, 0) + n
            totals.unparseable += src.dropped.get("unparseable", 0)
        self.totals = totals


class ParquetFolderSink:
    """A :class:`~ona.io.imports.base.Sink` streaming each table to Parquet part files.

    A table's batches go to one ``ParquetWriter``; a batch whose schema
    cannot be cast to the open writer's starts a new part, and the parts are
    unified when the folder is written. Memory holds one batch.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.parts: dict[str, list[Path]] = {}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, table: str, batch: pa.Table | pa.RecordBatch) -> None:
        if table not in TABLES:
            raise ValueError(f"an importer wrote an unknown table '{table}' (expected one of {', '.join(TABLES)})")
        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        if batch.num_rows == 0:
            return
        writer = self._writers.get(table)
        if writer is not None:
            try:
                batch = batch.select(writer.schema.names).cast(writer.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError, ValueError):
                writer.close()
                del self._writers[table]
                writer = None
        if writer is None:
            parts = self.parts.setdefault(table, [])
            path = self.folder / f"{table}.part{len(parts)}.parquet"
            writer = pq.ParquetWriter(path, batch.schema)
            parts.append(path)
            self._writers[table] = writer
        writer.write_table(batch)
        self.rows[table] = self.rows.get(table, 0) + batch.num_rows

    def close(self) -> dict[str, list[Path]]:
        """Close every writer; the part files by table."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        return self.parts


# ------------------------------------------------------------------ merging


def _text_field(field: pa.Field) -> pa.Field:
    return pa.field(field.name, pa.string())


def unified_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """One schema for tables of the same kind; columns whose types do not unify become text."""
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    names: list[str] = []
    types: dict[str, list[pa.DataType]] = {}
    for schema in schemas:
        for field in schema:
            if field.name not in types:
                names.append(field.name)
                types[field.name] = []
            types[field.name].append(field.type)
    fields = []
    for name in names:
        try:
            fields.append(
                pa.unify_schemas([pa.schema([(name, t)]) for t in types[name]], promote_options="permissive")[0]
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


def _conform(file: str, batch: pa.Table, schema: pa.Schema) -> pa.Table:
    """``batch`` with the columns of ``schema`` (missing ones null), cast; text where types differ."""
    columns = []
    for field in schema:
        if field.name not in batch.column_names:
            columns.append(pa.nulls(batch.num_rows, field.type))
            continue
        col = batch.column(field.name)
        if col.type == field.type:
            columns.append(col)
        elif pa.types.is_string(field.type) and not pa.types.is_string(col.type):
            columns.append(_as_text(file, field.name, col))
        else:
            columns.append(col.cast(field.type))
    return pa.table(columns, schema=schema)


def merge_parquet(file: str, sources: list[Path], dest: Path) -> int:
    """Stream the rows of ``sources`` (Parquet files, in order) into ``dest``; return the rows written.

    Raises
    ------
    DatasetError
        If a source is not readable Parquet (named by ``file``).
    """
    try:
        readers = [pq.ParquetFile(path) for path in sources]
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(file, f"the file is not readable Parquet (corrupt or another format): {exc}") from exc
    schema = unified_schema([r.schema_arrow for r in readers])
    rows = 0
    with pq.ParquetWriter(dest, schema) as writer:
        for reader in readers:
            for batch in reader.iter_batches(batch_size=MERGE_BATCH):
                writer.write_table(_conform(file, pa.Table.from_batches([batch]), schema))
                rows += batch.num_rows
    return rows


def table_files(folder: Path) -> dict[str, Path]:
    """The table files of a folder (table name -> path), as the readers would see them."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        table = path.stem.lower()
        if table in TABLES and path.is_file() and path.suffix.lower() in EXTENSIONS:
            if table in found:
                raise DatasetError(path.name, f"the folder holds two files for the {table} table ({found[table].name} and {path.name})")
            found[table] = path
    return found


# ------------------------------------------------------------------ people


def _address_sql(path: Path, column: str, kind: pa.DataType) -> str:
    src = f"read_parquet({lit(str(path))})"
    col = '"' + column.replace('"', '""') + '"'
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"SELECT unnest({col}) AS a FROM {src}"
    return f"SELECT unnest(string_split({col}::VARCHAR, ';')) AS a FROM {src}"


def derive_people(con: duckdb.DuckDBPyConnection, files: dict[str, Path], domains: tuple[str, ...]) -> pa.Table:
    """person_id, department, email of every internal address in the Parquet tables ``files``.

    An address is internal when its domain (after ``@``, lower-cased) is one
    of ``domains``. Done in DuckDB (distinct over the referencing columns).
    """
    parts = []
    for table, path in files.items():
        if table not in PERSON_COLUMNS or path.suffix.lower() not in (".parquet", ".pq"):
            continue
        schema = pq.read_schema(path)
        for column in PERSON_COLUMNS[table]:
            if column in schema.names:
                parts.append(_address_sql(path, column, schema.field(column).type))
    empty = pa.table({"person_id": pa.array([], pa.string()), "department": pa.array([], pa.string()),
                      "email": pa.array([], pa.string())})  # fmt: skip
    if not parts or not domains:
        return empty
    wanted = ", ".join(lit(d.lower()) for d in domains)
    sql = f"""
        WITH seen AS ({' UNION ALL '.join(parts)}),
        addr AS (SELECT DISTINCT lower(trim(a)) AS a FROM seen WHERE a IS NOT NULL)
        SELECT a AS person_id, split_part(a, '@', 2) AS department, a AS email
        FROM addr WHERE split_part(a, '@', 2) IN ({wanted}) AND a LIKE '_%@_%'
        ORDER BY a
    """
    return con.sql(sql).to_arrow_table()


def check_people_file(path: Path) -> None:
    """Refuse a people file the readers could not use (clear message naming it)."""
    if not path.is_file():
        raise DatasetError(path.name, "no such people file")
    fmt = format_of(path, path.name)
    piece = next(read_pieces(path, path.name, fmt, rows=1024))
    piece.require("person_id", "department")


# ------------------------------------------------------------------ the folder


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh staging folder beside ``out_dir`` (same file system), removed afterwards whatever happens."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = out_dir.parent / f".{out_dir.name}.importing-{uuid.uuid4().hex[:12]}"
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def read_runs(out_dir: Path) -> list[dict[str, Any]]:
    """The runs recorded in ``out_dir``'s import_report.json (empty when none)."""
    path = out_dir / REPORT_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(REPORT_FILE, f"is not valid JSON ({exc}); move it away to import into this folder") from exc
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        raise DatasetError(REPORT_FILE, "has no 'runs' list; move it away to import into this folder")
    return runs


def write_folder(
    out_dir: Path,
    stage: Path,
    parts: dict[str, list[Path]],
    report: ImportReport,
    *,
    people: Path | None,
    internal_domains: tuple[str, ...],
) -> None:
    """Build the new dataset folder in ``stage`` and put it in place of ``out_dir``.

    Raises
    ------
    DatasetError
        If a table already in the folder is not Parquet (it cannot be added
        to), or the folder's import_report.json is unreadable.
    """
    new = stage / "dataset"
    new.mkdir()
    existing = table_files(out_dir)
    runs = read_runs(out_dir)
    rewritten: set[str] = set()
    for table, table_parts in parts.items():
        if table == "people":
            continue
        old = existing.get(table)
        if old is not None and old.suffix.lower() not in (".parquet", ".pq"):
            raise DatasetError(
                old.name,
                f"the folder already holds the {table} table as {old.suffix} and ona import adds rows to Parquet "
                "tables only: convert it, move it away, or import into another folder",
            )
        sources = ([old] if old is not None else []) + table_parts
        merge_parquet(f"{table}.parquet", sources, new / f"{table}.parquet")
        rewritten.add(old.name if old is not None else f"{table}.parquet")
    report.people = _people(out_dir, new, existing, parts.get("people", []), people, internal_domains, rewritten)
    report.finished_at = datetime.now(UTC)
    runs.append(json.loads(report.model_dump_json()))
    (new / REPORT_FILE).write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rewritten.add(REPORT_FILE)
    if out_dir.exists():
        for entry in out_dir.iterdir():
            if entry.name in rewritten or (new / entry.name).exists():
                continue
            if entry.is_dir():
                shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy)
            else:
                _link_or_copy(str(entry), str(new / entry.name))
        old_dir = stage / "previous"
        os.replace(out_dir, old_dir)
        try:
            os.replace(new, out_dir)
        except OSError:
            os.replace(old_dir, out_dir)
            raise
    else:
        os.replace(new, out_dir)


def _people(
    out_dir: Path,
    new: Path,
    existing: dict[str, Path],
    imported: list[Path],
    people: Path | None,
    domains: tuple[str, ...],
    rewritten: set[str],
) -> PeopleNote:
    old = existing.get("people")
    if people is not None:
        dest = new / f"people{people.suffix.lower()}"
        shutil.copyfile(people, dest)
        if old is not None:
            rewritten.add(old.name)
        return PeopleNote(source="file", file=people.name, rows=_count_rows(dest))
    if old is not None and old.suffix.lower() not in (".parquet", ".pq"):
        return PeopleNote(source="folder", file=old.name, rows=_count_rows(old),
                          note=f"the folder's {old.name} was kept; internal addresses are not added to it")  # fmt: skip
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        tables = {p.stem.lower(): p for p in new.glob("*.parquet")}
        for table, path in existing.items():
            tables.setdefault(table, path)
        derived = derive_people(con, tables, domains)
    finally:
        con.close()
    sources = ([old] if old is not None else []) + imported
    before = 0
    if sources:
        staged = new / "people.runs.parquet"
        merge_parquet("people.parquet", sources, staged)
        merged = pq.read_table(staged)  # one row per person: small beside the events
        staged.unlink()
        before = merged.num_rows
        known_ids = pc.utf8_lower(merged.column("person_id").cast(pa.string()))
        add = derived.filter(pc.invert(pc.is_in(derived.column("person_id"), value_set=known_ids)))
        if "email" in merged.column_names:
            emails = pc.utf8_lower(pc.fill_null(merged.column("email").cast(pa.string()), ""))
            claimed = pc.utf8_trim_whitespace(pc.list_flatten(pc.split_pattern(emails, ";")))
            add = add.filter(pc.invert(pc.is_in(add.column("email"), value_set=claimed)))
        schema = unified_schema([merged.schema, add.schema])
        result = pa.concat_tables([_conform("people.parquet", merged, schema), _conform("people.parquet", add, schema)])
    else:
        add = result = derived
    if result.num_rows == 0:
        raise DatasetError(
            out_dir.name or str(out_dir),
            "no people: no internal address was seen (give a people file: --people FILE or the upload's people "
            "field, or an internal domain matching the addresses of the export: --internal-domain or internal_domain)",
        )
    pq.write_table(result, new / "people.parquet")
    rewritten.add("people.parquet")
    if old is not None:
        rewritten.add(old.name)
    return PeopleNote(source="derived", file="people.parquet", rows=result.num_rows, added=add.num_rows,
                      note=f"{before} people were already in the folder" if before else None)  # fmt: skip


def _count_rows(path: Path) -> int:
    fmt = format_of(path, path.name)
    if fmt == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    return sum(piece.rows_read for piece in read_pieces(path, path.name, fmt))


def span_of(out_dir: Path) -> tuple[datetime, datetime] | None:
    """The time span of the events already in ``out_dir``'s Parquet tables (for ImportOptions.other_span)."""
    parts = []
    for table, path in table_files(out_dir).items():
        column = TIME_COLUMNS.get(table)
        if column is None or path.suffix.lower() not in (".parquet", ".pq"):
            continue
        if column in pq.read_schema(path).names:
            parts.append(f'SELECT try_cast("{column}"::VARCHAR AS TIMESTAMPTZ) AS t FROM read_parquet({lit(str(path))})')
    if not parts:
        return None
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        row = con.sql(f"SELECT min(t), max(t) FROM ({' UNION ALL '.join(parts)})").fetchall()[0]
    finally:
        con.close()
    if not row or row[0] is None:
        return None
    return row[0].astimezone(UTC), row[1].astimezone(UTC)
