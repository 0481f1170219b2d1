"""The job runner: one analysis at a time, fair across workspaces, progress in the store, cancel, time limit, clean stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import api.jobs as jobs_module
from api.errors import Conflict
from api.jobs import CANCELLED, STOPPED, Jobs, time_limit_reason
from ona.errors import EmptyGraphError, NotFoundError
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


# ------------------------------------------------------------- fair queueing


class _Gate:
    """A fake analysis that records the order analyses run in and waits at a gate before the first ends."""

    def __init__(self) -> None:
        self.order: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        self.order.append(params.seed)
        on_progress("groups", 1, 2)
        self.started.set()
        assert self.release.wait(30)
        on_progress("links", 2, 2)  # the next stage boundary
        raise EmptyGraphError("fake analysis: no result needed")


def test_workspaces_take_turns(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Round robin: a workspace that queues many analyses does not starve another's one."""
    s, dataset_id = store
    gate = _Gate()
    _fake(monkeypatch, gate)
    jobs = Jobs(s)
    # seed = the order of submission; the first one occupies the worker while the rest queue
    jobs.submit(dataset_id, AnalysisParams(seed=0), workspace="big")
    assert gate.started.wait(10)
    plan = ["big"] * 5 + ["small"] + ["other"] * 2 + ["big"]
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i), workspace=ws).analysis_id for i, ws in enumerate(plan, 1)]
    # each workspace with queued work in turn, each in its own submission order:
    # big(1) small(6) other(7) big(2) other(8) big(3) big(4) big(5) big(9)
    want = [1, 6, 7, 2, 8, 3, 4, 5, 9]
    assert jobs.queued() == [ids[seed - 1] for seed in want]
    gate.release.set()
    for analysis_id in ids:
        _wait(s, analysis_id, ("failed",))
    jobs.shutdown()
    assert gate.order == [0, *want]


def test_submit_without_a_workspace_is_one_fifo_queue(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    gate = _Gate()
    _fake(monkeypatch, gate)
    jobs = Jobs(s)
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i)).analysis_id for i in range(4)]
    assert gate.started.wait(10)
    assert jobs.queued() == ids[1:]
    gate.release.set()
    for analysis_id in ids:
        _wait(s, analysis_id, ("failed",))
    jobs.shutdown()
    assert gate.order == [0, 1, 2, 3]


# ------------------------------------------------------------------- cancel


