"""Calendar API exports -> ona's ``meetings`` table: Microsoft Graph and Google Calendar events JSON.

Input: the JSON that the calendar APIs return, saved as files:

- ``graph-events``: Microsoft Graph ``GET /users/{id}/calendarView`` pages
  (``{"value": [event, ...], "@odata.nextLink": ...}``), a bare list of
  events or pages, or JSON lines of either;
- ``google-calendar``: Google Calendar API ``events.list`` pages
  (``{"kind": "calendar#events", "items": [event, ...]}``) fetched with
  ``singleEvents=true``, a bare list, or JSON lines.

Output: ``meetings`` rows through
:class:`~ona.io.imports.meeting_rows.MeetingWriter` and one
:class:`~ona.io.imports.base.SourceReport` per file. Only ids, times,
status flags, attendees and organizer are read: ``subject``, ``body``,
``bodyPreview``, ``location(s)``, ``onlineMeeting``, ``summary``,
``description``, ``hangoutLink``, ``conferenceData`` and ``attachments``
never reach a table.

Rules (a record is one event object):

- ``cancelled``: Graph ``isCancelled``; Google ``status: "cancelled"``;
- ``all_day_or_free``: Graph ``isAllDay`` or ``showAs: "free"`` (time the
  person left open: a reminder, an optional broadcast, a placeholder);
  Google ``start.date`` (all-day) or ``transparency: "transparent"``;
- ``unparseable`` (with its JSON path, ``$.value[3]`` or ``line 7``): not
  an object, no id, a time or time zone that cannot be read, or a series
  that the API did not expand: a Graph ``seriesMaster`` (list the
  calendar with ``calendarView``, which returns occurrences) or a Google
  event with ``recurrence`` rules (list with ``singleEvents=true``). ona
  refuses these per record rather than expanding a second recurrence
  dialect by hand;
- ``outside_window``, ``no_recipient`` (fewer than two people),
  ``duplicate`` (same ``iCalUId`` / ``iCalUID`` and start instant, as in
  several people's exports of one meeting);
- ``resource`` and ``declined`` count attendees: Graph ``type:
  "resource"`` and ``status.response: "declined"``; Google ``resource:
  true`` and ``responseStatus: "declined"``.

Time zones: Graph gives ``{"dateTime": "2024-03-04T09:00:00.0000000",
"timeZone": "Pacific Standard Time"}``; Windows zone names are mapped to
IANA with icalendar's table of the Unicode CLDR windowsZones mapping, IANA
names and ``UTC`` are used as they are. Google gives RFC 3339 times with
their offset; a time without one is in the event's ``timeZone``, else UTC.

A file is read whole (``json.load``), or line by line for JSON lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.meeting_rows import MeetingWriter


class _Unparseable(ValueError):
    """An event that cannot give a meeting row (the reason is the message)."""


# ------------------------------------------------------------------ JSON records


def _load(path: Path, page_key: str) -> Iterator[tuple[str, Any]]:
    """(position, event object) for every event of a page file, list file or JSON-lines file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise DatasetError(path.name, f"cannot be read ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise DatasetError(path.name, "not UTF-8 text (a JSON export is UTF-8)") from e
    if not text.strip():
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as whole:
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        try:
            json.loads(lines[first])
        except json.JSONDecodeError:
            # Neither one JSON document nor JSON lines: report where the document breaks.
            raise DatasetError(
                path.name, f"not valid JSON (line {whole.lineno} column {whole.colno}: {whole.msg})"
            ) from whole
        yield from _json_lines(lines, page_key)
        return
    yield from _document(document, "$", page_key, path.name)


def _json_lines(lines: list[str], page_key: str) -> Iterator[tuple[str, Any]]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            yield f"line {n}", _Unparseable(f"not valid JSON (column {e.colno}: {e.msg})")
            continue
        if isinstance(value, dict) and isinstance(value.get(page_key), list):
            for i, event in enumerate(value[page_key]):
                yield f"line {n}: $.{page_key}[{i}]", event
        else:
            yield f"line {n}", value


def _document(document: Any, where: str, page_key: str, file: str) -> Iterator[tuple[str, Any]]:
    if isinstance(document, dict) and page_key in document:
        items = document[page_key]
        if not isinstance(items, list):
            raise DatasetError(file, f"'{page_key}' is not a list of events")
        for i, event in enumerate(items):
            yield f"{where}.{page_key}[{i}]", event
    elif isinstance(document, list):
        for i, item in enumerate(document):
            if isinstance(item, dict) and isinstance(item.get(page_key), list):
                yield from _document(item, f"{where}[{i}]", page_key, file)
            else:
                yield f"{where}[{i}]", item
    elif isinstance(document, dict) and "start" in document:
        yield where, document  # one event saved on its own
    else:
        raise DatasetError(file, f"not a page of events: no '{page_key}' list")


def _import_json(
    sources: Sequence[Path],
    options: ImportOptions,
    sink: Sink,
    kind: str,
    page_key: str,
    read_event: Callable[[dict[str, Any], MeetingWriter, SourceReport, str], None],
) -> list[SourceReport]:
    # One file at a time, so that memory holds one file's events; a file refused half-way leaves
    # rows in the sink, which the dataset folder writer discards (it never writes a partial folder).
    writer = MeetingWriter(sink, options)
    reports = []
    for path in sources:
        report = SourceReport(source=path.name, kind=kind)
        for position, event in _load(path, page_key):
            if isinstance(event, _Unparseable):
                report.records_read += 1
                report.bad(position, str(event))
            elif not isinstance(event, dict):
                report.records_read += 1
                report.bad(position, "not a JSON object")
            else:
                try:
                    read_event(event, writer, report, position)
                except _Unparseable as e:
                    report.bad(position, str(e))
        reports.append(report)
    writer.flush()
    return reports


def _sniff(path: Path) -> str | None:
    if not path.is_file():
        return None
    with path.open("rb") as f:
        head = f.read(65536)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    return text if text[:1] in ("{", "[") else None


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _list(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it, or a non-list, gives nothing)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ------------------------------------------------------------------ times

_FRACTION = re.compile(r"(\.\d{1,6})\d*")
_GRAPH_CONTEXT = re.compile(r'"@odata\.context"\s*:\s*"[^"]*(calendarView|/events|calendar)', re.IGNORECASE)


def _zone(name: str | None) -> tzinfo:
    if name is None or name.strip() in ("", "UTC", "Etc/UTC", "tzone://Microsoft/Utc"):
        return UTC
    name = name.strip()
    iana = WINDOWS_TO_OLSON.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise _Unparseable(f"unknown time zone '{name}'") from e


def _instant(text: Any, zone_name: str | None, what: str) -> datetime:
    """An RFC 3339 / ISO 8601 date-time, in ``zone_name`` when it has no offset, as UTC."""
    if not isinstance(text, str) or not text.strip():
        raise _Unparseable(f"{what}: no date-time")
    # Graph writes 7 fractional digits; datetime reads at most 6.
    value = _FRACTION.sub(lambda m: m.group(1), text.strip(), count=1)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as e:
        raise _Unparseable(f"{what}: '{text[:40]}' is not an ISO 8601 date-time") from e
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(zone_name))
    return moment.astimezone(UTC)


