"""The job runner: one analysis at a time, progress in the store, clean stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import api.jobs as jobs_module
from api.jobs import STOPPED, Jobs
from ona.errors import EmptyGraphError
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store
from tests.orgs import with_isolates


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    with Store() as s:
        info = s.save_dataset(read_dataset(with_isolates(tmp_path / "org")))
        yield s, info.dataset_id


def _wait(store: Store, analysis_id: str, statuses: tuple[str, ...], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while (info := store.get_analysis(analysis_id)).status not in statuses:
        assert time.monotonic() < deadline, info
        time.sleep(0.01)
    return info


def _fake(monkeypatch: pytest.MonkeyPatch, body: Callable[..., Any]) -> None:
    monkeypatch.setattr(jobs_module, "analyze_dataset", body)


def test_one_analysis_at_a_time_in_order(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    active, seen, order = 0, [], []
    lock = threading.Lock()
    real = jobs_module.analyze_dataset

    def counting(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        nonlocal active
        with lock:
            active += 1
            seen.append(active)
            order.append(params.seed)
        try:
            return real(st, ds, params, on_progress=on_progress)
        finally:
            with lock:
                active -= 1

    _fake(monkeypatch, counting)
    jobs = Jobs(s)
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i, permutations=20)).analysis_id for i in range(4)]
    infos = [_wait(s, a, ("done", "failed")) for a in ids]
    jobs.shutdown()
    assert [i.status for i in infos] == ["done"] * 4
    assert max(seen) == 1 and order == [0, 1, 2, 3]


def test_progress_is_written_to_the_store(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    gate = threading.Event()

    def failing(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        on_progress("groups", 1, 4)
        gate.wait(10)
        raise EmptyGraphError("no collaboration tie in this dataset: nothing to analyze")

    _fake(monkeypatch, failing)
    jobs = Jobs(s)
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    deadline = time.monotonic() + 10
    while (running := s.get_analysis(analysis_id)).stage != "groups":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert running.status == "running" and running.progress == 0.25
    gate.set()
    failed = _wait(s, analysis_id, ("failed",))
    assert failed.error == "no collaboration tie in this dataset: nothing to analyze"
    jobs.shutdown()


def test_unexpected_errors_fail_the_job_with_a_reason(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store

    def broken(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    _fake(monkeypatch, broken)
    jobs = Jobs(s)
    info = _wait(s, jobs.submit(dataset_id, AnalysisParams()).analysis_id, ("failed",))
    assert "internal error (ZeroDivisionError" in info.error
    jobs.shutdown()


def test_stop_at_the_next_stage(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A running analysis ends at its next stage boundary; queued ones are failed at once."""
    s, dataset_id = store
    started = threading.Event()

    def many_stages(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        for i in range(10_000):
            on_progress(f"stage {i}", i, 10_000)
            started.set()
            time.sleep(0.01)
        raise AssertionError("not stopped")

    _fake(monkeypatch, many_stages)
    jobs = Jobs(s, stop_timeout=10)
    running = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    queued = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert started.wait(10)
    t0 = time.monotonic()
    jobs.shutdown()
    assert time.monotonic() - t0 < 5
    for analysis_id in (running, queued):
        info = s.get_analysis(analysis_id)
        assert (info.status, info.error) == ("failed", STOPPED)


def test_stop_does_not_wait_for_a_long_stage(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    started, release = threading.Event(), threading.Event()

    def one_long_stage(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        on_progress("significance", 2, 6)
        started.set()
        release.wait(60)  # a stage that reports nothing for a long time
        on_progress("communities", 3, 6)

    _fake(monkeypatch, one_long_stage)
    jobs = Jobs(s, stop_timeout=0.3)
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert started.wait(10)
    t0 = time.monotonic()
    jobs.shutdown()
    assert time.monotonic() - t0 < 3
    info = s.get_analysis(analysis_id)
    assert (info.status, info.error) == ("failed", STOPPED)
    with pytest.raises(Exception, match="stopping"):
        jobs.submit(dataset_id, AnalysisParams())
    release.set()
    jobs._worker.join(5)
    assert s.get_analysis(analysis_id).error == STOPPED  # the late worker left the record alone
