"""CSV, Parquet and JSON Lines of the same data give identical canonical tables."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ona.errors import DatasetError
from ona.io import read_dataset
from tests.io.conftest import PEOPLE, Writer, write_table, write_text

EMAILS = [
    {"timestamp": "2024-01-02T10:00:00+02:00", "sender": "ann", "recipients": "bob;x@ext.com", "cc": "dee", "message_id": "a"},
    {"timestamp": "not a date", "sender": "bob", "recipients": "ann", "cc": "", "message_id": "b"},
    {"timestamp": "2024-01-03", "sender": "eve", "recipients": "cy", "cc": "", "message_id": "c"},
    {"timestamp": "2024-01-04", "sender": "eve", "recipients": "cy", "cc": "", "message_id": "a"},
]
MEETINGS = [
    {"meeting_id": "m", "start": "2024-01-02T10:00:00Z", "end": "", "duration_minutes": "30", "attendees": "ann;bob", "organizer": "ann"},
]
TICKETS = [{"ticket_id": "T", "timestamp": "2024-01-02", "assignee": "bob@corp.org", "status": "open"}]


def build(folder: Path, fmt: str) -> Path:
    write_table(folder, "people", PEOPLE, fmt)
    write_table(folder, "emails", EMAILS, fmt)
    write_table(folder, "meetings", MEETINGS, fmt)
    write_table(folder, "tickets", TICKETS, fmt)
    return folder


def test_same_tables_in_every_format(tmp_path: Path) -> None:
    results = {fmt: read_dataset(build(tmp_path / fmt, fmt), name="d") for fmt in ("csv", "parquet", "jsonl")}
    reference = results["csv"]
    assert reference.tables["emails"].num_rows == 2
    for fmt, ds in results.items():
        for table, expected in reference.tables.items():
            got = ds.tables[table]
            # CSV lines count the header; Parquet rows and JSON lines do not
            shift = 0 if fmt == "csv" else 1
            if "line" in expected.column_names:
                expected = expected.set_column(
                    expected.schema.get_field_index("line"), "line",
                    pa.array([v - shift for v in expected.column("line").to_pylist()], pa.int64()),
                )  # fmt: skip
            assert got.equals(expected), (fmt, table)
        report = ds.report
        shift = 0 if fmt == "csv" else 1
        assert [(r.line, r.reason) for r in report.rejected] == [
            (r.line - shift, r.reason) for r in reference.report.rejected
        ]
        assert report.files[f"emails.{fmt}"].duplicates == 1
        assert {f.format for f in report.files.values()} == {fmt}
        assert sorted(report.files) == sorted(f"{t}.{'jsonl' if fmt == 'jsonl' else fmt}" for t in ("people", "emails", "meetings", "tickets"))
        assert report.external == reference.report.external


def test_parquet_typed_columns(tmp_path: Path) -> None:
    """Timestamps, numbers and list columns of a Parquet file are read as their text."""
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE, "csv")
    pq.write_table(
        pa.table({
            "meeting_id": pa.array([1, 2], pa.int64()),
            "start": pa.array([0, 3_600_000_000], pa.timestamp("us", tz="Europe/Paris")),
            "duration_minutes": pa.array([90.0, 30.0]),
            "attendees": pa.array([["ann", "bob", None], ["cy"]]),
        }),
        folder / "meetings.parquet",
    )  # fmt: skip
    ds = read_dataset(folder)
    got = ds.tables["meetings"].to_pylist()
    assert [m["meeting_id"] for m in got] == ["1", "2"]
    assert [m["start"].timestamp() for m in got] == [0.0, 3600.0]
    assert [m["hours"] for m in got] == [1.5, 0.5]
    assert [m["n_attendees"] for m in got] == [2, 1]
    assert [m["line"] for m in got] == [1, 2]


def test_jsonl_lines_arrays_and_bad_lines(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE, "csv")
    lines = [
        json.dumps({"timestamp": "2024-01-01", "sender": "ann", "recipients": ["bob", "cy"]}),  # 1
        "",  # 2: blank, skipped
        "{not json",  # 3
        "[1, 2]",  # 4
        json.dumps({"timestamp": "2024-01-01", "sender": "bob", "recipients": "ann", "extra": {"x": 1}}),  # 5
        json.dumps({"timestamp": None, "sender": "bob", "recipients": "ann"}),  # 6
    ]
    write_text(folder, "emails.ndjson", "\n".join(lines) + "\n")
    ds = read_dataset(folder)
    assert ds.tables["emails"].column("line").to_pylist() == [1, 5]
    assert ds.tables["emails"].column("k").to_pylist() == [2, 1]
    assert [(r.file, r.line, r.reason) for r in ds.report.rejected] == [
        ("emails.ndjson", 3, "is not valid JSON"),
        ("emails.ndjson", 4, "is not a JSON object"),
        ("emails.ndjson", 6, "timestamp is empty"),
    ]
    rep = ds.report.files["emails.ndjson"]
    assert (rep.format, rep.rows_read, rep.accepted, rep.rejected) == ("jsonl", 5, 2, 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("emails.jsonl", "nope\n[1]\n", "emails.jsonl: no line holds a JSON object"),
        ("emails.jsonl", "\n\n", "emails.jsonl: the file is empty"),
        ("emails.jsonl", b'{"sender": "ann"}\n{"sender": "\xff"}\n', "emails.jsonl line 2: the text is not UTF-8"),
        ("emails.parquet", b"PAR1 this is not parquet", "emails.parquet: the file is not readable Parquet"),
        ("emails.parquet", b"", "emails.parquet: the file is empty"),
    ],
)
def test_whole_file_errors(dataset: Writer, name: str, content: str | bytes, message: str) -> None:
    with pytest.raises(DatasetError) as err:
        read_dataset(dataset(name, text=content))
    assert str(err.value).startswith(message)
    assert err.value.file == name


def test_truncated_parquet(dataset: Writer, tmp_path: Path) -> None:
    full = tmp_path / "full.parquet"
    pq.write_table(pa.table({"timestamp": ["2024-01-01"] * 100, "sender": ["ann"] * 100, "recipients": ["bob"] * 100}), full)
    with pytest.raises(DatasetError, match="^emails.parquet: the file is not readable Parquet"):
        read_dataset(dataset("emails.parquet", text=full.read_bytes()[:-40]))
