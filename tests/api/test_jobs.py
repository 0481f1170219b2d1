"""The job runner: one analysis at a time in a child process, fair across workspaces, progress in
the store, cancel, time limit, crashes, clean stops.

The fake analyses live in :mod:`tests.api.fake_analyses`: they run in the
runner's child process, and talk with the test through files (marks).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import api.jobs as jobs_module
from api.errors import Conflict
from api.jobs import CANCELLED, CRASHED, STOPPED, Jobs, time_limit_reason
from ona.errors import NotFoundError
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store
from tests.api import fake_analyses as fakes
from tests.api.fake_analyses import Marks
from tests.orgs import with_isolates


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    with Store() as s:
        info = s.save_dataset(read_dataset(with_isolates(tmp_path / "org")))
        yield s, info.dataset_id


@pytest.fixture
def marks(tmp_path: Path) -> Marks:
    return Marks(tmp_path / "marks")


def _wait(store: Store, analysis_id: str, statuses: tuple[str, ...], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while (info := store.get_analysis(analysis_id)).status not in statuses:
        assert time.monotonic() < deadline, info
        time.sleep(0.01)
    return info


def _wait_stage(store: Store, analysis_id: str, stage: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while (info := store.get_analysis(analysis_id)).stage != stage:
        assert time.monotonic() < deadline, info
        time.sleep(0.01)
    return info


def _leftovers() -> set[str]:
    """The analyses' temporary folders that exist now."""
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("ona-analysis-")}


def test_one_analysis_at_a_time_in_order(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    before = _leftovers()
    jobs = Jobs(s, analysis=marks.bind(fakes.counting))
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i, permutations=20)).analysis_id for i in range(4)]
    infos = [_wait(s, a, ("done", "failed")) for a in ids]
    jobs.shutdown()
    assert [i.status for i in infos] == ["done"] * 4, infos
    assert not (marks.folder / "overlap").exists() and marks.order == [0, 1, 2, 3]
    assert _leftovers() <= before  # the exported stores and result files are gone


def test_a_result_from_the_child_is_the_in_process_result(store: tuple[Store, str]) -> None:
    """The child analyzes a copy of the dataset: the same result as the library in this process."""
    from ona.analysis.pipeline import analyze_dataset

    s, dataset_id = store
    params = AnalysisParams(seed=3, permutations=50)
    jobs = Jobs(s)
    info = _wait(s, jobs.submit(dataset_id, params).analysis_id, ("done", "failed"))
    jobs.shutdown()
    assert info.status == "done", info
    assert s.get_result_json(info.analysis_id) == analyze_dataset(s, dataset_id, params).to_json()


def test_progress_is_written_to_the_store(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.fails_after_groups))
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    running = _wait_stage(s, analysis_id, "groups")
    assert running.status == "running" and running.progress == 0.25
    marks.release()
    failed = _wait(s, analysis_id, ("failed",))
    assert failed.error == "no collaboration tie in this dataset: nothing to analyze"
    jobs.shutdown()


def test_unexpected_errors_fail_the_job_with_a_reason(store: tuple[Store, str]) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=fakes.broken)
    info = _wait(s, jobs.submit(dataset_id, AnalysisParams()).analysis_id, ("failed",))
    assert info.error == "internal error (ZeroDivisionError: division by zero); see the server log"
    jobs.shutdown()


def test_a_crashed_child_fails_the_analysis_and_the_worker_goes_on(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=fakes.crashes)
    crashed = _wait(s, jobs.submit(dataset_id, AnalysisParams()).analysis_id, ("failed",))
    assert crashed.error.startswith(CRASHED) and "killed by signal 9" in crashed.error, crashed.error
    jobs._analysis = marks.bind(fakes.counting)  # the next analysis runs normally
    assert _wait(s, jobs.submit(dataset_id, AnalysisParams(permutations=20)).analysis_id, ("done", "failed")).status == "done"
    jobs.shutdown()


def test_stop_kills_the_running_analysis(store: tuple[Store, str], marks: Marks) -> None:
    """The running analysis is killed in the middle of its stage; queued ones are failed at once."""
    s, dataset_id = store
    jobs = Jobs(s, stop_timeout=10, analysis=marks.bind(fakes.one_long_stage))
    running = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    queued = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    marks.wait()
    jobs.shutdown()
    for analysis_id in (running, queued):
        info = s.get_analysis(analysis_id)
        assert (info.status, info.error) == ("failed", STOPPED)
    assert not jobs._worker.is_alive()  # the worker did not wait for the stage: it killed the child
    with pytest.raises(Exception, match="stopping"):
        jobs.submit(dataset_id, AnalysisParams())
    assert marks.lines("stages") == ["significance"] and not (marks.folder / "ended").exists()


