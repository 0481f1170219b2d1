"""The files of a dataset folder or lake URI, as Spark lists them.

Input: a folder or URI that Spark can read (``/data/org``,
``file:///data/org``, ``s3a://bucket/org``, ``abfss://c@account.dfs.core.windows.net/org``,
``dbfs:/mnt/org``...). Output: :class:`TableFiles` per table, and the bytes
of the small files the driver validates itself (people, people_history).

The rules are those of :func:`ona.io.load.find_files`, with folders: a
table is a file or a folder at the top of the dataset folder whose name,
without extension and ignoring case, is the table's name
(``emails.csv``, ``Emails.parquet``, ``emails/`` or ``emails.parquet/`` of
part files, as Spark and most lake tools write them). The format comes from
the name's extension, else from the part files' (``part-0000.csv``,
``part-0000-....snappy.parquet``); compressed CSV parts (``.csv.gz``) are
read as Spark reads them. Hidden files (``_SUCCESS``, ``.crc``) are
ignored. The Spark engine reads CSV and Parquet; a JSON Lines table is
refused with a message saying so. The people and people_history files are
read on the driver and must be single files.

Listing uses Spark's ``binaryFile`` source (its content is not read), so
it needs no JVM handle and works where Spark Connect is the only access.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ona.errors import DatasetError
from ona.io.load import TABLE_ORDER
from ona.io.raw import Format

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["DRIVER_TABLES", "TableFiles", "list_dataset", "read_bytes"]

#: Tables the driver reads and validates itself (small, and needed whole: the directory, the history).
DRIVER_TABLES = ("people", "people_history")

_FORMATS: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_JSON = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class TableFiles:
    """One table of the dataset.

    Attributes
    ----------
    table : str
        The table (``emails``).
    label : str
        The name of the file or folder, as the validation report names it.
    format : {"csv", "parquet"}
    paths : tuple of str
        The file itself, or the part files of the folder, in name order.
    folder : bool
        Whether ``label`` is a folder of part files; their rejected rows are
        then named ``label/part`` (lines count within each part).
    """

    table: str
    label: str
    format: Format
    paths: tuple[str, ...]
    folder: bool

    def part_name(self, path: str) -> str:
        """The name under which a rejected row of ``path`` is reported."""
        return f"{self.label}/{posixpath.basename(path)}" if self.folder else self.label


def _format(name: str) -> Format | None:
    lowered = name.lower()
    for ext, fmt in _FORMATS.items():
        if lowered.endswith(ext) or f"{ext}." in lowered:  # part-0.csv, part-0.csv.gz, x.snappy.parquet
            return fmt
    return None


def _table_of(name: str) -> str:
    stem = name.split(".", 1)[0] if not name.startswith(".") else name
    return stem.lower()


def _root(paths: list[str]) -> str:
    """The common folder of the listed paths (the dataset folder: its people file is at the top)."""
    parts = [p.split("/")[:-1] for p in paths]
    common = parts[0]
    for other in parts[1:]:
        n = 0
        while n < min(len(common), len(other)) and common[n] == other[n]:
            n += 1
        common = common[:n]
    return "/".join(common)


def list_dataset(spark: SparkSession, source: str) -> dict[str, TableFiles]:
    """The dataset's tables (in :data:`ona.io.load.TABLE_ORDER`) found at ``source``.

    Raises
    ------
    DatasetError
        If the folder does not exist or holds no people file, a table has
        two entries, is JSON Lines, mixes formats, or the people or people
        history table is a folder.
    """
    from pyspark.errors import AnalysisException

    try:
        rows = (spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(source)
                .select("path").collect())
    except AnalysisException as exc:
        problem = exc.getMessage()[:200]
        raise DatasetError(source, f"no such dataset folder, or Spark cannot read it ({problem})") from exc
    paths = sorted(r["path"] for r in rows)
    if not paths:
        raise DatasetError(source, "no people file (people.csv or people.parquet) in the folder")
    root = _root(paths)
    entries: dict[str, list[str]] = {}
    for path in paths:
        rel = path[len(root):].lstrip("/")
        entries.setdefault(rel.split("/", 1)[0], []).append(path)
    found: dict[str, TableFiles] = {}
    for name, files in sorted(entries.items()):
        table = _table_of(name)
        if table not in TABLE_ORDER:
            continue
        folder = len(files) > 1 or files[0][len(root):].strip("/") != name
        if name.lower().endswith(_JSON) or any(f.lower().endswith(_JSON) for f in files):
            raise DatasetError(name, "the Spark engine reads CSV and Parquet tables; convert this JSON Lines "
                                     "file, or analyze with --engine duckdb")
        formats = {_format(name)} if _format(name) else {_format(posixpath.basename(f)) for f in files}
        if None in formats or len(formats) != 1:
            raise DatasetError(name, "unsupported file type (use .csv or .parquet, one format per table)")
        if table in found:
            raise DatasetError(name, f"the folder holds two entries for the {table} table "
                                     f"({found[table].label} and {name}); keep only one")
        if folder and table in DRIVER_TABLES:
            raise DatasetError(name, f"the {table} table is read on the driver: give it as one file, not a folder")
        found[table] = TableFiles(table=table, label=name, format=formats.pop(), paths=tuple(files), folder=folder)
    if "people" not in found:
        raise DatasetError(PurePosixPath(source.rstrip("/")).name or source,
                           "no people file (people.csv or people.parquet) in the folder")
    return {t: found[t] for t in TABLE_ORDER if t in found}


def read_bytes(spark: SparkSession, path: str) -> bytes:
    """The bytes of one (small) file that Spark can read: the people file, on the driver."""
    row = spark.read.format("binaryFile").load(path).select("content").collect()
    if not row:
        raise DatasetError(posixpath.basename(path), "cannot be opened")
    return bytes(row[0]["content"])
