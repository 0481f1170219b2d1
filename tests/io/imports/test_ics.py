"""ics importer: hand-counted awkward cases, the small organization, open-ended series, bad files, the canary.

The calendars are written by the code below to RFC 5545's properties; see
fixtures/ics/README.md for the sources.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ona.errors import OnaError
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.ics import import_ics, looks_like_ics
from tests.io.imports.pairs import assert_no_canary, assert_same_weights, canonical_weights, imported_weights
from tests.io.imports.smallorg import CANARY, EXTERNAL, address

CONTENT = [f"SUMMARY:Budget {CANARY}", f"DESCRIPTION:Agenda {CANARY}", f"LOCATION:Room {CANARY}",
           f"URL:https://example.com/{CANARY}", f"ATTACH:https://example.com/{CANARY}.pdf"]  # fmt: skip


def vevent(*lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", *lines, *CONTENT, "END:VEVENT"])


def calendar(*events: str, header: tuple[str, ...] = ()) -> str:
    return "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ona tests//EN", *header, *events,
                      "END:VCALENDAR"]) + "\n"  # fmt: skip


def who(organizer: str, *attendees: str, extra: tuple[str, ...] = ()) -> list[str]:
    lines = [f"ORGANIZER;CN=Someone {CANARY}:mailto:{address(organizer)}"]
    lines += [f"ATTENDEE;PARTSTAT=ACCEPTED;CN={CANARY}:mailto:{address(a)}" for a in attendees]
    return lines + list(extra)


ROOM = "ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room-4@example.com"
DECLINED_GUS = "ATTENDEE;PARTSTAT=DECLINED:mailto:gus@example.com"


# ------------------------------------------------------------------ the small organization


def smallorg_files(folder: Path) -> list[Path]:
    ana = calendar(
        # mtg-1, floating local times in the calendar's X-WR-TIMEZONE (Paris is UTC+1 in March)
        vevent("UID:mtg-1", "DTSTART:20240304T140000", "DTEND:20240304T150000",
               *who("ana", "ben", "cai", extra=(ROOM, DECLINED_GUS))),
        # mtg-3 with a Windows zone name, as Outlook writes it
        vevent("UID:mtg-3", "DTSTART;TZID=W. Europe Standard Time:20240306T160000",
               "DTEND;TZID=W. Europe Standard Time:20240306T173000",
               *who("fay", "gus", "hal", "ana", extra=(f"ATTENDEE:mailto:{EXTERNAL}",))),
        # noise that must add nothing
        vevent("UID:noise-cancelled", "STATUS:CANCELLED", "DTSTART:20240304T080000Z",
               "DTEND:20240304T090000Z", *who("ana", "ben")),
        vevent("UID:noise-allday", "DTSTART;VALUE=DATE:20240305", "DTEND;VALUE=DATE:20240306", *who("ana", "ben")),
        vevent("UID:noise-free", "TRANSP:TRANSPARENT", "DTSTART:20240305T120000Z", "DTEND:20240305T130000Z",
               *who("ana", "hal")),
        header=("X-WR-TIMEZONE:Europe/Paris", f"X-WR-CALNAME:{CANARY}"),
    )  # fmt: skip
    dan = calendar(
        # mtg-2 as the one remaining occurrence of a daily series: the first is cancelled by an
        # edited occurrence, the third removed by EXDATE
        vevent("UID:series-2", "DTSTART:20240304T100000Z", "DTEND:20240304T103000Z",
               "RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20240306T100000Z", *who("dan", "eve", "fay")),
        vevent("UID:series-2", "RECURRENCE-ID:20240304T100000Z", "STATUS:CANCELLED",
               "DTSTART:20240304T100000Z", "DTEND:20240304T103000Z", *who("dan", "eve", "fay")),
        # mtg-3 again, as it is in dan's export too: counted once
        vevent("UID:mtg-3", "DTSTART:20240306T150000Z", "DTEND:20240306T163000Z",
               *who("fay", "gus", "hal", "ana", extra=(f"ATTENDEE:mailto:{EXTERNAL}",))),
        # mtg-4 with a DURATION instead of DTEND
        vevent("UID:mtg-4", "DTSTART:20240307T090000Z", "DURATION:PT45M", *who("ben", "dan")),
    )  # fmt: skip
    paths = [folder / "ana.ics", folder / "dan.ics"]
    paths[0].write_text(ana)
    paths[1].write_text(dan)
    return paths


def test_smallorg_as_ics_gives_the_canonical_weights(tmp_path):
    got = imported_weights(tmp_path, "ics", smallorg_files(tmp_path))
    assert_same_weights(got, canonical_weights(tmp_path, ["meetings"]))


def test_smallorg_ics_counts(tmp_path):
    sink = MemorySink()
    ana, dan = import_ics(smallorg_files(tmp_path), ImportOptions(), sink)
    assert (ana.records_read, ana.events_written) == (5, {"meetings": 2})
    assert ana.dropped == {"resource": 1, "declined": 1, "cancelled": 1, "all_day_or_free": 2}
    assert (dan.records_read, dan.events_written) == (4, {"meetings": 2})
    assert dan.dropped == {"cancelled": 1, "duplicate": 1}
    rows = sink.table("meetings").to_pylist()
    assert rows[0]["start"] == datetime(2024, 3, 4, 13, 0, tzinfo=UTC)
    assert rows[0]["attendees"] == ["ana@example.com", "ben@example.com", "cai@example.com"]
    assert rows[2]["meeting_id"] == "series-2/20240305T100000Z"
    assert_no_canary(sink, [ana, dan])


# ------------------------------------------------------------------ awkward cases, hand counted


def awkward() -> str:
    return calendar(
        vevent("UID:a", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z", *who("ana", "ben")),  # 1 kept
        vevent("UID:b", "STATUS:CANCELLED", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z",
               *who("ana", "ben")),  # 2 cancelled
        vevent("UID:c", "DTSTART;VALUE=DATE:20240304", *who("ana", "ben")),  # 3 all-day
        vevent("UID:d", "TRANSP:TRANSPARENT", "DTSTART:20240304T110000Z", "DTEND:20240304T120000Z",
               *who("ana", "ben")),  # 4 free
        # 5-7: weekly x4, one EXDATE, one occurrence moved an hour later, one cancelled
        vevent("UID:e", "DTSTART;TZID=Europe/Berlin:20240304T100000", "DTEND;TZID=Europe/Berlin:20240304T110000",
               "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=Europe/Berlin:20240311T100000", *who("dan", "eve")),
        vevent("UID:e", "RECURRENCE-ID;TZID=Europe/Berlin:20240318T100000",
               "DTSTART;TZID=Europe/Berlin:20240318T110000", "DTEND;TZID=Europe/Berlin:20240318T120000",
               *who("dan", "eve", "fay")),
        vevent("UID:e", "RECURRENCE-ID;TZID=Europe/Berlin:20240325T100000", "STATUS:CANCELLED",
               "DTSTART;TZID=Europe/Berlin:20240325T100000", "DTEND;TZID=Europe/Berlin:20240325T110000",
               *who("dan", "eve")),
        vevent("UID:f", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z", "RRULE:FREQ=SOMETIMES;COUNT=x",
               *who("ana", "ben")),  # 8 broken RRULE
        vevent("DTSTART:20240304T090000Z", "DTEND:20240304T100000Z", *who("ana", "ben")),  # 9 no UID
        vevent("UID:h", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z",
               f"ORGANIZER:mailto:{address('ana')}"),  # 10 alone
        vevent("UID:i", "DTSTART:20240305T090000Z", "DTEND:20240305T100000Z",
               *who("gus", "hal", extra=(ROOM, "ATTENDEE;CUTYPE=RESOURCE:mailto:beamer@example.com",
                                         DECLINED_GUS.replace("gus", "ana")))),  # 11 kept
        vevent("UID:j", "DTSTART:20240305T100000Z", "DTEND:20240305T090000Z", *who("ana", "ben")),  # 12 ends first
    )  # fmt: skip


def test_awkward_ics_counts(tmp_path):
    path = tmp_path / "awkward.ics"
    path.write_text(awkward())
    again = tmp_path / "again.ics"
    again.write_text(calendar(vevent("UID:a", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z",
                                     *who("ana", "ben"))))  # fmt: skip
    sink = MemorySink()
    report, second = import_ics([path, again], ImportOptions(), sink)
    assert report.records_read == 12
    assert report.events_written == {"meetings": 4}
    assert report.dropped == {"cancelled": 2, "all_day_or_free": 2, "unparseable": 3, "no_recipient": 1,
                              "resource": 2, "declined": 1}  # fmt: skip
    assert [u.position for u in report.unparseable][:2] == ["VEVENT 9", "UID f"]
    assert report.unparseable[2].position.startswith("UID j")
    rows = {r["meeting_id"]: r for r in sink.table("meetings").to_pylist()}
    moved = rows["e/20240318T100000Z"]  # 11:00 Berlin
    assert moved["attendees"] == ["dan@example.com", "eve@example.com", "fay@example.com"]
    assert set(rows) == {"a/20240304T090000Z", "e/20240304T090000Z", "e/20240318T100000Z", "i/20240305T090000Z"}
    assert rows["i/20240305T090000Z"]["attendees"] == ["gus@example.com", "hal@example.com"]
    # the same event in a second export: not counted twice
    assert (second.records_read, second.dropped, second.events_written) == (1, {"duplicate": 1}, {})
    assert_no_canary(sink, [report, second])


def test_duplicates_across_exports_are_counted_once(tmp_path):
    one = calendar(vevent("UID:x", "DTSTART:20240304T090000Z", "DTEND:20240304T100000Z", *who("ana", "ben")))
    other = calendar(vevent("UID:x", "DTSTART;TZID=Europe/Paris:20240304T100000",
                            "DTEND;TZID=Europe/Paris:20240304T110000", *who("ana", "ben")))  # fmt: skip
    (tmp_path / "a.ics").write_text(one)
    (tmp_path / "b.ics").write_text(other)
    a, b = import_ics([tmp_path / "a.ics", tmp_path / "b.ics"], ImportOptions(), MemorySink())
    assert a.events_written == {"meetings": 1}
    assert b.dropped == {"duplicate": 1} and b.events_written == {}


# ------------------------------------------------------------------ open-ended series and windows

OPEN = calendar(
    vevent("UID:weekly-sync", "DTSTART:20240304T090000Z", "DTEND:20240304T093000Z", "RRULE:FREQ=WEEKLY",
           *who("ana", "ben")),
    vevent("UID:once", "DTSTART:20230101T090000Z", "DTEND:20230101T093000Z", *who("ana", "cai")),
)  # fmt: skip


def test_an_open_ended_series_without_a_window_is_refused_by_file_and_uid(tmp_path):
    path = tmp_path / "open.ics"
    path.write_text(OPEN)
    sink = MemorySink()
    with pytest.raises(OnaError, match=r"open.ics: .*weekly-sync.*(never ends|UNTIL)"):
        import_ics([path], ImportOptions(), sink)
    assert sink.tables == {}  # nothing written before the refusal


def test_an_open_ended_series_is_expanded_within_the_window(tmp_path):
    path = tmp_path / "open.ics"
    path.write_text(OPEN)
    window = ImportOptions(since=datetime(2024, 3, 1, tzinfo=UTC), until=datetime(2024, 4, 1, tzinfo=UTC))
    [report] = import_ics([path], window, MemorySink())
    # Mondays 4, 11, 18, 25 March; the 2023 event is outside
    assert report.events_written == {"meetings": 4}
    assert report.dropped == {"outside_window": 1}


def test_an_open_ended_series_uses_the_span_of_the_other_channels(tmp_path):
    path = tmp_path / "open.ics"
    path.write_text(OPEN)
    span = ImportOptions(other_span=(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC)))
    [report] = import_ics([path], span, MemorySink())
    assert report.events_written == {"meetings": 3}  # 4 and 11 March, and the 2023 event


# ------------------------------------------------------------------ bad files


def test_a_truncated_file_is_refused_by_name(tmp_path):
    path = tmp_path / "cut.ics"
    path.write_text(awkward()[:400])
    with pytest.raises(OnaError, match="cut.ics: not a valid iCalendar file") as info:
        import_ics([path], ImportOptions(), MemorySink())
    assert CANARY not in str(info.value)


def test_a_broken_line_of_an_unread_property_changes_nothing_and_is_not_quoted(tmp_path):
    path = tmp_path / "broken.ics"
    path.write_text(calendar(vevent("UID:a", f"SUMMARY;;;:{CANARY}", "DTSTART:20240304T090000Z",
                                    "DTEND:20240304T100000Z", *who("ana", "ben"))))  # fmt: skip
    sink = MemorySink()
    [report] = import_ics([path], ImportOptions(), sink)
    assert report.events_written == {"meetings": 1}
    assert_no_canary(sink, [report])


def test_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "events.json"
    path.write_text('{"value": []}')
    with pytest.raises(OnaError, match="events.json: not an iCalendar file"):
        import_ics([path], ImportOptions(), MemorySink())
    assert not looks_like_ics(path)
    (tmp_path / "ok.ics").write_text("\ufeffBEGIN:VCALENDAR\nEND:VCALENDAR\n")
    assert looks_like_ics(tmp_path / "ok.ics")


def test_rdate_adds_occurrences_and_an_unknown_x_wr_timezone_leaves_floating_times_utc(tmp_path):
    path = tmp_path / "rdate.ics"
    path.write_text(calendar(
        vevent("UID:r", "DTSTART:20240304T090000", "DTEND:20240304T100000",
               "RDATE:20240306T090000,20240308T090000", *who("ana", "ben")),
        header=("X-WR-TIMEZONE:Nowhere/Atlantis",),
    ))  # fmt: skip
    sink = MemorySink()
    [report] = import_ics([path], ImportOptions(), sink)
    assert report.events_written == {"meetings": 3}
    assert [r["start"].day for r in sink.table("meetings").to_pylist()] == [4, 6, 8]
    assert {r["start"].hour for r in sink.table("meetings").to_pylist()} == {9}
