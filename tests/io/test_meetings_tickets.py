"""meetings (hours, attendees, duplicates, rejects) and tickets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ona.errors import DatasetError
from ona.io import read_dataset
from tests.io.conftest import Writer

M_COLS = ["meeting_id", "start", "end", "duration_minutes", "attendees", "organizer"]


def meeting(mid: str, start: str, end: str = "", minutes: str = "", attendees: str = "", organizer: str = "") -> dict[str, str]:
    return dict(zip(M_COLS, (mid, start, end, minutes, attendees, organizer)))


MEETINGS = [
    # line 2: 90 minutes from end - start, across an offset; ann twice (alias), one external
    meeting("m1", "2024-03-01T09:00:00+01:00", "2024-03-01T09:30:00Z", "", "ann;ANN.SMITH@corp.org;bob;guest@ext.com", "ann@corp.org"),
    # line 3: 45 minutes from duration; external organizer
    meeting("m2", "2024-03-01 10:00", "", "45", "bob;cy", "boss@ext.com"),
    # line 4: the same meeting exported twice -> duplicate
    meeting("m1", "2024-03-01T08:00:00Z", "2024-03-01T08:45:00Z", "", "ann;bob"),
    # line 5: same id, another start: an occurrence of a recurring meeting -> kept
    meeting("m1", "2024-03-08T08:00:00Z", "", "30", "ann;bob"),
    meeting("m3", "2024-03-01T10:00:00Z", "2024-03-01T10:00:00Z", "", "ann"),  # 6: end not after start
    meeting("m4", "2024-03-01", "", "abc", "ann"),  # 7: duration not a number
    meeting("m5", "2024-03-01", "", "0", "ann"),  # 8: duration not positive
    meeting("m6", "2024-03-01", "", "", "ann"),  # 9: neither end nor duration
    meeting("m7", "2024-03-01", "", "60", " ; "),  # 10: no attendees
    meeting("", "yesterday", "2024-02-30", "", "ann"),  # 11: several problems
]


def test_meetings(dataset: Writer) -> None:
    ds = read_dataset(dataset("meetings", MEETINGS))
    got = ds.tables["meetings"].to_pylist()
    assert [m["line"] for m in got] == [2, 3, 5]
    assert [m["meeting_key"] for m in got] == [0, 1, 2]
    assert [m["hours"] for m in got] == [1.5, 0.75, 0.5]
    assert [m["n_attendees"] for m in got] == [3, 2, 2]  # ann once, bob, guest / bob, cy / ann, bob
    assert [m["organizer_id"] for m in got] == ["ann", None, None]
    assert got[0]["start"] == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    att = {(a["meeting_key"], a["person_id"], a["address"]) for a in ds.tables["meeting_attendees"].to_pylist()}
    assert att == {
        (0, "ann", "ann"), (0, "bob", "bob"), (0, None, "guest@ext.com"),
        (1, "bob", "bob"), (1, "cy", "cy"),
        (2, "ann", "ann"), (2, "bob", "bob"),
    }  # fmt: skip
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (6, "end '2024-03-01T10:00:00Z' is not after start '2024-03-01T10:00:00Z'"),
        (7, "duration_minutes 'abc' is not a number"),
        (8, "duration_minutes '0' is not positive"),
        (9, "neither end nor duration_minutes is given"),
        (10, "no attendees"),
        (11, "meeting_id is empty; start 'yesterday' is not ISO 8601; end '2024-02-30' is not ISO 8601"),
    ]
    rep = ds.report.files["meetings.csv"]
    assert (rep.rows_read, rep.accepted, rep.rejected, rep.duplicates) == (10, 3, 6, 1)
    assert ds.report.external["meeting_references"] == 1
    assert ds.report.external["addresses"] == 1  # guest@ext.com (organizers are not counted)


def test_meetings_with_duration_column_only(dataset: Writer) -> None:
    rows = [{"meeting_id": "a", "start": "2024-01-01", "duration_minutes": "90", "attendees": "ann;bob"}]
    ds = read_dataset(dataset("meetings", rows))
    assert ds.tables["meetings"].column("hours").to_pylist() == [1.5]
    assert ds.tables["meetings"].column("organizer_id").to_pylist() == [None]


def test_meetings_without_end_or_duration_column(dataset: Writer) -> None:
    rows = [{"meeting_id": "a", "start": "2024-01-01", "attendees": "ann;bob"}]
    with pytest.raises(DatasetError) as err:
        read_dataset(dataset("meetings", rows))
    assert str(err.value) == (
        "meetings.csv: missing required column 'end' or 'duration_minutes' "
        "(columns found: meeting_id, start, attendees)"
    )


T_COLS = ["ticket_id", "timestamp", "assignee", "status"]


def test_tickets(dataset: Writer) -> None:
    rows = [dict(zip(T_COLS, r)) for r in [
        ("T1", "2024-01-01T08:00:00Z", "ann", "open"),
        ("T1", "2024-01-01T09:00:00+01:00", "Helpdesk@Vendor.com", ""),  # external
        ("T1", "2024-01-02", "BOB@corp.org", "closed"),
        ("", "2024-01-02", "bob", ""),
        ("T2", "2024-01-32", "bob", ""),
        ("T2", "2024-01-03", " ", ""),
    ]]  # fmt: skip
    ds = read_dataset(dataset("tickets", rows))
    got = ds.tables["tickets"].to_pylist()
    assert [(t["ticket_id"], t["assignee_id"], t["assignee_address"], t["status"], t["line"]) for t in got] == [
        ("T1", "ann", "ann", "open", 2),
        ("T1", None, "helpdesk@vendor.com", None, 3),
        ("T1", "bob", "bob@corp.org", "closed", 4),
    ]
    assert got[1]["ts"] == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (5, "ticket_id is empty"),
        (6, "timestamp '2024-01-32' is not ISO 8601"),
        (7, "assignee is empty"),
    ]
    assert ds.report.external["ticket_assignments"] == 1


def test_tickets_missing_column(dataset: Writer) -> None:
    with pytest.raises(DatasetError, match=r"^tickets.csv: missing required column 'assignee' \(columns found: ticket_id, timestamp\)$"):
        read_dataset(dataset("tickets", [{"ticket_id": "T", "timestamp": "2024-01-01"}]))
