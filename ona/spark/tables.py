"""The event validators of :mod:`ona.io` on Spark: raw rows -> the store's canonical tables and reasons.

Input: a :class:`ona.spark.raw.RawFrame` and the people
(:class:`ona.spark.rules.People`). Output: :class:`Checked`: one row per
raw row with its reason (null when valid) and duplicate flag, and the
canonical tables in the store's schema (:mod:`ona.store.schema`, without
``ds``): person references as person indexes, addresses kept for
external parties only, recipient and member rows carrying their message's
ts, k and sender (and chat reply and channel flags).

Each function applies the rules of its :mod:`ona.io` module, in the same
order and with the same words (see the docstrings of
:mod:`ona.io.emails`, :mod:`ona.io.meetings`, :mod:`ona.io.tickets`,
:mod:`ona.io.chats`, :mod:`ona.io.ties`, :mod:`ona.io.group_handoffs`):
these are the definitions; this module translates them, and
``tests/spark`` holds the two to the same tables, counts and reasons.

One difference of form: ``message_key`` / ``meeting_key`` is the row's
``key`` (part << 40 | line, in file order) rather than 0, 1, ... over the
accepted rows: keys only join a message to its recipients, and numbering
them would take a sort of the whole table on one executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ona.errors import DatasetError
from ona.io.chats import KINDS
from ona.io.ties import DIRECTED
from ona.spark.raw import RawFrame
from ona.spark.rules import People, items, iso_ts, lowered, number, reason, trimmed

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

__all__ = ["STORE_COLUMNS", "VALIDATORS", "Checked", "canonical"]

#: The store's event tables (without ``ds``) as Spark types, in column order (:mod:`ona.store.schema`).
STORE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "emails": (("message_key", "bigint"), ("ts", "timestamp"), ("sender_idx", "int"), ("sender_address", "string"),
               ("k", "int"), ("line", "bigint")),
    "email_recipients": (("message_key", "bigint"), ("pidx", "int"), ("address", "string"), ("ts", "timestamp"),
                         ("k", "int"), ("sender_idx", "int")),
    "meetings": (("meeting_key", "bigint"), ("meeting_id", "string"), ("start", "timestamp"), ("hours", "double"),
                 ("n_attendees", "int"), ("organizer_idx", "int"), ("line", "bigint")),
    "meeting_attendees": (("meeting_key", "bigint"), ("pidx", "int"), ("address", "string")),
    "tickets": (("ticket_id", "string"), ("ts", "timestamp"), ("assignee_idx", "int"), ("assignee_address", "string"),
                ("status", "string"), ("line", "bigint")),
    "chats": (("message_key", "bigint"), ("ts", "timestamp"), ("conversation_id", "string"), ("kind", "string"),
              ("sender_idx", "int"), ("sender_address", "string"), ("k", "int"), ("reply", "boolean"),
              ("thread_author_idx", "int"), ("thread_author_address", "string"), ("line", "bigint")),
    "chat_recipients": (("message_key", "bigint"), ("pidx", "int"), ("address", "string"), ("ts", "timestamp"),
                        ("k", "int"), ("sender_idx", "int"), ("reply", "boolean"), ("channel", "boolean")),
    "ties": (("source_idx", "int"), ("source_address", "string"), ("target_idx", "int"), ("target_address", "string"),
             ("weight", "double"), ("channel", "string"), ("period_start", "timestamp"), ("directed", "boolean"),
             ("line", "bigint")),
    "group_handoffs": (("ticket_id", "string"), ("ts", "timestamp"), ("from_group", "string"),
                       ("to_group", "string"), ("line", "bigint")),
}


@dataclass
class Checked:
    """What a validator gives.

    Attributes
    ----------
    rows : DataFrame
        One row per raw row: ``part, line, reason`` (null: valid),
        ``duplicate``. Persisted: call :meth:`release` when done.
    tables : dict of str to DataFrame
        The canonical tables (:data:`STORE_COLUMNS`), derived from ``rows``.
    """

    rows: DataFrame
    tables: dict[str, DataFrame]
    persisted: tuple[DataFrame, ...] = ()

    def release(self) -> None:
        for frame in self.persisted:
            frame.unpersist()


def _f():  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    return F


def canonical(frame: DataFrame, table: str) -> DataFrame:
    """``frame``'s columns of a store table, in order and of its types."""
    F = _f()
    return frame.select(*(F.col(name).cast(kind).alias(name) for name, kind in STORE_COLUMNS[table]))


