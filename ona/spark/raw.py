"""A table's files -> one Spark DataFrame of strings with the exact line of every row.

Input: :class:`ona.spark.files.TableFiles` (a CSV or Parquet file, or a
folder of part files). Output: :class:`RawFrame`, what
:class:`ona.io.raw.RawTable` is to the driver's readers: one string column
per named column (``c0, c1, ...`` in file order, columns with an empty
name dropped), ``line`` (the 1-based line of the row in its file, the
header being line 1; for Parquet the row number), ``part`` (the name the
validation report gives the row's file) and ``key`` (the row's place in
the table: part number << 40 | line, so that "an earlier row" means the
same thing as on the driver), plus the rejects of rows that could not be
split into fields.

CSV, as :mod:`ona.io.csv_reader` reads it (UTF-8, ``,``, RFC 4180
quotes, the first non-blank line is the header, blank lines skipped,
terminators ``\\n``, ``\\r\\n`` or ``\\r``): Spark reads the files as lines;
each line's number is its place in its file, found without a sort: the
lines of one split of a file are numbered in read order
(``monotonically_increasing_id``) and the splits of a file follow each other
(their line counts, a small table, give each split's first line). A record
spans several lines when a quoted field holds a line break: lines with an
odd number of quotes open and close such records (paired by a window over
those lines only), and the lines between are joined to their record (with
``\\n``) by an equi-join on blocks of lines, so it stays a Spark job. A record's fields
are counted outside quotes and split by Spark's ``from_csv``; a record with
another number of fields than the header is rejected ("has 3 fields but
the header has 4"), as is a quoted field left open at the end of the file.
Text that is not UTF-8 (Spark keeps the bytes; ``is_valid_utf8`` finds them) refuses the file, naming
the first such line. Files whose quotes do not follow RFC 4180 (a quote
inside an unquoted field), which the driver reads with Python's lenient
``csv`` module, may be split differently here.

Parquet, as :mod:`ona.io.readers` reads it: every column as text (numbers,
booleans, dates and timestamps as a CSV export writes them, lists joined
with ``;``), the line of a row is its row number in its file
(``_metadata.row_index`` + 1). Parquet timestamps in nanoseconds cannot be
read by Spark (write microseconds).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

import pyarrow as pa

from ona.errors import DatasetError
from ona.io.csv_reader import UNCLOSED
from ona.io.raw import RawTable, check_names, not_utf8
from ona.spark.files import TableFiles

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["RawFrame", "read_raw"]

#: Lines per block of the join that gathers the lines of multi-line records.
SPAN_BLOCK = 1 << 16
#: Bits of ``key`` that hold the line (2**40 lines per part).
LINE_BITS = 40


@dataclass
class RawFrame:
    """One table's rows as strings (see the module docstring).

    Attributes
    ----------
    files : TableFiles
    names : list of str
        The named columns (``names[i]`` is column ``c{i}``).
    rows : DataFrame
        ``c0 ... c{n-1}`` (string), ``line``, ``part``, ``key``.
    rejects : DataFrame
        ``part, line, reason`` of the rows that could not be split into fields.
    """

    files: TableFiles
    names: list[str]
    rows: DataFrame
    rejects: DataFrame

    def release(self) -> None:
        """Forget the cached rejects (kept while the table is validated: counted, then listed)."""
        self.rejects.unpersist()

    def table(self) -> RawTable:
        """A row-less :class:`ona.io.raw.RawTable` of these names: ona's column lookup and its errors."""
        return RawTable(file=self.files.label, format=self.files.format, names=self.names,
                        table=pa.table({"line": pa.array([], pa.int64())}), rows_read=0)


def _f():  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    return F


def read_raw(spark: SparkSession, files: TableFiles) -> RawFrame:
    """Read one table's files (see the module docstring).

    Raises
    ------
    DatasetError
        A file that is empty, has no header, is not UTF-8 or not readable
        Parquet, holds a column with no text form, or whose parts disagree
        on the columns; two columns with the same name.
    """
    if files.format == "csv":
        return _read_csv(spark, files)
    return _read_parquet(spark, files)


