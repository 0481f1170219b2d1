"""The dataset folder of ona import: runs add up, never a partial dataset, people, import_report.json."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ona.errors import DatasetError, OnaError
from ona.io import read_dataset
from ona.io.imports import ImportOptions, import_export
from tests.io.imports import tracefiles as tf
from tests.io.imports.pairs import assert_no_canary_in_folder
from tests.io.imports.smallorg import EMAILS, write_canonical

DOMAIN = ImportOptions(internal_domains=("example.com",))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def halves(tmp: Path) -> tuple[Path, Path]:
    """The small organization's trace in two files with no message in common."""
    lines = tf.smallorg_v2(tmp / "whole.csv").read_bytes().decode("utf-8").split("\r\n")
    head, rows = lines[:2], [r for r in lines[2:] if r]
    cut = next(i for i, r in enumerate(rows) if "<m5@" in r)
    a = tf.write(tmp / "a.csv", "\r\n".join(head + rows[:cut]) + "\r\n")
    b = tf.write(tmp / "b.csv", "\r\n".join(head + rows[cut:]) + "\r\n")
    return a, b


def test_two_runs_add_up_and_the_folder_reads_like_any_dataset(tmp_path: Path) -> None:
    a, b = halves(tmp_path)
    out = tmp_path / "ds"
    first = import_export("exchange-trace", [a], out, DOMAIN)
    second = import_export("auto", [b], out, DOMAIN)
    assert first.totals.events_written == {"emails": 4} and second.totals.events_written == {"emails": 4}
    assert pq.ParquetFile(out / "emails.parquet").metadata.num_rows == len(EMAILS)
    runs = json.loads((out / "import_report.json").read_text())["runs"]
    assert [r["kind"] for r in runs] == ["exchange-trace", "exchange-trace"]
    assert runs[0]["sources"][0]["source"] == "a.csv" and runs[1]["options"]["internal_domains"] == ["example.com"]
    assert sorted(p.name for p in out.iterdir()) == ["emails.parquet", "import_report.json", "people.parquet"]
    people = pq.read_table(out / "people.parquet").to_pylist()
    assert {p["person_id"] for p in people} == {f"{x}@example.com" for x in "ana ben cai dan eve fay gus hal".split()}
    assert {p["department"] for p in people} == {"example.com"}
    ds = read_dataset(out)  # import_report.json is not a table: ignored
    assert ds.tables["emails"].num_rows == len(EMAILS)
    assert ds.report.rejected == []
    assert_no_canary_in_folder(out)
    assert str(tmp_path) not in (out / "import_report.json").read_text()  # no machine paths


def test_the_same_export_twice_is_read_once(tmp_path: Path) -> None:
    trace = tf.smallorg_v2(tmp_path / "t.csv")
    out = tmp_path / "ds"
    import_export("exchange-trace", [trace], out, DOMAIN)
    import_export("exchange-trace", [trace], out, DOMAIN)
    ds = read_dataset(out)
    assert ds.tables["emails"].num_rows == len(EMAILS)  # the readers count a message_id once


def test_a_failed_import_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    a, _ = halves(tmp_path)
    out = tmp_path / "ds"
    import_export("exchange-trace", [a], out, DOMAIN)
    before = snapshot(out)
    wrong = tmp_path / "people.csv"
    wrong.write_text("person_id,department\nana,Finance\n")
    with pytest.raises(DatasetError, match=r"^people\.csv: not an Exchange"):
        import_export("exchange-trace", [a, wrong], out, DOMAIN)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ds.")] == []  # no staging left behind


def test_a_failed_first_import_creates_nothing(tmp_path: Path) -> None:
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"\x00\x01\x02" * 1000)
    with pytest.raises(DatasetError, match=r"^blob\.csv: "):
        import_export("exchange-trace", [blob], tmp_path / "ds", DOMAIN)
    assert not (tmp_path / "ds").exists()


def test_people_file_is_copied_in(tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    out = tmp_path / "ds"
    report = import_export("exchange-trace", [tf.smallorg_v2(tmp_path / "t.csv")], out, people=people)
    assert (out / "people.csv").read_bytes() == people.read_bytes()
    assert report.people is not None and report.people.source == "file" and report.people.rows == 8
    ds = read_dataset(out)
    assert set(ds.tables["emails"].column("sender_id").to_pylist()) <= {"ana", "ben", "cai", "dan", "eve", "fay", "gus", "hal"}
    # a later run without --people keeps the folder's people file
    gmail = tf.write_jsonl(tmp_path / "g.jsonl", tf.smallorg_gmail_events())
    again = import_export("gmail", [gmail], out, DOMAIN)
    assert again.people is not None and again.people.source == "folder"
    assert (out / "people.csv").read_bytes() == people.read_bytes()


def test_no_people_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OnaError, match="--people FILE.* or .*--internal-domain"):
        import_export("exchange-trace", [tf.smallorg_v2(tmp_path / "t.csv")], tmp_path / "ds", ImportOptions())
    assert not (tmp_path / "ds").exists()


def test_unknown_kind_and_missing_source(tmp_path: Path) -> None:
    with pytest.raises(OnaError, match="unknown import kind 'pst'"):
        import_export("pst", [tf.smallorg_v2(tmp_path / "t.csv")], tmp_path / "ds", DOMAIN)
    with pytest.raises(DatasetError, match=r"^nope\.csv: no such file"):
        import_export("auto", [tmp_path / "nope.csv"], tmp_path / "ds", DOMAIN)
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    with pytest.raises(DatasetError, match=r"^notes\.txt: not recognized"):
        import_export("auto", [unknown], tmp_path / "ds", DOMAIN)


def test_a_csv_table_already_in_the_folder_is_not_overwritten(tmp_path: Path) -> None:
    out = write_canonical(tmp_path / "ds", chats=False)
    before = snapshot(out)
    with pytest.raises(DatasetError, match=r"^emails\.csv: the folder already holds the emails table as \.csv"):
        import_export("exchange-trace", [tf.smallorg_v2(tmp_path / "t.csv")], out, DOMAIN)
    assert snapshot(out) == before


def test_other_channels_join_an_imported_folder(tmp_path: Path) -> None:
    """A canonical meetings file beside the imported emails: one dataset with both channels."""
    out = tmp_path / "ds"
    import_export("exchange-trace", [tf.smallorg_v2(tmp_path / "t.csv")], out, DOMAIN)
    canon = write_canonical(tmp_path / "canon", chats=False)
    (out / "meetings.csv").write_bytes((canon / "meetings.csv").read_bytes())
    import_export("gmail", [tf.write_jsonl(tmp_path / "g.jsonl", tf.smallorg_gmail_events())], out, DOMAIN)
    ds = read_dataset(out)
    assert ds.tables["meetings"].num_rows == 4 and ds.tables["emails"].num_rows == len(EMAILS)
    assert (out / "meetings.csv").exists()