def test_stop_does_not_wait_for_a_long_copy(store: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker still busy past stop_timeout (copying a big dataset) is left behind; the record says stopped."""
    import threading

    s, dataset_id = store
    started, release = threading.Event(), threading.Event()
    export = s.export_dataset

    def slow_export(ds: str, path: Any) -> None:
        started.set()
        release.wait(60)
        export(ds, path)

    monkeypatch.setattr(s, "export_dataset", slow_export)
    jobs = Jobs(s, stop_timeout=0.3)
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    assert started.wait(10)
    jobs.shutdown()
    info = s.get_analysis(analysis_id)
    assert (info.status, info.error) == ("failed", STOPPED)
    release.set()
    jobs._worker.join(10)
    assert not jobs._worker.is_alive()
    assert s.get_analysis(analysis_id).error == STOPPED  # the late worker left the record alone


# ------------------------------------------------------------- fair queueing


def test_workspaces_take_turns(store: tuple[Store, str], marks: Marks) -> None:
    """Round robin: a workspace that queues many analyses does not starve another's one."""
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.gate))
    # seed = the order of submission; the first one occupies the worker while the rest queue
    jobs.submit(dataset_id, AnalysisParams(seed=0), workspace="big")
    marks.wait()
    plan = ["big"] * 5 + ["small"] + ["other"] * 2 + ["big"]
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i), workspace=ws).analysis_id for i, ws in enumerate(plan, 1)]
    # each workspace with queued work in turn, each in its own submission order:
    # big(1) small(6) other(7) big(2) other(8) big(3) big(4) big(5) big(9)
    want = [1, 6, 7, 2, 8, 3, 4, 5, 9]
    assert jobs.queued() == [ids[seed - 1] for seed in want]
    marks.release()
    for analysis_id in ids:
        _wait(s, analysis_id, ("failed",))
    jobs.shutdown()
    assert marks.order == [0, *want]


def test_submit_without_a_workspace_is_one_fifo_queue(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.gate))
    ids = [jobs.submit(dataset_id, AnalysisParams(seed=i)).analysis_id for i in range(4)]
    marks.wait()
    assert jobs.queued() == ids[1:]
    marks.release()
    for analysis_id in ids:
        _wait(s, analysis_id, ("failed",))
    jobs.shutdown()
    assert marks.order == [0, 1, 2, 3]


# ------------------------------------------------------------------- cancel


def test_cancel_a_queued_analysis_it_never_runs(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.gate))
    first = jobs.submit(dataset_id, AnalysisParams(seed=0)).analysis_id
    queued = jobs.submit(dataset_id, AnalysisParams(seed=1), workspace="w2").analysis_id
    last = jobs.submit(dataset_id, AnalysisParams(seed=2)).analysis_id
    marks.wait()
    info = jobs.cancel(queued)
    assert (info.status, info.error) == ("cancelled", CANCELLED)
    assert jobs.queued() == [last]
    assert jobs.cancel(queued).status == "cancelled"  # again: nothing changes
    jobs.ensure_idle(queued)  # cancelled has ended: it may be deleted
    marks.release()
    _wait(s, last, ("failed",))
    jobs.shutdown()
    assert marks.order == [0, 2]
    assert s.get_analysis(queued).status == "cancelled"
    assert s.get_analysis(first).status == "failed"


def test_cancel_a_running_analysis_kills_it_mid_stage(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.one_long_stage))
    running = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    marks.wait()
    info = jobs.cancel(running)
    assert (info.status, info.stage) == ("running", "cancelling")
    ended = _wait(s, running, ("cancelled", "failed"))  # long before the stage's 60 s
    assert (ended.status, ended.error) == ("cancelled", CANCELLED)
    assert not (marks.folder / "ended").exists()
    # the worker is free for the next analysis
    marks.clear()
    after = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    marks.wait()
    jobs.shutdown()
    assert s.get_analysis(after).error == STOPPED


def test_cancel_while_reporting_stages(store: tuple[Store, str], marks: Marks) -> None:
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.many_stages))
    running = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    marks.wait()
    info = jobs.cancel(running)
    assert (info.status, info.stage) == ("running", "cancelling")
    with pytest.raises(Conflict, match="is running"):
        jobs.ensure_idle(running)
    ended = _wait(s, running, ("cancelled", "failed"))
    assert (ended.status, ended.error, ended.stage) == ("cancelled", CANCELLED, "cancelling")
    jobs.shutdown()


