"""A dataset folder or lake URI -> canonical tables staged by Spark, and the driver's small part of the dataset.

Input: a folder or URI of dataset files (:mod:`ona.spark.files`), a Spark
session and a staging URI the executors can write. Output: :class:`Loaded`:
the people, their aliases and history (read and validated on the driver by
ona's own readers, :func:`ona.io.load.read_dataset_files`), the full
validation report (every file's counts, the first rejected rows of each
file with their reasons, the external parties) and the dataset's counts;
the event tables themselves are written by the executors as Parquet under
the staging URI, in the store's schema (:data:`ona.spark.tables.STORE_COLUMNS`,
``people`` as the store keeps it), and never pass through the driver.

What runs where:

- driver: listing the files, the people and people_history files (small:
  read whole, as the identity directory needs every row), the report;
- Spark: reading the event files (CSV or Parquet, a file or a folder of
  part files), trimming, ISO 8601 times, numbers, identity resolution (a
  broadcast join with the people and alias tables), k and n (distinct
  people and external addresses per message or meeting), rejects and their
  reasons, duplicates, the canonical tables, and every count.

Limits: the row limits of :class:`ona.io.limits.ReadLimits` apply to the
driver's files only (the events are Spark's to hold); rejected rows are
listed up to ``max_rejects_per_file`` per table, by line (for a folder of
part files, by part and line), and all counted.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ona.io.dataset import Dataset
from ona.io.limits import ReadLimits
from ona.io.load import TABLE_ORDER, read_dataset_files
from ona.progress import OnProgress, no_progress
from ona.results import FileReport, Reject, ValidationReport
from ona.spark.files import DRIVER_TABLES, TableFiles, list_dataset, read_bytes
from ona.spark.raw import read_raw
from ona.spark.rules import People
from ona.spark.tables import STORE_COLUMNS, VALIDATORS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["EVENT_TABLES", "Loaded", "read_to_stage"]

#: The canonical event tables each event file gives.
EVENT_TABLES: dict[str, tuple[str, ...]] = {
    "emails": ("emails", "email_recipients"),
    "meetings": ("meetings", "meeting_attendees"),
    "tickets": ("tickets",),
    "chats": ("chats", "chat_recipients"),
    "ties": ("ties",),
    "group_handoffs": ("group_handoffs",),
}


@dataclass
class Loaded:
    """What :func:`read_to_stage` gives the driver.

    Attributes
    ----------
    dataset : Dataset
        people, aliases and people_history (the event tables empty) and the
        whole validation report (rejected rows included).
    counts : dict of str to int
        The :class:`ona.store.models.DatasetInfo` counts of the event tables
        (emails, email_recipients, meetings, meeting_attendees, tickets,
        ticket_rows, chats, chat_recipients, ties, group_handoffs).
    first_event, last_event : datetime or None
        The dataset's first and last event (naive UTC, as the store keeps them).
    """

    dataset: Dataset
    counts: dict[str, int] = field(default_factory=dict)
    first_event: datetime | None = None
    last_event: datetime | None = None


def dataset_name(source: str) -> str:
    """The dataset's default name: the folder's name (as :func:`ona.io.load.read_dataset` names a folder)."""
    if "://" not in source and ":" not in source.split("/", 1)[0]:
        return Path(source).resolve().name
    return posixpath.basename(source.rstrip("/")) or source


def read_to_stage(
    spark: SparkSession,
    source: str,
    stage: str,
    *,
    name: str | None = None,
    limits: ReadLimits | None = None,
    column_map: Mapping[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> Loaded:
    """Read and validate the dataset at ``source``, writing its canonical tables under ``stage`` (see module doc).

    ``stage`` receives ``<table>.parquet`` folders for every table the
    Spark engine reads (:data:`ona.store.spark.EVENT_VIEWS`), empty ones for
    the channels the dataset lacks.

    Raises
    ------
    DatasetError
        As :func:`ona.io.load.read_dataset`, for the same files.
    """
    limits = limits or ReadLimits()
    # timestamps as the store writes them (Parquet INT64 microseconds, UTC), not Spark's default INT96
    before = spark.conf.get(_TIMESTAMP_TYPE, None)
    spark.conf.set(_TIMESTAMP_TYPE, "TIMESTAMP_MICROS")
    try:
        return _read_to_stage(spark, source, stage, name=name, limits=limits, column_map=column_map,
                              on_progress=on_progress)
    finally:
        if before is None:
            spark.conf.unset(_TIMESTAMP_TYPE)
        else:
            spark.conf.set(_TIMESTAMP_TYPE, before)


_TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType"


def _read_to_stage(spark: SparkSession, source: str, stage: str, *, name: str | None, limits: ReadLimits,
                   column_map: Mapping[str, str] | None, on_progress: OnProgress) -> Loaded:
    files = list_dataset(spark, source)
    order = list(files)
    total = len(order)
    loaded = _driver_tables(spark, files, name or dataset_name(source), limits, column_map, on_progress)
    people = loaded.dataset.tables["people"]
    directory = People.build(spark, people, loaded.dataset.tables["aliases"])
    _write_people(spark, people, stage)
    spark_files: dict[str, FileReport] = {}
    spark_rejects: list[Reject] = []
    for table in order:
        if table in DRIVER_TABLES:
            continue
        done = order.index(table)
        on_progress(f"read {files[table].label}", done, total)
        report, rejects = _validate(spark, files[table], directory, stage, limits.max_rejects_per_file)
        spark_files[table] = report
        spark_rejects.extend(rejects)
        on_progress(f"read {files[table].label}", done + 1, total)
    for table, names in EVENT_TABLES.items():
        if table not in files:
            for name_ in names:
                _empty(spark, name_).write.mode("overwrite").parquet(f"{stage}/{name_}.parquet")
    report = loaded.dataset.report
    driver_files = {f.file: f for f in report.files.values()}
    merged: dict[str, FileReport] = {}
    for table in order:
        label = files[table].label
        merged[label] = spark_files[table] if table in spark_files else driver_files[label]
    report.files = merged
    report.rejected = [*report.rejected, *spark_rejects]
    loaded.counts, report.external, loaded.first_event, loaded.last_event = _counts(spark, stage)
    return loaded


def _driver_tables(spark: SparkSession, files: dict[str, TableFiles], name: str, limits: ReadLimits,
                   column_map: Mapping[str, str] | None, on_progress: OnProgress) -> Loaded:
    """people and people_history, copied to the driver and read by ona's own readers."""
    with tempfile.TemporaryDirectory(prefix="ona-people-") as tmp:
        local: dict[str, Path] = {}
        formats: dict[str, str] = {}
        for table in DRIVER_TABLES:
            if table in files:
                found = files[table]
                path = Path(tmp) / found.label
                path.write_bytes(read_bytes(spark, found.paths[0]))
                local[table], formats[table] = path, found.format
        dataset = read_dataset_files(local, name=name, formats=formats, limits=limits, column_map=column_map,
                                     on_progress=on_progress)
    return Loaded(dataset=dataset)


