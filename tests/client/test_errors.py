"""Error answers of a real `ona serve` become the client's exceptions, with the server's problem details.

The truth is the server's own answer: each failing call is made once more
with plain httpx, and the exception must carry that answer's problem
details unchanged (status, title, detail, type, errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import ona
from ona.client import (
    AnalysisFailed,
    Client,
    ClientError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    WaitTimeout,
)
from ona.errors import DatasetError
from tests.api.server import free_port
from tests.client.conftest import SAMPLE, SampleJob, Served

pytestmark = pytest.mark.server


def raw(served: Served, key: str, method: str, path: str, **kw: Any) -> httpx.Response:
    """The same request without the client: the server's own answer."""
    headers = {"Authorization": f"Bearer {served.keys.get(key, key)}"}
    return httpx.request(method, f"{served.url}/api/v1{path}", headers=headers, timeout=60, **kw)


def assert_carries(exc: ClientError, answer: httpx.Response) -> None:
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert exc.status == answer.status_code == problem["status"]
    assert exc.problem == problem
    assert (exc.title, exc.detail, exc.type, exc.errors) == (
        problem["title"], problem["detail"], problem["type"], problem["errors"]
    )
    assert problem["detail"] in str(exc)
    assert isinstance(exc, ona.OnaError)


def test_401_unknown_and_revoked_keys(served: Served) -> None:
    for key in ("ona_not-a-key", served.keys["revoked"]):
        with Client(served.url, key) as client, pytest.raises(Unauthorized) as caught:
            client.list_datasets()
        assert_carries(caught.value, raw(served, key, "GET", "/datasets", params={"offset": 0, "limit": 1000}))
        assert caught.value.detail == "the API key is unknown, revoked or expired"


def test_403_for_a_viewer_starting_an_analysis_or_reading_rejected_rows(served: Served, sample_job: SampleJob) -> None:
    dataset_id = sample_job.upload.dataset_id
    with served.client("viewer") as client:
        with pytest.raises(Forbidden) as caught:
            client.analyze(dataset_id, {"seed": 1})
        assert_carries(caught.value, raw(served, "viewer", "POST", "/analyses",
                                         json={"dataset_id": dataset_id, "parameters": {"seed": 1}}))  # fmt: skip
        assert "analyst role" in caught.value.detail and "viewer role" in caught.value.detail
        with pytest.raises(Forbidden) as caught:
            client.validation_report(dataset_id)
        assert_carries(caught.value, raw(served, "viewer", "GET", f"/datasets/{dataset_id}/validation",
                                         params={"offset": 0, "limit": 1000}))  # fmt: skip
        with pytest.raises(Forbidden):
            client.upload_dataset(SAMPLE)
        with pytest.raises(Forbidden):
            client.delete_dataset(dataset_id)
    with served.client("admin") as client, pytest.raises(Forbidden) as caught:
        client.get_dataset(dataset_id)
    assert "admin role" in caught.value.detail


def test_404_for_unknown_ids_and_another_workspace(served: Served, sample_job: SampleJob) -> None:
    with served.client() as client:
        with pytest.raises(NotFound) as caught:
            client.get_analysis("0123456789ab")
        assert_carries(caught.value, raw(served, "analyst", "GET", "/analyses/0123456789ab"))
        assert caught.value.detail == "analysis '0123456789ab' not found"
        with pytest.raises(NotFound) as caught:
            client.figure(sample_job.finished.analysis_id, "no_such_figure")
        assert "no figure called 'no_such_figure'" in caught.value.detail
    # another workspace's objects answer exactly as unknown ones do
    dataset_id, analysis_id = sample_job.upload.dataset_id, sample_job.finished.analysis_id
    for role in ("other", "other_viewer"):
        with served.client(role) as client:
            with pytest.raises(NotFound) as caught:
                client.get_dataset(dataset_id)
            assert_carries(caught.value, raw(served, role, "GET", f"/datasets/{dataset_id}"))
            assert caught.value.detail == f"dataset '{dataset_id}' not found"
            with pytest.raises(NotFound) as caught:
                client.result(analysis_id)
            assert caught.value.detail == f"analysis '{analysis_id}' not found"
            assert client.list_datasets() == [] and client.list_analyses() == []


