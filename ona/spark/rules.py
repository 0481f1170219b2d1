"""ona's row rules as Spark column expressions: trimming, ISO 8601 times, numbers, reasons, lists, identities.

Input: string columns of a raw event table (:mod:`ona.spark.raw`). Output:
Spark ``Column`` expressions and DataFrames that give, row for row, what
the Arrow and DuckDB helpers of :mod:`ona.io` give (:mod:`ona.io.prep`,
:mod:`ona.io.checks`, :mod:`ona.io.sqlkit`, :mod:`ona.io.directory`):

- :func:`trimmed`: ``utf8_trim_whitespace`` (Unicode white space, as
  Python's ``str.strip``), null as ``''``;
- :func:`iso_ts`: the ``iso_ts`` macro (the same accepted forms; offsets up
  to +-23:59; fractions truncated to microseconds; impossible dates null);
- :func:`number`: DuckDB's ``try_cast(s AS DOUBLE)`` when finite (digits
  may be grouped with single underscores, as DuckDB allows);
- :func:`lowered`: ``utf8_lower`` (Java lower-cases U+0130 to two
  characters, Arrow to ``i``: the one difference in the Basic Multilingual
  Plane, patched);
- :func:`reason`: :class:`ona.io.checks.Checks` (the messages of the
  failing checks joined with ``'; '``, quoted values cut to 60 characters);
- :func:`items`: :func:`ona.io.prep.exploded` (``;``-separated, trimmed,
  empty items dropped, in written order);
- :class:`People`: :class:`ona.io.directory.Directory` as two small tables
  broadcast to the executors (person_id exactly, else the lower-cased
  reference among the lower-cased aliases and person_ids), giving the
  store's person index (``pidx``, the rank of the person_id in byte order),
  the lower-cased address of an external party, and an identity (``ident``)
  under which two aliases of one person count once.

The tests in ``tests/spark`` hold each of these to its :mod:`ona.io`
counterpart on the same values (every kind of bad row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from ona.io.checks import SHOWN
from ona.io.directory import Directory

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["People", "items", "iso_ts", "lowered", "number", "reason", "shown", "trimmed"]

#: The characters ``utf8_trim_whitespace`` trims (Python's ``str.isspace``), as a Java regex class.
WHITE = "[\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"

#: :data:`ona.io.sqlkit._ISO` with its parts captured: date, hour, minute, second, fraction, offset.
ISO_PARTS = (
    r"^(\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d+))?)?"
    r"([Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?$"
)

#: What DuckDB casts to DOUBLE: digits (single underscores between them), a point, an exponent.
_DIGITS = r"\d+(?:_\d+)*"
NUMBER = rf"^[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?$"


def _f():  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    return F


def trimmed(column: Column | str) -> Column:
    """The value without surrounding Unicode white space; ``''`` for null (:func:`ona.io.prep.trimmed`)."""
    F = _f()
    col = F.col(column) if isinstance(column, str) else column
    return F.coalesce(F.regexp_replace(col, f"^{WHITE}+|{WHITE}+$", ""), F.lit(""))


def lowered(column: Column) -> Column:
    """``pyarrow.compute.utf8_lower`` of a string column."""
    F = _f()
    return F.lower(F.regexp_replace(column, "\u0130", "i"))


def iso_ts(text: Column) -> Column:
    """A trimmed text as a UTC timestamp when it is ISO 8601, else null (the ``iso_ts`` macro of :mod:`ona.io.sqlkit`).

    The local time is parsed strictly (no February 30) as UTC and the
    offset subtracted in microseconds, so that offsets Java's parser
    refuses (beyond 18 hours) are read as DuckDB reads them.
    """
    F = _f()

    def part(i: int) -> Column:
        return F.regexp_extract(text, ISO_PARTS, i)

    def default(value: Column, fill: str) -> Column:
        return F.when(value == "", F.lit(fill)).otherwise(value)

    fraction = F.rpad(F.substring(part(5), 1, 6), 6, "0")
    local = F.concat(part(1), F.lit(" "), default(part(2), "00"), F.lit(":"), default(part(3), "00"), F.lit(":"),
                     default(part(4), "00"), F.lit("."), fraction)
    parsed = F.try_to_timestamp(local, F.lit("yyyy-MM-dd HH:mm:ss.SSSSSS"))
    offset = part(6)
    digits = F.regexp_replace(offset, "[^0-9]", "")  # '', 'HH' or 'HHMM'
    minutes = (F.coalesce(F.substring(digits, 1, 2).try_cast("long"), F.lit(0)) * 60
               + F.coalesce(F.substring(digits, 3, 2).try_cast("long"), F.lit(0)))
    signed = F.when(offset.startswith("-"), -minutes).otherwise(minutes)
    ok = text.rlike(ISO_PARTS) & ~text.startswith("0000")
    return F.when(ok, F.timestamp_micros(F.unix_micros(parsed) - signed * 60_000_000))


def number(text: Column) -> Column:
    """A trimmed text as a finite double, else null (:func:`ona.io.checks.parse_numbers`)."""
    F = _f()
    value = F.regexp_replace(text, "_", "").try_cast("double")
    return F.when(text.rlike(NUMBER) & ~F.isnan(value) & (F.abs(value) < float("inf")), value)


def shown(value: Column) -> Column:
    """A value as quoted in a reason: cut to 60 characters (:func:`ona.io.checks.shown`)."""
    F = _f()
    return F.when(F.length(value) > SHOWN, F.concat(F.substring(value, 1, SHOWN - 3), F.lit("..."))).otherwise(value)


def reason(*checks: tuple[Column, str, tuple[Column, ...]]) -> Column:
    """The reason of a row: the messages of its failing checks joined with ``'; '``; null when none fails.

    Each check is ``(failed, message, values)``; ``{}`` in the message is
    filled with the values, as :meth:`ona.io.checks.Checks.add` words them.
    """
    F = _f()
    parts = []
    for failed, message, values in checks:
        texts = message.split("{}")
        pieces: list[Column] = [F.lit(texts[0])]
        for value, text in zip(values, texts[1:]):
            pieces += [shown(value), F.lit(text)]
        parts.append(F.when(failed, F.concat(*pieces)))
    joined = F.concat_ws("; ", *parts)
    return F.when(joined != "", joined)


def items(*columns: Column) -> Column:
    """The ``;``-separated items of the columns, in order, as an array of (pos, item), trimmed, empty ones dropped."""
    F = _f()
    joined = F.concat_ws(";", *(F.coalesce(c, F.lit("")) for c in columns))
    parts = F.transform(F.split(joined, ";"), lambda x: trimmed(x))
    return F.filter(parts, lambda x: x != "")


@dataclass(frozen=True)
class People:
    """The directory of :mod:`ona.io.directory` as two Spark tables (small: broadcast).

    ``exact``: (``_ref``, ``_exact``) person_id -> pidx; ``folded``:
    (``_key``, ``_folded``) lower-cased alias or person_id -> pidx, the
    first person in people's order for a key two people share (the
    directory's rule).
    """

    exact: DataFrame
    folded: DataFrame

    @classmethod
    def build(cls, spark: SparkSession, people: pa.Table, aliases: pa.Table) -> People:
        """From ona's validated people (file order) and aliases."""
        directory = Directory.build(people, aliases)
        ids = directory.person_ids.to_pylist()
        rank = {pid: i for i, pid in enumerate(sorted(ids))}  # code point order is UTF-8 byte order
        pidx = [rank[pid] for pid in ids]
        exact = pa.table({"_ref": pa.array(ids, pa.string()), "_exact": pa.array(pidx, pa.int32())})
        folded = pa.table({
            "_key": directory.ci_keys,
            "_folded": pa.array([pidx[int(i)] for i in directory.ci_person], pa.int32()),
        })
        return cls(spark.createDataFrame(exact), spark.createDataFrame(folded))

    def resolve(self, frame: DataFrame, ref: str, prefix: str) -> DataFrame:
        """Add ``{prefix}_pidx`` (null: external), ``{prefix}_addr`` (lower-cased) and ``{prefix}_ident``.

        ``ref`` names a trimmed reference column of ``frame``. ``ident`` is
        the person index as text for a person, ``@`` and the address for an
        external party: equal for two aliases of one person.
        """
        F = _f()
        addr = f"{prefix}_addr"
        out = frame.withColumn(addr, lowered(F.col(ref)))
        out = out.join(F.broadcast(self.exact), F.col(ref) == F.col("_ref"), "left")
        out = out.join(F.broadcast(self.folded), F.col(addr) == F.col("_key"), "left")
        pidx = F.coalesce(F.col("_exact"), F.col("_folded"))
        out = out.withColumn(f"{prefix}_pidx", pidx).drop("_ref", "_exact", "_key", "_folded")
        ident = F.coalesce(F.col(f"{prefix}_pidx").cast("string"), F.concat(F.lit("@"), F.col(addr)))
        return out.withColumn(f"{prefix}_ident", ident)
