"""Canonical tables: what the readers produce and the store keeps.

Readers (``ona.io``) turn people / emails / meetings / tickets / chats / ties / people_history /
group_handoffs files into
these Arrow tables, with identities already resolved: a reference to a
person (person_id or any email alias, case-insensitive) becomes their
``person_id``; anyone else is an external party, kept with a null id and
their lower-cased address so that external collaboration can be counted.

All timestamps are UTC (``timestamp[us, tz=UTC]``). ``line`` is the 1-based
line of the source row (the header is line 1; for Parquet the row number).
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

PEOPLE = pa.schema(
    [
        ("person_id", pa.string()),
        ("department", pa.string()),
        ("emails", pa.string()),  # raw alias list as given, may be null
        ("attributes", pa.string()),  # JSON object of every other column (name, team, ...)
        ("line", pa.int64()),
    ]
)

ALIASES = pa.schema([("address", pa.string()), ("person_id", pa.string())])

# One row per accepted, de-duplicated message. k = distinct recipients
# (to + cc + bcc), sender excluded, externals included.
EMAILS = pa.schema(
    [
        ("message_key", pa.int64()),
        ("message_id", pa.string()),
        ("ts", TS),
        ("sender_id", pa.string()),  # null when the sender is external
        ("sender_address", pa.string()),  # lower-cased as written
        ("k", pa.int32()),
        ("line", pa.int64()),
    ]
)

# One row per distinct recipient of a message (sender excluded).
EMAIL_RECIPIENTS = pa.schema(
    [
        ("message_key", pa.int64()),
        ("person_id", pa.string()),  # null when external
        ("address", pa.string()),  # lower-cased as written
    ]
)

# n_attendees = distinct attendees, externals included.
MEETINGS = pa.schema(
    [
        ("meeting_key", pa.int64()),
        ("meeting_id", pa.string()),
        ("start", TS),
        ("hours", pa.float64()),
        ("n_attendees", pa.int32()),
        ("organizer_id", pa.string()),
        ("line", pa.int64()),
    ]
)

MEETING_ATTENDEES = pa.schema(
    [
        ("meeting_key", pa.int64()),
        ("person_id", pa.string()),  # null when external
        ("address", pa.string()),
    ]
)

# The assignment history of tickets: one row per (ticket, time, assignee).
# Ordering within a ticket is (ts, line); a change of assignee is a handoff.
TICKETS = pa.schema(
    [
        ("ticket_id", pa.string()),
        ("ts", TS),
        ("assignee_id", pa.string()),  # null when external
        ("assignee_address", pa.string()),
        ("status", pa.string()),
        ("line", pa.int64()),
    ]
)

# One row per accepted, de-duplicated chat message. k = distinct other
# members of the conversation (sender excluded, externals included). kind:
# "dm", "group", "channel" or null (a conversation: dm or group). reply: the
# message answers a thread started by someone else (thread_author, resolved;
# its ident differs from the sender's), so it adds 1 to (sender, author).
CHATS = pa.schema(
    [
        ("message_key", pa.int64()),
        ("message_id", pa.string()),
        ("ts", TS),
        ("conversation_id", pa.string()),
        ("kind", pa.string()),
        ("sender_id", pa.string()),  # null when the sender is external
        ("sender_address", pa.string()),  # lower-cased as written
        ("k", pa.int32()),
        ("reply", pa.bool_()),
        ("thread_author_id", pa.string()),  # null when external or not a reply
        ("thread_author_address", pa.string()),  # null when not a reply
        ("line", pa.int64()),
    ]
)

# One row per distinct other member of a message's conversation (sender excluded).
CHAT_RECIPIENTS = pa.schema(
    [
        ("message_key", pa.int64()),
        ("person_id", pa.string()),  # null when external
        ("address", pa.string()),  # lower-cased as written
    ]
)

# One row per accepted tie of a ties file (pre-aggregated: Viva p2p, Gephi).
# Each row adds weight to the undirected pair (source, target); channel and
# directed are kept as attributes; period_start (null: timeless) dates it.
TIES = pa.schema(
    [
        ("source_id", pa.string()),  # null when external
        ("source_address", pa.string()),  # lower-cased as written
        ("target_id", pa.string()),  # null when external
        ("target_address", pa.string()),
        ("weight", pa.float64()),  # finite, > 0
        ("channel", pa.string()),
        ("period_start", TS),
        ("directed", pa.bool_()),
        ("line", pa.int64()),
    ]
)

# A person's department and attributes from valid_from (inclusive) to
# valid_to (exclusive; null: still valid). See ona.io.history.
PEOPLE_HISTORY = pa.schema(
    [
        ("person_id", pa.string()),
        ("valid_from", TS),
        ("valid_to", TS),
        ("department", pa.string()),
        ("attributes", pa.string()),  # JSON object of every other column
        ("line", pa.int64()),
    ]
)

# Assignment-group changes of tickets (ServiceNow, Zendesk): a handoff from
# one group to another with no person. Names are as the export wrote them
# (trimmed); the handoff analytics match them to ona's groups.
GROUP_HANDOFFS = pa.schema(
    [
        ("ticket_id", pa.string()),
        ("ts", TS),
        ("from_group", pa.string()),
        ("to_group", pa.string()),
        ("line", pa.int64()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "people": PEOPLE,
    "aliases": ALIASES,
    "emails": EMAILS,
    "email_recipients": EMAIL_RECIPIENTS,
    "meetings": MEETINGS,
    "meeting_attendees": MEETING_ATTENDEES,
    "tickets": TICKETS,
    "chats": CHATS,
    "chat_recipients": CHAT_RECIPIENTS,
    "ties": TIES,
    "people_history": PEOPLE_HISTORY,
    "group_handoffs": GROUP_HANDOFFS,
}


def empty(name: str) -> pa.Table:
    """An empty canonical table (for a dataset without that channel)."""
    return TABLES[name].empty_table()
