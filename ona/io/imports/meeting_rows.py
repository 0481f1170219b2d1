"""What the calendar importers share: one occurrence -> one ``meetings`` row, kept once.

Input: occurrences already read from an export (a start and end instant,
the attendees left after the importer's own rules, the organizer, the
event's unique id). Output: ``meetings`` rows (meeting_id, start, end,
attendees, organizer) handed to a :class:`~ona.io.imports.base.Sink` in
batches.

ona's meetings reader does not add the organizer to the attendees, while
every calendar format lists the organizer apart (or only sometimes among
the attendees): the organizer is put first in ``attendees`` here, so that
they count as one of the n people of the meeting, as they are in the room.

The same occurrence seen in several people's exports (same unique id and
the same start instant) is kept once: the first copy read wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from ona.io.imports.base import ImportOptions, Sink, SourceReport

#: Rows per Arrow batch handed to the sink.
BATCH_ROWS = 50_000

MEETING_SCHEMA = pa.schema(
    [
        ("meeting_id", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("end", pa.timestamp("us", tz="UTC")),
        ("attendees", pa.list_(pa.string())),
        ("organizer", pa.string()),
    ]
)


def meeting_id(uid: str, start: datetime) -> str:
    """``uid/YYYYMMDDTHHMMSSZ``: one id per occurrence, the same in every person's export."""
    return f"{uid}/{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass
class MeetingWriter:
    """Collects meeting rows, drops repeats and empty meetings, writes batches to the sink."""

    sink: Sink
    options: ImportOptions
    _seen: set[tuple[str, datetime]] = field(default_factory=set)
    _rows: dict[str, list[object]] = field(default_factory=lambda: {n: [] for n in MEETING_SCHEMA.names})

    def in_window(self, start: datetime) -> bool:
        """Whether an occurrence starting at ``start`` is inside ``--since`` / ``--until``."""
        since, until = self.options.since, self.options.until
        return not ((since is not None and start < since) or (until is not None and start >= until))

    def add(
        self,
        report: SourceReport,
        position: str,
        *,
        uid: str,
        start: datetime,
        end: datetime,
        attendees: Iterable[str],
        organizer: str | None,
        left_out: Mapping[str, int] | None = None,
    ) -> bool:
        """Write one occurrence, or count why it is left out; True when written.

        ``left_out`` counts attendees the importer left out (``declined``,
        ``resource``); they are added to the report only when the
        occurrence is written, so that a duplicate copy does not count them
        twice.
        """
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if not self.in_window(start):
            report.drop("outside_window")
            return False
        if end <= start:
            report.bad(position, "the event ends at or before its start")
            return False
        people: list[str] = []
        for addr in ([organizer] if organizer else []) + list(attendees):
            addr = addr.strip().lower()
            if addr and addr not in people:
                people.append(addr)
        if len(people) < 2:
            # one person alone in a calendar block is not collaboration (DESIGN: n >= 2)
            report.drop("no_recipient")
            return False
        key = (uid, start)
        if key in self._seen:
            report.drop("duplicate")
            return False
        self._seen.add(key)
        for reason, count in (left_out or {}).items():
            report.drop(reason, count)
        row = (meeting_id(uid, start), start, end, people, organizer.strip().lower() if organizer else None)
        for name, value in zip(MEETING_SCHEMA.names, row, strict=True):
            self._rows[name].append(value)
        report.wrote("meetings", 1)
        if len(self._rows["meeting_id"]) >= BATCH_ROWS:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the rows collected so far as one batch."""
        if self._rows["meeting_id"]:
            self.sink.write("meetings", pa.table(self._rows, schema=MEETING_SCHEMA))
            self._rows = {n: [] for n in MEETING_SCHEMA.names}