def _text(raw: RawFrame, names: dict[str, str | None]) -> list[Column]:
    """Trimmed columns (``''`` when missing or null) named as given: output name -> raw column name."""
    F = _f()
    lookup = raw.table()
    out = []
    for alias, name in names.items():
        col = lookup.column(name) if name is not None else None
        out.append((trimmed(col) if col is not None else F.lit("")).alias(alias))
    return out


def _raw(raw: RawFrame, name: str) -> Column:
    """A raw (untrimmed) column, null when the file lacks it."""
    F = _f()
    col = raw.table().column(name)
    return F.col(col) if col is not None else F.lit(None).cast("string")


def _null_if_blank(col: Column) -> Column:
    F = _f()
    return F.when(col != "", col)


def _external(idx: str, addr: str) -> Column:
    """The address kept for an external party only (:mod:`ona.store.ingest`)."""
    F = _f()
    return F.when(F.col(idx).isNull(), F.col(addr))


def _persist(frame: DataFrame) -> DataFrame:
    from pyspark import StorageLevel

    return frame.persist(StorageLevel.MEMORY_AND_DISK)


def _members(people: People, frame: DataFrame, exclude: str | None) -> tuple[DataFrame, DataFrame]:
    """The distinct members of each row's list ``_items`` (in written order) and per row their counts.

    Returns ``(members, counts)``: ``members`` has one row per first
    occurrence of an identity in the row (``key, r_pidx, r_addr``), the
    identity ``exclude`` (the sender) left out; ``counts`` has per row
    ``n_listed`` (distinct identities listed) and ``n_counted``.
    """
    F = _f()
    cols = ["key"] + ([exclude] if exclude else [])
    exploded = frame.select(*cols, F.posexplode("_items").alias("pos", "ref"))
    resolved = people.resolve(exploded, "ref", "r")
    first = resolved.groupBy("key", "r_ident").agg(
        F.min("pos").alias("pos"), F.any_value("r_pidx").alias("r_pidx"), F.any_value("r_addr").alias("r_addr"),
        *([F.any_value(exclude).alias(exclude)] if exclude else []),
    )
    counted = ~F.col("r_ident").eqNullSafe(F.col(exclude)) if exclude else F.lit(True)
    first = _persist(first.withColumn("counted", counted))
    counts = first.groupBy("key").agg(F.count(F.lit(1)).alias("n_listed"),
                                      F.count(F.when(F.col("counted"), 1)).alias("n_counted"))
    return first, counts


def _with_counts(frame: DataFrame, counts: DataFrame) -> DataFrame:
    F = _f()
    out = frame.join(counts, "key", "left")
    return out.fillna(0, ["n_listed", "n_counted"]).withColumn("listed", F.col("n_listed") > 0)


def _duplicates(frame: DataFrame, *same: str) -> DataFrame:
    """``duplicate``: a row whose ``same`` columns an earlier row already had, among the rows ``_dedup`` marks."""
    F = _f()
    firsts = frame.where(F.col("_dedup")).groupBy(*same).agg(F.min("key").alias("_first"))
    out = frame.join(firsts, list(same), "left")
    return out.withColumn("duplicate", F.col("_dedup") & (F.col("key") != F.col("_first"))).drop("_first")


def _rows(frame: DataFrame) -> DataFrame:
    return frame.select("part", "line", "reason", "duplicate")


# ------------------------------------------------------------------ emails