def test_cancel_after_the_child_answered_keeps_no_result(store: tuple[Store, str], marks: Marks) -> None:
    """The end is the last check: an analysis cancelled before its result is saved is cancelled, not done."""
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.done_then_waits))
    analysis_id = jobs.submit(dataset_id, AnalysisParams(permutations=20)).analysis_id
    marks.wait()
    assert jobs.cancel(analysis_id).status == "running"
    marks.release()
    assert _wait(s, analysis_id, ("cancelled", "done", "failed")).status == "cancelled"
    with pytest.raises(NotFoundError):
        s.get_result_json(analysis_id)
    jobs.shutdown()


def test_cancel_an_ended_analysis_is_a_conflict(store: tuple[Store, str]) -> None:
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


def test_time_limit_kills_the_analysis(store: tuple[Store, str], marks: Marks, monkeypatch: pytest.MonkeyPatch) -> None:
    s, dataset_id = store
    clock = _Clock()
    monkeypatch.setattr(jobs_module, "_clock", clock)
    jobs = Jobs(s, time_limit=2.5, analysis=marks.bind(fakes.one_long_stage))
    analysis_id = jobs.submit(dataset_id, AnalysisParams()).analysis_id
    _wait_stage(s, analysis_id, "significance")
    clock.now += 2.0  # within the limit: it goes on
    clock.now += 1.0  # past it: killed in the middle of its stage
    info = _wait(s, analysis_id, ("failed", "done", "cancelled"))
    jobs.shutdown()
    assert marks.lines("stages") == ["significance"] and not (marks.folder / "ended").exists()
    assert (info.status, info.error) == ("failed", time_limit_reason(2.5))
    assert "time limit of 2.5 s (setting ONA_ANALYSIS_TIME_LIMIT)" in info.error


def test_time_limit_counts_from_the_start_of_the_run(
    store: tuple[Store, str], marks: Marks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time spent waiting in the queue does not count against an analysis."""
    s, dataset_id = store
    clock = _Clock()
    monkeypatch.setattr(jobs_module, "_clock", clock)
    jobs = Jobs(s, time_limit=60, analysis=marks.bind(fakes.gate_then_quick))
    first = jobs.submit(dataset_id, AnalysisParams(seed=0)).analysis_id
    second = jobs.submit(dataset_id, AnalysisParams(seed=1)).analysis_id
    marks.wait()
    clock.now += 100  # the first runs past the limit while the second waits in the queue
    assert _wait(s, first, ("failed",)).error == time_limit_reason(60)
    assert _wait(s, second, ("failed",)).error == "quick fake analysis"
    jobs.shutdown()


# ------------------------------------------------------------ the API route


def test_cancel_route(api: Any, org: Path, marks: Marks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.client.app.state.jobs, "_analysis", marks.bind(fakes.gate))
    dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
    running = api.start(dataset_id).json()["analysis_id"]
    queued = api.start(dataset_id).json()["analysis_id"]
    marks.wait()

    def cancel(analysis_id: str, role: str = "analyst") -> Any:
        return api.client.post(f"/api/v1/analyses/{analysis_id}/cancel", headers=api.auth(role))

    assert cancel(queued, "viewer").status_code == 403
    assert cancel("000000000000").status_code == 404
    r = cancel(queued)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert api.get(f"/api/v1/analyses/{queued}/summary").json()["detail"].endswith(CANCELLED)
    r = cancel(running)
    assert r.status_code == 202 and r.json()["status"] == "running" and r.json()["stage"] == "cancelling"
    assert api.wait(running)["status"] == "cancelled"  # killed at the gate, without a release
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


def test_cancel_between_the_record_and_the_queue(
    store: tuple[Store, str], marks: Marks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel that lands after submit recorded the analysis but before it queued it still wins."""
    s, dataset_id = store
    jobs = Jobs(s, analysis=marks.bind(fakes.gate))
    record = s.create_analysis

    def record_then_cancel(ds: str, params: AnalysisParams, **kw: Any) -> Any:
        info = record(ds, params, **kw)
        assert jobs.cancel(info.analysis_id).status == "cancelled"
        return info

    monkeypatch.setattr(s, "create_analysis", record_then_cancel)
    info = jobs.submit(dataset_id, AnalysisParams(seed=1))
    monkeypatch.undo()
    assert (info.status, jobs.queued()) == ("cancelled", [])
    after = jobs.submit(dataset_id, AnalysisParams(seed=2)).analysis_id
    marks.release()
    _wait(s, after, ("failed",))
    jobs.shutdown()
    assert marks.order == [2]
