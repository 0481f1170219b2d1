"""What the store hands back: dataset and analysis records, pair weights.

``DatasetInfo`` and ``AnalysisInfo`` are pydantic models (the API returns
them as they are); ``PairWeights`` is the Arrow table of pair weights that
:func:`ona.graph.build.build_graph` turns into the collaboration graph, with
the event counts and external collaboration of the same aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from ona.params import AnalysisParams

AnalysisStatus = Literal["queued", "running", "done", "failed", "cancelled"]
STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
#: Statuses of an analysis that has not ended yet (it may still change, its record must stay).
ACTIVE_STATUSES: tuple[str, ...] = ("queued", "running")

#: Schema of :attr:`PairWeights.table`: one row per unordered pair ``a < b``.
PAIR_SCHEMA = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("email", pa.float64()),
        ("meeting", pa.float64()),
        ("ticket", pa.float64()),
        ("chat", pa.float64()),
        ("ties", pa.float64()),
        ("handoffs", pa.int64()),
        ("weight", pa.float64()),
    ]
)


class DatasetInfo(BaseModel):
    """A stored dataset: its name and what it holds.

    The counts are null in the viewer's version (:meth:`for_viewer`): a
    dataset's people count minus an analysis' shown people would give back
    the size of the groups kept from viewers.
    """

    model_config = ConfigDict(extra="forbid")

    dataset_id: str
    workspace: str = Field("default", description="the workspace (client or organization) the dataset belongs to")
    name: str
    created_at: datetime = Field(description="when the dataset was saved (UTC)")
    people: int | None = Field(description="rows of the people table")
    emails: int | None = Field(description="accepted, de-duplicated messages")
    email_recipients: int | None = Field(description="(message, distinct recipient) rows")
    meetings: int | None = Field(description="accepted meetings")
    meeting_attendees: int | None = Field(description="(meeting, distinct attendee) rows")
    tickets: int | None = Field(description="distinct ticket ids")
    ticket_rows: int | None = Field(description="rows of ticket assignment history")
    chats: int | None = Field(0, description="accepted, de-duplicated chat messages")
    chat_recipients: int | None = Field(0, description="(chat message, distinct other member) rows")
    ties: int | None = Field(0, description="accepted rows of the ties table (pre-aggregated ties)")
    people_history: int | None = Field(0, description="accepted rows of the people_history table")
    group_handoffs: int | None = Field(0, description="accepted rows of the group_handoffs table (assignment-group changes)")
    rejected: int | None = Field(description="input rows rejected by validation")
    first_event: datetime | None = Field(None, description="earliest event timestamp (UTC), null without events")
    last_event: datetime | None = Field(None, description="latest event timestamp (UTC), null without events")

    def for_viewer(self) -> DatasetInfo:
        """The viewer's version: name, workspace and time span, no counts."""
        counts = ("people", "emails", "email_recipients", "meetings", "meeting_attendees", "tickets",
                  "ticket_rows", "chats", "chat_recipients", "ties", "people_history", "group_handoffs", "rejected")  # fmt: skip
        return self.model_copy(update=dict.fromkeys(counts))


class AnalysisInfo(BaseModel):
    """The job record of one analysis of a dataset."""

    model_config = ConfigDict(extra="forbid")

    analysis_id: str
    dataset_id: str
    status: AnalysisStatus = Field(
        description="queued, running, done, failed (see error) or cancelled (asked to stop by a user)"
    )
    stage: str | None = Field(None, description="current step of a running analysis")
    progress: float = Field(0.0, ge=0.0, le=1.0, description="fraction done, in [0, 1]")
    error: str | None = Field(None, description="why the analysis failed or was cancelled")
    parameters: AnalysisParams
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PairWeights:
    """Pair weights of a dataset under given analysis parameters.

    Attributes
    ----------
    table : pyarrow.Table
        One row per tie, schema :data:`PAIR_SCHEMA`, ordered by ``a, b``
        (``a < b``): channel weights ``email``, ``meeting``, ``ticket``,
        ``chat``, ``ties`` before coefficients, ``handoffs`` (internal ticket
        handoffs, both directions) and ``weight`` = email_weight*email +
        meeting_weight*meeting + ticket_weight*ticket + chat_weight*chat +
        ties_weight*ties.
        Weights are rounded
        to 9 decimals. Only pairs with ``weight > 0`` and
        ``weight >= min_weight`` are kept.
    events : dict of str to int
        Events in the time window: ``emails`` (messages), ``emails_broadcast``
        (skipped, more than broadcast_limit recipients),
        ``emails_external_sender`` (not broadcast, sender external),
        ``meetings``, ``meetings_large`` (skipped, more than
        large_meeting_limit attendees), ``meetings_too_small`` (fewer than 2
        attendees), ``tickets`` (tickets with a row in the window),
        ``handoffs`` (both assignees internal), ``handoffs_external``,
        ``chats`` (messages), ``chat_replies`` (thread replies to someone
        else), ``chats_broadcast`` (skipped, not replies, more than
        broadcast_limit other members), ``chat_channel_posts`` (skipped,
        posts in a channel that are not replies, without
        chat_channel_posts), ``chats_external_sender``, ``ties`` (rows of
        the ties table in the window, timeless rows included),
        ``ties_external`` (those with an external end).
    external : dict of str to float
        Collaboration with external parties, kept out of the graph:
        ``email`` (the 1/k weight between an internal and an external
        party, either direction), ``meeting`` (h/(n-1) for every
        internal-external attendee pair of a kept meeting), ``ticket``
        (handoffs to or from an external assignee), ``chat`` (1/k between an
        internal and an external member of a counted message, plus 1 per
        reply between an internal and an external person), ``ties`` (the
        weight of tie rows between an internal and an external person).
    weekly : pyarrow.Table or None
        When asked for: one row per tie and week with events, ``edge`` (the
        tie's row in ``table``), ``week`` (the Monday starting the week, in
        days since 1970-01-01, UTC; null for a timeless tie), ``weight`` and
        ``relationship`` (the weight without tickets) with the coefficients,
        and ``handoffs``. Summed over weeks they give ``table``'s values.
    """

    table: pa.Table
    events: dict[str, int] = field(default_factory=dict)
    external: dict[str, float] = field(default_factory=dict)
    weekly: pa.Table | None = None

    @property
    def total_weight(self) -> float:
        """W: the sum of the ``weight`` column."""
        total = pc.sum(self.table.column("weight")).as_py()
        return float(total) if total is not None else 0.0