def test_422_names_the_field_or_the_file(served: Served, sample_job: SampleJob, tmp_path: Path) -> None:
    dataset_id = sample_job.upload.dataset_id
    with served.client() as client:
        with pytest.raises(InvalidInput) as caught:
            client.analyze(dataset_id, {"seed": "seven"})
        assert_carries(caught.value, raw(served, "analyst", "POST", "/analyses",
                                         json={"dataset_id": dataset_id, "parameters": {"seed": "seven"}}))  # fmt: skip
        assert caught.value.errors[0]["field"] == "parameters.seed"
        with pytest.raises(InvalidInput) as caught:
            client.analyze(dataset_id, {"group_by": "shoe_size"})
        assert "shoe_size" in caught.value.detail

        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "people.csv").write_text((SAMPLE / "people.csv").read_text())
        (bad / "emails.csv").write_text("timestamp,recipients\n2024-01-02T10:00:00Z,a@x\n")
        with pytest.raises(InvalidInput) as caught:
            client.upload_dataset(bad)
        assert "emails.csv" in caught.value.detail and "sender" in caught.value.detail
        with pytest.raises(InvalidInput) as caught:  # an export without its people file
            client.upload_dataset(bad / "emails.csv", kind="exchange-trace")
        assert caught.value.errors[0]["field"] == "people" and caught.value.detail.startswith("people: ")


def test_bad_input_is_refused_before_anything_is_sent(served: Served, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "emails.csv").write_text("timestamp,sender,recipients\n")
    with served.client() as client:
        with pytest.raises(DatasetError, match="no people file"):
            client.upload_dataset(empty)
        with pytest.raises(FileNotFoundError, match="nowhere"):
            client.upload_dataset(tmp_path / "nowhere")
        with pytest.raises(ValueError, match="unknown kind 'pst'"):
            client.upload_dataset(empty / "emails.csv", kind="pst")
        assert client.list_datasets() == [] or all(d.name != "empty" for d in client.list_datasets())


def test_409_wait_timeout_cancel_and_a_failed_analysis(served: Served, sample_job: SampleJob, tmp_path: Path) -> None:
    with served.client() as client:
        job = client.analyze(sample_job.upload.dataset_id, {"seed": 2, "permutations": 100_000})
        with pytest.raises(Conflict) as caught:
            client.result(job.analysis_id)
        assert caught.value.status == 409 and job.analysis_id in caught.value.detail
        with pytest.raises(WaitTimeout) as waited:
            client.wait(job.analysis_id, timeout=0.2, poll_interval=0.05)
        assert isinstance(waited.value, TimeoutError) and waited.value.analysis.status in ("queued", "running")
        with pytest.raises(Conflict):
            client.delete_analysis(job.analysis_id)
        client.cancel_analysis(job.analysis_id)
        with pytest.raises(AnalysisFailed) as failed:
            client.wait(job.analysis_id, poll_interval=0.05, timeout=60)
        assert failed.value.analysis.status == "cancelled"
        assert client.cancel_analysis(job.analysis_id).status == "cancelled"  # again: 200, nothing changes
        with pytest.raises(Conflict) as caught:
            client.cancel_analysis(sample_job.finished.analysis_id)  # a done analysis cannot be cancelled
        assert_carries(caught.value, raw(served, "analyst", "POST", f"/analyses/{sample_job.finished.analysis_id}/cancel"))


def test_no_server_is_a_clear_connection_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, "ona_key", timeout=5) as client, pytest.raises(ConnectionFailed) as caught:
        client.get_analysis("abc")
    assert caught.value.status is None
    assert f"GET {url}/api/v1/analyses/abc" in caught.value.detail and "could not be reached" in caught.value.detail


def test_a_failed_analysis_raises_with_the_reason_the_role_may_read(served: Served, tmp_path: Path) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "people.csv").write_text("person_id,department\nana,Finance\nben,Legal\n")
    with served.client() as client:
        job = client.analyze(client.upload_dataset(lonely, name="no events").dataset_id, {"seed": 1})
        with pytest.raises(AnalysisFailed) as failed:
            client.wait(job.analysis_id, poll_interval=0.05, timeout=120)
    info = failed.value.analysis
    assert info.status == "failed" and failed.value.detail == info.error
    assert raw(served, "analyst", "GET", f"/analyses/{job.analysis_id}").json()["error"] == info.error
    with served.client("viewer") as viewer, pytest.raises(AnalysisFailed) as failed:
        viewer.wait(job.analysis_id)
    assert failed.value.detail == "the analysis did not finish; an analyst of the workspace can see why"