def _parts(spark: SparkSession, files: TableFiles, encoded: list[str]) -> tuple[DataFrame, dict[str, str]]:
    """The small table (``_path``, ``part``, ``_part_no``) of the files Spark read, by the path Spark gives.

    Spark's ``_metadata.file_path`` is URI-encoded; it is decoded here to
    match the listed path, whose place in name order numbers the part.
    """
    order = {path: i for i, path in enumerate(files.paths)}
    rows = []
    names = {}
    for path in encoded:
        number = order.get(unquote(path))
        if number is None:
            raise DatasetError(files.label, f"Spark read {unquote(path)}, which is not among the files listed")
        names[path] = files.part_name(files.paths[number])
        rows.append((path, names[path], number))
    table = pa.table({"_path": pa.array([r[0] for r in rows], pa.string()),
                      "part": pa.array([r[1] for r in rows], pa.string()),
                      "_part_no": pa.array([r[2] for r in rows], pa.int64())})
    return spark.createDataFrame(table), names


def _cached(frame: DataFrame) -> DataFrame:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK)


def _with_key(frame: DataFrame) -> DataFrame:
    F = _f()
    return frame.withColumn("key", F.shiftleft(F.col("_part_no"), LINE_BITS) + F.col("line")).drop("_part_no", "_path")


# ------------------------------------------------------------------ CSV


def _read_csv(spark: SparkSession, files: TableFiles) -> RawFrame:
    F = _f()
    lines = spark.read.text(list(files.paths)).select(
        F.col("value"), F.col("_metadata.file_path").alias("_path"),
        F.col("_metadata.file_block_start").alias("_block"), F.monotonically_increasing_id().alias("_mid"),
    )
    quotes = F.length(F.col("value")) - F.length(F.regexp_replace(F.col("value"), '"', ""))
    lines = lines.withColumn("_odd", (quotes % 2) == 1)
    content = F.regexp_replace(F.col("value"), "^\ufeff", "") != ""
    blocks = lines.groupBy("_path", "_block").agg(
        F.count(F.lit(1)).alias("n"), F.min("_mid").alias("m0"),
        F.min(F.when(content, F.struct("_mid", "value"))).alias("first"),
        F.sum(F.col("_odd").cast("long")).alias("odd"),
        F.min(F.when(~F.is_valid_utf8(F.col("value")), F.col("_mid"))).alias("bad"),
    ).collect()
    by_path: dict[str, list] = defaultdict(list)
    for b in blocks:
        by_path[b["_path"]].append(b)
    parts, names_of = _parts(spark, files, sorted(by_path))
    read = {unquote(p) for p in by_path}
    for path in files.paths:
        if path not in read:  # not one line
            raise DatasetError(files.part_name(path), "the file is empty")
    bases, headers, total = [], {}, {}
    for path, bs in by_path.items():
        offset = 0
        header = None
        bad = None
        for b in sorted(bs, key=lambda b: b["_block"]):
            base = offset - b["m0"] + 1  # line = _mid + base
            bases.append((path, b["_block"], base))
            if header is None and b["first"] is not None:
                header = (b["first"]["_mid"] + base, b["first"]["value"])
            if bad is None and b["bad"] is not None:
                bad = b["bad"] + base
            offset += b["n"]
        total[path] = offset
        if bad is not None:
            raise not_utf8(names_of[path], bad)
        if header is None:
            raise DatasetError(names_of[path], "the file is empty (no header row)")
        headers[path] = header
    names = _csv_names(files, {names_of[p]: h[1] for p, h in headers.items()})
    base_table = spark.createDataFrame(pa.table({
        "_path": pa.array([b[0] for b in bases], pa.string()), "_block": pa.array([b[1] for b in bases], pa.int64()),
        "_base": pa.array([b[2] for b in bases], pa.int64()),
        "_header": pa.array([headers[b[0]][0] for b in bases], pa.int64()),
    }))
    numbered = (lines.join(F.broadcast(base_table), ["_path", "_block"])
                .select("_path", (F.col("_mid") + F.col("_base")).alias("line"), "value", "_odd", "_header")
                .where(F.col("line") > F.col("_header")))
    if any(b["odd"] for b in blocks):
        records = _records(spark, numbered, total)
    else:
        records = numbered.where(F.col("value") != "").select(
            "_path", "line", F.col("value").alias("text"), F.lit(False).alias("unclosed"))
    return _split(files, names, records.join(F.broadcast(parts), "_path"))