def _write_people(spark: SparkSession, people: pa.Table, stage: str) -> None:
    """The people table as the store keeps it: ``pidx`` (rank of the person_id in byte order) first."""
    ids = people.column("person_id").to_pylist()
    rank = {pid: i for i, pid in enumerate(sorted(ids))}
    table = people.add_column(0, "pidx", pa.array([rank[p] for p in ids], pa.int32()))
    spark.createDataFrame(table).coalesce(1).write.mode("overwrite").parquet(f"{stage}/people.parquet")


def _empty(spark: SparkSession, table: str) -> DataFrame:
    schema = ", ".join(f"{name} {kind}" for name, kind in STORE_COLUMNS[table])
    return spark.createDataFrame([], schema)


def _validate(spark: SparkSession, files: TableFiles, people: People, stage: str,
              keep: int) -> tuple[FileReport, list[Reject]]:
    """Validate one event table, write its canonical tables; its file report and first rejected rows."""
    from pyspark.sql import functions as F

    raw = read_raw(spark, files)
    checked = VALIDATORS[files.table](raw, people)
    try:
        counts = checked.rows.agg(F.count(F.lit(1)), F.count("reason"),
                                  F.count(F.when(F.col("duplicate"), 1))).collect()[0]
        unparsed = raw.rejects.count()
        bad = raw.rejects.unionByName(checked.rows.where(F.col("reason").isNotNull()).select("part", "line", "reason"))
        first = bad.orderBy("part", "line").limit(keep).collect()
        for table, frame in checked.tables.items():
            frame.write.mode("overwrite").parquet(f"{stage}/{table}.parquet")
    finally:
        checked.release()
        raw.release()
    rows_read = int(counts[0]) + unparsed
    rejected = int(counts[1]) + unparsed
    duplicates = int(counts[2])
    report = FileReport(file=files.label, format=files.format, rows_read=rows_read,
                        accepted=rows_read - rejected - duplicates, rejected=rejected, rejects_kept=len(first),
                        duplicates=duplicates)
    return report, [Reject.model_construct(file=r["part"], line=int(r["line"]), reason=r["reason"]) for r in first]


