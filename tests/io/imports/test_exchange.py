"""exchange-trace: the three trace layouts, their awkward rows counted by hand, bad files, the small organization's weights."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ona.errors import DatasetError
from ona.io.imports import detect_kind
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.exchange import import_exchange_trace, looks_like_exchange_trace
from tests.io.imports import tracefiles as tf
from tests.io.imports.pairs import assert_no_canary, assert_same_weights, canonical_weights, imported_weights

MS_SYSTEM = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com"


def run(*paths: Path, options: ImportOptions | None = None) -> tuple[list, list[dict]]:
    sink = MemorySink()
    reports = import_exchange_trace(list(paths), options or ImportOptions(), sink)
    assert_no_canary(sink, reports)
    table = sink.table("emails")
    return reports, [] if table is None else table.to_pylist()


def simple(rows: list[dict]) -> list[tuple[str, list[str]]]:
    return [(r["sender"], r["recipients"]) for r in rows]


def invariant(report, rows_of_source: int) -> None:
    """Every entry is dropped or a written recipient."""
    assert report.records_read == sum(report.dropped.values()) + rows_of_source


# ------------------------------------------------------------------ V2, by hand


def awkward_v2(path: Path, encoding: str = "utf-8") -> Path:
    r = tf.v2_row
    rows = [
        r("2024-03-04T09:00:00.1234567", "Ana@Example.com", "ben@example.com", "Delivered", "<m1@x>"),  # line 3
        r("2024-03-04T09:00:00.1234567", "ana@example.com", "cai@example.com", "Failed", "<m1@x>"),  # not delivered
        r("2024-03-04T09:00:00.1234567", "ana@example.com", "ben@example.com", "Delivered", "<m1@x>"),  # repeated row
        r("2024-03-04T10:00:00", "ben@example.com", "sales-team@example.com", "Expanded", "<m2@x>"),  # the list
        r("2024-03-04T10:00:00", "ben@example.com", "fay@example.com", "Delivered", "<m2@x>"),  # a member
        r("2024-03-04T10:00:00", "ben@example.com", "gus@example.com", "Delivered", "<m2@x>"),  # a member
        r("2024-03-04T10:00:01", "ben@example.com", "fay@example.com", "Delivered", "<m2@x>"),  # also direct: once
        r("2024-03-04T11:00:00", "postmaster@example.com", "ana@example.com", "Delivered", "<m3@x>"),  # bounce
        r("2024-03-04T11:00:00", "", "ana@example.com", "Delivered", "<m4@x>"),  # bounce (no sender)
        r("2024-03-04T11:00:00", MS_SYSTEM, "ana@example.com", "Delivered", "<m5@x>"),  # system
        r("2024-03-04T11:00:00", "no-reply@example.com", "ana@example.com", "Delivered", "<m6@x>"),  # system
        r("2024-03-04T12:00:00", "dan@example.com", "eve@example.com", "Pending", "<m7@x>"),  # not delivered
        r("3/5/2024 2:30:00 PM", "eve@example.com", "dan@example.com", "Delivered", "<m8@x>"),  # en-US time
        r("3/5/2024 2:30:00 PM", "eve@example.com", "partner@supplier.org", "Delivered", "<m8@x>"),  # external
        r("not a time", "eve@example.com", "dan@example.com", "Delivered", "<m9@x>"),  # row 15: unparseable
    ]
    text = tf.csv_text(tf.V2_COLUMNS, rows, type_line=True)
    text += '"2024-03-04T13:00:00","hal@example.com","gus@example.com"\r\n'  # line 18: too few fields
    text += tf.csv_text(tf.V2_COLUMNS, [r("2024-03-04T14:00:00", "hal@example.com", "hal@example.com", "Delivered",
                                          "<m10@x>")]).split("\r\n", 1)[1]  # line 19: to self only  # fmt: skip
    return tf.write(path, text, encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-bom", "utf-16le"])
def test_v2_awkward_rows_counted_by_hand(tmp_path: Path, encoding: str) -> None:
    reports, rows = run(awkward_v2(tmp_path / "trace.csv", encoding))
    assert simple(rows) == [
        ("ana@example.com", ["ben@example.com"]),
        ("ben@example.com", ["fay@example.com", "gus@example.com"]),
        ("eve@example.com", ["dan@example.com", "partner@supplier.org"]),
    ]
    assert [r["message_id"] for r in rows] == ["<m1@x>", "<m2@x>", "<m8@x>"]
    assert rows[2]["timestamp"] == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert rows[0]["timestamp"] == datetime(2024, 3, 4, 9, 0, 0, 123456, tzinfo=UTC)
    (rep,) = reports
    assert rep.records_read == 17
    assert rep.events_written == {"emails": 3}
    assert rep.dropped == {"not_delivered": 2, "duplicate": 3, "bounce": 2, "system_sender": 2,
                           "unparseable": 2, "no_recipient": 1}  # fmt: skip
    assert [(u.position, u.reason.split(" ")[0]) for u in rep.unparseable] == [("line 18", "fewer"), ("row 15", "Received")]
    invariant(rep, 5)


def test_v2_window(tmp_path: Path) -> None:
    since = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    until = datetime(2024, 3, 5, tzinfo=UTC)
    reports, rows = run(awkward_v2(tmp_path / "t.csv"), options=ImportOptions(since=since, until=until))
    assert [r["message_id"] for r in rows] == ["<m2@x>"]
    assert reports[0].dropped["outside_window"] == 3 + 2  # m1's three rows, m8's two


def test_one_message_over_several_files_counts_once(tmp_path: Path) -> None:
    first = tf.write(tmp_path / "a.csv", tf.csv_text(tf.V2_COLUMNS, [
        tf.v2_row("2024-03-04T09:00:00", "ana@example.com", "ben@example.com", "Delivered", "<m1@x>")]))  # fmt: skip
    second = tf.write(tmp_path / "b.csv", tf.csv_text(tf.V2_COLUMNS, [
        tf.v2_row("2024-03-04T09:00:00", "ana@example.com", "ben@example.com", "Delivered", "<m1@x>"),
        tf.v2_row("2024-03-04T09:00:00", "ana@example.com", "cai@example.com", "Delivered", "<m1@x>")]))  # fmt: skip
    reports, rows = run(first, second)
    assert simple(rows) == [("ana@example.com", ["ben@example.com", "cai@example.com"])]
    assert reports[0].events_written == {"emails": 1} and reports[0].dropped == {}
    assert reports[1].events_written == {} and reports[1].dropped == {"duplicate": 1}


# ------------------------------------------------------------------ extended and summary, by hand


def test_extended_report_events_counted_by_hand(tmp_path: Path) -> None:
    e = tf.ext_row
    n1, n2 = "aaaa-1", "aaaa-2"
    rows = [
        e("2024-03-04T09:00:00Z", "RECEIVE", "ana@example.com",
          "ben@example.com;all-finance@example.com;zed@example.com", "<x@x>", n1),  # 3 entries: other events
        e("2024-03-04T09:00:01Z", "EXPAND", "ana@example.com", "ben@example.com;cai@example.com", "<x@x>", n1,
          related="all-finance@example.com"),  # the list: its members are the recipients
        e("2024-03-04T09:00:02Z", "DELIVER", "ana@example.com", "ben@example.com", "<x@x>", n1),
        e("2024-03-04T09:00:02Z", "DELIVER", "ana@example.com", "cai@example.com", "<x@x>", n1),
        e("2024-03-04T09:00:03Z", "DELIVER", "ana@example.com", "ben@example.com", "<x@x>", n1),  # again via the list
        e("2024-03-04T09:00:04Z", "FAIL", "ana@example.com", "zed@example.com", "<x@x>", n1),
        e("2024-03-04T09:00:05Z", "DSN", "ana@example.com", "ana@example.com", "<x@x>", n1),
        e("2024-03-04T09:01:00Z", "RECEIVE", "MAILER-DAEMON@example.com", "ana@example.com", "<ndr@x>", n2),
        e("2024-03-04T09:01:01Z", "DELIVER", "MAILER-DAEMON@example.com", "ana@example.com", "<ndr@x>", n2),
    ]  # fmt: skip
    reports, out = run(tf.write(tmp_path / "ext.csv", tf.csv_text(tf.EXTENDED_COLUMNS, rows), "utf-16le"))
    assert simple(out) == [("ana@example.com", ["ben@example.com", "cai@example.com"])]
    assert out[0]["timestamp"] == datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # received, not delivered
    (rep,) = reports
    assert rep.records_read == 11
    assert rep.dropped == {"duplicate": 5, "not_delivered": 1, "bounce": 3}
    invariant(rep, 2)


def test_enhanced_summary_counted_by_hand(tmp_path: Path) -> None:
    row = {"origin_timestamp_utc": "2024-03-06T08:00:00.000Z", "sender_address": "dan@example.com",
           "recipient_status": "eve@example.com##Receive, Deliver;legal@example.com##Receive, Expand;"
                               "fay@example.com##Receive, Fail;partner@supplier.org##Receive, Send;",
           "message_subject": tf.CANARY, "message_id": "<s1@x>", "network_message_id": "nm-1"}  # fmt: skip
    a = tf.write(tmp_path / "a.csv", tf.csv_text(tf.SUMMARY_COLUMNS, [row]), "utf-16-bom")
    b = tf.write(tmp_path / "b.csv", tf.csv_text(tf.SUMMARY_COLUMNS, [row]), "utf-8")
    reports, out = run(a, b)
    assert simple(out) == [("dan@example.com", ["eve@example.com", "partner@supplier.org"])]
    assert reports[0].records_read == 4 and reports[0].dropped == {"duplicate": 1, "not_delivered": 1}
    assert reports[1].records_read == 4 and reports[1].dropped == {"duplicate": 3, "not_delivered": 1}


# ------------------------------------------------------------------ bad files


def test_wrong_kind_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("person_id,department,email\nana,Finance,ana@example.com\n")
    with pytest.raises(DatasetError, match=r"^people\.csv: not an Exchange Online message trace export.*columns found: person_id"):
        run(path)
    assert not looks_like_exchange_trace(path)


def test_binary_and_empty_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(DatasetError, match=r"^blob\.csv: "):
        run(binary)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DatasetError, match=r"^empty\.csv: the file is empty"):
        run(empty)


def test_truncated_file_keeps_the_rows_before_the_cut(tmp_path: Path) -> None:
    path = tf.smallorg_v2(tmp_path / "trace.csv")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # cut inside the last row's quoted fields
    reports, rows = run(path)
    (rep,) = reports
    assert rep.dropped["unparseable"] == 1
    assert rep.unparseable[0].position.startswith("line ")
    assert len(rows) == 8  # the cut row was m8's second recipient: m8 keeps its first
    assert rep.records_read == sum(rep.dropped.values()) + sum(len(r["recipients"]) for r in rows)


def test_recognized_by_auto(tmp_path: Path) -> None:
    files = [tf.smallorg_v2(tmp_path / "v2.csv", "utf-16le"), tf.smallorg_summary(tmp_path / "s.csv"),
             tf.smallorg_extended(tmp_path / "e.csv")]  # fmt: skip
    for path in files:
        assert looks_like_exchange_trace(path)
    assert detect_kind(files) == "exchange-trace"


# ------------------------------------------------------------------ the small organization


@pytest.mark.parametrize(
    ("writer", "encoding"),
    [
        (tf.smallorg_v2, "utf-8"),
        (tf.smallorg_v2, "utf-16le"),
        (tf.smallorg_summary, "utf-16-bom"),
        (tf.smallorg_summary, "utf-8"),
        (tf.smallorg_extended, "utf-16le"),
    ],
)
def test_small_organization_gives_the_canonical_weights(tmp_path: Path, writer, encoding: str) -> None:
    want = canonical_weights(tmp_path, keep=("emails",))
    got = imported_weights(tmp_path, "exchange-trace", [writer(tmp_path / "trace.csv", encoding)])
    assert_same_weights(got, want)


def test_small_organization_split_over_overlapping_files(tmp_path: Path) -> None:
    whole = tf.smallorg_v2(tmp_path / "whole.csv").read_bytes().decode("utf-8").split("\r\n")
    head, rows = whole[:2], [r for r in whole[2:] if r]
    tf.write(tmp_path / "part1.csv", "\r\n".join(head + rows[: len(rows) // 2 + 2]) + "\r\n", "utf-16-bom")
    tf.write(tmp_path / "part2.csv", "\r\n".join(head + rows[len(rows) // 2 :]) + "\r\n", "utf-8")
    want = canonical_weights(tmp_path, keep=("emails",))
    got = imported_weights(tmp_path, "exchange-trace", [tmp_path / "part1.csv", tmp_path / "part2.csv"])
    assert_same_weights(got, want)
