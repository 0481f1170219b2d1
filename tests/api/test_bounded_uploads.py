"""Bounded uploads: key and role before the body, a rate per key, row caps, capped reports.

The first tests go through TestClient, whose request body is a generator
that records how much of it the app consumed: a refused upload must have
read none of it. The ``server`` tests run a real `ona serve` and measure its
memory (``VmRSS`` before, ``VmHWM`` after, from ``/proc/<pid>/status``)
while it takes a 30 KB Parquet file of 3 million bad rows and a CSV of
350,000 bad rows. The server reads an upload in a child process (forked
from its fork server), so the child's growth is measured too (its
``VmHWM``, sampled while it lives, less the fork server's ``VmRSS`` it
starts with) and the bound holds for the sum: the memory the upload costs
the machine.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ona.io import read_dataset
from tests.api.conftest import FAST, Api, make_keys, open_api
from tests.api.server import Server

V1 = "/api/v1"
BOMB_ROWS = 3_000_000
BAD_CSV_ROWS = 350_000
PEOPLE = b"person_id,department\nann,HR\nbob,IT\ncy,IT\ndee,Legal\neve,Legal\n"


def _bomb() -> bytes:
    """An emails Parquet file of 3 million rows whose timestamps are all invalid: about 30 KB.

    One dictionary value per column, zstd: the pages are run-length
    encoded indexes, so the file costs almost nothing while its rows would
    cost hundreds of megabytes decoded.
    """
    zeros = pa.array(np.zeros(BOMB_ROWS, np.int32))
    table = pa.table(
        {
            "timestamp": pa.DictionaryArray.from_arrays(zeros, pa.array(["2024-13-45T25:61:00Z"])),
            "sender": pa.DictionaryArray.from_arrays(zeros, pa.array(["ann"])),
            "recipients": pa.DictionaryArray.from_arrays(zeros, pa.array(["bob;cy"])),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True)
    return sink.getvalue().to_pybytes()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _bomb()
    assert len(data) < 64 * 1024, len(data)
    return data


class Recorded:
    """A request body (a generator) that records how many of its chunks were consumed."""

    def __init__(self, chunks: int = 16, size: int = 64 * 1024) -> None:  # 1 MiB: under the fixture's limit
        self.chunks = chunks
        self.size = size
        self.consumed = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.consumed += 1
            yield b"x" * self.size


def _post_recorded(api: Api, role: str | None) -> tuple[httpx.Response, Recorded]:
    body = Recorded()
    headers = {"Content-Type": "multipart/form-data; boundary=ona"}
    if role is not None:
        headers.update(api.auth(role))
    return api.client.post(f"{V1}/datasets", headers=headers, content=iter(body)), body


# --------------------------------------------------------------------------
# The key and the role, before the body


@pytest.mark.parametrize(
    ("role", "status", "words"),
    [
        (None, 401, "needs an API key"),
        ("revoked", 401, "unknown, revoked or expired"),
        ("viewer", 403, "analyst role"),
        ("admin", 403, "analyst role"),
    ],
)
def test_an_upload_without_an_analyst_key_is_refused_unread(
    api: Api, role: str | None, status: int, words: str
) -> None:
    r, body = _post_recorded(api, role)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert words in r.json()["detail"]
    assert body.consumed == 0
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_an_analyst_upload_is_read(api: Api) -> None:
    """The control: with a good key the same body is read (and refused as a broken form)."""
    r, body = _post_recorded(api, "analyst")
    assert r.status_code == 400, r.text  # the form is read, and its bytes are no multipart form
    assert r.json()["detail"] == "Invalid multipart data."
    assert body.consumed == body.chunks


# --------------------------------------------------------------------------
# Rate per key


def test_uploads_are_rate_limited_per_key(tmp_path: Path) -> None:
    client, keys = open_api(tmp_path / "ona.duckdb", upload_rate=2, upload_rate_seconds=3600)
    with client:
        api = Api(client, keys)
        files = {"people": ("people.csv", PEOPLE)}
        assert [api.upload(files=files).status_code for _ in range(2)] == [201, 201]
        r, body = _post_recorded(api, "analyst")
        assert r.status_code == 429, r.text
        assert body.consumed == 0
        wait = int(r.headers["retry-after"])
        assert 1700 <= wait <= 1800  # one upload comes back every 3600 / 2 s, and none has yet
        assert r.headers["content-type"] == "application/problem+json"
        assert "ONA_UPLOAD_RATE" in r.json()["detail"]
        # another key has its own allowance
        assert api.upload(files=files, role="other").status_code == 201


# --------------------------------------------------------------------------
# Row caps and capped reports through the service's settings


@pytest.mark.parametrize(
    ("settings", "where", "words"),
    [
        ({"max_rows_per_file": 1_000_000}, "emails.parquet",
         "the file holds 3,000,000 rows, more than the limit of 1,000,000 rows per file "
         "(service setting ONA_MAX_ROWS_PER_FILE)"),
        ({"max_rows_per_upload": 2_000_000}, "people.csv, emails.parquet",
         "the files hold 3,000,005 rows together, more than the limit of 2,000,000 rows per dataset "
         "(service setting ONA_MAX_ROWS_PER_UPLOAD)"),
    ],
)  # fmt: skip
def test_a_bomb_over_the_row_cap_is_refused_and_nothing_is_stored(
    tmp_path: Path, bomb: bytes, settings: dict[str, int], where: str, words: str
) -> None:
    client, keys = open_api(tmp_path / "ona.duckdb", **settings)
    with client:
        api = Api(client, keys)
        store = client.app.state.store  # type: ignore[attr-defined]
        before = store.row_counts()
        r = api.upload(files={"people": ("people.csv", PEOPLE), "emails": ("emails.parquet", bomb)})
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["detail"] == f"{where}: {words}"
        assert problem["errors"][0]["field"] == where
        assert store.row_counts() == before
        assert api.get(f"{V1}/datasets").json()["total"] == 0


def test_an_upload_report_counts_every_reject_and_lists_the_first(tmp_path: Path) -> None:
    client, keys = open_api(tmp_path / "ona.duckdb", max_rejects_per_file=50, upload_report_rejects=20)
    with client:
        api = Api(client, keys)
        bad = b"".join(b"never%d,ann,bob\n" % i for i in range(300))
        emails = b"timestamp,sender,recipients\n2024-01-02T09:00:00Z,ann,bob\n" + bad
        r = api.upload(files={"people": ("people.csv", PEOPLE), "emails": ("emails.csv", emails)})
        assert r.status_code == 201, r.text
        body = r.json()
        f = body["validation"]["files"]["emails.csv"]
        assert (f["rows_read"], f["accepted"], f["rejected"], f["rejects_kept"]) == (301, 1, 300, 50)
        assert body["validation"]["rejected_total"] == 300 and len(body["validation"]["rejected"]) == 20
        assert body["dataset"]["rejected"] == 300
        page = api.get(f"{V1}/datasets/{body['dataset']['dataset_id']}/validation?offset=40&limit=100").json()
        assert [row["line"] for row in page["rejected"]] == list(range(43, 53))


# --------------------------------------------------------------------------
# Against a real server, with its memory measured


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0]) * 1024
    return out


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
        except OSError:
            pass  # the task ended meanwhile
    return out


class TreeMemory:
    """The largest growth of a server's upload children: their peak less the fork server they start from."""

    def __init__(self) -> None:
        self.growth = 0
        self.children = 0


