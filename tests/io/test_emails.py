"""emails: recipient counting (k), identity resolution, externals, duplicates, rejects."""

from __future__ import annotations

from datetime import UTC, datetime

from ona.io import read_dataset
from tests.io.conftest import Writer

COLUMNS = ["timestamp", "sender", "recipients", "cc", "bcc", "message_id"]


def row(ts: str, sender: str, to: str, cc: str = "", bcc: str = "", mid: str = "") -> dict[str, str]:
    return dict(zip(COLUMNS, (ts, sender, to, cc, bcc, mid)))


ROWS = [
    # line 2: ann writes to bob, to herself under her other alias (excluded) and
    # to herself again in cc (excluded); an external in bcc -> k = 2 (bob, x@ext.com)
    row("2024-01-02T10:00:00+02:00", "ann", "bob; Ann.Smith@corp.org", "ANN@corp.org", "x@ext.com", "<m1>"),
    # line 3: bob writes only to himself (two aliases) -> rejected
    row("2024-01-02", "BOB@corp.org", "bob@corp.org;bob", mid="<m2>"),
    # line 4: an external sender; dee twice (id and alias), the sender again, one
    # more external -> k = 2 (dee, other@vendor.com)
    row("2024-01-03 09:30", "ext@vendor.com", "dee; DEE@corp.org; EXT@vendor.com; other@vendor.com", mid="<m3>"),
    row("2024-13-01", "ann", "bob", mid="<m4>"),  # line 5: bad timestamp
    row("2024-01-04T00:00:00Z", "", "bob"),  # line 6: no sender
    row("2024-01-04T00:00:00Z", "ann", " ; ", " "),  # line 7: no recipient at all
    row("2024-01-05T00:00:00Z", "ann", "bob", mid="<m1>"),  # line 8: duplicate of line 2
    row("2024-01-06T12:00:00.250Z", "eve", "cy;dee", mid="<m4>"),  # line 9: first VALID <m4>
]


def test_k_identity_and_externals(dataset: Writer) -> None:
    ds = read_dataset(dataset("emails", ROWS))
    emails = ds.tables["emails"].to_pylist()
    assert [e["line"] for e in emails] == [2, 4, 9]
    assert [e["message_key"] for e in emails] == [0, 1, 2]
    assert [e["k"] for e in emails] == [2, 2, 2]
    assert [e["sender_id"] for e in emails] == ["ann", None, "eve"]
    assert [e["sender_address"] for e in emails] == ["ann", "ext@vendor.com", "eve"]
    assert [e["message_id"] for e in emails] == ["<m1>", "<m3>", "<m4>"]
    recipients = {
        (r["message_key"], r["person_id"], r["address"]) for r in ds.tables["email_recipients"].to_pylist()
    }
    assert recipients == {
        (0, "bob", "bob"),
        (0, None, "x@ext.com"),
        (1, "dee", "dee"),
        (1, None, "other@vendor.com"),
        (2, "cy", "cy"),
        (2, "dee", "dee"),
    }
    # one recipient row per counted recipient
    assert ds.tables["email_recipients"].num_rows == sum(e["k"] for e in emails)
    # externals: x@ext.com, ext@vendor.com, other@vendor.com; references: 1 sender + 2 recipients
    assert ds.report.external == {
        "addresses": 3,
        "email_references": 3,
        "meeting_references": 0,
        "ticket_assignments": 0,
        "chat_references": 0,
        "tie_references": 0,
    }


def test_timestamps_are_utc(dataset: Writer) -> None:
    ds = read_dataset(dataset("emails", ROWS))
    ts = ds.tables["emails"].column("ts").to_pylist()
    assert ts == [
        datetime(2024, 1, 2, 8, 0, tzinfo=UTC),  # +02:00 converted
        datetime(2024, 1, 3, 9, 30, tzinfo=UTC),  # no offset: UTC
        datetime(2024, 1, 6, 12, 0, 0, 250000, tzinfo=UTC),
    ]
    assert str(ds.tables["emails"].schema.field("ts").type) == "timestamp[us, tz=UTC]"


def test_rejects_duplicates_and_counts(dataset: Writer) -> None:
    ds = read_dataset(dataset("emails", ROWS))
    assert [(r.file, r.line, r.reason) for r in ds.report.rejected] == [
        ("emails.csv", 3, "no recipient other than the sender"),
        ("emails.csv", 5, "timestamp '2024-13-01' is not ISO 8601"),
        ("emails.csv", 6, "sender is empty"),
        ("emails.csv", 7, "no recipient (recipients, cc and bcc are empty)"),
    ]
    rep = ds.report.files["emails.csv"]
    assert (rep.rows_read, rep.accepted, rep.rejected, rep.duplicates) == (8, 3, 4, 1)
    assert rep.rows_read == rep.accepted + rep.rejected + rep.duplicates
    assert rep.format == "csv"


def test_several_reasons_are_joined(dataset: Writer) -> None:
    ds = read_dataset(dataset("emails", [row("", "", "")]))
    assert [r.reason for r in ds.report.rejected] == [
        "timestamp is empty; sender is empty; no recipient (recipients, cc and bcc are empty)"
    ]


def test_optional_columns_absent(dataset: Writer) -> None:
    rows = [{"timestamp": "2024-01-01", "sender": "ann", "recipients": "bob;dee"}]
    ds = read_dataset(dataset("emails", rows))
    emails = ds.tables["emails"].to_pylist()
    assert emails[0]["k"] == 2 and emails[0]["message_id"] is None


def test_messages_without_id_are_never_duplicates(dataset: Writer) -> None:
    rows = [row("2024-01-01", "ann", "bob")] * 3
    ds = read_dataset(dataset("emails", rows))
    assert ds.tables["emails"].num_rows == 3
    assert ds.report.files["emails.csv"].duplicates == 0


def test_long_lists_and_repeats(dataset: Writer) -> None:
    """A message to 30 addresses, each written twice in different case, plus the sender."""
    many = ";".join(f"p{i}@ext.org;P{i}@EXT.org" for i in range(30))
    ds = read_dataset(dataset("emails", [row("2024-01-01", "ann", many + ";bob", cc="ann@corp.org")]))
    assert ds.tables["emails"].column("k").to_pylist() == [31]  # 30 externals + bob