def emails(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.emails.validate_emails` on Spark."""
    F = _f()
    raw.table().require("timestamp", "sender", "recipients")
    t = raw.rows.select(
        "key", "line", "part",
        *_text(raw, {"ts_raw": "timestamp", "sender": "sender", "mid": "message_id"}),
        items(_raw(raw, "recipients"), _raw(raw, "cc"), _raw(raw, "bcc")).alias("_items"),
    )
    t = people.resolve(t, "sender", "s").withColumn("s_key", F.when(F.col("sender") != "", F.col("s_ident")))
    members, counts = _members(people, t, "s_key")
    t = _with_counts(t, counts).withColumn("ts", iso_ts(F.col("ts_raw")))
    blank_ts = F.col("ts_raw") == ""
    t = t.withColumn("reason", reason(
        (blank_ts, "timestamp is empty", ()),
        (~blank_ts & F.col("ts").isNull(), "timestamp '{}' is not ISO 8601", (F.col("ts_raw"),)),
        (F.col("sender") == "", "sender is empty", ()),
        (~F.col("listed"), "no recipient (recipients, cc and bcc are empty)", ()),
        (F.col("listed") & (F.col("n_counted") == 0), "no recipient other than the sender", ()),
    )).withColumn("_dedup", F.col("reason").isNull() & (F.col("mid") != ""))
    t = _persist(_duplicates(t.drop("_items"), "mid"))
    accepted = t.where(F.col("reason").isNull() & ~F.col("duplicate")).select(
        F.col("key").alias("message_key"), "ts", F.col("s_pidx").alias("sender_idx"),
        _external("s_pidx", "s_addr").alias("sender_address"), F.col("n_counted").alias("k"), "line")
    recipients = members.where("counted").join(accepted, F.col("key") == F.col("message_key")).select(
        "message_key", F.col("r_pidx").alias("pidx"), _external("r_pidx", "r_addr").alias("address"), "ts", "k",
        "sender_idx")
    return Checked(_rows(t), {"emails": canonical(accepted, "emails"),
                              "email_recipients": canonical(recipients, "email_recipients")}, (t, members))


# ---------------------------------------------------------------- meetings


def meetings(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.meetings.validate_meetings` on Spark."""
    F = _f()
    lookup = raw.table()
    lookup.require("meeting_id", "start", "attendees")
    if lookup.column("end") is None and lookup.column("duration_minutes") is None:
        raise DatasetError(raw.files.label,
                           f"missing required column 'end' or 'duration_minutes' ({lookup.found()})")
    t = raw.rows.select(
        "key", "line", "part",
        *_text(raw, {"meeting_id": "meeting_id", "start_raw": "start", "end_raw": "end",
                     "duration": "duration_minutes", "organizer": "organizer"}),
        items(_raw(raw, "attendees")).alias("_items"),
    )
    t = people.resolve(t, "organizer", "o")
    members, counts = _members(people, t, None)
    t = (_with_counts(t, counts).withColumn("start", iso_ts(F.col("start_raw")))
         .withColumn("end", iso_ts(F.col("end_raw"))).withColumn("minutes", number(F.col("duration"))))
    blank = {c: F.col(c) == "" for c in ("meeting_id", "start_raw", "end_raw", "duration")}
    start_ok, end_ok = F.col("start").isNotNull(), F.col("end").isNotNull()
    by_minutes = blank["end_raw"] & ~blank["duration"]
    start_us, end_us = F.unix_micros("start"), F.unix_micros("end")
    t = t.withColumn("reason", reason(
        (blank["meeting_id"], "meeting_id is empty", ()),
        (blank["start_raw"], "start is empty", ()),
        (~blank["start_raw"] & ~start_ok, "start '{}' is not ISO 8601", (F.col("start_raw"),)),
        (~blank["end_raw"] & ~end_ok, "end '{}' is not ISO 8601", (F.col("end_raw"),)),
        (start_ok & end_ok & (end_us <= start_us), "end '{}' is not after start '{}'",
         (F.col("end_raw"), F.col("start_raw"))),
        (by_minutes & F.col("minutes").isNull(), "duration_minutes '{}' is not a number", (F.col("duration"),)),
        (by_minutes & (F.col("minutes") <= 0), "duration_minutes '{}' is not positive", (F.col("duration"),)),
        (blank["end_raw"] & blank["duration"], "neither end nor duration_minutes is given", ()),
        (F.col("n_listed") == 0, "no attendees", ()),
    )).withColumn("_dedup", F.col("reason").isNull())
    t = _persist(_duplicates(t.drop("_items"), "meeting_id", "start"))
    hours = F.when(blank["end_raw"], F.col("minutes") / 60.0).otherwise((end_us - start_us) / 3.6e9)
    accepted = t.where(F.col("reason").isNull() & ~F.col("duplicate")).select(
        F.col("key").alias("meeting_key"), "meeting_id", "start", hours.alias("hours"),
        F.col("n_listed").alias("n_attendees"),
        F.when(F.col("organizer") != "", F.col("o_pidx")).alias("organizer_idx"), "line")
    attendees = members.join(accepted.select("meeting_key"), F.col("key") == F.col("meeting_key")).select(
        "meeting_key", F.col("r_pidx").alias("pidx"), _external("r_pidx", "r_addr").alias("address"))
    return Checked(_rows(t), {"meetings": canonical(accepted, "meetings"),
                              "meeting_attendees": canonical(attendees, "meeting_attendees")}, (t, members))


# ----------------------------------------------------------------- tickets


def tickets(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.tickets.validate_tickets` on Spark."""
    F = _f()
    raw.table().require("ticket_id", "timestamp", "assignee")
    t = raw.rows.select("key", "line", "part", *_text(raw, {"ticket_id": "ticket_id", "ts_raw": "timestamp",
                                                            "assignee": "assignee", "status": "status"}))
    t = people.resolve(t, "assignee", "a").withColumn("ts", iso_ts(F.col("ts_raw")))
    blank_ts = F.col("ts_raw") == ""
    t = _persist(t.withColumn("reason", reason(
        (F.col("ticket_id") == "", "ticket_id is empty", ()),
        (blank_ts, "timestamp is empty", ()),
        (~blank_ts & F.col("ts").isNull(), "timestamp '{}' is not ISO 8601", (F.col("ts_raw"),)),
        (F.col("assignee") == "", "assignee is empty", ()),
    )).withColumn("duplicate", F.lit(False)))
    accepted = t.where(F.col("reason").isNull()).select(
        "ticket_id", "ts", F.col("a_pidx").alias("assignee_idx"),
        _external("a_pidx", "a_addr").alias("assignee_address"),
        _null_if_blank(F.col("status")).alias("status"), "line")
    return Checked(_rows(t), {"tickets": canonical(accepted, "tickets")}, (t,))


# ------------------------------------------------------------------- chats


def chats(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.chats.validate_chats` on Spark."""
    F = _f()
    raw.table().require("timestamp", "sender", "conversation_id", "recipients")
    t = raw.rows.select(
        "key", "line", "part",
        *_text(raw, {"ts_raw": "timestamp", "sender": "sender", "conv": "conversation_id",
                     "author": "thread_author", "mid": "message_id", "kind_raw": "kind"}),
        items(_raw(raw, "recipients")).alias("_items"),
    )
    t = people.resolve(people.resolve(t, "sender", "s"), "author", "a")
    has_sender, has_author = F.col("sender") != "", F.col("author") != ""
    t = (t.withColumn("s_key", F.when(has_sender, F.col("s_ident")))
         .withColumn("reply", has_author & has_sender & (F.col("a_ident") != F.col("s_ident"))))
    members, counts = _members(people, t, "s_key")
    t = (_with_counts(t, counts).withColumn("ts", iso_ts(F.col("ts_raw")))
         .withColumn("kind", lowered(F.col("kind_raw"))))
    blank_ts, reply = F.col("ts_raw") == "", F.col("reply")
    t = t.withColumn("reason", reason(
        (blank_ts, "timestamp is empty", ()),
        (~blank_ts & F.col("ts").isNull(), "timestamp '{}' is not ISO 8601", (F.col("ts_raw"),)),
        (~has_sender, "sender is empty", ()),
        (F.col("conv") == "", "conversation_id is empty", ()),
        (~F.col("kind").isin("", *KINDS), "kind '{}' is not dm, group or channel", (F.col("kind_raw"),)),
        (~F.col("listed") & ~reply, "no recipient (recipients is empty and the message replies to no one else)", ()),
        (F.col("listed") & (F.col("n_counted") == 0) & ~reply, "no recipient other than the sender", ()),
    )).withColumn("_dedup", F.col("reason").isNull() & (F.col("mid") != ""))
    t = _persist(_duplicates(t.drop("_items"), "mid"))
    accepted = t.where(F.col("reason").isNull() & ~F.col("duplicate")).select(
        F.col("key").alias("message_key"), "ts", F.col("conv").alias("conversation_id"),
        _null_if_blank(F.col("kind")).alias("kind"), F.col("s_pidx").alias("sender_idx"),
        _external("s_pidx", "s_addr").alias("sender_address"), F.col("n_counted").alias("k"), "reply",
        F.when(reply, F.col("a_pidx")).alias("thread_author_idx"),
        F.when(reply, _external("a_pidx", "a_addr")).alias("thread_author_address"), "line")
    recipients = members.where("counted").join(accepted, F.col("key") == F.col("message_key")).select(
        "message_key", F.col("r_pidx").alias("pidx"), _external("r_pidx", "r_addr").alias("address"), "ts", "k",
        "sender_idx", "reply", F.coalesce(F.col("kind") == "channel", F.lit(False)).alias("channel"))
    return Checked(_rows(t), {"chats": canonical(accepted, "chats"),
                              "chat_recipients": canonical(recipients, "chat_recipients")}, (t, members))


# -------------------------------------------------------------------- ties


def ties(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.ties.validate_ties` on Spark."""
    F = _f()
    raw.table().require("source", "target", "weight")
    t = raw.rows.select("key", "line", "part", *_text(raw, {
        "source": "source", "target": "target", "weight_raw": "weight", "channel": "channel",
        "period": "period_start", "directed_raw": "directed"}))
    t = people.resolve(people.resolve(t, "source", "s"), "target", "d")
    t = (t.withColumn("weight", number(F.col("weight_raw"))).withColumn("period_start", iso_ts(F.col("period")))
         .withColumn("directed_text", lowered(F.col("directed_raw"))))
    blank = {c: F.col(c) == "" for c in ("source", "target", "weight_raw", "period")}
    weight_ok = F.col("weight").isNotNull()
    t = _persist(t.withColumn("reason", reason(
        (blank["source"], "source is empty", ()),
        (blank["target"], "target is empty", ()),
        (blank["weight_raw"], "weight is empty", ()),
        (~blank["weight_raw"] & ~weight_ok, "weight '{}' is not a finite number", (F.col("weight_raw"),)),
        (~blank["weight_raw"] & weight_ok & ~(F.col("weight") > 0), "weight '{}' is not above 0",
         (F.col("weight_raw"),)),
        (~blank["period"] & F.col("period_start").isNull(), "period_start '{}' is not ISO 8601", (F.col("period"),)),
        (~F.col("directed_text").isin(*DIRECTED), "directed '{}' is not true or false", (F.col("directed_raw"),)),
        (~blank["source"] & ~blank["target"] & (F.col("s_ident") == F.col("d_ident")),
         "source and target are the same person", ()),
    )).withColumn("duplicate", F.lit(False)))
    directed = F.col("directed_text").isin(*(k for k, v in DIRECTED.items() if v))
    accepted = t.where(F.col("reason").isNull()).select(
        F.col("s_pidx").alias("source_idx"), _external("s_pidx", "s_addr").alias("source_address"),
        F.col("d_pidx").alias("target_idx"), _external("d_pidx", "d_addr").alias("target_address"), "weight",
        _null_if_blank(F.col("channel")).alias("channel"), "period_start", directed.alias("directed"), "line")
    return Checked(_rows(t), {"ties": canonical(accepted, "ties")}, (t,))


# ---------------------------------------------------------- group handoffs


def group_handoffs(raw: RawFrame, people: People) -> Checked:
    """:func:`ona.io.group_handoffs.validate_group_handoffs` on Spark."""
    F = _f()
    del people  # a group handoff names no person
    raw.table().require("ticket_id", "timestamp", "from_group", "to_group")
    t = raw.rows.select("key", "line", "part", *_text(raw, {"ticket_id": "ticket_id", "ts_raw": "timestamp",
                                                            "from_group": "from_group", "to_group": "to_group"}))
    t = t.withColumn("ts", iso_ts(F.col("ts_raw")))
    blank = {c: F.col(c) == "" for c in ("ticket_id", "ts_raw", "from_group", "to_group")}
    same = lowered(F.col("from_group")) == lowered(F.col("to_group"))
    t = _persist(t.withColumn("reason", reason(
        (blank["ticket_id"], "ticket_id is empty", ()),
        (blank["ts_raw"], "timestamp is empty", ()),
        (~blank["ts_raw"] & F.col("ts").isNull(), "timestamp '{}' is not ISO 8601", (F.col("ts_raw"),)),
        (blank["from_group"], "from_group is empty", ()),
        (blank["to_group"], "to_group is empty", ()),
        (same & ~blank["from_group"], "from_group '{}' and to_group '{}' are the same group",
         (F.col("from_group"), F.col("to_group"))),
    )).withColumn("duplicate", F.lit(False)))
    accepted = t.where(F.col("reason").isNull()).select("ticket_id", "ts", "from_group", "to_group", "line")
    return Checked(_rows(t), {"group_handoffs": canonical(accepted, "group_handoffs")}, (t,))


#: Table -> its validator.
VALIDATORS: dict[str, Callable[[RawFrame, People], Checked]] = {
    "emails": emails, "meetings": meetings, "tickets": tickets, "chats": chats, "ties": ties,
    "group_handoffs": group_handoffs,
}
