"""A small organization whose files hold every kind of bad row ona's readers reject, as CSV and as Parquet.

``write_bad_org(folder)`` writes CSV files by hand (so that the awkward
layouts are exact): a byte-order mark, CRLF line ends, blank lines, quoted
commas and quotes, a quoted field spanning lines, rows with too few or too
many fields, a quoted field left open at the end of a file, Unicode white
space around values, addresses in other cases (and a dotted capital I),
aliases and external parties, duplicates, and for each table every rule of
its reader (a comment names the rule). ``write_bad_parquet(folder)`` writes
the same tables as Parquet with typed columns (timestamps, numbers,
booleans, lists). Expected outcomes are not restated here: the tests hold
the Spark engine to ona's own readers on these files.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PEOPLE = [
    ("ann", "Finance", "ann@corp.org;Ann.Alt@corp.org"),
    ("bob", "Finance", "bob@corp.org"),
    ("cy", "Legal", "cy@corp.org"),
    ("dee", "Legal", "DEE@corp.org"),
    ("eve", "Sales", "eve@corp.org;İnci@corp.org"),
    ("fay", "Sales", ""),
    ("Gus", "Ops", "gus@corp.org"),
    ("hal", "Ops", "hal@corp.org"),
]

EMAILS = [  # timestamp, sender, recipients, cc, bcc, message_id
    ("2024-01-02T09:00:00Z", "ann", "bob;cy", "", "", "m1"),
    ("2024-01-02T10:00:00+01:00", "ANN@corp.org", "Bob@Corp.org; dee ;partner@ext.com", "eve", "", "m2"),
    ("2024-01-03", "bob", "ann;ann.alt@corp.org;ANN", "", "", "m3"),  # aliases of one person count once
    ("2024-01-03T08:00", "cy", "dee", "fay", "gus@corp.org", ""),  # no message_id: never a duplicate
    ("", "cy", "dee", "", "", "m4"),  # timestamp is empty
    ("2024-13-01", "cy", "dee", "", "", "m5"),  # timestamp is not ISO 8601
    ("yesterday at noon, when the weather was fine and everybody was in the office", "cy", "dee", "", "", "m6"),
    ("2024-01-04T09:00:00Z", "", "dee", "", "", "m7"),  # sender is empty
    ("2024-01-04T09:00:00Z", "dee", "", " ", "", "m8"),  # no recipient
    ("2024-01-04T09:00:00Z", "dee", "DEE@corp.org;dee", "", "", "m9"),  # no recipient other than the sender
    ("2024-01-05T09:00:00Z", "ann", "bob", "", "", "m1"),  # duplicate of m1
    ("2024-01-05T09:00:00Z", "inci@corp.org", "İnci@corp.org;hal", "", "", "m10"),  # İ lower-cases to i
    ("2024-02-30T09:00:00Z", "", "", "", "", ""),  # several reasons at once
    ("\u3000 2024-01-06T09:00:00Z\u2028", "\u00a0hal ", "gus;Gus;outsider@ext.com", "", "", "m11"),
    ("2024-01-06T09:00:00.1234567-23:59", "hal", "fay", "", "", "m12"),
    ("2024-01-07T09:00:00Z", "partner@ext.com", "ann;bob", "", "", "m13"),  # external sender
    ("2024-01-07T09:00:00Z", "m1", "ann", "", "", "m14"),  # a message_id-like sender: external
]

MEETINGS = [  # meeting_id, start, end, duration_minutes, attendees, organizer
    ("mt1", "2024-01-02T09:00:00Z", "2024-01-02T10:30:00Z", "", "ann;bob;cy", "ann"),
    ("mt1", "2024-01-09T09:00:00Z", "", "60", "ann;bob;cy", "ann"),  # same id, other start: kept
    ("mt1", "2024-01-09T10:00:00+01:00", "", "60", "ann;bob", ""),  # same id and start: duplicate
    ("", "2024-01-02T09:00:00Z", "", "30", "ann;bob", ""),  # meeting_id is empty
    ("mt2", "", "", "30", "ann;bob", ""),  # start is empty
    ("mt3", "soon", "", "30", "ann;bob", ""),  # start is not ISO 8601
    ("mt4", "2024-01-02T09:00:00Z", "later", "", "ann;bob", ""),  # end is not ISO 8601
    ("mt5", "2024-01-02T09:00:00Z", "2024-01-02T08:00:00Z", "", "ann;bob", ""),  # end not after start
    ("mt6", "2024-01-02T09:00:00Z", "", "half an hour", "ann;bob", ""),  # duration is not a number
    ("mt7", "2024-01-02T09:00:00Z", "", "-15", "ann;bob", ""),  # duration is not positive
    ("mt8", "2024-01-02T09:00:00Z", "", "", "ann;bob", ""),  # neither end nor duration
    ("mt9", "2024-01-02T09:00:00Z", "", "45", " ; ", ""),  # no attendees
    ("mt10", "2024-01-03T09:00:00Z", "", "1_0.5", "ann;ANN@corp.org;x@ext.com;X@EXT.com", "x@ext.com"),
    ("mt11", "2024-01-04T09:00:00Z", "2024-01-04T09:20:00Z", "oops", "eve", "eve"),  # end wins: one attendee
    ("mt12", "2024-01-05T09:00:00Z", "", "1e1", "gus;hal;fay;eve;dee", "nobody@ext.com"),
]

TICKETS = [  # ticket_id, timestamp, assignee, status
    ("T1", "2024-01-02T09:00:00Z", "ann", "open"),
    ("T1", "2024-01-02T11:00:00Z", "cy", ""),
    ("T1", "2024-01-03T09:00:00Z", "ann.alt@corp.org", " Resolved "),
    ("T2", "2024-01-02T09:00:00Z", "vendor@ext.com", "open"),
    ("T2", "2024-01-02T09:00:00Z", "hal", "open"),  # same instant: line order
    ("T2", "2024-01-04T09:00:00Z", "gus", "closed"),
    ("", "2024-01-02T09:00:00Z", "ann", ""),  # ticket_id is empty
    ("T3", "", "ann", ""),  # timestamp is empty
    ("T3", "2024/01/02", "ann", ""),  # timestamp is not ISO 8601
    ("T3", "2024-01-02T09:00:00Z", "", ""),  # assignee is empty
    ("T4", "2024-01-05T09:00:00Z", "eve", ""),
    ("T4", "2024-01-06T09:00:00Z", "dee", "done"),
]

CHATS = [  # timestamp, sender, conversation_id, recipients, thread_author, message_id, kind
    ("2024-01-02T09:00:00Z", "ann", "c1", "bob;cy", "", "x1", "group"),
    ("2024-01-02T09:05:00Z", "bob", "c1", "ann;cy", "ann", "x2", "GROUP"),  # a reply to ann
    ("2024-01-02T09:06:00Z", "cy", "c2", "", "ann", "x3", "dm"),  # a reply with no recipient: kept
    ("2024-01-02T09:07:00Z", "cy", "c2", "", "cy@corp.org", "x4", "dm"),  # replies to no one else
    ("2024-01-02T09:08:00Z", "dee", "c3", "DEE@corp.org", "", "x5", ""),  # no recipient other than the sender
    ("", "dee", "c3", "ann", "", "x6", ""),  # timestamp is empty
    ("noon", "dee", "c3", "ann", "", "x7", ""),  # timestamp is not ISO 8601
    ("2024-01-02T09:00:00Z", "", "c3", "ann", "", "x8", ""),  # sender is empty
    ("2024-01-02T09:00:00Z", "dee", "", "ann", "", "x9", ""),  # conversation_id is empty
    ("2024-01-02T09:00:00Z", "dee", "c3", "ann", "", "x10", "forum"),  # kind is not dm, group or channel
    ("2024-01-03T09:00:00Z", "eve", "general", "ann;bob;cy;dee;fay;gus;hal;guest@ext.com", "", "x11", "Channel"),
    ("2024-01-03T09:01:00Z", "fay", "general", "ann;bob;cy", "eve", "x12", "channel"),  # a reply in a channel
    ("2024-01-02T09:00:00Z", "ann", "c1", "bob;cy", "", "x1", "group"),  # duplicate of x1
    ("2024-01-04T09:00:00Z", "guest@ext.com", "c9", "gus", "", "", ""),  # external sender
]

TIES = [  # source, target, weight, period_start, channel, directed
    ("ann", "bob", "2.5", "2024-01-01", "viva", "true"),
    ("bob", "ann", "1", "", "viva", "false"),
    ("cy", "ext@partner.org", "3", "2024-01-08", "gephi", ""),
    ("", "bob", "1", "", "", ""),  # source is empty
    ("ann", "", "1", "", "", ""),  # target is empty
    ("ann", "cy", "", "", "", ""),  # weight is empty
    ("ann", "cy", "heavy", "", "", ""),  # weight is not a finite number
    ("ann", "cy", "inf", "", "", ""),  # not finite either
    ("ann", "cy", "-1", "", "", ""),  # weight is not above 0
    ("ann", "cy", "0", "", "", ""),  # not above 0
    ("ann", "cy", "1", "last week", "", ""),  # period_start is not ISO 8601
    ("ann", "cy", "1", "", "", "maybe"),  # directed is not true or false
    ("ann", "Ann.Alt@corp.org", "1", "", "", ""),  # source and target are the same person
    ("dee", "eve", "0.25", "2024-01-15T00:00:00Z", "", "YES"),
]

GROUP_HANDOFFS = [  # ticket_id, timestamp, from_group, to_group
    ("T1", "2024-01-02T10:00:00Z", "finance", "LEGAL"),
    ("T4", "2024-01-05T12:00:00Z", "Sales", "Vendor Desk"),
    ("", "2024-01-02T10:00:00Z", "Finance", "Legal"),  # ticket_id is empty
    ("T9", "", "Finance", "Legal"),  # timestamp is empty
    ("T9", "tomorrow", "Finance", "Legal"),  # timestamp is not ISO 8601
    ("T9", "2024-01-02T10:00:00Z", "", "Legal"),  # from_group is empty
    ("T9", "2024-01-02T10:00:00Z", "Legal", ""),  # to_group is empty
    ("T9", "2024-01-02T10:00:00Z", "legal", " LEGAL "),  # the same group
]

HISTORY = [("ann", "2023-01-01", "2024-01-04", "Legal"), ("ann", "2024-01-04", "", "Finance")]


def _csv(rows: list[tuple[str, ...]], header: list[str]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def write_bad_org(folder: Path) -> Path:
    """The organization's files as CSV, with the layouts of the module docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(_csv(PEOPLE, ["person_id", "department", "email"]), encoding="utf-8")
    (folder / "people_history.csv").write_text(
        _csv(HISTORY, ["person_id", "valid_from", "valid_to", "department"]), encoding="utf-8")
    emails = _csv(EMAILS, ["timestamp", "sender", "recipients", "cc", "bcc", "message_id"])
    emails = "\ufeff" + emails.replace("\n", "\n\n", 2)  # a byte-order mark and blank lines
    emails += '2024-01-08T09:00:00Z,ann,"bob;\ncy;\n\ndee",,,m20\n'  # a record over four lines, one blank
    emails += "2024-01-08T09:00:00Z,ann\n"  # too few fields
    emails += "2024-01-08T09:00:00Z,ann,bob,,,m21,extra\n"  # too many
    emails += '2024-01-08T10:00:00Z,"bob","ann, the ""boss""",,,m22\n'  # quoted comma and quotes: external
    emails += '"2024-01-08\nT10:00:00Z",bob,ann,,,m23\n'  # a line break in a timestamp: not ISO 8601
    (folder / "emails.csv").write_text(emails, encoding="utf-8")
    meetings = _csv(MEETINGS, ["meeting_id", "start", "end", "duration_minutes", "attendees", "organizer"])
    (folder / "meetings.csv").write_bytes(meetings.replace("\n", "\r\n").encode("utf-8"))  # CRLF
    (folder / "tickets.csv").write_text(_csv(TICKETS, ["ticket_id", "timestamp", "assignee", "status"]),
                                        encoding="utf-8")
    chats = _csv(CHATS, ["timestamp", "sender", "conversation_id", "recipients", "thread_author", "message_id",
                         "Kind"])
    (folder / "chats.csv").write_text(chats + "\n\n", encoding="utf-8")
    ties = _csv(TIES, ["source", "target", "weight", "period_start", "channel", "directed"])
    ties += 'ann,bob,1,"2024-01-09,viva,true\n'  # a quoted field never closed
    (folder / "ties.csv").write_text(ties, encoding="utf-8")
    (folder / "group_handoffs.csv").write_text(
        _csv(GROUP_HANDOFFS, ["ticket_id", "timestamp", "from_group", "to_group"]), encoding="utf-8")
    return folder


