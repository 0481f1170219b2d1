"""mbox and maildir importers: hand-counted awkward cases, the small organization, bad files, the canary.

Fixtures are written by the code below, to the field lists of RFC 5322
(headers), RFC 4155 (mbox), RFC 2047 (encoded words), RFC 3834
(Auto-Submitted), RFC 2369 / 2919 (List-* headers) and the Maildir layout;
see fixtures/mailbox/README.md for the sources.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from ona.errors import OnaError
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.mailbox import import_maildir, import_mbox, looks_like_maildir, looks_like_mbox
from tests.io.imports.pairs import assert_no_canary, assert_same_weights, canonical_weights, imported_weights
from tests.io.imports.smallorg import CANARY, EMAILS, address

FROM_LINE = b"From MAILER-DAEMON Mon Mar  4 09:00:00 2024\n"


def message(headers: list[tuple[str, str]], body: str = f"Hello {CANARY}\nFrom the team\n") -> bytes:
    """One RFC 5322 message (headers, blank line, body with an unescaped 'From ' line)."""
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    return (head + "\n" + body).encode("utf-8")


def mbox(*messages: bytes) -> bytes:
    return b"".join(FROM_LINE + m + b"\n" for m in messages)


def basic(mid: str | None, sender: str = "ana@example.com", to: str = "ben@example.com",
          date: str = "Mon, 04 Mar 2024 09:00:00 +0000", extra: list[tuple[str, str]] | None = None) -> bytes:  # fmt: skip
    headers = [("From", sender), ("To", to), ("Date", date), ("Subject", f"Re: {CANARY}")]
    if mid is not None:
        headers.append(("Message-ID", mid))
    return message(headers + (extra or []))


# ------------------------------------------------------------------ the small organization


def smallorg_messages() -> list[bytes]:
    out = []
    for i, (mid, ts, sender, to, cc, bcc) in enumerate(EMAILS):
        when = datetime.fromisoformat(ts.replace("Z", "+00:00"))
        # every other date in another zone, one with no zone at all: all the same instants
        if i % 3 == 1:
            date = format_datetime(when.astimezone(datetime.strptime("+0530", "%z").tzinfo))
        elif i % 3 == 2:
            date = when.strftime("%a, %d %b %Y %H:%M:%S")
        else:
            date = format_datetime(when)
        headers = [("From", f"=?utf-8?q?J=C3=B6rg_{sender}?= <{address(sender)}>"),
                   ("To", ", ".join(f'"{p}, the" <{address(p)}>' for p in to)), ("Date", date),
                   ("Message-ID", mid), ("Subject", f"=?utf-8?b?{CANARY}?="), ("X-Note", CANARY)]  # fmt: skip
        if cc:
            headers.append(("Cc", ", ".join(map(address, cc))))
        if bcc:
            headers.append(("Bcc", ", ".join(map(address, bcc))))
        out.append(message(headers))
    return out


def noise() -> list[bytes]:
    """Messages that must change nothing: list mail, an auto-reply, a bulk message."""
    return [
        basic("<list@x>", extra=[("List-Id", f"<{CANARY}.lists.example.com>")]),
        basic("<auto@x>", extra=[("Auto-Submitted", "auto-replied")]),
        basic("<bulk@x>", extra=[("Precedence", "bulk")]),
    ]


def test_smallorg_as_mbox_gives_the_canonical_weights(tmp_path):
    msgs = smallorg_messages()
    (tmp_path / "ana.mbox").write_bytes(mbox(*msgs[:5], *noise()))
    # the same messages again in another person's mailbox: counted once
    (tmp_path / "ben.mbox").write_bytes(mbox(*msgs[3:]))
    got = imported_weights(tmp_path, "mbox", [tmp_path / "ana.mbox", tmp_path / "ben.mbox"])
    assert_same_weights(got, canonical_weights(tmp_path, ["emails"]))


def test_smallorg_as_maildir_gives_the_canonical_weights(tmp_path):
    root = tmp_path / "maildir"
    for i, m in enumerate(smallorg_messages()):
        folder = root / ("ana" if i % 2 else "ben") / ("sent" if i % 3 else "inbox")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i + 1}.").write_bytes(m)
        (root / "cai" / "all_documents").mkdir(parents=True, exist_ok=True)
        (root / "cai" / "all_documents" / f"{i + 1}.").write_bytes(m)  # Enron keeps copies
    for i, m in enumerate(noise()):
        (root / "ana" / "inbox" / f"noise{i}.eml").write_bytes(m)
    got = imported_weights(tmp_path, "maildir", [root])
    assert_same_weights(got, canonical_weights(tmp_path, ["emails"]))


# ------------------------------------------------------------------ awkward cases, hand counted


def awkward_mbox() -> bytes:
    return mbox(
        basic("<1@x>"),  # 1 kept
        basic("<1@x>"),  # 2 duplicate (same Message-ID)
        basic(None, date="Mon, 04 Mar 2024 10:00:00 +0000"),  # 3 kept (no id)
        basic(None, date="Mon, 04 Mar 2024 11:00:00 +0100"),  # 4 duplicate: same sender, instant, recipients
        basic("<5@x>", extra=[("List-Id", "<dev.lists.example.com>")]),  # 5 mailing list
        basic("<6@x>", extra=[("Precedence", "list")]),  # 6 mailing list
        basic("<7@x>", extra=[("Auto-Submitted", "auto-generated")]),  # 7 automatic
        basic("<8@x>", extra=[("Auto-Submitted", "no")]),  # 8 kept: a person wrote it
        basic("<9@x>", date="the day after tomorrow"),  # 9 unparseable date
        basic("<10@x>", to="John Smith"),  # 10 unparseable address
        message([("From", "ana@example.com"), ("Date", "Mon, 04 Mar 2024 09:00:00 +0000"),
                 ("Message-ID", "<11@x>")]),  # 11 no recipient  # fmt: skip
        basic("<12@x>", date="Sun, 04 Mar 2023 09:00:00 +0000"),  # 12 kept unless a window
        basic("<13@x>", to="undisclosed-recipients:;", extra=[("Bcc", "cai@example.com")]),  # 13 kept
        basic("<14@x>", extra=[("Resent-From", "dan@example.com"), ("Resent-To", "eve@example.com"),
                               ("Resent-Date", "Tue, 05 Mar 2024 08:00:00 -0500")]),  # 14 kept (resent)  # fmt: skip
        message([("Date", "Mon, 04 Mar 2024 09:00:00 +0000"), ("To", "ben@example.com")]),  # 15 no From
    )


def test_awkward_mbox_counts(tmp_path):
    path = tmp_path / "awkward.mbox"
    path.write_bytes(awkward_mbox())
    sink = MemorySink()
    [report] = import_mbox([path], ImportOptions(), sink)
    assert report.records_read == 15
    assert report.events_written == {"emails": 6}
    assert report.dropped == {"duplicate": 2, "mailing_list": 3, "unparseable": 3, "no_recipient": 1}
    assert [u.position for u in report.unparseable] == ["message 9", "message 10", "message 15"]
    assert "To" in report.unparseable[1].reason and "Date" in report.unparseable[0].reason
    rows = sink.table("emails").to_pylist()
    assert [r["message_id"] for r in rows] == ["<1@x>", None, "<8@x>", "<12@x>", "<13@x>",
                                             "<14@x>#resent:dan@example.com:2024-03-05T13:00:00+00:00"]
    resent = rows[-1]
    assert (resent["sender"], resent["recipients"]) == ("dan@example.com", ["eve@example.com"])
    assert resent["timestamp"] == datetime(2024, 3, 5, 13, 0, tzinfo=UTC)
    assert rows[4]["recipients"] == [] and rows[4]["bcc"] == ["cai@example.com"]
    assert_no_canary(sink, [report])


def test_window_drops_messages_outside_it(tmp_path):
    path = tmp_path / "awkward.mbox"
    path.write_bytes(awkward_mbox())
    options = ImportOptions(since=datetime(2024, 1, 1, tzinfo=UTC), until=datetime(2024, 3, 5, tzinfo=UTC))
    [report] = import_mbox([path], options, MemorySink())
    # message 12 (2023) and the resent 14 (5 March 13:00 UTC) fall outside
    assert report.dropped["outside_window"] == 2
    assert report.events_written == {"emails": 4}


def test_dates_in_any_zone_or_none_are_utc(tmp_path):
    path = tmp_path / "zones.mbox"
    path.write_bytes(mbox(
        basic("<a@x>", date="Mon, 4 Mar 2024 09:00:00 -0800"),
        basic("<b@x>", date="4 Mar 2024 09:00:00"),
        basic("<c@x>", date="Mon, 4 Mar 2024 09:00:00 -0000"),
        basic("<d@x>", date="Mon, 4 Mar 24 09:00 EST"),
    ))  # fmt: skip
    sink = MemorySink()
    import_mbox([path], ImportOptions(), sink)
    hours = [ts.hour for ts in sink.table("emails").column("timestamp").to_pylist()]
    assert hours == [17, 9, 9, 14]


def test_rfc2047_names_and_case_give_plain_lower_case_addresses(tmp_path):
    path = tmp_path / "names.mbox"
    path.write_bytes(mbox(basic("<a@x>", sender="=?iso-8859-1?q?Andr=E9?= <Andre@Example.COM>",
                                to="=?utf-8?b?QmVuIDxiZW5AZXhhbXBsZS5jb20+?=")))  # fmt: skip
    sink = MemorySink()
    import_mbox([path], ImportOptions(), sink)
    [row] = sink.table("emails").to_pylist()
    assert row["sender"] == "andre@example.com"
    assert row["recipients"] == ["ben@example.com"]  # the whole "Ben <ben@...>" was encoded


def test_a_binary_blob_and_a_truncated_message_are_per_record_rejects(tmp_path):
    blob = bytes(random.Random(7).randrange(256) for _ in range(200_000))
    path = tmp_path / "blob.mbox"
    path.write_bytes(FROM_LINE + blob + b"\n\n" + mbox(basic("<ok@x>")) + FROM_LINE + b"From: ana@exa")
    sink = MemorySink()
    [report] = import_mbox([path], ImportOptions(), sink)
    assert report.records_read == 3
    assert report.events_written == {"emails": 1}
    assert [u.position for u in report.unparseable] == ["message 1", "message 3"]


def test_random_bytes_never_raise(tmp_path):
    rnd = random.Random(3)
    for i in range(50):
        junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4000)))
        path = tmp_path / f"junk{i}.mbox"
        path.write_bytes(FROM_LINE + junk)
        [report] = import_mbox([path], ImportOptions(), MemorySink())
        assert report.records_read >= 1
        (tmp_path / "md" / str(i)).mkdir(parents=True)
        (tmp_path / "md" / str(i) / "1.").write_bytes(junk)
    [report] = import_maildir([tmp_path / "md"], ImportOptions(), MemorySink())
    assert report.records_read == 50


def test_a_file_that_is_not_an_mbox_is_refused_by_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear all,\nthis is not a mailbox\n")
    with pytest.raises(OnaError, match="notes.txt: not an mbox file"):
        import_mbox([path], ImportOptions(), MemorySink())


def test_maildir_positions_are_paths_inside_the_folder(tmp_path):
    root = tmp_path / "maildir"
    (root / "allen-p" / "sent").mkdir(parents=True)
    (root / "allen-p" / "sent" / "1.").write_bytes(basic("<1@x>"))
    (root / "allen-p" / "sent" / "2.").write_bytes(basic("<2@x>", date="yesterday"))
    (root / "allen-p" / "inbox" / "cur").mkdir(parents=True)
    (root / "allen-p" / "inbox" / "cur" / "1.M1P2.host:2,S").write_bytes(basic("<1@x>"))
    (root / "allen-p" / "inbox" / "tmp").mkdir()
    (root / "allen-p" / "inbox" / "tmp" / "partial").write_bytes(b"From: half")
    (root / "allen-p" / "inbox" / "maildirfolder").write_bytes(b"")
    sink = MemorySink()
    [report] = import_maildir([root], ImportOptions(), sink)
    assert report.records_read == 3
    assert report.events_written == {"emails": 1}
    assert report.dropped == {"duplicate": 1, "unparseable": 1}
    assert report.unparseable[0].position == "allen-p/sent/2."


def test_recognizers(tmp_path):
    (tmp_path / "a.mbox").write_bytes(mbox(basic("<1@x>")))
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "1.").write_bytes(basic("<1@x>"))
    (tmp_path / "x.ics").write_text("BEGIN:VCALENDAR\n")
    assert looks_like_mbox(tmp_path / "a.mbox") and not looks_like_mbox(tmp_path / "x.ics")
    assert looks_like_maildir(tmp_path / "md") and not looks_like_maildir(tmp_path / "a.mbox")
    assert not looks_like_mbox(tmp_path / "md")


def test_batches_are_bounded(tmp_path, monkeypatch):
    from ona.io.imports import mailbox

    monkeypatch.setattr(mailbox, "BATCH_ROWS", 4)
    path = tmp_path / "many.mbox"
    path.write_bytes(mbox(*(basic(f"<{i}@x>") for i in range(10))))
    sink = MemorySink()
    import_mbox([path], ImportOptions(), sink)
    assert [b.num_rows for b in sink.tables["emails"]] == [4, 4, 2]


def test_an_enron_message_file(tmp_path):
    """The Enron corpus layout and header style: folded To, a zone comment, X- headers with names."""
    box = tmp_path / "maildir" / "allen-p" / "_sent_mail"
    box.mkdir(parents=True)
    (box / "1.").write_bytes(
        b"Message-ID: <18782981.1075855378110.JavaMail.evans@thyme>\n"
        b"Date: Mon, 14 May 2001 16:39:00 -0700 (PDT)\nFrom: phillip.allen@enron.com\n"
        b"To: tim.belden@enron.com, john.lavorato@enron.com, \n\tgreg.whalley@enron.com\n"
        b"Subject: " + CANARY.encode() + b"\nMime-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
        b"X-From: Phillip K Allen\nX-To: Tim Belden <Tim Belden/Enron@EnronXGate>\nX-cc: \nX-bcc: \n"
        b"X-Folder: \\Phillip_Allen_Jan2002_1\\Allen, Phillip K.\\'Sent Mail\nX-Origin: Allen-P\n"
        b"X-FileName: pallen (Non-Privileged).pst\n\n" + CANARY.encode() + b"\n"
    )
    sink = MemorySink()
    [report] = import_maildir([tmp_path / "maildir"], ImportOptions(), sink)
    [row] = sink.table("emails").to_pylist()
    assert row["timestamp"] == datetime(2001, 5, 14, 23, 39, tzinfo=UTC)
    assert row["recipients"] == ["tim.belden@enron.com", "john.lavorato@enron.com", "greg.whalley@enron.com"]
    assert_no_canary(sink, [report])
