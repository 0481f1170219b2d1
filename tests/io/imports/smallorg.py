"""One small organization, written by every importer's tests in its vendor's format.

Eight people in three departments at example.com, one external partner,
and a week of email, meetings and chat. Each importer test writes these
events in its export format (with that format's awkward extras: bounces,
declined attendees, rooms, bots, ...), imports them, and checks that the
dataset gives the same pair weights (to 1e-9) as :func:`write_canonical`,
which writes the same events as ona's own tables.

Times are UTC. Nothing here is content: subjects and bodies that fixtures
add must carry :data:`CANARY`, which must never reach the store or an output.
"""

from __future__ import annotations

import csv
from pathlib import Path

CANARY = "CANARY-7f3e-do-not-store"
DOMAIN = "example.com"
EXTERNAL = "partner@supplier.org"

#: person_id, department, email
PEOPLE: list[tuple[str, str, str]] = [
    ("ana", "Finance", "ana@example.com"),
    ("ben", "Finance", "ben@example.com"),
    ("cai", "Finance", "cai@example.com"),
    ("dan", "Legal", "dan@example.com"),
    ("eve", "Legal", "eve@example.com"),
    ("fay", "Sales", "fay@example.com"),
    ("gus", "Sales", "gus@example.com"),
    ("hal", "Sales", "hal@example.com"),
]


def address(person: str) -> str:
    return f"{person}@{DOMAIN}" if "@" not in person else person


#: message_id, timestamp, sender, to, cc, bcc (people by person_id; EXTERNAL as it is)
EMAILS: list[tuple[str, str, str, list[str], list[str], list[str]]] = [
    ("<m1@example.com>", "2024-03-04T09:00:00Z", "ana", ["ben"], [], []),
    ("<m2@example.com>", "2024-03-04T09:30:00Z", "ben", ["ana", "cai"], ["dan"], []),
    ("<m3@example.com>", "2024-03-04T11:15:00Z", "dan", ["eve"], [], ["ana"]),
    ("<m4@example.com>", "2024-03-05T08:05:00Z", "fay", ["gus", "hal", EXTERNAL], [], []),
    ("<m5@example.com>", "2024-03-05T14:45:00Z", "eve", ["dan"], ["fay"], []),
    ("<m6@example.com>", "2024-03-06T10:00:00Z", "gus", ["ana"], [], []),
    ("<m7@example.com>", "2024-03-07T16:20:00Z", "hal", ["fay", "gus"], [], []),
    ("<m8@example.com>", "2024-03-08T12:00:00Z", "cai", ["ben"], ["ana"], []),
]

#: meeting_id, start, end, attendees (people; the organizer first)
MEETINGS: list[tuple[str, str, str, list[str]]] = [
    ("mtg-1", "2024-03-04T13:00:00Z", "2024-03-04T14:00:00Z", ["ana", "ben", "cai"]),
    ("mtg-2", "2024-03-05T10:00:00Z", "2024-03-05T10:30:00Z", ["dan", "eve", "fay"]),
    ("mtg-3", "2024-03-06T15:00:00Z", "2024-03-06T16:30:00Z", ["fay", "gus", "hal", "ana", EXTERNAL]),
    ("mtg-4", "2024-03-07T09:00:00Z", "2024-03-07T09:45:00Z", ["ben", "dan"]),
]

#: message_id, timestamp, sender, conversation_id, members of the conversation (sender included),
#: thread_author (the author of the message replied to, or None)
CHATS: list[tuple[str, str, str, str, list[str], str | None]] = [
    ("c1", "2024-03-04T10:00:00Z", "ana", "dm-ana-ben", ["ana", "ben"], None),
    ("c2", "2024-03-04T10:01:00Z", "ben", "dm-ana-ben", ["ana", "ben"], None),
    ("c3", "2024-03-05T11:00:00Z", "fay", "grp-sales", ["fay", "gus", "hal"], None),
    ("c4", "2024-03-05T11:02:00Z", "gus", "grp-sales", ["fay", "gus", "hal"], "fay"),
    ("c5", "2024-03-06T09:00:00Z", "dan", "dm-dan-eve", ["dan", "eve"], None),
    ("c6", "2024-03-07T13:00:00Z", "eve", "grp-mixed", ["eve", "fay", "ana", "cai"], None),
]


def write_canonical(folder: Path, *, chats: bool = True) -> Path:
    """The organization as ona's own CSV tables (people, emails, meetings[, chats]) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "people.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "department", "email"])
        w.writerows(PEOPLE)
    with (folder / "emails.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "recipients", "cc", "bcc", "message_id"])
        for mid, ts, sender, to, cc, bcc in EMAILS:
            w.writerow([ts, address(sender), ";".join(map(address, to)), ";".join(map(address, cc)),
                        ";".join(map(address, bcc)), mid])  # fmt: skip
    with (folder / "meetings.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["meeting_id", "start", "end", "attendees", "organizer"])
        for mid, start, end, attendees in MEETINGS:
            w.writerow([mid, start, end, ";".join(map(address, attendees)), address(attendees[0])])
    if chats:
        with (folder / "chats.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["timestamp", "sender", "conversation_id", "recipients", "thread_author", "message_id"])
            for mid, ts, sender, conv, members, author in CHATS:
                others = [address(m) for m in members if m != sender]
                w.writerow([ts, address(sender), conv, ";".join(others), address(author) if author else "", mid])
    return folder