def _ts(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def write_bad_parquet(folder: Path) -> Path:
    """The organization's tables as Parquet with typed columns: timestamps, numbers, booleans, lists.

    A value that has no typed form (a bad timestamp or number) is kept as a
    string column where the table needs it to stay bad, or as null.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(_csv(PEOPLE, ["person_id", "department", "email"]), encoding="utf-8")
    us = pa.timestamp("us", tz="UTC")
    pq.write_table(pa.table({
        "timestamp": pa.array([e[0] for e in EMAILS], pa.string()),  # text: some are bad
        "sender": [e[1] for e in EMAILS],
        "recipients": pa.array([[r for r in e[2].split(";")] for e in EMAILS], pa.list_(pa.string())),
        "cc": [e[3] or None for e in EMAILS],
        "message_id": [e[5] for e in EMAILS],
    }), folder / "emails.parquet")
    pq.write_table(pa.table({
        "meeting_id": [m[0] for m in MEETINGS],
        "start": pa.array([_ts(m[1]) for m in MEETINGS], us),  # typed: bad ones are null (start is empty)
        "end": [m[2] for m in MEETINGS],
        "duration_minutes": pa.array([_num(m[3]) for m in MEETINGS], pa.float64()),
        "attendees": [m[4] for m in MEETINGS],
    }), folder / "meetings.parquet")
    pq.write_table(pa.table({
        "ticket_id": [t[0] for t in TICKETS],
        "timestamp": pa.array([_ts(t[1]) for t in TICKETS], pa.timestamp("ms")),  # no zone: UTC
        "assignee": [t[2] for t in TICKETS],
        "status": [t[3] or None for t in TICKETS],
    }), folder / "tickets.parquet")
    pq.write_table(pa.table({
        "timestamp": [c[0] for c in CHATS], "sender": [c[1] for c in CHATS],
        "conversation_id": [c[2] for c in CHATS], "recipients": [c[3] for c in CHATS],
        "thread_author": [c[4] for c in CHATS], "message_id": [c[5] for c in CHATS], "kind": [c[6] for c in CHATS],
    }), folder / "chats.parquet")
    pq.write_table(pa.table({
        "source": [t[0] for t in TIES], "target": [t[1] for t in TIES],
        "weight": pa.array([_num(t[2]) if t[2] != "heavy" else float("nan") for t in TIES], pa.float64()),
        "period_start": pa.array([_ts(t[3]).date() if _ts(t[3]) else None for t in TIES], pa.date32()),
        "directed": pa.array([{"true": True, "yes": True, "false": False}.get(t[5].lower()) for t in TIES]),
    }), folder / "ties.parquet")
    pq.write_table(pa.table({
        "ticket_id": [g[0] for g in GROUP_HANDOFFS], "timestamp": [g[1] for g in GROUP_HANDOFFS],
        "from_group": [g[2] for g in GROUP_HANDOFFS], "to_group": [g[3] for g in GROUP_HANDOFFS],
    }), folder / "group_handoffs.parquet")
    return folder
