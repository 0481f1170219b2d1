"""kill -9 of a real `ona serve` during an upload and during an analysis.

After each crash the store must open, show nothing half-written, mark the
interrupted analysis failed at the next start, and leave every other
workspace's dataset, analysis and result exactly as they were.

Where the kill lands: during an upload, the test watches the store file and
its write-ahead log from outside and kills the server the moment either one
starts to grow, that is while the dataset's transaction is being written
(the request body is in and validated by then). During an analysis it kills
once the job reports its significance stage, which takes long with many
permutations.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ona.store import Store
from tests.api.conftest import TABLES, Api, make_keys
from tests.api.server import Server

pytestmark = pytest.mark.server

V1 = "/api/v1"


def _api(server: Server, keys: dict[str, str], timeout: float = 60) -> Api:
    return Api(httpx.Client(base_url=server.url, timeout=timeout), keys)


def _files(folder: Path) -> dict[str, tuple[str, bytes]]:
    return {t: (p.name, p.read_bytes()) for t in TABLES for p in sorted(folder.glob(f"{t}.*"))}


def _other_workspace(api: Api, org: Path) -> dict[str, Any]:
    """Upload and analyze a dataset in workspace "other"; everything its client can read about it."""
    r = api.upload(org, role="other", name="other client's organization")
    assert r.status_code == 201, r.text
    dataset_id = r.json()["dataset"]["dataset_id"]
    r = api.client.post(
        f"{V1}/analyses", headers=api.auth("other"), json={"dataset_id": dataset_id, "parameters": {"permutations": 100}}
    )
    assert r.status_code == 202, r.text
    analysis_id = r.json()["analysis_id"]
    deadline = time.monotonic() + 120
    while (info := api.get(f"{V1}/analyses/{analysis_id}", role="other").json())["status"] != "done":
        assert info["status"] in ("queued", "running") and time.monotonic() < deadline, info
        time.sleep(0.05)
    return _seen_by_other(api, dataset_id, analysis_id)


def _seen_by_other(api: Api, dataset_id: str, analysis_id: str) -> dict[str, Any]:
    def get(path: str) -> Any:
        r = api.get(path, role="other", params={"limit": 1000})
        assert r.status_code == 200, (path, r.text)
        return r.json()

    return {
        "dataset_id": dataset_id,
        "analysis_id": analysis_id,
        "datasets": get(f"{V1}/datasets"),
        "validation": get(f"{V1}/datasets/{dataset_id}/validation"),
        "analyses": get(f"{V1}/analyses"),
        "result": get(f"{V1}/analyses/{analysis_id}/result"),
    }


def _store_state(path: Path) -> tuple[dict[str, int], list[Any]]:
    """Row counts of every table and the dataset records, read straight from the store file."""
    with Store(path) as store:
        return store.row_counts(), store.list_datasets()


def _kill_when_the_store_grows(server: Server, store: Path, upload: threading.Thread, timeout: float = 120) -> str:
    """SIGKILL the server once the store file or its WAL grows; which one grew."""
    wal = store.with_name(store.name + ".wal")

    def sizes() -> tuple[int, int]:
        return (store.stat().st_size, wal.stat().st_size if wal.exists() else 0)

    before = sizes()
    upload.start()
    deadline = time.monotonic() + timeout
    while (now := sizes()) == before:
        assert upload.is_alive(), "the upload ended before the store grew"
        assert time.monotonic() < deadline, "the store never grew"
        time.sleep(0.001)
    server.kill()
    return "store file" if now[0] != before[0] else "write-ahead log"


@pytest.fixture(scope="module")
def big_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 people and about 100,000 emails (a 12 MB emails.csv): its transaction takes a while to write."""
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("big_org")
    synthesize(folder, people=1000, seed=5, emails_per_person=100, bad_rows=False)
    return folder


