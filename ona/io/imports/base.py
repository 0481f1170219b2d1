"""What every importer of a real export shares: options, the per-source report, the sink.

An importer turns the files of one kind of export (a message trace, a
mailbox, calendar files, a chat workspace export, ...) into ona's input
tables, the ones DESIGN.md defines and :func:`ona.io.read_dataset` reads:

- ``emails``: timestamp, sender, recipients[, cc][, bcc][, message_id]
- ``meetings``: meeting_id, start, end | duration_minutes, attendees[, organizer]
- ``tickets``: ticket_id, timestamp, assignee[, status]
- ``chats``: timestamp, sender, conversation_id, recipients[, thread_author][, message_id]
- ``ties``: source, target, weight[, channel][, period_start][, directed]
- ``people``: person_id, department[, email][, name, ...]

as Arrow tables handed to a :class:`Sink` in batches (lists such as
recipients may be ``list<string>`` columns, timestamps ``timestamp[tz]``
columns: the Parquet reader turns both into ona's text forms). People are
referred to by address; the readers resolve them against ``people`` later,
so an importer never needs to know who is internal.

Content (subject, body, text, description, location, join links,
attachments) is never read into a table: importers drop it at parse time.

Every source file gets a :class:`SourceReport`: records read, events
written, records dropped by reason (the reasons are the :data:`REASONS`
words), and the first unparseable records with their position (``line
17``, ``message 3``, ``$.messages[4]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

#: Why a record was left out; the report counts each.
REASONS: dict[str, str] = {
    "system_sender": "sent by a system or no-reply address",
    "bounce": "a bounce or delivery report",
    "not_delivered": "not delivered (failed, pending, quarantined, filtered as spam)",
    "duplicate": "a copy of a record already kept (same message or event seen in another file)",
    "declined": "an attendee who declined",
    "resource": "a room or resource, not a person",
    "all_day_or_free": "an all-day event or a block marked free",
    "cancelled": "a cancelled event",
    "bot": "written by a bot or an integration",
    "system_message": "a system message (join, leave, topic, ...)",
    "mailing_list": "mailing-list or automatic mail (List-Id, Precedence, Auto-Submitted)",
    "outside_window": "outside the --since / --until window",
    "no_recipient": "no recipient or attendee left",
    "channel_post": "a post in a channel (counted only with --chat-channel-posts)",
    "deleted": "a message deleted by its author or an admin",
    "deleted_user": "written by a deactivated (deleted) account",
    "unknown_account": "an account id that the users export does not list (ticket kinds; the ids are in notes)",
    "unassigned": "an assignee removed with no one named (the ticket waits unassigned; the next holder's row follows)",
    "truncated_history": "changes the export left out (a changelog whose total is larger than the entries present; "
    "the issue keys are in notes)",
    "no_tie": "a tie whose chosen score or weight is 0 or empty (tie lists: no tie in that period)",
    "unparseable": "could not be read (its position is listed)",
}

#: Unparseable records listed by position per source (the count is always exact).
POSITIONS_KEPT = 100


#: Ticket kind -> the ``--map`` target naming the people column that holds its account ids.
ACCOUNT_TARGETS: dict[str, str] = {
    "jira": "jira_account_id",
    "servicenow": "servicenow_sys_id",
    "zendesk": "zendesk_user_id",
    "github": "github_login",
}


@dataclass(frozen=True)
class ImportOptions:
    """What the user said about an import (``ona import`` options)."""

    since: datetime | None = None  # tz-aware UTC; events before it are dropped
    until: datetime | None = None  # tz-aware UTC; events at or after it are dropped
    internal_domains: tuple[str, ...] = ()  # lower-case; used only to build people without --people
    chat_channel_posts: bool = False
    #: the span of the dataset's other channels, for open-ended recurrences when no window is given
    other_span: tuple[datetime, datetime] | None = None
    #: tie lists (viva-p2p, gephi): the attribute whose values are the people's department
    group_column: str | None = None
    #: viva-p2p: which score is the tie's weight ("strong" or "diverse")
    tie_score: str = "strong"
    #: a people file is given (--people): tie lists then write no people of their own
    people_given: bool = False
    #: ticket kinds: the kind's account ids read from a column of the people file
    #: (``--map jira_account_id=COLUMN``): target (see :data:`ACCOUNT_TARGETS`) -> account id -> person_id
    account_ids: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class Unparseable(BaseModel):
    """One record that could not be read."""

    model_config = ConfigDict(extra="forbid")

    position: str = Field(description="where it is: 'line 17', 'message 3', '$.messages[4]'")
    reason: str


class SourceReport(BaseModel):
    """What an import made of one source file."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="the file's name (a member of an archive: 'export.zip:general/2024-01-02.json')")
    kind: str
    records_read: int = 0
    events_written: dict[str, int] = Field(default_factory=dict, description="rows written per table")
    dropped: dict[str, int] = Field(default_factory=dict, description="records left out, by reason (REASONS)")
    unparseable: list[Unparseable] = Field(default_factory=list, description=f"the first {POSITIONS_KEPT}")
    notes: list[str] = Field(
        default_factory=list,
        description=f"the first {POSITIONS_KEPT} remarks on records kept or dropped (a truncated history, an unknown id)",
    )

    def drop(self, reason: str, count: int = 1) -> None:
        """Count records left out for ``reason`` (a key of REASONS)."""
        if reason not in REASONS:
            raise KeyError(f"unknown drop reason {reason!r}")
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + count

    def bad(self, position: str, reason: str) -> None:
        """Count an unparseable record, listing its position while fewer than POSITIONS_KEPT are."""
        self.drop("unparseable")
        if len(self.unparseable) < POSITIONS_KEPT:
            self.unparseable.append(Unparseable(position=position, reason=reason))

    def note(self, text: str) -> None:
        """Add a remark (listed while fewer than POSITIONS_KEPT are)."""
        if len(self.notes) < POSITIONS_KEPT:
            self.notes.append(text)

    def wrote(self, table: str, rows: int) -> None:
        self.events_written[table] = self.events_written.get(table, 0) + rows


class Sink(Protocol):
    """Where an importer puts its rows: one call per batch, any number of batches per table."""

    def write(self, table: str, batch: pa.Table) -> None: ...


#: An importer: (source files, options, sink) -> one report per source file.
Importer = Callable[[Sequence[Path], ImportOptions, Sink], list[SourceReport]]


@dataclass
class MemorySink:
    """A sink that keeps every batch (for tests and small imports)."""

    tables: dict[str, list[pa.Table]] = field(default_factory=dict)

    def write(self, table: str, batch: pa.Table) -> None:
        self.tables.setdefault(table, []).append(batch)

    def table(self, name: str) -> pa.Table | None:
        parts = self.tables.get(name)
        return pa.concat_tables(parts, promote_options="default") if parts else None