@contextmanager
def _watch_children(server_pid: int) -> Iterator[TreeMemory]:
    """Sample the server's grandchildren (fork server -> worker) every few milliseconds while the block runs."""
    seen = TreeMemory()
    done = threading.Event()
    pids: set[int] = set()

    def sample() -> None:
        while not done.is_set():
            try:
                for middle in _children(server_pid):  # the fork server (and multiprocessing's tracker)
                    base = _status(middle).get("VmRSS", 0)
                    for worker in _children(middle):
                        pids.add(worker)
                        seen.growth = max(seen.growth, _status(worker).get("VmHWM", 0) - base)
            except (OSError, ValueError):
                pass  # a process ended between two reads
            time.sleep(0.002)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join(10)
        seen.children = len(pids)


@pytest.mark.server
def test_a_parquet_bomb_leaves_the_server_small(tmp_path: Path, bomb: bytes) -> None:
    """30 KB of Parquet, 3 million bad rows: a capped report, under +500 MB of peak memory."""
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    with Server(store, tmp_path / "server.log") as server:
        assert server.proc is not None
        api = Api(httpx.Client(base_url=server.url, timeout=300), keys)
        before = _status(server.proc.pid)["VmRSS"]
        with _watch_children(server.proc.pid) as child:
            r = api.upload(files={"people": ("people.csv", PEOPLE), "emails": ("emails.parquet", bomb)})
        after = _status(server.proc.pid)
        growth = after["VmHWM"] - before + child.growth
        print(
            f"\nParquet bomb ({len(bomb):,} bytes, {BOMB_ROWS:,} bad rows): server RSS before "
            f"{_mb(before)}, peak {_mb(after['VmHWM'])}, after {_mb(after['VmRSS'])}; the upload's "
            f"child +{_mb(child.growth)}; in all +{_mb(growth)}; answer {r.status_code}, {len(r.content):,} bytes"
        )
        assert child.children == 1, "the upload was not read in one child process"
        assert r.status_code == 201, r.text
        body = r.json()
        f = body["validation"]["files"]["emails.parquet"]
        assert (f["rows_read"], f["rejected"], f["rejects_kept"], f["accepted"]) == (BOMB_ROWS, BOMB_ROWS, 10_000, 0)
        assert body["validation"]["rejected_total"] == BOMB_ROWS
        assert len(body["validation"]["rejected"]) == 100
        assert body["validation"]["rejected"][0]["reason"] == "timestamp '2024-13-45T25:61:00Z' is not ISO 8601"
        assert len(r.content) < 100_000
        dataset_id = body["dataset"]["dataset_id"]
        tail = api.get(f"{V1}/datasets/{dataset_id}/validation?offset=9990&limit=100").json()
        assert [row["line"] for row in tail["rejected"]] == list(range(9991, 10_001))
        assert growth < 500 * 2**20, f"the server and its child grew by {_mb(growth)}"


