"""iCalendar (.ics) files -> ona's ``meetings`` table, recurring events expanded.

Input: .ics files (RFC 5545), one or several people's calendar exports
(Outlook, Google Calendar, Apple, Thunderbird, CalDAV servers); a file may
hold several VCALENDARs. Output: ``meetings`` rows (meeting_id, start, end,
attendees, organizer) written through
:class:`~ona.io.imports.meeting_rows.MeetingWriter`, and one
:class:`~ona.io.imports.base.SourceReport` per file.

Parsing is icalendar's; recurrence is recurring-ical-events' (RRULE, RDATE,
EXDATE, occurrences edited by RECURRENCE-ID, X-WR-TIMEZONE), never a
hand-written expander. Only UID, DTSTART, DTEND / DURATION, RRULE, RDATE,
EXDATE, RECURRENCE-ID, STATUS, TRANSP, ATTENDEE and ORGANIZER are read:
SUMMARY, DESCRIPTION, LOCATION, URL, ATTACH and the rest never reach a table.

Rules (a record is one occurrence: a single event, or one occurrence of a
series inside the window):

- ``cancelled``: STATUS:CANCELLED (a cancelled event, or one cancelled
  occurrence of a series);
- ``all_day_or_free``: DTSTART is a DATE (all-day: holidays, out of
  office, birthdays), or TRANSP:TRANSPARENT (shown as free);
- ``outside_window``: a single event starting before ``--since`` or at /
  after ``--until`` (occurrences of a series outside the window are not
  enumerated, so not counted);
- ``unparseable``: a series whose DTSTART, DTEND, DURATION, RRULE, RDATE,
  EXDATE or RECURRENCE-ID cannot be read (a broken RRULE), or an event
  without UID, or one that ends at or before its start;
- ``no_recipient``: fewer than two people left;
- ``duplicate``: an occurrence already read (same UID and start instant),
  as in several people's exports of the same meeting;
- ``resource`` and ``declined`` count attendees, not records: CUTYPE=ROOM
  or RESOURCE, PARTSTAT=DECLINED (an organizer who declined is left out too).

Attendees are the ATTENDEE ``mailto:`` addresses plus the ORGANIZER's.
Times: TZID (Olson or Windows names, as icalendar resolves them), UTC, or
floating; a floating time is in the calendar's X-WR-TIMEZONE, else UTC.

An open-ended series (an RRULE with neither UNTIL nor COUNT) is expanded
within ``--since`` / ``--until``, else within the span of the dataset's other
channels (``ImportOptions.other_span``); with neither the import is
refused, naming the file and the event's UID, rather than inventing a span.

Each file is read whole (icalendar parses a whole calendar; calendar
exports are megabytes, not gigabytes), one file at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events
import x_wr_timezone
from recurring_ical_events import BadRuleStringFormat, PeriodEndBeforeStart

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.meeting_rows import MeetingWriter

#: The expansion span of a bounded series when no window is given (any real calendar fits).
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)

#: Properties that decide when an occurrence happens; an error in one makes the series unreadable.
_TIME_PROPERTIES = {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}

#: What recurring-ical-events and icalendar raise for a series they cannot expand.
_SERIES_ERRORS = (BadRuleStringFormat, PeriodEndBeforeStart, icalendar.InvalidCalendar, ValueError, TypeError,
                  KeyError, OverflowError)  # fmt: skip


def _read_calendars(path: Path) -> list[icalendar.Calendar]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DatasetError(path.name, f"cannot be read ({e.strerror or e})") from e
    if not looks_like_ics_bytes(data):
        raise DatasetError(path.name, "not an iCalendar file: it does not start with BEGIN:VCALENDAR")
    problem = "not a valid iCalendar file (truncated, or a content line that cannot be parsed)"
    # icalendar returns no calendar at all for a file cut before its END:VCALENDAR
    if not data.rstrip().upper().endswith(b"END:VCALENDAR"):
        raise DatasetError(path.name, problem)
    try:
        calendars = list(icalendar.Calendar.from_ical(data.lstrip(b"\xef\xbb\xbf"), multiple=True))
    except (ValueError, IndexError, KeyError, TypeError) as e:
        # icalendar's message quotes the offending line, which may be a SUMMARY or DESCRIPTION:
        # it is not repeated here, so that no content reaches a report or a log.
        raise DatasetError(path.name, problem) from e
    if not calendars:
        raise DatasetError(path.name, problem)
    return calendars


def _mailto(value: Any) -> str | None:
    text = str(value).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.lower() if "@" in text and " " not in text else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_open_ended(component: icalendar.cal.Component) -> bool:
    for rule in _as_list(component.get("RRULE")):
        if isinstance(rule, icalendar.vRecur) and "UNTIL" not in rule and "COUNT" not in rule:
            return True
    return False


def _time_errors(component: icalendar.cal.Component) -> list[str]:
    # Only errors of the time properties are named: icalendar's other messages quote the line,
    # which may be content; a broken line of a property ona does not read changes nothing.
    found = [f"{name}: {message}" for name, message in component.errors if name in _TIME_PROPERTIES]
    start, end = component.get("DTSTART"), component.get("DTEND")
    if not found and start is not None and end is not None:
        try:
            if type(start.dt) is type(end.dt) and end.dt < start.dt:
                found.append("DTEND is before DTSTART")
        except TypeError:
            found.append("DTSTART and DTEND cannot be compared (one floating, one with a zone)")
    return found


def _aware(value: datetime) -> datetime:
    # x_wr_timezone has already put floating times in X-WR-TIMEZONE; what is still floating is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _occurrence(
    event: icalendar.cal.Component, uid: str, position: str, writer: MeetingWriter, report: SourceReport
) -> None:
    report.records_read += 1
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        report.drop("cancelled")
        return
    start = event["DTSTART"].dt
    if not isinstance(start, datetime) or str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        report.drop("all_day_or_free")
        return
    if event.get("DTEND") is not None:
        end = event["DTEND"].dt
    elif event.get("DURATION") is not None:
        end = start + event["DURATION"].dt
    else:
        end = start  # RFC 5545: a DATE-TIME event without an end ends when it starts
    if not isinstance(end, datetime):
        end = datetime.combine(end, start.timetz()) if isinstance(end, date) else start
    left_out = {"declined": 0, "resource": 0}
    attendees: list[str] = []
    declined: set[str] = set()
    for attendee in _as_list(event.get("ATTENDEE")):
        addr = _mailto(attendee)
        params = getattr(attendee, "params", {})
        if addr is None:
            continue  # urn:uuid or a name without an address: nobody to count
        if str(params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
            left_out["resource"] += 1
        elif str(params.get("PARTSTAT", "")).upper() == "DECLINED":
            left_out["declined"] += 1
            declined.add(addr)
        else:
            attendees.append(addr)
    organizer = _mailto(event["ORGANIZER"]) if event.get("ORGANIZER") is not None else None
    if organizer in declined:
        organizer = None
    writer.add(
        report, position, uid=uid, start=_aware(start), end=_aware(end),
        attendees=attendees, organizer=organizer, left_out=left_out,
    )  # fmt: skip


def _window(
    uid: str, open_ended: bool, options: ImportOptions, file: str
) -> tuple[datetime, datetime]:
    since, until = options.since, options.until
    if not open_ended:
        return since or _EARLIEST, until or _LATEST
    if until is None and options.other_span is None:
        raise DatasetError(
            file,
            f"the recurring event UID {uid} never ends (RRULE without UNTIL or COUNT): give --since and "
            "--until, or import it into a dataset that already has other channels, whose span is used",
        )
    span = options.other_span
    return since or (span[0] if span else _EARLIEST), until or (span[1] if span else _LATEST)


def _import_calendar(
    calendar: icalendar.Calendar, file: str, options: ImportOptions, writer: MeetingWriter, report: SourceReport
) -> None:
    try:
        # Google exports UTC times with X-WR-TIMEZONE: recurrences must step in local time (DST).
        calendar = x_wr_timezone.to_standard(calendar)
    except _SERIES_ERRORS:
        pass  # an unknown X-WR-TIMEZONE: the times stay as written, floating ones UTC
    groups: dict[str, list[icalendar.cal.Component]] = {}
    for n, event in enumerate(calendar.walk("VEVENT"), start=1):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            report.records_read += 1
            report.bad(f"VEVENT {n}", "an event without UID")
            continue
        groups.setdefault(uid, []).append(event)
    for uid, events in groups.items():
        position = f"UID {uid}"
        errors = [e for event in events for e in _time_errors(event)]
        if errors or any(event.get("DTSTART") is None for event in events):
            report.records_read += 1
            report.bad(position, errors[0] if errors else "an event without DTSTART")
            continue
        recurring = any(event.get("RRULE") is not None or event.get("RDATE") is not None for event in events)
        if len(events) == 1 and not recurring and events[0].get("RECURRENCE-ID") is None:
            # A lone event is its own one occurrence; asking the expander for it costs more
            # than parsing it (it searches the whole time line for occurrences).
            start = events[0]["DTSTART"].dt
            _occurrence(events[0], uid, f"{position} at {start}", writer, report)
            continue
        lo, hi = _window(uid, any(_is_open_ended(e) for e in events), options, file)
        series = icalendar.Calendar()
        for event in events:
            series.add_component(event)
        try:
            query = recurring_ical_events.CalendarQuery(series)
            occurrences = list(query.between(lo, hi) if recurring else query.all())
        except _SERIES_ERRORS as e:
            report.records_read += 1
            report.bad(position, f"the series cannot be expanded ({type(e).__name__})")
            continue
        for occurrence in occurrences:
            start = occurrence["DTSTART"].dt
            when = start.isoformat() if isinstance(start, date) else str(start)
            _occurrence(occurrence, uid, f"{position} at {when}", writer, report)


def import_ics(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import iCalendar files as ``meetings`` rows (see the module docstring for the rules).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        .ics files; the same meeting in several of them is kept once.
    options : ImportOptions
        ``since`` / ``until``: the window (also the expansion span of
        open-ended series); ``other_span``: the span of open-ended series
        when no window is given.
    sink : Sink
        Receives ``meetings`` batches.

    Returns
    -------
    list of SourceReport
        One per file; unparseable events are listed as ``UID <uid>``.

    Raises
    ------
    DatasetError
        If a file is not iCalendar, cannot be parsed at all (truncated), or
        holds an open-ended series and no window can be found.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ona.io.imports.base import MemorySink
    >>> ics = pathlib.Path(tempfile.mkdtemp()) / "ana.ics"
    >>> _ = ics.write_text("BEGIN:VCALENDAR\\nBEGIN:VEVENT\\nUID:w1\\nDTSTART:20240304T090000Z\\n"
    ...     "DTEND:20240304T100000Z\\nRRULE:FREQ=WEEKLY;COUNT=3\\nORGANIZER:mailto:ana@x.org\\n"
    ...     "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ben@x.org\\nEND:VEVENT\\nEND:VCALENDAR\\n")
    >>> [report] = import_ics([ics], ImportOptions(), MemorySink())
    >>> report.records_read, report.events_written
    (3, {'meetings': 3})
    """
    # One file in memory at a time (hundreds of people's exports may be given). A file is
    # checked whole before its first row is written; a file refused after others were read
    # leaves their rows in the sink, which the dataset folder writer discards (it never
    # writes a partial folder).
    writer = MeetingWriter(sink, options)
    reports = []
    for path in sources:
        parsed = _read_calendars(path)
        for calendar in parsed:
            for event in calendar.walk("VEVENT"):
                if _is_open_ended(event):
                    _window(str(event.get("UID", "")).strip(), True, options, path.name)
        report = SourceReport(source=path.name, kind="ics")
        for calendar in parsed:
            _import_calendar(calendar, path.name, options, writer, report)
        reports.append(report)
        del parsed
    writer.flush()
    return reports


def looks_like_ics_bytes(head: bytes) -> bool:
    """Whether bytes start like an iCalendar stream (after a byte-order mark and blank lines)."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR"


def looks_like_ics(path: Path) -> bool:
    """Whether ``path`` is a file starting with ``BEGIN:VCALENDAR``."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return looks_like_ics_bytes(f.read(1024))