def test_cancel_a_queued_analysis_it_never_runs(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    gate = _Gate()
    _fake(monkeypatch, gate)
    jobs = Jobs(s)
    first = jobs.submit(dataset_id, AnalysisParams(seed=0)).analysis_id
    queued = jobs.submit(dataset_id, AnalysisParams(seed=1), workspace="w2").analysis_id
    last = jobs.submit(dataset_id, AnalysisParams(seed=2)).analysis_id
    assert gate.started.wait(10)
    info = jobs.cancel(queued)
    assert (info.status, info.error) == ("cancelled", CANCELLED)
    assert jobs.queued() == [last]
    assert jobs.cancel(queued).status == "cancelled"  # again: nothing changes
    jobs.ensure_idle(queued)  # cancelled has ended: it may be deleted
    gate.release.set()
    _wait(s, last, ("failed",))
    jobs.shutdown()
    assert gate.order == [0, 2]
    assert s.get_analysis(queued).status == "cancelled"
    assert s.get_analysis(first).status == "failed"


def _stages(started: threading.Event, stages: int = 10_000, pause: float = 0.01) -> Callable[..., Any]:
    def many_stages(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        for i in range(stages):
            on_progress(f"stage {i}", i, stages)
            started.set()
            time.sleep(pause)
        raise AssertionError("not stopped")

    return many_stages


def test_cancel_a_running_analysis_stops_at_the_next_stage(
    store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, dataset_id = store
    started = threading.Event()
    _fake(monkeypatch, _stages(started))
    jobs = Jobs(s)
    running = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert started.wait(10)
    info = jobs.cancel(running)
    assert (info.status, info.stage) == ("running", "cancelling")
    with pytest.raises(Conflict, match="is running"):
        jobs.ensure_idle(running)
    ended = _wait(s, running, ("cancelled", "failed"))
    assert (ended.status, ended.error) == ("cancelled", CANCELLED)
    # the worker is free for the next analysis
    started.clear()
    after = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert started.wait(10)
    jobs.shutdown()
    assert s.get_analysis(after).error == STOPPED


def test_cancel_during_the_last_stage_keeps_no_result(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With no stage boundary left, the end itself is the boundary: the analysis is cancelled, not done."""
    s, dataset_id = store
    started, release = threading.Event(), threading.Event()
    real = jobs_module.analyze_dataset

    def last_stage_waits(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        result = real(st, ds, params, on_progress=on_progress)
        started.set()
        assert release.wait(30)
        return result

    _fake(monkeypatch, last_stage_waits)
    jobs = Jobs(s)
    analysis_id = jobs.submit(dataset_id, AnalysisParams(permutations=20)).analysis_id
    assert started.wait(30)
    assert jobs.cancel(analysis_id).status == "running"
    release.set()
    assert _wait(s, analysis_id, ("cancelled", "done", "failed")).status == "cancelled"
    with pytest.raises(NotFoundError):
        s.get_result_json(analysis_id)
    jobs.shutdown()


def test_cancel_an_ended_analysis_is_a_conflict(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    jobs = Jobs(s)
    done = _wait(s, jobs.submit(dataset_id, AnalysisParams(permutations=20)).analysis_id, ("done", "failed"))
    assert done.status == "done"
    with pytest.raises(Conflict, match="is done"):
        jobs.cancel(done.analysis_id)
    assert s.get_analysis(done.analysis_id).status == "done"
    with pytest.raises(NotFoundError):
        jobs.cancel("000000000000")
    jobs.shutdown()


# --------------------------------------------------------------- time limit


class _Clock:
    """A clock for the time limit that only moves when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_time_limit_fails_the_analysis_at_a_stage_boundary(
    store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, dataset_id = store
    clock = _Clock()
    monkeypatch.setattr(jobs_module, "_clock", clock)
    stages: list[str] = []

    def slow_stages(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        for i in range(10):
            on_progress(f"stage {i}", i, 10)
            stages.append(f"stage {i}")
            clock.now += 1.0  # each stage takes one (fake) second
        raise AssertionError("not stopped")

    _fake(monkeypatch, slow_stages)
    jobs = Jobs(s, time_limit=2.5)
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    info = _wait(s, analysis_id, ("failed", "done", "cancelled"))
    jobs.shutdown()
    # stages 0, 1, 2 start within 2.5 s; at the boundary after 3 s the analysis stops
    assert stages == ["stage 0", "stage 1", "stage 2"]
    assert (info.status, info.error) == ("failed", time_limit_reason(2.5))
    assert "time limit of 2.5 s (setting ONA_ANALYSIS_TIME_LIMIT)" in info.error


def test_time_limit_counts_from_the_start_of_the_run(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Time spent waiting in the queue does not count against an analysis."""
    s, dataset_id = store
    clock = _Clock()
    monkeypatch.setattr(jobs_module, "_clock", clock)
    gate = _Gate()
    calls: list[str] = []

    def first_waits_then_quick(st: Store, ds: str, params: AnalysisParams, *, on_progress: Any) -> Any:
        calls.append(ds)
        if len(calls) == 1:
            return gate(st, ds, params, on_progress=on_progress)
        on_progress("groups", 1, 2)
        raise EmptyGraphError("quick fake analysis")

    _fake(monkeypatch, first_waits_then_quick)
    jobs = Jobs(s, time_limit=60)
    first = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    second = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert gate.started.wait(10)
    clock.now += 100  # the first runs past the limit while the second waits in the queue
    gate.release.set()
    assert _wait(s, first, ("failed",)).error == time_limit_reason(60)
    assert _wait(s, second, ("failed",)).error == "quick fake analysis"
    jobs.shutdown()


# ------------------------------------------------------------ the API route


def test_cancel_route(api: Any, org: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _Gate()
    _fake(monkeypatch, gate)
    dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
    running = api.start(dataset_id).json()["analysis_id"]
    queued = api.start(dataset_id).json()["analysis_id"]
    assert gate.started.wait(10)

    def cancel(analysis_id: str, role: str = "analyst") -> Any:
        return api.client.post(f"/api/v1/analyses/{analysis_id}/cancel", headers=api.auth(role))

    assert cancel(queued, "viewer").status_code == 403
    assert cancel("000000000000").status_code == 404
    r = cancel(queued)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert api.get(f"/api/v1/analyses/{queued}/summary").json()["detail"].endswith(CANCELLED)
    r = cancel(running)
    assert r.status_code == 202 and r.json()["status"] == "running" and r.json()["stage"] == "cancelling"
    gate.release.set()
    assert api.wait(running)["status"] == "cancelled"  # ended at its next boundary, before the fake's error
    listed = {a["analysis_id"]: a["status"] for a in api.get("/api/v1/analyses").json()["items"]}
    assert listed == {running: "cancelled", queued: "cancelled"}
    assert api.client.delete(f"/api/v1/analyses/{queued}", headers=api.auth()).status_code == 204
    assert api.client.delete(f"/api/v1/datasets/{dataset_id}", headers=api.auth()).status_code == 204


# -------------------------------------------------------------------- bounds

#: Parameters whose value drives an analysis' time or memory; each must have an upper bound.
COSTLY = (
    "permutations", "betweenness_samples", "betweenness_exact_limit", "key_people",
    "broadcast_limit", "large_meeting_limit", "resolution",
)  # fmt: skip


@pytest.mark.parametrize("name", COSTLY)
def test_every_costly_parameter_is_bounded(name: str) -> None:
    from pydantic import ValidationError

    field = AnalysisParams.model_fields[name]
    bounds = [getattr(m, "le", None) or getattr(m, "lt", None) for m in field.metadata]
    upper = next(b for b in bounds if b is not None)
    AnalysisParams(**{name: upper})
    with pytest.raises(ValidationError, match="less than"):
        AnalysisParams(**{name: upper + 1})
    assert f"{upper:,}" in (field.description or ""), field.description


def test_a_parameter_above_its_bound_is_refused_by_the_api(api: Any, org: Path) -> None:
    dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
    r = api.start(dataset_id, betweenness_samples=10_001)
    assert r.status_code == 422 and "betweenness_samples" in r.text, r.text
    assert api.get("/api/v1/analyses").json()["total"] == 0


def test_the_time_limit_setting_reaches_the_job_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.settings import Settings
    from tests.api.conftest import open_api

    monkeypatch.setenv("ONA_ANALYSIS_TIME_LIMIT", "90")
    assert Settings().analysis_time_limit == 90  # type: ignore[call-arg]
    client, _ = open_api(tmp_path / "ona.duckdb", analysis_time_limit=12.5)
    with client:
        assert client.app.state.jobs._time_limit == 12.5  # type: ignore[attr-defined]


def test_cancel_between_the_record_and_the_queue(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancel that lands after submit recorded the analysis but before it queued it still wins."""
    s, dataset_id = store
    gate = _Gate()
    _fake(monkeypatch, gate)
    jobs = Jobs(s)
    record = s.create_analysis

    def record_then_cancel(ds: str, params: AnalysisParams, **kw: Any) -> Any:
        info = record(ds, params, **kw)
        assert jobs.cancel(info.analysis_id).status == "cancelled"
        return info

    monkeypatch.setattr(s, "create_analysis", record_then_cancel)
    info = jobs.submit(dataset_id, AnalysisParams(seed=1))
    monkeypatch.undo()
    assert (info.status, jobs.queued()) == ("cancelled", [])
    _fake(monkeypatch, gate)
    after = jobs.submit(dataset_id, AnalysisParams(seed=2)).analysis_id
    gate.release.set()
    _wait(s, after, ("failed",))
    jobs.shutdown()
    assert gate.order == [2]
