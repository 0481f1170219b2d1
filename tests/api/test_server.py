"""A real `ona serve` process: the whole flow, a restart, a crash, and concurrent clients."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from ona.analysis.pipeline import analyze
from ona.params import AnalysisParams
from tests.api.conftest import FAST, Api, make_keys
from tests.api.server import Server
from tests.orgs import NAMED

pytestmark = pytest.mark.server

V1 = "/api/v1"


def _api(server: Server, keys: dict[str, str], timeout: float = 30) -> Api:
    return Api(httpx.Client(base_url=server.url, timeout=timeout), keys)


def test_serve_upload_analyze_restart(tmp_path: Path, org: Path) -> None:
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    server = Server(store, tmp_path / "server.log")
    with server:
        api = _api(server, keys)
        r = api.upload(org, name="sample")
        assert r.status_code == 201, r.text
        dataset_id = r.json()["dataset"]["dataset_id"]
        analysis_id = api.analyze(dataset_id)
        groups = api.get(f"{V1}/analyses/{analysis_id}/groups").json()
        viewer = api.get(f"{V1}/analyses/{analysis_id}/groups", role="viewer").json()
        result = api.get(f"{V1}/analyses/{analysis_id}/result").json()
        assert groups["total"] == result["summary"]["groups"] and viewer["total"] < groups["total"]
        assert api.get(f"{V1}/analyses/{analysis_id}/people", role="viewer").status_code == 403
    assert server.proc is not None and server.proc.returncode == 0, server.output()

    with Server(store, tmp_path / "server2.log") as again:
        api = _api(again, keys)
        info = api.get(f"{V1}/analyses/{analysis_id}").json()
        assert info["status"] == "done"
        assert api.get(f"{V1}/analyses/{analysis_id}/groups").json() == groups
        assert api.get(f"{V1}/analyses/{analysis_id}/groups", role="viewer").json() == viewer
        assert api.get(f"{V1}/analyses/{analysis_id}/result").json() == result
        assert api.get(f"{V1}/datasets").json()["items"][0]["dataset_id"] == dataset_id


def test_a_crash_during_an_analysis_leaves_it_failed_not_running(tmp_path: Path, org: Path) -> None:
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    server = Server(store, tmp_path / "server.log").start()
    try:
        api = _api(server, keys)
        dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
        analysis_id = api.start(dataset_id, permutations=100_000).json()["analysis_id"]
        deadline = time.monotonic() + 30
        while api.get(f"{V1}/analyses/{analysis_id}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        server.kill()
    with Server(store, tmp_path / "server2.log") as again:
        info = _api(again, keys).get(f"{V1}/analyses/{analysis_id}").json()
        assert info["status"] == "failed" and "stopped" in info["error"], info


def test_concurrent_clients_get_their_own_results(tmp_path: Path) -> None:
    """Four clients upload four different organizations and analyze them at once."""
    store = tmp_path / "ona.duckdb"
    keys = make_keys(store)
    folders = {name: make(tmp_path / name) for name, make in NAMED.items()}
    expected = {name: analyze(folder, AnalysisParams(**FAST)) for name, folder in folders.items()}

    with Server(store, tmp_path / "server.log") as server:

        def client(name: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
            api = _api(server, keys, timeout=60)
            r = api.upload(folders[name], name=name)
            assert r.status_code == 201, r.text
            dataset_id = r.json()["dataset"]["dataset_id"]
            analysis_id = api.analyze(dataset_id)
            groups = api.get(f"{V1}/analyses/{analysis_id}/groups", params={"limit": 1000}).json()
            summary = api.get(f"{V1}/analyses/{analysis_id}/summary").json()
            return dataset_id, groups, summary

        with ThreadPoolExecutor(len(folders)) as pool:
            answers = dict(zip(folders, pool.map(client, folders)))

    assert len({dataset_id for dataset_id, _, _ in answers.values()}) == len(folders)
    for name, (_, groups, summary) in answers.items():
        want = expected[name]
        assert summary["dataset"] == name
        assert summary["summary"] == want.summary.model_dump(mode="json"), name
        assert groups["items"] == [g.model_dump(mode="json") for g in want.groups], name
