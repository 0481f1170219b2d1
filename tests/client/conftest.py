"""Fixtures of the client tests: one real `ona serve` with keys, and the sample organization analyzed on it.

The server is tests/api/server.py's (a subprocess on a free port, over a
temporary store); the keys are tests/api/conftest.py's (an analyst, a viewer
and a revoked analyst in "default", an admin, an analyst and a viewer in
"other").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ona
from ona.client import Client, Upload
from ona.params import AnalysisParams
from ona.results import AnalysisResult
from ona.store.models import AnalysisInfo
from tests.api.conftest import make_keys
from tests.api.server import Server

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

#: The analysis run on the sample: seeded, and fast (the permutation test dominates the run time).
PARAMS = AnalysisParams(seed=7, permutations=100)


@dataclass
class Served:
    """A running server and its keys; ``client(role)`` opens a Client with the key of that name."""

    server: Server
    keys: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, role: str = "analyst", **kw: float) -> Client:
        return Client(self.server.url, self.keys[role], **kw)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real `ona serve` over an empty store with keys (one per test module)."""
    folder = tmp_path_factory.mktemp("client-store")
    keys = make_keys(folder / "ona.duckdb")
    with Server(folder / "ona.duckdb", folder / "server.log") as server:
        yield Served(server, keys)


@dataclass
class SampleJob:
    """sample_data uploaded and analyzed through the client, with the progress calls wait() made."""

    upload: Upload
    started: AnalysisInfo
    finished: AnalysisInfo
    progress: list[AnalysisInfo]


@pytest.fixture(scope="module")
def sample_job(served: Served) -> SampleJob:
    with served.client() as client:
        upload = client.upload_dataset(SAMPLE, name="sample organization")
        started = client.analyze(upload.dataset_id, PARAMS)
        calls: list[AnalysisInfo] = []
        finished = client.wait(started.analysis_id, on_progress=calls.append, poll_interval=0.02, timeout=300)
    return SampleJob(upload, started, finished, calls)


@pytest.fixture(scope="module")
def expected() -> AnalysisResult:
    """The same analysis of the same folder, run by the library in this process (no server)."""
    return ona.analyze(SAMPLE, PARAMS)
