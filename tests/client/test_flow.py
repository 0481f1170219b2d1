"""The client against a real `ona serve`: upload sample_data, analyze, wait, read the result, as analyst and viewer.

The independent truth is the library run in this process on the same folder
with the same parameters (``expected``): the server's answers, parsed by the
client, must equal it.
"""

from __future__ import annotations

import httpx
import pytest

from ona.client import NotFound
from ona.io import read_dataset
from ona.privacy import for_viewer
from ona.results import AnalysisResult
from ona.tables import TABLES
from tests.client.conftest import PARAMS, SAMPLE, SampleJob, Served

pytestmark = pytest.mark.server


def _without_dataset_name(result: AnalysisResult) -> dict:
    # the dataset's name differs (the upload's name against the folder's); all else must not
    return result.model_dump(mode="json", exclude={"dataset"})


def test_upload_of_a_folder_sends_what_the_library_reads(sample_job: SampleJob) -> None:
    library = read_dataset(SAMPLE)
    upload = sample_job.upload
    assert upload.dataset.name == "sample organization"
    assert upload.dataset.people == library.tables["people"].num_rows == 400
    assert upload.validation.files == library.report.files  # every table, every count
    assert upload.validation.rejected == library.report.rejected
    assert upload.validation.rejected_count == upload.dataset.rejected == 7
    assert upload.import_report is None


def test_wait_reports_increasing_progress_until_done(sample_job: SampleJob) -> None:
    calls = sample_job.progress
    assert sample_job.started.status == "queued" and sample_job.started.progress == 0.0
    assert sample_job.finished.status == "done" and sample_job.finished.progress == 1.0
    assert calls[-1].status == "done" and calls[-1].progress == 1.0
    assert len(calls) >= 3, [(c.status, c.stage, c.progress) for c in calls]  # seen while running, not just at the end
    assert any(c.status == "running" and 0 < c.progress < 1 for c in calls)
    progress = [c.progress for c in calls]
    assert progress == sorted(progress)
    states = [(c.status, c.stage, c.progress) for c in calls]
    assert len(set(states)) == len(states)  # called on changes only
    assert {c.analysis_id for c in calls} == {sample_job.started.analysis_id}


def test_analyst_result_equals_the_library_result(served: Served, sample_job: SampleJob, expected: AnalysisResult) -> None:
    with served.client() as client:
        result = client.result(sample_job.finished.analysis_id)
    assert isinstance(result, AnalysisResult)
    assert result.dataset == "sample organization" and result.privacy.audience == "analyst"
    assert result.parameters == PARAMS
    assert _without_dataset_name(result) == _without_dataset_name(expected)


def test_viewer_result_is_the_viewer_version(served: Served, sample_job: SampleJob, expected: AnalysisResult) -> None:
    with served.client("viewer") as client:
        result = client.result(sample_job.finished.analysis_id)
        datasets = client.list_datasets()
    assert result.privacy.audience == "viewer" and result.people == [] and result.key_people == []
    # the server's floor for viewers is 5 (ONA_VIEWER_MIN_GROUP_SIZE), the analysis' own min_group_size too
    want = for_viewer(expected, max(PARAMS.min_group_size, 5))
    assert _without_dataset_name(result) == _without_dataset_name(want)
    assert [d.dataset_id for d in datasets] == [sample_job.upload.dataset_id]
    assert datasets[0].people is None and datasets[0].rejected is None  # a viewer gets no counts


def test_lists_and_gets(served: Served, sample_job: SampleJob) -> None:
    with served.client() as client:
        (dataset,) = [d for d in client.list_datasets() if d.dataset_id == sample_job.upload.dataset_id]
        assert dataset == sample_job.upload.dataset == client.get_dataset(dataset.dataset_id)
        analyses = client.list_analyses(dataset.dataset_id)
        assert [a.analysis_id for a in analyses] == [sample_job.started.analysis_id]
        assert analyses[0] == client.get_analysis(sample_job.started.analysis_id) == sample_job.finished
        report = client.validation_report(dataset.dataset_id)
    assert report.files == sample_job.upload.validation.files
    assert report.rejected == sample_job.upload.validation.rejected and report.rejected_omitted == 0


