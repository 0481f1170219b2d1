"""Fixtures of the store tests: build a Dataset from plain Python lists.

``make_dataset`` returns a :class:`ona.io.dataset.Dataset` of canonical
tables (see :mod:`ona.io.schema`), as the readers would produce it, from
small literal event lists. A reference to a person is internal when it is a
person_id of ``people``; anything else (``"x@ext.com"``) is an external
party, kept with a null id and its address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from ona.io.dataset import Dataset
from ona.io.schema import TABLES
from ona.results import FileReport, Reject, ValidationReport
from ona.store import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(day: float) -> datetime:
    """2024-01-01T00:00Z plus ``day`` days (a readable event time)."""
    return T0 + timedelta(days=day)


Email = tuple[datetime, str, Sequence[str]]  # (ts, sender, recipients)
Meeting = tuple[datetime, float, Sequence[str]]  # (start, hours, attendees)
TicketRow = tuple[str, datetime, str]  # (ticket_id, ts, assignee)


def build_dataset(
    people: dict[str, str],
    emails: Sequence[Email] = (),
    meetings: Sequence[Meeting] = (),
    tickets: Sequence[TicketRow] = (),
    *,
    attributes: dict[str, dict[str, Any]] | None = None,
    ticket_lines: Sequence[int] | None = None,
    rejects: Sequence[tuple[str, int, str]] = (),
    name: str = "test",
) -> Dataset:
    """A Dataset from literal lists.

    Parameters
    ----------
    people : dict
        person_id -> department.
    emails : list of (ts, sender, recipients)
        k is the number of distinct recipients other than the sender.
    meetings : list of (start, hours, attendees)
        n_attendees is the number of distinct attendees.
    tickets : list of (ticket_id, ts, assignee)
        Rows in file order: line = position + 2 unless ``ticket_lines``.
    attributes : dict, optional
        person_id -> extra columns (the attributes JSON).
    rejects : list of (file, line, reason)
        Rejected rows of the validation report.
    """
    attributes = attributes or {}

    def ref(who: str) -> tuple[str | None, str]:
        return (who, who) if who in people else (None, who.lower())

    ids = list(people)
    people_t = pa.table(
        {
            "person_id": ids,
            "department": [people[p] for p in ids],
            "emails": [None] * len(ids),
            "attributes": [json.dumps(attributes[p]) if p in attributes else None for p in ids],
            "line": list(range(2, len(ids) + 2)),
        },
        schema=TABLES["people"],
    )
    msg_rows: list[dict[str, Any]] = []
    rcpt_rows: list[dict[str, Any]] = []
    for key, (ts, sender, recipients) in enumerate(emails):
        distinct = [r for r in dict.fromkeys(recipients) if r != sender]
        sid, saddr = ref(sender)
        msg_rows.append(
            {"message_key": key, "message_id": f"<m{key}@x>", "ts": ts, "sender_id": sid,
             "sender_address": saddr, "k": len(distinct), "line": key + 2}
        )
        rcpt_rows += [{"message_key": key, "person_id": ref(r)[0], "address": ref(r)[1]} for r in distinct]
    meet_rows: list[dict[str, Any]] = []
    att_rows: list[dict[str, Any]] = []
    for key, (start, hours, attendees) in enumerate(meetings):
        distinct = list(dict.fromkeys(attendees))
        meet_rows.append(
            {"meeting_key": key, "meeting_id": f"mt{key}", "start": start, "hours": hours,
             "n_attendees": len(distinct), "organizer_id": ref(distinct[0])[0] if distinct else None,
             "line": key + 2}
        )
        att_rows += [{"meeting_key": key, "person_id": ref(a)[0], "address": ref(a)[1]} for a in distinct]
    lines = list(ticket_lines) if ticket_lines is not None else [i + 2 for i in range(len(tickets))]
    ticket_rows = [
        {"ticket_id": t, "ts": ts, "assignee_id": ref(a)[0], "assignee_address": ref(a)[1],
         "status": None, "line": line}
        for (t, ts, a), line in zip(tickets, lines)
    ]
    files = {
        f: FileReport(file=f, format="csv", rows_read=n, accepted=n, rejected=0)
        for f, n in (("people.csv", len(ids)), ("emails.csv", len(emails)))
    }
    for f, _, _ in rejects:
        files.setdefault(f, FileReport(file=f, format="csv", rows_read=0, accepted=0, rejected=0))
        files[f].rejected += 1
        files[f].rows_read += 1
    report = ValidationReport(files=files, rejected=[Reject(file=f, line=ln, reason=r) for f, ln, r in rejects])

    def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=TABLES[name])

    return Dataset(
        name,
        {
            "people": people_t,
            "emails": table("emails", msg_rows),
            "email_recipients": table("email_recipients", rcpt_rows),
            "meetings": table("meetings", meet_rows),
            "meeting_attendees": table("meeting_attendees", att_rows),
            "tickets": table("tickets", ticket_rows),
        },
        report,
    )


@pytest.fixture(scope="session")
def make_dataset() -> Callable[..., Dataset]:
    """The :func:`build_dataset` helper (session-scoped: usable under hypothesis)."""
    return build_dataset


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh in-memory store."""
    with Store() as s:
        yield s
