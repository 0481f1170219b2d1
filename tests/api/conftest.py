"""Fixtures of the API tests: an app over a fresh store with keys, and a small organization."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    # Starlette 1.x suggests httpx2 for its TestClient; httpx is what the project installs.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ona.store import Store
from ona.store.keys import create_key, revoke_key

TABLES = ("people", "emails", "meetings", "tickets")

#: Fast analysis parameters for tests (the permutation test dominates the run time).
FAST = {"permutations": 100}


def make_keys(store_path: Path) -> dict[str, str]:
    """Keys of a store, their secrets by name.

    In workspace "default": an analyst, a viewer and a revoked analyst; an
    admin; and in workspace "other": an analyst and a viewer.
    """
    with Store(store_path) as store:
        _, analyst = create_key(store, role="analyst", name="analyst")
        _, viewer = create_key(store, role="viewer", name="leader")
        revoked_id, revoked = create_key(store, role="analyst", name="former")
        revoke_key(store, revoked_id)
        _, admin = create_key(store, role="admin", name="admin")
        _, other = create_key(store, role="analyst", name="other client", workspace="other")
        _, other_viewer = create_key(store, role="viewer", name="other leader", workspace="other")
    return {"analyst": analyst, "viewer": viewer, "revoked": revoked, "admin": admin,
            "other": other, "other_viewer": other_viewer}  # fmt: skip


class Api:
    """A client of the service holding the keys of each role."""

    def __init__(self, client: httpx.Client | TestClient, keys: dict[str, str]) -> None:
        self.client = client
        self.keys = keys

    def auth(self, role: str = "analyst") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def get(self, path: str, role: str = "analyst", **kw: Any) -> httpx.Response:
        return self.client.get(path, headers=self.auth(role), **kw)

    def upload(
        self,
        folder: Path | None = None,
        *,
        role: str = "analyst",
        files: dict[str, tuple[str, bytes]] | None = None,
        name: str | None = None,
    ) -> httpx.Response:
        """POST /datasets with the tables of ``folder`` (or the given (filename, bytes) files)."""
        if files is None:
            assert folder is not None
            files = {}
            for table in TABLES:
                for path in sorted(folder.glob(f"{table}.*")):
                    files[table] = (path.name, path.read_bytes())
        data = {"name": name} if name else None
        return self.client.post("/api/v1/datasets", headers=self.auth(role), files=files, data=data)

    def start(self, dataset_id: str, *, role: str = "analyst", **params: Any) -> httpx.Response:
        body = {"dataset_id": dataset_id, "parameters": {**FAST, **params}}
        return self.client.post("/api/v1/analyses", headers=self.auth(role), json=body)

    def wait(self, analysis_id: str, *, timeout: float = 120) -> dict[str, Any]:
        """Poll the analysis until it has ended (done, failed or cancelled); its last record."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.get(f"/api/v1/analyses/{analysis_id}")
            assert r.status_code == 200, r.text
            info = r.json()
            if info["status"] in ("done", "failed", "cancelled"):
                return info
            assert time.monotonic() < deadline, f"analysis still {info['status']} after {timeout} s"
            time.sleep(0.05)

    def analyze(self, dataset_id: str, **params: Any) -> str:
        """Start an analysis, wait for it, assert it is done; its id."""
        r = self.start(dataset_id, **params)
        assert r.status_code == 202, r.text
        info = self.wait(r.json()["analysis_id"])
        assert info["status"] == "done", info
        return str(info["analysis_id"])


def open_api(store_path: Path, **settings: Any) -> tuple[TestClient, dict[str, str]]:
    keys = make_keys(store_path)
    app = create_app(Settings(store=store_path, **settings))
    return TestClient(app, raise_server_exceptions=False), keys


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """A fresh service over an empty store (with keys), through TestClient."""
    client, keys = open_api(tmp_path / "ona.duckdb", max_upload_bytes=2 * 1024 * 1024)
    with client:
        yield Api(client, keys)


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-person synthetic organization (all four tables, a few bad rows, small departments)."""
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("org")
    synthesize(folder, people=60, seed=11, bad_rows=True)
    return folder


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, org: Path) -> Iterator[tuple[Api, str, str]]:
    """A service holding one uploaded dataset and one finished analysis: (api, dataset_id, analysis_id)."""
    client, keys = open_api(tmp_path_factory.mktemp("store") / "ona.duckdb")
    with client:
        api = Api(client, keys)
        r = api.upload(org, name="synthetic 60")
        assert r.status_code == 201, r.text
        dataset_id = r.json()["dataset"]["dataset_id"]
        yield api, dataset_id, api.analyze(dataset_id)