def _csv_names(files: TableFiles, headers: dict[str, str]) -> list[str]:
    """The header's column names (every part's must be the same), as ona's CSV reader reads them."""
    parsed = {part: check_names(part, next(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))))
              for part, text in headers.items()}
    first_part, names = next(iter(sorted(parsed.items())))
    for part, other in parsed.items():
        if other != names:
            raise DatasetError(files.label, f"{part} and {first_part} have different columns "
                                            f"({', '.join(other)} / {', '.join(names)})")
    return names


def _records(spark: SparkSession, numbered: DataFrame, total: dict[str, int]) -> DataFrame:
    """Records of files where a quoted field holds a line break: each record's lines joined with ``\\n``.

    A line with an odd number of quotes opens a quoted field that the next
    such line closes (RFC 4180 quoting); the lines from an opening line to
    its closing line are one record, which starts on the opening line. An
    opening line never closed makes a record up to the end of the file,
    rejected as unclosed. The pairing is a window over those lines only, and
    each line finds its record by an equi-join on blocks of lines: nothing
    is collected on the driver.
    """
    from pyspark.sql import Window

    F = _f()
    order = Window.partitionBy("_path").orderBy("line")
    odd = numbered.where("_odd").select("_path", "line", F.row_number().over(order).alias("_n"),
                                        F.lead("line").over(order).alias("_next"))
    totals = spark.createDataFrame(pa.table({"_path": pa.array(list(total), pa.string()),
                                             "_total": pa.array(list(total.values()), pa.int64())}))
    spans = (odd.where(F.col("_n") % 2 == 1).join(F.broadcast(totals), "_path")
             .select("_path", F.col("line").alias("_open"), F.coalesce("_next", "_total").alias("_close"),
                     F.col("_next").isNull().alias("unclosed")))
    block = F.lit(SPAN_BLOCK)
    spans = spans.withColumn("_sblock", F.explode(F.sequence(F.floor(F.col("_open") / block).cast("long"),
                                                             F.floor(F.col("_close") / block).cast("long"))))
    spans = spans.withColumnRenamed("_path", "_spath")
    lined = numbered.withColumn("_lblock", F.floor(F.col("line") / block).cast("long"))
    joined = lined.join(
        spans,
        (F.col("_path") == F.col("_spath")) & (F.col("_lblock") == F.col("_sblock"))
        & (F.col("line") >= F.col("_open")) & (F.col("line") <= F.col("_close")),
        "left",
    ).select("_path", "line", "value", "_open", "unclosed")
    single = joined.where(F.col("_open").isNull() & (F.col("value") != "")).select(
        "_path", "line", F.col("value").alias("text"), F.lit(False).alias("unclosed"))
    multi = joined.where(F.col("_open").isNotNull()).groupBy("_path", "_open").agg(
        F.array_join(F.transform(F.array_sort(F.collect_list(F.struct("line", "value"))), lambda x: x["value"]),
                     "\n").alias("text"),
        F.max("unclosed").alias("unclosed"),
    ).select("_path", F.col("_open").alias("line"), "text", "unclosed")
    return single.unionByName(multi)


