"""The chats reader: resolution, k, replies, kinds, rejects and duplicates (hand-counted)."""

from __future__ import annotations

import pytest

from ona.io import read_dataset
from tests.io.conftest import Writer

COLUMNS = ["timestamp", "sender", "conversation_id", "recipients", "thread_author", "message_id", "kind"]


def row(ts: str, sender: str, conv: str, recipients: str, author: str = "", mid: str = "", kind: str = "") -> dict:
    return dict(zip(COLUMNS, [ts, sender, conv, recipients, author, mid, kind]))


T = "2024-01-02T09:00:00Z"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_members_resolved_and_counted_once(dataset: Writer, fmt: str) -> None:
    ds = read_dataset(
        dataset(
            "chats",
            [
                # ann's two aliases are one member, the sender is not a recipient, one external: k = 3
                row(T, "Ann.Smith@corp.org", "g1", "ann@corp.org;bob;BOB@corp.org;cy;x@ext.com", mid="m1"),
                # a reply to ann (by alias) in the same conversation
                row(T, "bob", "g1", "ann;cy", author="ANN@corp.org", mid="m2", kind="Group"),
            ],
            fmt,
        )
    )
    chats = ds.tables["chats"].to_pylist()
    assert [(c["sender_id"], c["k"], c["reply"], c["thread_author_id"]) for c in chats] == [
        ("ann", 3, False, None),
        ("bob", 2, True, "ann"),
    ]
    assert [c["kind"] for c in chats] == [None, "group"]
    members = ds.tables["chat_recipients"].to_pylist()
    assert [(m["message_key"], m["person_id"]) for m in members] == [
        (0, "bob"), (0, "cy"), (0, None), (1, "ann"), (1, "cy"),
    ]  # fmt: skip
    assert ds.report.external["chat_references"] == 1  # x@ext.com once


def test_rejects_and_duplicates(dataset: Writer) -> None:
    ds = read_dataset(
        dataset(
            "chats",
            [
                row(T, "ann", "g1", "bob", mid="m1"),  # line 2: kept
                row("2024-13-01", "ann", "g1", "bob"),  # line 3: bad timestamp
                row(T, "", "g1", "bob"),  # line 4: no sender
                row(T, "ann", "", "bob"),  # line 5: no conversation
                row(T, "ann", "g1", "bob", kind="thread"),  # line 6: unknown kind
                row(T, "ann", "g1", ""),  # line 7: no recipient, no reply
                row(T, "ann", "g1", "ann@corp.org"),  # line 8: only the sender
                row(T, "bob", "g1", "", author="ann"),  # line 9: a reply without members: kept
                row(T, "ann", "g1", "ann", author="ann"),  # line 10: own thread, only the sender
                row(T, "bob", "g1", "ann", mid="m1"),  # line 11: same message_id: a duplicate
            ],
        )
    )
    report = ds.report.files["chats.csv"]
    assert (report.rows_read, report.accepted, report.rejected, report.duplicates) == (10, 2, 7, 1)
    reasons = {r.line: r.reason for r in ds.report.rejected}
    assert reasons == {
        3: "timestamp '2024-13-01' is not ISO 8601",
        4: "sender is empty",
        5: "conversation_id is empty",
        6: "kind 'thread' is not dm, group or channel",
        7: "no recipient (recipients is empty and the message replies to no one else)",
        8: "no recipient other than the sender",
        10: "no recipient other than the sender",
    }
    chats = ds.tables["chats"].to_pylist()
    assert [(c["line"], c["k"], c["reply"]) for c in chats] == [(2, 1, False), (9, 0, True)]


def test_missing_required_column_is_refused(dataset: Writer) -> None:
    from ona.errors import DatasetError

    with pytest.raises(DatasetError, match="conversation_id"):
        read_dataset(dataset("chats.csv", text="timestamp,sender,recipients\n" + T + ",ann,bob\n"))
