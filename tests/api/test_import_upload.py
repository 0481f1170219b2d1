"""POST /datasets with a kind: a real export as it came, imported, stored, with its import report."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api
from tests.io.imports import tracefiles as tf
from tests.io.imports.smallorg import CANARY, EMAILS, write_canonical

V1 = "/api/v1"


def post(api: Api, files: list[tuple[str, tuple[str, bytes]]], **data: str):
    return api.client.post(f"{V1}/datasets", headers=api.auth(), files=files, data=data or None)


def test_exchange_trace_upload(api: Api, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    trace = tf.smallorg_v2(tmp_path / "trace.csv", "utf-16le")
    r = post(api, [("people", ("people.csv", people.read_bytes())),
                   ("files", ("trace.csv", trace.read_bytes()))], kind="exchange-trace", name="trace")  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["dataset"]["name"] == "trace"
    assert body["import_report"]["kind"] == "exchange-trace"
    assert body["import_report"]["sources"][0]["source"] == "trace.csv"
    assert body["import_report"]["totals"]["events_written"] == {"emails": len(EMAILS)}
    assert body["validation"]["files"]["emails.parquet"]["accepted"] == len(EMAILS)
    assert CANARY not in r.text


def test_auto_kind_with_two_files(api: Api, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    events = tf.smallorg_gmail_events()
    a = tf.write_jsonl(tmp_path / "day1.jsonl", events[: len(events) // 2])
    b = tf.write_jsonl(tmp_path / "day2.jsonl", events[len(events) // 2 :])
    r = post(api, [("people", ("people.csv", people.read_bytes())), ("files", ("day1.jsonl", a.read_bytes())),
                   ("files", ("day2.jsonl", b.read_bytes()))], kind="auto")  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["import_report"]["kind"] == "gmail"


def test_bad_kind_uploads(api: Api, tmp_path: Path) -> None:
    people = write_canonical(tmp_path / "canon", chats=False) / "people.csv"
    p = ("people", ("people.csv", people.read_bytes()))
    r = post(api, [p, ("files", ("t.csv", b"a,b\n1,2\n"))], kind="pst")
    assert r.status_code == 422 and "unknown kind 'pst'" in r.text
    r = post(api, [p], kind="exchange-trace")
    assert r.status_code == 422 and "files" in r.text
    r = post(api, [p, ("files", ("t.csv", b"a,b\n1,2\n"))], kind="exchange-trace")
    assert r.status_code == 422 and "t.csv: not an Exchange Online message trace" in r.text
    r = post(api, [p, ("files", ("t.csv", b"a,b\n1,2\n"))])
    assert r.status_code == 422 and "kind" in r.text
    assert api.get(f"{V1}/datasets").json()["items"] == []


def test_openapi_documents_the_kind(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    text = str(spec)
    assert "exchange-trace" in text and "import_report" in text