@pytest.mark.server
def test_350k_bad_rows_make_a_small_result(tmp_path: Path, org: Path) -> None:
    """A CSV with 350,000 bad rows: exact counts, a result under 1 MB, the rejects paged."""
    folder = tmp_path / "org"
    folder.mkdir()
    for path in org.iterdir():
        if path.suffix == ".csv":
            (folder / path.name).write_bytes(path.read_bytes())
    header = (folder / "emails.csv").read_text().splitlines()[0]
    blanks = "," * (len(header.split(",")) - 3)
    with (folder / "emails.csv").open("a") as fh:
        fh.writelines(f"2024-02-{30 + i % 2},x,y{blanks}\n" for i in range(BAD_CSV_ROWS))
    expected = read_dataset(folder).report.files  # the library's own counts
    assert expected["emails.csv"].rejected >= BAD_CSV_ROWS

    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    with Server(store, tmp_path / "server.log") as server:
        assert server.proc is not None
        api = Api(httpx.Client(base_url=server.url, timeout=300), keys)
        before = _status(server.proc.pid)["VmRSS"]
        with _watch_children(server.proc.pid) as child:
            r = api.upload(folder)
        after = _status(server.proc.pid)
        size = (folder / "emails.csv").stat().st_size
        print(
            f"\nCSV of {BAD_CSV_ROWS:,} bad rows ({size / 1e6:.1f} MB): server RSS before {_mb(before)}, "
            f"peak {_mb(after['VmHWM'])} (+{_mb(after['VmHWM'] - before)}), the upload's child "
            f"+{_mb(child.growth)}; upload answer {len(r.content):,} bytes"
        )
        assert r.status_code == 201, r.text
        body = r.json()
        for name, report in expected.items():
            got = body["validation"]["files"][name]
            assert (got["rows_read"], got["accepted"], got["rejected"], got["duplicates"]) == (
                report.rows_read, report.accepted, report.rejected, report.duplicates
            ), name  # fmt: skip
        total = sum(f.rejected for f in expected.values())
        assert body["validation"]["rejected_total"] == total
        dataset_id = body["dataset"]["dataset_id"]

        analysis_id = api.analyze(dataset_id, **FAST)
        result = api.get(f"{V1}/analyses/{analysis_id}/result")
        print(f"/result: {len(result.content):,} bytes")
        assert result.status_code == 200
        assert len(result.content) < 1_000_000
        validation = result.json()["validation"]
        assert len(validation["rejected"]) == 100 and validation["rejected_omitted"] == total - 100
        assert f"/api/v1/datasets/{dataset_id}/validation" in validation["note"]

        kept = sum(f["rejects_kept"] for f in body["validation"]["files"].values())
        assert kept < total
        page = api.get(f"{V1}/datasets/{dataset_id}/validation?offset={kept - 5}&limit=1000").json()
        assert len(page["rejected"]) == 5 and page["rejected_total"] == total
        assert api.get(f"{V1}/datasets/{dataset_id}/validation?offset={kept}&limit=10").json()["rejected"] == []


def _raw_upload_status(server: Server, secret: str | None) -> int:
    """Status of a POST /datasets declaring a 1 GiB body of which nothing is sent."""
    auth = f"Authorization: Bearer {secret}\r\n" if secret else ""
    head = (
        f"POST {V1}/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
        "Content-Type: multipart/form-data; boundary=ona\r\nContent-Length: 1073741824\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(head.encode("latin-1"))
        # the server must answer without the body: if it waited for it, recv times out
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


@pytest.mark.server
def test_a_real_server_answers_before_the_body(tmp_path: Path) -> None:
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    with Server(store, tmp_path / "server.log") as server:
        assert _raw_upload_status(server, None) == 401
        assert _raw_upload_status(server, keys["viewer"]) == 403
        assert _raw_upload_status(server, keys["analyst"]) == 413  # over max_upload_bytes, unread too
