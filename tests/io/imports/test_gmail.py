"""gmail: sent events of the BigQuery Gmail logs, awkward rows counted by hand, bad files, the small organization's weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.errors import DatasetError
from ona.io.imports import detect_kind
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.gmail import import_gmail, looks_like_gmail
from tests.io.imports import tracefiles as tf
from tests.io.imports.pairs import assert_no_canary, assert_same_weights, canonical_weights, imported_weights

ev = tf.gmail_event


def run(*paths: Path, options: ImportOptions | None = None) -> tuple[list, list[dict]]:
    sink = MemorySink()
    reports = import_gmail(list(paths), options or ImportOptions(), sink)
    assert_no_canary(sink, reports)
    table = sink.table("emails")
    return reports, [] if table is None else table.to_pylist()


def simple(rows: list[dict]) -> list[tuple[str, list[str]]]:
    return [(r["sender"], r["recipients"]) for r in rows]


def test_awkward_events_counted_by_hand(tmp_path: Path) -> None:
    t = "2024-03-04T09:00:00Z"
    events = [
        ev(t, 1, "<g1@x>", "ana@example.com", ["ben@example.com", "Ben@example.com", "cai@example.com"],
           responses=[None, None, "550 5.1.1 user unknown"]),  # 3 records: ben, ben again, cai bounced by its server
        ev(t, 2, "<g1@x>", "ana@example.com", ["ben@example.com"]),  # received copy: not a record
        ev(t, 7, "<g1@x>", "ana@example.com", ["ben@example.com"]),  # opened: not a record
        ev(t, 1, "<g2@x>", "dan@example.com", ["eve@example.com"], success=False),  # rejected by a policy
        ev(t, 1, "<g3@x>", "noreply@example.com", ["eve@example.com"]),  # system sender
        ev(t, 1, "<g4@x>", "mailer-daemon@googlemail.com", ["eve@example.com"]),  # bounce
        ev(t, 1, "<g5@x>", "fay@example.com", []),  # no destination
    ]  # fmt: skip
    path = tf.write_jsonl(tmp_path / "gmail.jsonl", events)
    with path.open("a") as f:
        f.write("{not json\n")  # record 8
        f.write(json.dumps(ev(t, 1, "<g6@x>", "gus@example.com", ["hal@example.com"]) | {"event_info": {}}) + "\n")
    later = tf.write_jsonl(tmp_path / "day2.jsonl", [ev(t, 1, "<g1@x>", "ana@example.com", ["ben@example.com"])])
    reports, rows = run(path, later)
    assert simple(rows) == [("ana@example.com", ["ben@example.com"])]
    first, second = reports
    assert first.records_read == 9
    assert first.dropped == {"duplicate": 1, "not_delivered": 2, "system_sender": 1, "bounce": 1,
                             "no_recipient": 1, "unparseable": 2}  # fmt: skip
    assert [u.position for u in first.unparseable] == ["record 8", "record 9"]
    assert second.records_read == 1 and second.dropped == {"duplicate": 1}  # the same message in the next daily table


def test_workspace_activity_table_and_json_array(tmp_path: Path) -> None:
    t = "2024-03-04T09:00:00Z"
    nested = {"time_usec": str(tf.usec(t)), "gmail": ev(t, 1, "<a1@x>", "ana@example.com", ["ben@example.com"])}
    del nested["gmail"]["event_info"]["timestamp_usec"]
    array = tmp_path / "results.json"
    array.write_text(json.dumps([nested, ev(t, 1, "<a2@x>", "ben@example.com", ["ana@example.com"])]))
    reports, rows = run(array)
    assert simple(rows) == [("ana@example.com", ["ben@example.com"]), ("ben@example.com", ["ana@example.com"])]
    assert looks_like_gmail(array)


def test_window(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tf.write_jsonl(tmp_path / "g.jsonl", tf.smallorg_gmail_events())
    reports, rows = run(path, options=ImportOptions(since=datetime(2024, 3, 6, tzinfo=UTC)))
    assert [r["message_id"] for r in rows] == ["<m6@example.com>", "<m7@example.com>", "<m8@example.com>"]
    assert reports[0].dropped == {"outside_window": 1 + 3 + 2 + 3 + 2}  # m1..m5's recipients


def test_wrong_files_are_refused_naming_them(tmp_path: Path) -> None:
    other = tmp_path / "events.jsonl"
    other.write_text('{"id": 1, "kind": "calendar#event"}\n')
    with pytest.raises(DatasetError, match=r"^events\.jsonl: not a Gmail log export"):
        run(other)
    csv = tmp_path / "people.csv"
    csv.write_text("person_id,department\nana,Finance\n")
    with pytest.raises(DatasetError, match=r"^people\.csv: not a Gmail log export: missing"):
        run(csv)
    assert not looks_like_gmail(other) and not looks_like_gmail(csv)


def test_recognized_by_auto(tmp_path: Path) -> None:
    files = [tf.write_jsonl(tmp_path / "g.jsonl", tf.smallorg_gmail_events()), tf.smallorg_gmail_csv(tmp_path / "g.csv")]
    assert detect_kind(files) == "gmail"


@pytest.mark.parametrize("form", ["jsonl", "csv"])
def test_small_organization_gives_the_canonical_weights(tmp_path: Path, form: str) -> None:
    if form == "jsonl":
        source = tf.write_jsonl(tmp_path / "gmail.jsonl", tf.smallorg_gmail_events())
    else:
        source = tf.smallorg_gmail_csv(tmp_path / "gmail.csv")
    want = canonical_weights(tmp_path, keep=("emails",))
    assert_same_weights(imported_weights(tmp_path, "gmail", [source]), want)
