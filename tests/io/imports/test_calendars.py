"""graph-events and google-calendar importers: awkward cases, the small organization, bad files, the canary.

The JSON is written by the code below to the vendors' resource
definitions; see fixtures/graph-events/README.md and
fixtures/google-calendar/README.md for the sources.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ona.errors import OnaError
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.calendars import (
    import_google_calendar,
    import_graph_events,
    looks_like_google_calendar,
    looks_like_graph_events,
)
from tests.io.imports.pairs import assert_no_canary, assert_same_weights, canonical_weights, imported_weights
from tests.io.imports.smallorg import CANARY, EXTERNAL, address

# ------------------------------------------------------------------ Microsoft Graph


def graph_person(who: str, *, kind: str = "required", response: str = "accepted") -> dict[str, Any]:
    return {"type": kind, "status": {"response": response, "time": "2024-03-01T08:00:00Z"},
            "emailAddress": {"name": f"{who} {CANARY}", "address": address(who)}}  # fmt: skip


def graph_event(uid: str, start: str, end: str, zone: str, organizer: str, *attendees: Any,
                **flags: Any) -> dict[str, Any]:  # fmt: skip
    event = {
        "id": f"AAMkAG{uid}", "iCalUId": uid, "type": "singleInstance", "isAllDay": False,
        "isCancelled": False, "showAs": "busy", "subject": f"Budget {CANARY}", "bodyPreview": CANARY,
        "body": {"contentType": "html", "content": f"<p>{CANARY}</p>"},
        "location": {"displayName": CANARY}, "locations": [{"displayName": CANARY}],
        "onlineMeeting": {"joinUrl": f"https://teams.example.com/{CANARY}"}, "webLink": CANARY,
        "categories": [CANARY],
        "start": {"dateTime": start, "timeZone": zone}, "end": {"dateTime": end, "timeZone": zone},
        "organizer": {"emailAddress": {"name": CANARY, "address": address(organizer)}},
        "attendees": [a if isinstance(a, dict) else graph_person(a) for a in attendees],
    }  # fmt: skip
    event.update(flags)
    return event


def graph_smallorg(folder: Path) -> list[Path]:
    ana = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('ana')/calendarView",
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/users/ana/calendarView?$skip=10",
        "value": [
            # mtg-1 in Pacific Standard Time (UTC-8 until 10 March 2024), Graph's 7 fractional digits
            graph_event("mtg-1", "2024-03-04T05:00:00.0000000", "2024-03-04T06:00:00.0000000",
                        "Pacific Standard Time", "ana", "ben", "cai",
                        graph_person("room4", kind="resource"), graph_person("gus", response="declined")),
            graph_event("mtg-3", "2024-03-06T16:00:00.0000000", "2024-03-06T17:30:00.0000000",
                        "W. Europe Standard Time", "fay", "gus", "hal", "ana", graph_person(EXTERNAL)),
            graph_event("noise-1", "2024-03-04T08:00:00.0000000", "2024-03-04T09:00:00.0000000", "UTC",
                        "ana", "ben", isCancelled=True),
            graph_event("noise-2", "2024-03-05T00:00:00.0000000", "2024-03-06T00:00:00.0000000", "UTC",
                        "ana", "ben", isAllDay=True),
            graph_event("noise-3", "2024-03-05T12:00:00.0000000", "2024-03-05T13:00:00.0000000", "UTC",
                        "ana", "hal", showAs="free"),
        ],
    }  # fmt: skip
    dan = [  # JSON lines: one event per line, as a script that pages through calendarView writes them
        graph_event("mtg-2", "2024-03-05T10:00:00.0000000", "2024-03-05T10:30:00.0000000", "UTC",
                    "dan", "eve", "fay", type="occurrence", seriesMasterId="AAMkAGseries"),
        graph_event("mtg-3", "2024-03-06T15:00:00.0000000", "2024-03-06T16:30:00.0000000", "UTC",
                    "fay", "gus", "hal", "ana", graph_person(EXTERNAL)),
        graph_event("mtg-4", "2024-03-07T09:00:00.0000000", "2024-03-07T09:45:00.0000000", "Europe/London",
                    "ben", "dan"),
    ]  # fmt: skip
    (folder / "ana.json").write_text(json.dumps(ana, indent=2))
    (folder / "dan.jsonl").write_text("\n".join(json.dumps(e) for e in dan) + "\n")
    return [folder / "ana.json", folder / "dan.jsonl"]


def test_smallorg_as_graph_events_gives_the_canonical_weights(tmp_path):
    got = imported_weights(tmp_path, "graph-events", graph_smallorg(tmp_path))
    assert_same_weights(got, canonical_weights(tmp_path, ["meetings"]))


def test_smallorg_graph_counts(tmp_path):
    sink = MemorySink()
    ana, dan = import_graph_events(graph_smallorg(tmp_path), ImportOptions(), sink)
    assert (ana.records_read, ana.events_written) == (5, {"meetings": 2})
    assert ana.dropped == {"resource": 1, "declined": 1, "cancelled": 1, "all_day_or_free": 2}
    assert (dan.records_read, dan.events_written, dan.dropped) == (3, {"meetings": 2}, {"duplicate": 1})
    first = sink.table("meetings").to_pylist()[0]
    assert (first["start"], first["organizer"]) == (datetime(2024, 3, 4, 13, tzinfo=UTC), "ana@example.com")
    assert_no_canary(sink, [ana, dan])


def test_awkward_graph_counts(tmp_path):
    page = {"value": [
        graph_event("a", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben"),  # 0 kept
        graph_event("b", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben",
                    type="seriesMaster", recurrence={"pattern": {"type": "weekly"}}),  # 1 series master
        graph_event("c", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "Mars Standard Time", "ana", "ben"),  # 2
        42,  # 3 not an object
        {k: v for k, v in graph_event("d", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana",
                                      "ben").items() if k not in ("id", "iCalUId")},  # 4 no id
        graph_event("e", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana"),  # 5 alone
        graph_event("f", "2024-03-04T11:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben"),  # 6 ends first
        graph_event("g", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben",
                    graph_person("ben", response="declined"), graph_person("dan", response="tentativelyAccepted"),
                    graph_person("eve", response="notResponded")),  # 7 kept
        graph_event("h", "2023-03-04T09:00:00", "2023-03-04T10:00:00", "UTC", "ana", "ben"),  # 8 outside
        graph_event("i", "2024-03-04T09:00:00", "not a time", "UTC", "ana", "ben"),  # 9 bad time
    ]}  # fmt: skip
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    sink = MemorySink()
    options = ImportOptions(since=datetime(2024, 1, 1, tzinfo=UTC))
    [report] = import_graph_events([path], options, sink)
    assert report.records_read == 10
    assert report.events_written == {"meetings": 2}
    assert report.dropped == {"unparseable": 6, "no_recipient": 1, "outside_window": 1, "declined": 1}
    positions = [u.position for u in report.unparseable]
    assert positions == ["$.value[1]", "$.value[2]", "$.value[3]", "$.value[4]", "$.value[6]", "$.value[9]"]
    assert "calendarView" in report.unparseable[0].reason and "Mars" in report.unparseable[1].reason
    g = sink.table("meetings").to_pylist()[1]
    # ben is both listed and declined: the declined entry is left out, the other copy kept
    assert g["attendees"] == ["ana@example.com", "ben@example.com", "dan@example.com", "eve@example.com"]
    assert_no_canary(sink, [report])


def test_graph_json_lines_with_a_broken_line_reject_that_line(tmp_path):
    good = json.dumps(graph_event("a", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben"))
    path = tmp_path / "events.jsonl"
    path.write_text(good + "\n" + good[:50] + "\n" + json.dumps({"value": [json.loads(good)]}) + "\n")
    [report] = import_graph_events([path], ImportOptions(), MemorySink())
    assert report.records_read == 3
    assert report.dropped == {"unparseable": 1, "duplicate": 1}
    assert report.unparseable[0].position == "line 2"


def test_invalid_json_is_refused_with_the_file_and_the_place(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps({"value": [graph_event("a", "2024-03-04T09:00:00", "2024-03-04T10:00:00",
                                                      "UTC", "ana", "ben")]}, indent=2)[:300])  # fmt: skip
    for importer in (import_graph_events, import_google_calendar):
        with pytest.raises(OnaError, match=r"cut.json: not valid JSON \(line \d+ column \d+") as info:
            importer([path], ImportOptions(), MemorySink())
        assert CANARY not in str(info.value)


def test_a_json_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"messages": []}))
    with pytest.raises(OnaError, match="other.json: not a page of events"):
        import_graph_events([path], ImportOptions(), MemorySink())
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(OnaError, match="bin.json"):
        import_google_calendar([tmp_path / "bin.json"], ImportOptions(), MemorySink())


# ------------------------------------------------------------------ Google Calendar


def google_person(who: str, **extra: Any) -> dict[str, Any]:
    return {"email": address(who), "displayName": f"{who} {CANARY}", "responseStatus": "accepted",
            "comment": CANARY, **extra}  # fmt: skip


def google_event(uid: str, start: dict[str, str], end: dict[str, str], organizer: str, *attendees: Any,
                 **fields: Any) -> dict[str, Any]:  # fmt: skip
    event = {
        "kind": "calendar#event", "id": f"id{uid}", "iCalUID": f"{uid}@google.com", "status": "confirmed",
        "summary": f"Budget {CANARY}", "description": CANARY, "location": CANARY,
        "hangoutLink": f"https://meet.example.com/{CANARY}", "htmlLink": CANARY,
        "conferenceData": {"notes": CANARY}, "attachments": [{"title": CANARY}],
        "organizer": {"email": address(organizer), "displayName": CANARY},
        "start": start, "end": end,
        "attendees": [google_person(organizer, organizer=True)] + [
            a if isinstance(a, dict) else google_person(a) for a in attendees],
    }  # fmt: skip
    event.update(fields)
    return event


def google_smallorg(folder: Path) -> list[Path]:
    page = {
        "kind": "calendar#events", "summary": CANARY, "timeZone": "Europe/Paris", "nextPageToken": "abc",
        "items": [
            google_event("mtg-1", {"dateTime": "2024-03-04T14:00:00+01:00", "timeZone": "Europe/Paris"},
                         {"dateTime": "2024-03-04T15:00:00+01:00", "timeZone": "Europe/Paris"}, "ana", "ben", "cai",
                         google_person("room4", resource=True), google_person("gus", responseStatus="declined")),
            # an instance of a recurring series, listed with singleEvents=true
            google_event("series-2", {"dateTime": "2024-03-05T05:00:00", "timeZone": "America/New_York"},
                         {"dateTime": "2024-03-05T05:30:00", "timeZone": "America/New_York"}, "dan", "eve", "fay",
                         recurringEventId="idseries-2",
                         originalStartTime={"dateTime": "2024-03-05T05:00:00-05:00"}),
            google_event("noise-1", {"dateTime": "2024-03-04T08:00:00Z"}, {"dateTime": "2024-03-04T09:00:00Z"},
                         "ana", "ben", status="cancelled"),
            google_event("noise-2", {"date": "2024-03-05"}, {"date": "2024-03-06"}, "ana", "ben"),
            google_event("noise-3", {"dateTime": "2024-03-05T12:00:00Z"}, {"dateTime": "2024-03-05T13:00:00Z"},
                         "ana", "hal", transparency="transparent"),
        ],
    }  # fmt: skip
    second = [{"kind": "calendar#events", "items": [
        google_event("mtg-3", {"dateTime": "2024-03-06T15:00:00Z"}, {"dateTime": "2024-03-06T16:30:00Z"},
                     "fay", "gus", "hal", "ana", {"email": EXTERNAL, "responseStatus": "needsAction"}),
        google_event("mtg-4", {"dateTime": "2024-03-07T09:00:00Z"}, {"dateTime": "2024-03-07T09:45:00Z"},
                     "ben", "dan"),
    ]}, {"kind": "calendar#events", "items": [
        google_event("mtg-3", {"dateTime": "2024-03-06T16:00:00+01:00"}, {"dateTime": "2024-03-06T17:30:00+01:00"},
                     "fay", "gus", "hal", "ana", {"email": EXTERNAL, "responseStatus": "needsAction"}),
    ]}]  # fmt: skip
    (folder / "ana-events.json").write_text(json.dumps(page))
    (folder / "fay-events.json").write_text(json.dumps(second))
    return [folder / "ana-events.json", folder / "fay-events.json"]


def test_smallorg_as_google_calendar_gives_the_canonical_weights(tmp_path):
    got = imported_weights(tmp_path, "google-calendar", google_smallorg(tmp_path))
    assert_same_weights(got, canonical_weights(tmp_path, ["meetings"]))


def test_smallorg_google_counts(tmp_path):
    sink = MemorySink()
    ana, fay = import_google_calendar(google_smallorg(tmp_path), ImportOptions(), sink)
    assert (ana.records_read, ana.events_written) == (5, {"meetings": 2})
    assert ana.dropped == {"resource": 1, "declined": 1, "cancelled": 1, "all_day_or_free": 2}
    assert (fay.records_read, fay.events_written, fay.dropped) == (3, {"meetings": 2}, {"duplicate": 1})
    rows = sink.table("meetings").to_pylist()
    assert rows[1]["start"] == datetime(2024, 3, 5, 10, tzinfo=UTC)
    assert_no_canary(sink, [ana, fay])


def test_awkward_google_counts(tmp_path):
    items = [
        google_event("master", {"dateTime": "2024-03-04T09:00:00Z"}, {"dateTime": "2024-03-04T10:00:00Z"},
                     "ana", "ben", recurrence=["RRULE:FREQ=WEEKLY"]),  # 0 not expanded
        dict(google_event("grp", {"dateTime": "2024-03-04T09:00:00Z"}, {"dateTime": "2024-03-04T10:00:00Z"},
                          "ana", "ben"), organizer={"email": "team@group.calendar.google.com"}),  # 1 kept
        google_event("bad", {"dateTime": "2024-03-04T09:00:00", "timeZone": "Nowhere/City"},
                     {"dateTime": "2024-03-04T10:00:00Z"}, "ana", "ben"),  # 2 unknown zone
        google_event("solo", {"dateTime": "2024-03-04T09:00:00Z"}, {"dateTime": "2024-03-04T10:00:00Z"},
                     "ana"),  # 3 alone
        google_event("cancelled-instance", {"dateTime": "2024-03-11T09:00:00Z"},
                     {"dateTime": "2024-03-11T10:00:00Z"}, "ana", "ben", status="cancelled",
                     recurringEventId="idmaster"),  # 4 cancelled occurrence
        "an event?",  # 5 not an object
    ]  # fmt: skip
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"items": items}))
    sink = MemorySink()
    [report] = import_google_calendar([path], ImportOptions(), sink)
    assert report.records_read == 6
    assert report.events_written == {"meetings": 1}
    assert report.dropped == {"unparseable": 3, "no_recipient": 1, "cancelled": 1}
    assert [u.position for u in report.unparseable] == ["$.items[0]", "$.items[2]", "$.items[5]"]
    assert "singleEvents=true" in report.unparseable[0].reason
    [row] = sink.table("meetings").to_pylist()
    assert row["organizer"] is None and row["attendees"] == ["ana@example.com", "ben@example.com"]
    assert_no_canary(sink, [report])


def test_recognizers(tmp_path):
    graph = graph_smallorg(tmp_path)
    google = google_smallorg(tmp_path)
    assert all(looks_like_graph_events(p) for p in graph)
    assert not any(looks_like_google_calendar(p) for p in graph)
    assert all(looks_like_google_calendar(p) for p in google)
    assert not any(looks_like_graph_events(p) for p in google)


def test_graph_bare_list_of_events_and_pages(tmp_path):
    one = graph_event("a", "2024-03-04T09:00:00", "2024-03-04T10:00:00", "UTC", "ana", "ben")
    two = graph_event("b", "2024-03-04T11:00:00", "2024-03-04T12:00:00", "Eastern Standard Time", "ana", "ben")
    path = tmp_path / "list.json"
    path.write_text(json.dumps([one, {"value": [two]}]))
    sink = MemorySink()
    [report] = import_graph_events([path], ImportOptions(), sink)
    assert report.events_written == {"meetings": 2}
    starts = [r["start"] for r in sink.table("meetings").to_pylist()]
    assert starts == [datetime(2024, 3, 4, 9, tzinfo=UTC), datetime(2024, 3, 4, 16, tzinfo=UTC)]


def test_a_teams_page_is_not_taken_for_graph_events(tmp_path):
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('19%3A1')/messages",
            "value": [{"id": "1", "messageType": "systemEventMessage", "eventDetail": {"@odata.type": "x"}}]}
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(page))
    assert not looks_like_graph_events(path) and not looks_like_google_calendar(path)


def test_auto_recognizes_the_mail_and_calendar_kinds(tmp_path):
    from ona.io.imports import detect_kind
    from tests.io.imports import test_ics, test_mailbox

    (tmp_path / "a.mbox").write_bytes(test_mailbox.mbox(*test_mailbox.smallorg_messages()))
    box = tmp_path / "maildir" / "ana" / "inbox"
    box.mkdir(parents=True)
    (box / "1.").write_bytes(test_mailbox.smallorg_messages()[0])
    cases = {
        "graph-events": graph_smallorg(tmp_path),
        "google-calendar": google_smallorg(tmp_path),
        "ics": test_ics.smallorg_files(tmp_path),
        "mbox": [tmp_path / "a.mbox"],
        "maildir": [tmp_path / "maildir"],
    }
    for kind, paths in cases.items():
        assert detect_kind(paths) == kind
