"""Small datasets for the service tests, built directly as canonical Arrow tables.

``dataset(people, tickets=..., emails=...)`` returns an
:class:`ona.io.dataset.Dataset` the store can save: people are
``person_id -> department``; a ticket row is ``(ticket_id, timestamp,
assignee, status)`` where an assignee that is not a person_id is an
external party (kept with its address); an email is ``(timestamp, sender,
[recipients])`` between person_ids. Lines are numbered as a CSV file would
(the header is line 1), in the order given, so a test can give unsorted
rows and ties in timestamps on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

import pyarrow as pa

from ona.io.dataset import Dataset
from ona.io.schema import TABLES
from ona.store import Store

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)  # a Monday

TicketRow = tuple[str, datetime, str, str | None]
Email = tuple[datetime, str, Sequence[str]]


def at(hours: float) -> datetime:
    """T0 plus ``hours``."""
    return T0 + timedelta(hours=hours)


def dataset(
    people: dict[str, str],
    *,
    tickets: Iterable[TicketRow] = (),
    emails: Iterable[Email] = (),
    name: str = "test",
) -> Dataset:
    ids = list(people)
    people_table = pa.table(
        {
            "person_id": ids,
            "department": [people[p] for p in ids],
            "emails": [f"{p}@corp.example" for p in ids],
            "attributes": [None] * len(ids),
            "line": list(range(2, len(ids) + 2)),
        },
        schema=TABLES["people"],
    )
    rows = list(tickets)
    ticket_table = pa.table(
        {
            "ticket_id": [r[0] for r in rows],
            "ts": [r[1] for r in rows],
            "assignee_id": [r[2] if r[2] in people else None for r in rows],
            "assignee_address": [r[2].lower() for r in rows],
            "status": [r[3] for r in rows],
            "line": list(range(2, len(rows) + 2)),
        },
        schema=TABLES["tickets"],
    )
    mails = list(emails)
    email_table = pa.table(
        {
            "message_key": list(range(len(mails))),
            "message_id": [f"m{i}" for i in range(len(mails))],
            "ts": [m[0] for m in mails],
            "sender_id": [m[1] for m in mails],
            "sender_address": [f"{m[1]}@corp.example" for m in mails],
            "k": [len(set(m[2])) for m in mails],
            "line": list(range(2, len(mails) + 2)),
        },
        schema=TABLES["emails"],
    )
    recipients = [(i, r) for i, m in enumerate(mails) for r in dict.fromkeys(m[2])]
    recipient_table = pa.table(
        {
            "message_key": [i for i, _ in recipients],
            "person_id": [r for _, r in recipients],
            "address": [f"{r}@corp.example" for _, r in recipients],
        },
        schema=TABLES["email_recipients"],
    )
    return Dataset(
        name=name,
        tables={
            "people": people_table,
            "tickets": ticket_table,
            "emails": email_table,
            "email_recipients": recipient_table,
        },
    )


def saved(store: Store, ds: Dataset) -> str:
    """Save ``ds`` in ``store`` and return its dataset_id."""
    return store.save_dataset(ds).dataset_id
