"""Bad uploads get a clear 4xx, and leave the store (and the temporary folder) as they were."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.api.conftest import Api
from tests.api.test_errors import assert_problem

V1 = "/api/v1"
PEOPLE = b"person_id,department,email\np1,Audit,p1@corp.example\np2,Board,p2@corp.example\n"
EMAILS = b"timestamp,sender,recipients\n2024-01-02T09:00:00Z,p1,p2\n"
LIMIT = 2 * 1024 * 1024  # the `api` fixture's max_upload_bytes


def _parquet_people() -> bytes:
    buf = io.BytesIO()
    table = pa.table({"person_id": [f"p{i}" for i in range(500)], "department": ["Audit"] * 500})
    pq.write_table(table, buf)
    return buf.getvalue()


Files = dict[str, tuple[str, bytes]]

BAD: dict[str, tuple[Files, int, str]] = {
    # case: (files, status, words the message must hold)
    "missing required column": (
        {"people": ("people.csv", b"person_id,email\np1,p1@corp.example\n")}, 422, "department"),
    "missing column in emails": (
        {"people": ("people.csv", PEOPLE), "emails": ("emails.csv", b"timestamp,recipients\n2024-01-02,p2\n")},
        422, "sender"),
    "people not UTF-8": (
        {"people": ("people.csv", "person_id,department\np1,Réception\n".encode("latin-1"))}, 422, "UTF-8"),
    "emails not UTF-8": (
        {"people": ("people.csv", PEOPLE), "emails": ("emails.csv", EMAILS + "x\xe9\n".encode("latin-1"))},
        422, "UTF-8"),
    "truncated parquet": ({"people": ("people.parquet", _parquet_people()[:300])}, 422, "people.parquet"),
    "not parquet at all": ({"people": ("people.parquet", PEOPLE)}, 422, "people.parquet"),
    "empty people file": ({"people": ("people.csv", b"")}, 422, "people.csv"),
    "empty emails file": ({"people": ("people.csv", PEOPLE), "emails": ("emails.csv", b"")}, 422, "emails.csv"),
    "broken jsonl": ({"people": ("people.jsonl", b'{"person_id": "p1", "department": \n')}, 422, "people.jsonl"),
    "unknown suffix": ({"people": ("people.txt", PEOPLE)}, 422, "must end in"),
    "no file name": ({"people": ("", PEOPLE)}, 422, "people"),
    "no people file": ({"emails": ("emails.csv", EMAILS)}, 422, "people"),
    "oversize": ({"people": ("people.csv", PEOPLE + b"p3,Audit,x\n" * (LIMIT // 10))}, 413, "limit"),
    "a huge field": (
        {"people": ("people.csv", b"person_id,department\np1," + b"A" * (LIMIT + 10) + b"\n")}, 413, "limit"),
}  # fmt: skip


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ona-upload-*")}


@pytest.fixture
def unchanged(api: Api) -> Iterator[Callable[[], None]]:
    """Call the yielded function after a bad upload: the store and temp folder must be as before."""
    before = api.get(f"{V1}/datasets").json()
    temp = _leftovers()

    def check() -> None:
        assert api.get(f"{V1}/datasets").json() == before
        assert _leftovers() <= temp

    yield check


@pytest.mark.parametrize("case", list(BAD))
def test_bad_upload(api: Api, unchanged: Callable[[], None], case: str) -> None:
    files, status, words = BAD[case]
    r = api.upload(files=files)
    body = assert_problem(r, status)
    assert words in body["detail"] + " ".join(e["message"] + e["field"] for e in body["errors"]), body
    unchanged()


def test_bad_rows_are_reported_not_fatal(api: Api) -> None:
    emails = EMAILS + b"2024-13-01T09:00:00Z,p1,p2\n,p1,p2\n"
    r = api.upload(files={"people": ("people.csv", PEOPLE), "emails": ("emails.csv", emails)})
    assert r.status_code == 201, r.text
    report = r.json()["validation"]
    assert report["files"]["emails.csv"]["accepted"] == 1 and report["rejected_total"] == 2
    assert {row["line"] for row in report["rejected"]} == {3, 4}


def test_a_large_field_under_the_limit_is_no_server_error(api: Api, unchanged: Callable[[], None]) -> None:
    people = b"person_id,department\np1,Audit\np2," + b"B" * 500_000 + b"\n"
    r = api.upload(files={"people": ("people.csv", people)})
    assert r.status_code == 201, r.text  # under the field limit: read whole, both people kept
    assert r.json()["dataset"]["people"] == 2


def test_streamed_body_over_the_limit_is_cut_short(api: Api, unchanged: Callable[[], None]) -> None:
    """A chunked body (no Content-Length) is counted as it arrives and refused past the limit."""
    boundary = "ona-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="people"; filename="people.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nperson_id,department\r\n"
    ).encode()
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield head
        for _ in range(LIMIT // 65536 * 4):
            sent += 65536
            yield b"p,A\n" * 16384
        yield f"\r\n--{boundary}--\r\n".encode()

    r = api.client.post(
        f"{V1}/datasets",
        headers={**api.auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert_problem(r, 413)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    unchanged()


def test_not_multipart(api: Api, unchanged: Callable[[], None]) -> None:
    # a body that cannot be split into parts (no boundary) is malformed: 400; a body read as a form
    # without the people file (not a form, or no part in it) misses a required field: 422
    for headers, content, status in (
        ({"Content-Type": "application/json"}, b'{"people": "p1"}', 422),
        ({"Content-Type": "multipart/form-data"}, b"garbage", 400),
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\ngarbage", 422),
        ({}, b"", 422),
    ):
        r = api.client.post(f"{V1}/datasets", headers={**api.auth(), **headers}, content=content)
        assert r.status_code == status, (headers, r.text)
        if status == 422:
            assert r.json()["detail"] == "people: this file is required"  # the upload's own check
        assert r.headers["content-type"] == "application/problem+json"
    unchanged()