def test_figure_and_report(served: Served, sample_job: SampleJob) -> None:
    analysis_id = sample_job.finished.analysis_id
    with served.client() as client:
        figure = client.figure(analysis_id, "silo_ranking", metric="insularity")
        html = client.report(analysis_id)
    raw = httpx.get(f"{served.url}/api/v1/analyses/{analysis_id}/figures/silo_ranking",
                    params={"metric": "insularity"}, headers={"Authorization": f"Bearer {served.keys['analyst']}"})  # fmt: skip
    assert raw.status_code == 200
    assert figure.to_plotly_json()["data"][0]["y"] is not None
    assert len(figure.data) == len(raw.json()["data"])
    assert html.lstrip().lower().startswith("<!doctype html")


def test_pages_are_walked_to_the_end(served: Served, sample_job: SampleJob) -> None:
    """More analyses than one page of 1000 would be slow to make; the walk is checked on a page of 1 instead."""
    from ona.client import client as module

    with served.client() as client:
        extra = client.analyze(sample_job.upload.dataset_id, {"seed": 1, "permutations": 10})
        saved, module.PAGE = module.PAGE, 1
        try:
            ids = [a.analysis_id for a in client.list_analyses()]
        finally:
            module.PAGE = saved
        client.cancel_analysis(extra.analysis_id)
    assert ids == [sample_job.started.analysis_id, extra.analysis_id]


def test_delete_analysis_and_dataset(served: Served) -> None:
    with served.client() as client:
        upload = client.upload_dataset(SAMPLE, name="to delete")
        job = client.analyze(upload.dataset_id, {"seed": 3, "permutations": 10})
        client.wait(job.analysis_id, poll_interval=0.05, timeout=300)
        client.delete_analysis(job.analysis_id)
        with pytest.raises(NotFound):
            client.get_analysis(job.analysis_id)
        client.delete_dataset(upload.dataset_id)
        with pytest.raises(NotFound):
            client.get_dataset(upload.dataset_id)
        assert upload.dataset_id not in {d.dataset_id for d in client.list_datasets()}


def test_frames_hold_the_result_as_dataframes(served: Served, sample_job: SampleJob, expected: AnalysisResult) -> None:
    analysis_id = sample_job.finished.analysis_id
    with served.client() as client:
        frames = client.frames(analysis_id)
    assert set(frames.as_dict()) >= {"groups", "links", "people", "communities", "handoffs", "recommendations",
                                     "key_people", "trends", "validation"}  # fmt: skip
    groups = frames.groups
    assert groups["group"].tolist() == [g.group for g in expected.groups]
    assert groups["headcount"].tolist() == [g.headcount for g in expected.groups]
    assert groups["silo"].tolist() == [g.silo for g in expected.groups]
    assert groups["ei_index"].tolist() == pytest.approx([g.ei_index for g in expected.groups])
    assert int(groups["silo"].sum()) == expected.summary.silos == 2
    assert list(zip(frames.links["source"], frames.links["target"], strict=True)) == [
        (lk.source, lk.target) for lk in expected.links
    ]
    assert int(frames.links["weak"].sum()) == expected.summary.weak_links
    assert len(frames.people) == len(expected.people) == 400
    assert frames.people.set_index("person_id")["betweenness"].to_dict() == pytest.approx(
        {p.person_id: p.betweenness for p in expected.people}
    )
    assert len(frames.communities) == expected.summary.communities
    assert len(frames.key_people) == len(expected.key_people) > 0
    assert len(frames.recommendations) == len(expected.recommendations) > 0
    assert frames.trends.empty  # the analysis was run without a period
    # the server's own JSON route for the groups, read without the client
    route = httpx.get(f"{served.url}/api/v1/analyses/{analysis_id}/groups", params={"limit": 1000},
                      headers={"Authorization": f"Bearer {served.keys['analyst']}"}).json()  # fmt: skip
    assert [(r["group"], r["insularity"]) for r in route["items"]] == list(
        zip(groups["group"], groups["insularity"], strict=True)
    )


def test_viewer_frames_have_no_people(served: Served, sample_job: SampleJob, expected: AnalysisResult) -> None:
    with served.client("viewer") as client:
        frames = client.frames(sample_job.finished.analysis_id)
    want = for_viewer(expected, max(PARAMS.min_group_size, 5))
    assert frames.people.empty and frames.key_people.empty
    assert frames.groups["group"].tolist() == [g.group for g in want.groups]
    assert frames.groups["headcount"].tolist() == [g.headcount for g in want.groups]
    assert (frames.groups["headcount"] >= 5).all()
    assert list(frames.people.columns) == [c.name for c in TABLES["people"]]  # empty, with its columns
