"""Analysis job records: lifecycle, result, interruption, concurrent use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import duckdb
import pytest

from ona.errors import NotFoundError
from ona.params import AnalysisParams
from ona.store import Store

T1 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def dataset_id(store, make_dataset) -> str:  # type: ignore[no-untyped-def]
    return store.save_dataset(make_dataset({"a": "X", "b": "Y"}, emails=[(T1, "a", ["b"])])).dataset_id


def test_lifecycle_queued_running_done(store, dataset_id):
    params = AnalysisParams(group_by="team", seed=7, since=T1)
    job = store.create_analysis(dataset_id, params)
    assert (job.status, job.progress, job.stage, job.error) == ("queued", 0.0, None, None)
    assert job.parameters == params and job.dataset_id == dataset_id
    assert len(job.analysis_id) == 12 and job.created_at.tzinfo is not None

    store.update_analysis(job.analysis_id, status="running", stage="graph", progress=0.25)
    running = store.get_analysis(job.analysis_id)
    assert (running.status, running.stage, running.progress) == ("running", "graph", 0.25)
    assert running.updated_at >= running.created_at == job.created_at
    store.update_analysis(job.analysis_id, progress=0.5)  # other fields unchanged
    assert store.get_analysis(job.analysis_id).stage == "graph"
    with pytest.raises(NotFoundError) as err:
        store.get_result_json(job.analysis_id)
    assert err.value.kind == "result"

    store.save_result(job.analysis_id, '{"groups": []}')
    done = store.get_analysis(job.analysis_id)
    assert (done.status, done.progress) == ("done", 1.0)
    assert store.get_result_json(job.analysis_id) == '{"groups": []}'

    store.delete_analysis(job.analysis_id)
    with pytest.raises(NotFoundError):
        store.get_analysis(job.analysis_id)
    assert store.row_counts()["results"] == 0


def test_list_analyses_by_dataset(store, dataset_id, make_dataset):
    other = store.save_dataset(make_dataset({"z": "Z"})).dataset_id
    first = store.create_analysis(dataset_id, AnalysisParams())
    second = store.create_analysis(other, AnalysisParams())
    third = store.create_analysis(dataset_id, AnalysisParams(seed=1))
    ids = {a.analysis_id for a in store.list_analyses(dataset_id)}
    assert ids == {first.analysis_id, third.analysis_id}
    assert {a.analysis_id for a in store.list_analyses()} == ids | {second.analysis_id}


def test_bad_calls(store, dataset_id):
    with pytest.raises(NotFoundError):
        store.create_analysis("nope", AnalysisParams())
    with pytest.raises(NotFoundError):
        store.update_analysis("nope", progress=0.5)
    for call in (store.get_analysis, store.get_result_json, store.delete_analysis):
        with pytest.raises(NotFoundError):
            call("nope")
    job = store.create_analysis(dataset_id, AnalysisParams())
    with pytest.raises(ValueError, match="status"):
        store.update_analysis(job.analysis_id, status="paused")
    with pytest.raises(ValueError, match="progress"):
        store.update_analysis(job.analysis_id, progress=1.5)
    assert store.get_analysis(job.analysis_id).status == "queued"


def test_fail_interrupted_fails_queued_and_running_only(store, dataset_id):
    queued = store.create_analysis(dataset_id, AnalysisParams())
    running = store.create_analysis(dataset_id, AnalysisParams())
    store.update_analysis(running.analysis_id, status="running", progress=0.3)
    done = store.create_analysis(dataset_id, AnalysisParams())
    store.save_result(done.analysis_id, "{}")
    failed = store.create_analysis(dataset_id, AnalysisParams())
    store.update_analysis(failed.analysis_id, status="failed", error="boom")

    assert store.fail_interrupted() == 2
    for job in (queued, running):
        now = store.get_analysis(job.analysis_id)
        assert now.status == "failed" and now.error == "the server stopped while the analysis was running"
    assert store.get_analysis(done.analysis_id).status == "done"
    assert store.get_analysis(failed.analysis_id).error == "boom"
    assert store.fail_interrupted("again") == 0


def test_one_store_shared_by_threads(store, make_dataset):
    """Job updates, dataset saves and reads from several threads at once."""
    first = store.save_dataset(make_dataset({"a": "X"})).dataset_id

    def job_runner() -> str:
        job = store.create_analysis(first, AnalysisParams())
        for i in range(10):
            store.update_analysis(job.analysis_id, status="running", progress=i / 10)
            store.list_analyses()
        store.save_result(job.analysis_id, job.analysis_id)
        return job.analysis_id

    def uploader() -> int:
        for _ in range(3):
            info = store.save_dataset(make_dataset({"a": "X", "b": "Y"}, emails=[(T1, "a", ["b"])]))
            assert store.pair_weights(info.dataset_id, AnalysisParams()).table.num_rows == 1
        return 3

    with ThreadPoolExecutor(max_workers=5) as pool:
        jobs = [pool.submit(job_runner) for _ in range(4)]
        upload = pool.submit(uploader)
        job_ids = {f.result() for f in jobs}  # .result() re-raises a thread's error
        assert upload.result() == 3
    listed = store.list_analyses()
    assert {j.analysis_id for j in listed} == job_ids and {j.status for j in listed} == {"done"}
    assert all(store.get_result_json(j) == j for j in job_ids)
    assert len(store.list_datasets()) == 4


def test_store_is_a_context_manager(make_dataset):
    with Store() as store:
        store.save_dataset(make_dataset({"a": "X"}))
    with pytest.raises(duckdb.ConnectionException):
        store.list_datasets()
