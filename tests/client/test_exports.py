"""Exports uploaded through the client (a message trace file, Gmail logs, a Slack export folder) to a real server.

The truth is the library's own import of the same files in this process
(:func:`ona.io.imports.import_export`, then :func:`ona.analyze` on the folder
it writes): the server's import report, dataset counts and analysis must equal it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import ona
from ona.client import Client
from ona.io import read_dataset
from ona.io.imports import ImportOptions, import_export
from ona.io.imports.folder import ImportReport
from tests.client.conftest import Served
from tests.io.imports import tracefiles as tf
from tests.io.imports.smallorg import CANARY, CHATS, EMAILS, write_canonical
from tests.io.imports.test_chat import slack_export

pytestmark = pytest.mark.server

PARAMS = {"seed": 5, "permutations": 50, "min_group_size": 2}


def library_import(kind: str, sources: list[Path], people: Path, out: Path) -> ImportReport:
    return import_export(kind, sources, out, ImportOptions(), people=people)


def same_import(got: ImportReport | None, want: ImportReport) -> None:
    assert got is not None and got.kind == want.kind
    assert got.totals == want.totals
    assert [(s.source, s.events_written, s.dropped) for s in got.sources] == [
        (s.source, s.events_written, s.dropped) for s in want.sources
    ]


def test_an_exchange_trace_file_with_its_kind(served: Served, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    trace = tf.smallorg_v2(tmp_path / "MessageTrace.csv", "utf-16le")
    want = library_import("exchange-trace", [trace], people, tmp_path / "imported")
    with served.client() as client:
        upload = client.upload_dataset(trace, kind="exchange-trace", people=people, name="trace")
        job = client.analyze(upload.dataset_id, PARAMS)
        client.wait(job.analysis_id, poll_interval=0.05, timeout=120)
        result = client.result(job.analysis_id)
    same_import(upload.import_report, want)
    assert upload.import_report is not None and upload.import_report.totals.events_written == {"emails": len(EMAILS)}
    assert upload.dataset.emails == len(EMAILS) and upload.dataset.people == 8
    library = ona.analyze(tmp_path / "imported", ona.AnalysisParams(**PARAMS))
    assert result.summary == library.summary
    assert result.groups == library.groups and result.links == library.links
    assert CANARY not in result.to_json()


def test_a_file_without_a_kind_is_recognized(served: Served, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    logs = tf.write_jsonl(tmp_path / "gmail.jsonl", tf.smallorg_gmail_events())
    with served.client() as client:
        upload = client.upload_dataset(logs, people=people)
    assert upload.import_report is not None and upload.import_report.kind == "gmail"
    assert upload.dataset.emails == len(EMAILS)


def test_an_export_folder_is_sent_file_by_file(served: Served, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    events = tf.smallorg_gmail_events()
    folder = tmp_path / "bigquery"
    a = tf.write_jsonl(folder / "2024-03-04" / "part-0.jsonl", events[: len(events) // 2])
    b = tf.write_jsonl(folder / "2024-03-05" / "part-1.jsonl", events[len(events) // 2 :])
    (folder / ".DS_Store").write_bytes(b"\0\0")  # another tool's file: not sent
    want = library_import("gmail", [a, b], people, tmp_path / "imported")
    with served.client() as client:
        upload = client.upload_dataset(folder, kind="gmail", people=people)
    same_import(upload.import_report, want)
    assert upload.dataset.emails == read_dataset(tmp_path / "imported").report.files["emails.parquet"].accepted


@pytest.mark.parametrize("kind", ["slack", "auto"])
def test_a_slack_export_folder_is_zipped(served: Served, tmp_path: Path, kind: str) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    folder = tmp_path / "Acme Slack export"
    with zipfile.ZipFile(slack_export(tmp_path / "export.zip")) as zf:
        zf.extractall(folder)
    want = library_import("slack", [folder], people, tmp_path / "imported")
    with served.client() as client:
        upload = client.upload_dataset(folder, kind=kind, people=people)
    assert upload.import_report is not None
    assert upload.import_report.sources[0].source == "Acme Slack export.zip"
    assert upload.import_report.totals == want.totals
    assert upload.import_report.totals.events_written == {"chats": len(CHATS)}
    assert upload.dataset.chats == len(CHATS)


def test_column_map_renames_the_people_columns(served: Served, tmp_path: Path) -> None:
    folder = write_canonical(tmp_path / "canon", chats=False)
    people = folder / "people.csv"
    people.write_text(people.read_text().replace("person_id,department,email", "Employee ID,Org Unit,Work Email", 1))
    with Client(served.url, served.keys["analyst"]) as client:
        upload = client.upload_dataset(
            folder, column_map={"person_id": "Employee ID", "department": "Org Unit", "email": "Work Email"}
        )
    assert upload.dataset.people == 8 and upload.dataset.emails == len(EMAILS)
    assert upload.validation.rejected == []