# ------------------------------------------------------------------ Microsoft Graph


def _graph_address(value: Any) -> str | None:
    addr = _get(value, "emailAddress", "address")
    return addr.strip().lower() if isinstance(addr, str) and "@" in addr else None


def _graph_event(ev: dict[str, Any], writer: MeetingWriter, report: SourceReport, position: str) -> None:
    report.records_read += 1
    if ev.get("isCancelled") is True:
        report.drop("cancelled")
        return
    if ev.get("type") == "seriesMaster":
        raise _Unparseable("a series master, not its occurrences: export with calendarView, which expands series")
    if ev.get("isAllDay") is True or str(ev.get("showAs", "")).lower() == "free":
        report.drop("all_day_or_free")
        return
    uid = ev.get("iCalUId") or ev.get("id")
    if not isinstance(uid, str) or not uid:
        raise _Unparseable("no iCalUId or id")
    start = _instant(_get(ev, "start", "dateTime"), _get(ev, "start", "timeZone"), "start")
    end = _instant(_get(ev, "end", "dateTime"), _get(ev, "end", "timeZone"), "end")
    left_out = {"declined": 0, "resource": 0}
    attendees, declined = [], set()
    for attendee in _list(ev.get("attendees")):
        addr = _graph_address(attendee)
        if addr is None:
            continue
        if str(_get(attendee, "type") or "").lower() == "resource":
            left_out["resource"] += 1
        elif str(_get(attendee, "status", "response") or "").lower() == "declined":
            left_out["declined"] += 1
            declined.add(addr)
        else:
            attendees.append(addr)
    organizer = _graph_address(ev.get("organizer"))
    writer.add(
        report, position, uid=uid, start=start, end=end, attendees=attendees,
        organizer=None if organizer in declined else organizer, left_out=left_out,
    )  # fmt: skip