def test_kill_during_an_upload(tmp_path: Path, org: Path, big_org: Path) -> None:
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    with Server(store, tmp_path / "prepare.log") as server:
        other = _other_workspace(_api(server, keys), org)
    counts, datasets = _store_state(store)

    server = Server(store, tmp_path / "crash.log").start()
    answer: list[Any] = []
    files = _files(big_org)

    def upload() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                answer.append(client.post(f"{V1}/datasets", headers={"Authorization": f"Bearer {keys['analyst']}"},
                                          files=files, data={"name": "half uploaded"}))  # fmt: skip
        except httpx.TransportError as exc:  # the server died under the request: expected
            answer.append(exc)

    thread = threading.Thread(target=upload)
    try:
        grew = _kill_when_the_store_grows(server, store, thread)
    finally:
        server.kill()
        thread.join(60)
    assert len(answer) == 1 and isinstance(answer[0], httpx.TransportError), (
        f"the upload was answered before the kill ({answer}): the kill came too late to test anything"
    )

    # the store opens (DuckDB replays or drops its write-ahead log) and holds no trace of the upload
    after_counts, after_datasets = _store_state(store)
    assert after_datasets == datasets, f"the killed upload is listed ({grew} grew before the kill)"
    assert after_counts == counts

    with Server(store, tmp_path / "after.log") as again:
        api = _api(again, keys)
        assert _seen_by_other(api, other["dataset_id"], other["analysis_id"]) == other
        assert api.get(f"{V1}/datasets").json()["total"] == 0  # nothing in the uploader's workspace
        # and the store still takes the same upload in full
        r = api.client.post(f"{V1}/datasets", headers=api.auth(), files=files, data={"name": "second try"})
        assert r.status_code == 201, r.text
        assert api.get(f"{V1}/datasets").json()["total"] == 1


def test_kill_during_an_analysis(tmp_path: Path, org: Path) -> None:
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    server = Server(store, tmp_path / "crash.log").start()
    try:
        api = _api(server, keys)
        other = _other_workspace(api, org)
        dataset_id = api.upload(org, name="analyzed when the server dies").json()["dataset"]["dataset_id"]
        running = api.start(dataset_id, permutations=100_000).json()["analysis_id"]
        queued = api.start(dataset_id).json()["analysis_id"]
        deadline = time.monotonic() + 60
        while (info := api.get(f"{V1}/analyses/{running}").json())["stage"] != "significance":
            assert info["status"] in ("queued", "running") and time.monotonic() < deadline, info
            time.sleep(0.02)
    finally:
        server.kill()

    with Store(store) as db:  # opens after the crash; the records still say what was happening
        statuses = {a.analysis_id: a.status for a in db.list_analyses()}
        counts = db.row_counts()
    assert statuses == {other["analysis_id"]: "done", running: "running", queued: "queued"}

    scratch = tmp_path / "ona.work"  # the children's temporary files, beside the store
    assert any(scratch.iterdir()), "the killed analysis left no copy of its dataset: was it run in a child?"
    with Server(store, tmp_path / "after.log") as again:
        assert not scratch.exists() or not any(scratch.iterdir())  # the next start removed what the killed server left
        api = _api(again, keys)
        for analysis_id in (running, queued):
            info = api.get(f"{V1}/analyses/{analysis_id}").json()
            assert info["status"] == "failed" and "stopped" in info["error"], info
            assert api.get(f"{V1}/analyses/{analysis_id}/summary").status_code == 409
        assert _seen_by_other(api, other["dataset_id"], other["analysis_id"]) == other
        # the interrupted dataset is whole: it can be analyzed again
        assert api.wait(api.start(dataset_id).json()["analysis_id"])["status"] == "done"
    with Store(store) as db:
        after = db.row_counts()
    # only the new analysis and its result were added
    assert {k: v for k, v in after.items() if k not in ("analyses", "results")} == {
        k: v for k, v in counts.items() if k not in ("analyses", "results")
    }
    assert (after["analyses"], after["results"]) == (counts["analyses"] + 1, counts["results"] + 1)