#: The counts of the staged tables: DatasetInfo's, then the external parties of :func:`ona.io.load.external_counts`.
_COUNTS_SQL = """
SELECT (SELECT count(*) FROM emails), (SELECT count(*) FROM email_recipients),
       (SELECT count(*) FROM meetings), (SELECT count(*) FROM meeting_attendees),
       (SELECT count(DISTINCT ticket_id) FROM tickets), (SELECT count(*) FROM tickets),
       (SELECT count(*) FROM chats), (SELECT count(*) FROM chat_recipients), (SELECT count(*) FROM ties),
       (SELECT count(*) FROM group_handoffs),
       (SELECT count(DISTINCT address) FROM (
            SELECT sender_address AS address FROM emails WHERE sender_idx IS NULL
            UNION ALL SELECT address FROM email_recipients WHERE pidx IS NULL
            UNION ALL SELECT address FROM meeting_attendees WHERE pidx IS NULL
            UNION ALL SELECT assignee_address FROM tickets WHERE assignee_idx IS NULL
            UNION ALL SELECT sender_address FROM chats WHERE sender_idx IS NULL
            UNION ALL SELECT address FROM chat_recipients WHERE pidx IS NULL
            UNION ALL SELECT source_address FROM ties WHERE source_idx IS NULL
            UNION ALL SELECT target_address FROM ties WHERE target_idx IS NULL)),
       (SELECT count(*) FROM emails WHERE sender_idx IS NULL)
           + (SELECT count(*) FROM email_recipients WHERE pidx IS NULL),
       (SELECT count(*) FROM meeting_attendees WHERE pidx IS NULL),
       (SELECT count(*) FROM tickets WHERE assignee_idx IS NULL),
       (SELECT count(*) FROM chats WHERE sender_idx IS NULL)
           + (SELECT count(*) FROM chat_recipients WHERE pidx IS NULL),
       (SELECT count(*) FROM ties WHERE source_idx IS NULL) + (SELECT count(*) FROM ties WHERE target_idx IS NULL),
       (SELECT min(t) FROM (SELECT min(ts) AS t FROM emails UNION ALL SELECT min(start) FROM meetings
            UNION ALL SELECT min(ts) FROM tickets UNION ALL SELECT min(ts) FROM chats
            UNION ALL SELECT min(period_start) FROM ties UNION ALL SELECT min(ts) FROM group_handoffs)),
       (SELECT max(t) FROM (SELECT max(ts) AS t FROM emails UNION ALL SELECT max(start) FROM meetings
            UNION ALL SELECT max(ts) FROM tickets UNION ALL SELECT max(ts) FROM chats
            UNION ALL SELECT max(period_start) FROM ties UNION ALL SELECT max(ts) FROM group_handoffs))
"""

_COUNT_NAMES = ("emails", "email_recipients", "meetings", "meeting_attendees", "tickets", "ticket_rows", "chats",
                "chat_recipients", "ties", "group_handoffs")
_EXTERNAL_NAMES = ("addresses", "email_references", "meeting_references", "ticket_assignments", "chat_references",
                   "tie_references")


def _counts(spark: SparkSession, stage: str) -> tuple[dict[str, int], dict[str, int], datetime | None, datetime | None]:
    """Counts, external parties and first / last event of the staged tables (read back: cheap Parquet scans)."""
    for names in EVENT_TABLES.values():
        for table in names:
            spark.read.parquet(f"{stage}/{table}.parquet").createOrReplaceTempView(table)
    try:
        row = spark.sql(_COUNTS_SQL).toArrow()  # Arrow: timestamps in UTC, not the driver's local time
    finally:
        for names in EVENT_TABLES.values():
            for table in names:
                spark.catalog.dropTempView(table)
    values = [column[0].as_py() for column in row.columns]  # by position: the subqueries' names repeat
    counts = dict(zip(_COUNT_NAMES, (int(v) for v in values[:10]), strict=True))
    external = dict(zip(_EXTERNAL_NAMES, (int(v) for v in values[10:16]), strict=True))
    first, last = (None if v is None else v.astimezone(UTC).replace(tzinfo=None) for v in values[16:18])
    return counts, external, first, last