def import_graph_events(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Microsoft Graph event JSON (calendarView pages) as ``meetings`` rows.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON files of ``calendarView`` pages, bare lists, or JSON lines.
    options : ImportOptions
        ``since`` / ``until`` drop events outside the window.
    sink : Sink
        Receives ``meetings`` batches.

    Returns
    -------
    list of SourceReport
        One per file (see the module docstring for what is dropped).

    Raises
    ------
    DatasetError
        If a file is not UTF-8, not JSON (with the line and column where it
        breaks), or not a page of events.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from ona.io.imports.base import MemorySink
    >>> page = {"value": [{"iCalUId": "u1", "subject": "secret",
    ...     "start": {"dateTime": "2024-03-04T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
    ...     "end": {"dateTime": "2024-03-04T10:00:00.0000000", "timeZone": "Pacific Standard Time"},
    ...     "organizer": {"emailAddress": {"address": "ana@x.org"}},
    ...     "attendees": [{"type": "required", "status": {"response": "accepted"},
    ...                    "emailAddress": {"address": "ben@x.org"}}]}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ana.json"
    >>> _ = path.write_text(json.dumps(page))
    >>> sink = MemorySink()
    >>> [report] = import_graph_events([path], ImportOptions(), sink)
    >>> report.events_written, sink.table("meetings").column("start")[0].as_py().hour
    ({'meetings': 1}, 17)
    """
    return _import_json(sources, options, sink, "graph-events", "value", _graph_event)


def looks_like_graph_events(path: Path) -> bool:
    """Whether ``path`` starts like Graph event JSON (Graph's ``iCalUId`` / ``isAllDay`` / ``@odata``)."""
    head = _sniff(path)
    # Graph spells it iCalUId (Google: iCalUID); other Graph pages (Teams chatMessage) carry
    # @odata.context too, so the context must name a calendar collection.
    return head is not None and ('"iCalUId"' in head or '"isAllDay"' in head or
                                 _GRAPH_CONTEXT.search(head) is not None)  # fmt: skip


# ------------------------------------------------------------------ Google Calendar


def _google_event(ev: dict[str, Any], writer: MeetingWriter, report: SourceReport, position: str) -> None:
    report.records_read += 1
    if ev.get("status") == "cancelled":
        report.drop("cancelled")
        return
    if ev.get("recurrence") and not ev.get("recurringEventId"):
        raise _Unparseable("a recurring event's rules, not its instances: list events with singleEvents=true")
    start_obj, end_obj = ev.get("start") or {}, ev.get("end") or {}
    if not isinstance(start_obj, dict) or not isinstance(end_obj, dict):
        raise _Unparseable("start or end is not an object")
    if ("date" in start_obj and "dateTime" not in start_obj) or ev.get("transparency") == "transparent":
        report.drop("all_day_or_free")
        return
    uid = ev.get("iCalUID") or ev.get("id")
    if not isinstance(uid, str) or not uid:
        raise _Unparseable("no iCalUID or id")
    start = _instant(start_obj.get("dateTime"), start_obj.get("timeZone"), "start")
    end = _instant(end_obj.get("dateTime"), end_obj.get("timeZone") or start_obj.get("timeZone"), "end")
    left_out = {"declined": 0, "resource": 0}
    attendees, declined = [], set()
    for attendee in _list(ev.get("attendees")):
        addr = _get(attendee, "email")
        if not isinstance(addr, str) or "@" not in addr:
            continue
        addr = addr.strip().lower()
        if attendee.get("resource") is True:
            left_out["resource"] += 1
        elif attendee.get("responseStatus") == "declined":
            left_out["declined"] += 1
            declined.add(addr)
        else:
            attendees.append(addr)
    organizer = _get(ev, "organizer", "email")
    organizer = organizer.strip().lower() if isinstance(organizer, str) and "@" in organizer else None
    if organizer is not None and (organizer in declined or organizer.endswith(".calendar.google.com")):
        # a group or resource calendar organizes on nobody's behalf; a person who declined is absent
        organizer = None
    writer.add(
        report, position, uid=uid, start=start, end=end, attendees=attendees,
        organizer=organizer, left_out=left_out,
    )  # fmt: skip


def import_google_calendar(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Google Calendar API events JSON (events.list pages, singleEvents=true) as ``meetings`` rows.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON files of ``events.list`` pages, bare lists, or JSON lines.
    options : ImportOptions
        ``since`` / ``until`` drop events outside the window.
    sink : Sink
        Receives ``meetings`` batches.

    Returns
    -------
    list of SourceReport
        One per file (see the module docstring for what is dropped).

    Raises
    ------
    DatasetError
        If a file is not UTF-8, not JSON, or not a page of events.
    """
    return _import_json(sources, options, sink, "google-calendar", "items", _google_event)


def looks_like_google_calendar(path: Path) -> bool:
    """Whether ``path`` starts like Google Calendar events JSON (``calendar#event`` / ``iCalUID``)."""
    head = _sniff(path)
    return head is not None and ('"calendar#event' in head or '"iCalUID"' in head)