def _split(files: TableFiles, names: list[str], records: DataFrame) -> RawFrame:
    """Split records into the header's fields; reject the others (see :func:`ona.io.raw.fields_reason`)."""
    F = _f()
    ncols = len(names)
    outside = F.regexp_replace(F.col("text"), '"[^"]*"', "")
    fields = F.size(F.split(outside, ",", -1))
    ok = (fields == ncols) & ~F.col("unclosed")
    schema = ", ".join(f"f{i} STRING" for i in range(ncols))
    parsed = F.from_csv(F.col("text"), schema, {"sep": ",", "quote": '"', "escape": '"', "mode": "PERMISSIVE"})
    keep = [i for i, n in enumerate(names) if n]
    if not keep:
        raise DatasetError(files.label, "the header names no column (the first row must name the columns)")
    rows = records.where(ok).select(
        *(parsed[f"f{i}"].alias(f"c{j}") for j, i in enumerate(keep)), "line", "part", "_part_no", "_path")
    noun = F.when(fields == 1, F.lit(" field")).otherwise(F.lit(" fields"))
    reason = F.when(F.col("unclosed"), F.lit(UNCLOSED)).otherwise(
        F.concat(F.lit("has "), fields.cast("string"), noun, F.lit(f" but the header has {ncols}")))
    rejects = _cached(records.where(~ok).select("part", "line", reason.alias("reason")))
    return RawFrame(files=files, names=[names[i] for i in keep], rows=_with_key(rows), rejects=rejects)


# -------------------------------------------------------------- Parquet


def _read_parquet(spark: SparkSession, files: TableFiles) -> RawFrame:
    from pyspark.errors import AnalysisException
    from pyspark.sql import types as T

    F = _f()
    try:
        frame = spark.read.parquet(*files.paths)
        schema = frame.schema
    except AnalysisException as exc:
        raise DatasetError(files.label, "the file is not readable Parquet (corrupt, truncated or another "
                                        f"format): {exc.getMessage()[:200]}") from exc
    names = check_names(files.label, [f.name for f in schema.fields])
    keep = [i for i, n in enumerate(names) if n]
    for field in schema.fields:
        if isinstance(field.dataType, (T.StructType, T.MapType)):
            raise DatasetError(files.label, f"column '{field.name}' holds {field.dataType.simpleString()} values, "
                                            "which cannot be read as text")
    frame = frame.select(
        *(_as_text(F.col(f"`{schema.fields[i].name}`"), schema.fields[i].dataType).alias(f"c{j}")
          for j, i in enumerate(keep)),
        F.col("_metadata.file_path").alias("_path"), (F.col("_metadata.row_index") + 1).alias("line"),
    )
    encoded = [r["_path"] for r in frame.select("_path").distinct().collect()]
    parts, _ = _parts(spark, files, sorted(encoded))
    rows = frame.join(F.broadcast(parts), "_path")
    rejects = spark.createDataFrame([], "part STRING, line LONG, reason STRING")
    return RawFrame(files=files, names=[names[i] for i in keep], rows=_with_key(rows), rejects=rejects)


def _as_text(col: Column, kind: object) -> Column:
    """A Parquet column as the driver's Parquet reader writes it as text (pyarrow's casts to string)."""
    from pyspark.sql import types as T

    F = _f()
    if isinstance(kind, T.StringType):
        return col
    if isinstance(kind, T.ArrayType):
        return F.array_join(F.transform(col, lambda x: F.coalesce(_as_text(x, kind.elementType), F.lit(""))), ";")
    if isinstance(kind, T.DoubleType):
        return _double_text(col)
    if isinstance(kind, T.TimestampType):
        return F.concat(F.date_format(col, "yyyy-MM-dd HH:mm:ss.SSSSSS"), F.lit("Z"))
    if isinstance(kind, T.TimestampNTZType):
        return F.date_format(col, "yyyy-MM-dd HH:mm:ss.SSSSSS")
    return col.cast("string")


def _double_text(x: Column) -> Column:
    """A double as Arrow writes it: shortest digits, plain from 1e-6 to 1e10, else ``1.5e-7`` / ``1e+20``."""
    F = _f()
    plain = F.regexp_replace(F.regexp_replace(x.try_cast("decimal(38,28)").cast("string"), "0+$", ""), "\\.$", "")
    java = x.cast("string")  # 1.5E-7, 1.0E20
    exponent = F.regexp_replace(F.regexp_replace(F.regexp_replace(java, "\\.0E", "E"), "E-", "e-"), "E", "e+")
    return (F.when(F.isnan(x), F.lit("nan")).when(x == float("inf"), F.lit("inf"))
            .when(x == float("-inf"), F.lit("-inf")).when(x == 0, F.lit("0"))
            .when((F.abs(x) >= 1e-6) & (F.abs(x) < 1e10), plain).otherwise(exponent))
