"""read_dataset / read_dataset_files: folder rules, explicit files, report, progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from ona.errors import DatasetError
from ona.io import Dataset, read_dataset, read_dataset_files
from ona.io.schema import TABLES
from tests.io.conftest import PEOPLE, csv_text, write_table, write_text


def test_folder_with_people_only(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    write_table(folder, "people", PEOPLE)
    write_text(folder, "README.txt", "not a table")
    ds = read_dataset(folder)
    assert isinstance(ds, Dataset)
    assert ds.name == "acme"
    assert set(ds.tables) == set(TABLES)
    for name, schema in TABLES.items():
        assert ds.tables[name].schema.equals(schema), name
    assert ds.tables["emails"].num_rows == 0
    assert list(ds.report.files) == ["people.csv"]
    assert ds.report.external == {
        "addresses": 0, "email_references": 0, "meeting_references": 0, "ticket_assignments": 0, "chat_references": 0,
        "tie_references": 0,
    }


def test_name_and_extension_case(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    write_text(folder, "People.CSV", csv_text(PEOPLE))
    ds = read_dataset(folder, name="Acme 2024")
    assert ds.name == "Acme 2024"
    assert ds.report.files["People.CSV"].accepted == len(PEOPLE)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "ds: no people file (people.csv, people.parquet or people.jsonl) in the folder"),
        ({"emails.csv": "timestamp,sender,recipients\n"}, "ds: no people file"),
        ({"people.csv": csv_text(PEOPLE), "people.jsonl": "{}\n"}, "people.jsonl: the folder holds two files for the people table (people.csv and people.jsonl); keep only one"),
        ({"people.csv": csv_text(PEOPLE), "emails.xlsx": "x"}, "emails.xlsx: unsupported file type '.xlsx' (use .csv, .parquet or .jsonl)"),
    ],
)
def test_folder_errors(tmp_path: Path, files: dict[str, str], message: str) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    for name, text in files.items():
        write_text(folder, name, text)
    with pytest.raises(DatasetError) as err:
        read_dataset(folder)
    assert str(err.value).startswith(message)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such dataset folder"):
        read_dataset(tmp_path / "nowhere")


def test_explicit_files_with_format_override(tmp_path: Path) -> None:
    people = write_text(tmp_path, "upload_1.tmp", csv_text(PEOPLE))
    emails = write_text(tmp_path, "upload_2.tmp", '{"timestamp": "2024-01-01", "sender": "ann", "recipients": "bob"}\n')
    ds = read_dataset_files(
        {"people": people, "emails": emails}, name="up", formats={"people": "csv", "emails": "ndjson"}
    )
    assert ds.name == "up"
    assert ds.tables["emails"].column("sender_id").to_pylist() == ["ann"]
    assert {k: v.format for k, v in ds.report.files.items()} == {"upload_1.tmp": "csv", "upload_2.tmp": "jsonl"}


@pytest.mark.parametrize(
    ("files", "formats", "message"),
    [
        ({"emails": "e.csv"}, None, "people: a dataset needs a people file"),
        ({"people": "p.csv", "calls": "c.csv"}, None, "calls: unknown table 'calls'"),
        ({"people": "p.tmp"}, None, "p.tmp: unsupported file type '.tmp'"),
        ({"people": "p.csv"}, {"people": "xlsx"}, "p.csv: unknown format 'xlsx' (use csv, parquet or jsonl)"),
    ],
)
def test_explicit_files_errors(tmp_path: Path, files: dict[str, str], formats: dict[str, str] | None, message: str) -> None:
    paths = {table: write_text(tmp_path, name, csv_text(PEOPLE)) for table, name in files.items()}
    with pytest.raises(DatasetError) as err:
        read_dataset_files(paths, name="x", formats=formats)
    assert str(err.value).startswith(message)


def test_progress_per_file(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)
    write_text(folder, "tickets.csv", "ticket_id,timestamp,assignee\nT,2024-01-01,ann\n")
    calls: list[tuple[str, int, int]] = []
    read_dataset(folder, on_progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [
        ("read people.csv", 0, 2),
        ("read people.csv", 1, 2),
        ("read tickets.csv", 1, 2),
        ("read tickets.csv", 2, 2),
    ]


def test_report_adds_up_and_is_json(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE + [{"person_id": "ann", "department": "HR", "email": "", "team": ""}])
    write_text(
        folder, "emails.csv",
        "timestamp,sender,recipients,message_id\n2024-01-01,ann,bob,1\n2024-01-01,ann,bob,1\nbad,ann,bob,2\n2024-01-01,ann\n",
    )  # fmt: skip
    report = read_dataset(folder).report
    for rep in report.files.values():
        assert rep.rows_read == rep.accepted + rep.rejected + rep.duplicates
    assert report.rejected_count == len(report.rejected) == 3
    assert [(r.file, r.line) for r in report.rejected] == [("people.csv", 7), ("emails.csv", 4), ("emails.csv", 5)]
    assert '"reason":"person_id \'ann\' is already defined on line 2"' in report.model_dump_json()
