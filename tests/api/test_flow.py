"""The whole flow through TestClient: upload, analyze, poll, read every part, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.paging import sortable_fields
from ona.analysis.pipeline import analyze
from ona.params import AnalysisParams
from ona.results import GroupMetrics
from tests.api.conftest import FAST, Api

V1 = "/api/v1"


def test_health_needs_no_key(api: Api) -> None:
    r = api.client.get(f"{V1}/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_upload_answers_with_the_dataset_and_its_validation_report(api: Api, org: Path) -> None:
    r = api.upload(org, name="synthetic 60")
    assert r.status_code == 201, r.text
    body = r.json()
    ds = body["dataset"]
    assert ds["name"] == "synthetic 60" and ds["people"] == 60
    report = body["validation"]
    assert set(report["files"]) == {"people.csv", "emails.csv", "meetings.csv", "tickets.csv"}
    rejected = sum(f["rejected"] for f in report["files"].values())
    assert rejected > 0 and report["rejected_total"] == rejected == ds["rejected"]
    for row in report["rejected"]:
        assert row["file"].endswith(".csv") and row["line"] >= 2 and row["reason"]

    listed = api.get(f"{V1}/datasets").json()
    assert listed["total"] == 1 and listed["items"][0] == ds
    assert api.get(f"{V1}/datasets/{ds['dataset_id']}").json() == ds

    # The rejected rows, page by page, add up to the whole report.
    rows = []
    for offset in range(0, rejected, 2):
        page = api.get(f"{V1}/datasets/{ds['dataset_id']}/validation", params={"offset": offset, "limit": 2})
        assert page.status_code == 200
        assert page.json()["rejected_total"] == rejected and len(page.json()["rejected"]) <= 2
        rows += page.json()["rejected"]
    assert rows == api.get(f"{V1}/datasets/{ds['dataset_id']}/validation").json()["rejected"]
    beyond = api.get(f"{V1}/datasets/{ds['dataset_id']}/validation", params={"offset": 10_000}).json()
    assert beyond["rejected"] == [] and beyond["rejected_total"] == rejected


def test_upload_accepts_parquet_and_jsonl(api: Api, org: Path, tmp_path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    people = pacsv.read_csv(org / "people.csv")
    pq.write_table(people, tmp_path / "people.parquet")
    emails = (org / "emails.csv").read_text(encoding="utf-8").splitlines()[:1]
    jsonl = '{"timestamp": "2024-01-02T09:00:00Z", "sender": "P0001", "recipients": "P0002"}\n'
    r = api.upload(
        files={
            "people": ("people.parquet", (tmp_path / "people.parquet").read_bytes()),
            "emails": ("emails.jsonl", jsonl.encode()),
        }
    )
    assert r.status_code == 201, r.text
    assert r.json()["validation"]["files"]["people.parquet"]["accepted"] == 60
    assert r.json()["validation"]["files"]["emails.jsonl"]["accepted"] == 1
    assert emails  # the CSV header exists; only its columns were used above


def test_analysis_flow_reads_every_part(done: tuple[Api, str, str]) -> None:
    api, dataset_id, analysis_id = done
    info = api.get(f"{V1}/analyses/{analysis_id}").json()
    assert info["status"] == "done" and info["progress"] == 1.0 and info["dataset_id"] == dataset_id
    assert info["parameters"]["permutations"] == FAST["permutations"]

    result = api.get(f"{V1}/analyses/{analysis_id}/result").json()
    assert {"summary", "parameters", "groups", "links", "people", "communities", "validation"} <= set(result)

    summary = api.get(f"{V1}/analyses/{analysis_id}/summary").json()
    assert summary["summary"] == result["summary"] and summary["parameters"] == result["parameters"]
    assert summary["privacy"]["audience"] == "analyst"

    for part, count in (
        ("groups", result["summary"]["groups"]),
        ("people", result["summary"]["people"]),
        ("links", len(result["links"])),
        ("communities", result["summary"]["communities"]),
    ):
        page = api.get(f"{V1}/analyses/{analysis_id}/{part}", params={"limit": 1000}).json()
        assert page["total"] == count and page["items"] == result[part], part

    listed = api.get(f"{V1}/analyses", params={"dataset_id": dataset_id}).json()
    assert [a["analysis_id"] for a in listed["items"]] == [analysis_id]


def test_api_result_is_the_library_result(done: tuple[Api, str, str], org: Path) -> None:
    """The service adds nothing and loses nothing: same numbers as ona.analyze on the folder."""
    api, _, analysis_id = done
    served = api.get(f"{V1}/analyses/{analysis_id}/result").json()
    direct = analyze(org, AnalysisParams(**FAST)).model_dump(mode="json")
    for key in ("summary", "parameters", "groups", "links", "people", "communities"):
        assert served[key] == direct[key], key


@pytest.mark.parametrize("field", sortable_fields(GroupMetrics))
def test_groups_sort_by_every_scalar_field(done: tuple[Api, str, str], field: str) -> None:
    api, _, analysis_id = done
    for sort, reverse in ((field, False), (f"-{field}", True)):
        items = api.get(f"{V1}/analyses/{analysis_id}/groups", params={"sort": sort}).json()["items"]
        values = [g[field] for g in items]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=reverse)
        assert values == present + [None] * (len(values) - len(present))  # nulls last


def test_pages_are_windows_of_the_sorted_list(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    url = f"{V1}/analyses/{analysis_id}/links"
    whole = api.get(url, params={"sort": "-weight", "limit": 1000}).json()["items"]
    pages = [api.get(url, params={"sort": "-weight", "offset": o, "limit": 7}).json() for o in range(0, len(whole), 7)]
    assert [lk for p in pages for lk in p["items"]] == whole
    assert all(p["total"] == len(whole) and p["sort"] == "-weight" for p in pages)


def test_filters(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    groups = api.get(f"{V1}/analyses/{analysis_id}/groups", params={"silo": True}).json()
    assert groups["items"] and all(g["silo"] for g in groups["items"])
    assert groups["total"] == api.get(f"{V1}/analyses/{analysis_id}/summary").json()["summary"]["silos"]
    weak = api.get(f"{V1}/analyses/{analysis_id}/links", params={"weak": True, "limit": 1000}).json()["items"]
    assert weak and all(lk["weak"] for lk in weak)
    one = weak[0]["source"]
    touching = api.get(f"{V1}/analyses/{analysis_id}/links", params={"group": one, "limit": 1000}).json()["items"]
    assert touching and all(one in (lk["source"], lk["target"]) for lk in touching)
    people = api.get(f"{V1}/analyses/{analysis_id}/people", params={"group": one, "limit": 1000}).json()["items"]
    assert people and all(p["group"] == one for p in people)


def test_failed_analysis_keeps_its_reason_and_has_no_result(done: tuple[Api, str, str]) -> None:
    api, dataset_id, _ = done
    r = api.start(dataset_id, since="2100-01-01T00:00:00Z")
    assert r.status_code == 202
    info = api.wait(r.json()["analysis_id"])
    assert info["status"] == "failed" and "no collaboration tie" in info["error"]
    res = api.get(f"{V1}/analyses/{info['analysis_id']}/groups")
    assert res.status_code == 409 and "failed" in res.json()["detail"]


def test_unknown_group_by_is_refused_at_once(done: tuple[Api, str, str]) -> None:
    api, dataset_id, _ = done
    before = api.get(f"{V1}/analyses").json()["total"]
    r = api.start(dataset_id, group_by="no_such_column")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "parameters.group_by"
    assert api.get(f"{V1}/analyses").json()["total"] == before


def test_other_group_by(done: tuple[Api, str, str], org: Path) -> None:
    api, dataset_id, _ = done
    header = (org / "people.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    column = next(c for c in header if c not in ("person_id", "department", "email", "name", "manager_id"))
    analysis_id = api.analyze(dataset_id, group_by=column)
    groups = api.get(f"{V1}/analyses/{analysis_id}/result").json()["parameters"]["group_by"]
    assert groups == column


def test_missing_dataset_and_analysis(api: Api) -> None:
    assert api.start("0123456789ab").status_code == 404
    for path in ("analyses/0123456789ab", "analyses/0123456789ab/groups", "datasets/0123456789ab"):
        r = api.get(f"{V1}/{path}")
        assert r.status_code == 404 and "not found" in r.json()["detail"]


def test_delete_analysis_then_dataset(api: Api, org: Path) -> None:
    dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
    analysis_id = api.analyze(dataset_id)
    assert api.get(f"{V1}/analyses/{analysis_id}/groups").status_code == 200  # now cached
    r = api.client.delete(f"{V1}/analyses/{analysis_id}", headers=api.auth())
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"{V1}/analyses/{analysis_id}").status_code == 404
    assert api.get(f"{V1}/analyses/{analysis_id}/groups").status_code == 404  # not served from cache
    second = api.analyze(dataset_id)
    assert api.client.delete(f"{V1}/datasets/{dataset_id}", headers=api.auth()).status_code == 204
    assert api.get(f"{V1}/datasets").json()["total"] == 0
    assert api.get(f"{V1}/analyses/{second}").status_code == 404
    assert api.client.delete(f"{V1}/datasets/{dataset_id}", headers=api.auth()).status_code == 404


def test_result_of_a_queued_analysis_is_a_conflict(api: Api, org: Path) -> None:
    """While the single worker is busy, the next analysis waits in the queue (409 on its result)."""
    dataset_id = api.upload(org).json()["dataset"]["dataset_id"]
    first = api.start(dataset_id, permutations=3000).json()["analysis_id"]
    second = api.start(dataset_id).json()["analysis_id"]
    r = api.get(f"{V1}/analyses/{second}/summary")
    if r.status_code == 409:  # almost always: the first one is still running
        assert r.json()["status"] == 409 and "not ready" in r.json()["detail"]
        d = api.client.delete(f"{V1}/analyses/{second}", headers=api.auth())
        assert d.status_code == 409 and api.get(f"{V1}/analyses/{second}").status_code == 200
        d = api.client.delete(f"{V1}/datasets/{dataset_id}", headers=api.auth())
        assert d.status_code == 409 and "has an analysis" in d.json()["detail"]
    assert api.wait(first)["status"] == "done" and api.wait(second)["status"] == "done"


def test_docs_work_offline(api: Api) -> None:
    """/docs and /redoc load their scripts from the server itself, never from a CDN."""
    import re

    for page in ("/docs", "/redoc"):
        html = api.client.get(page)
        assert html.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert assets and all(a.startswith("/") for a in assets), assets
        for asset in assets:
            assert api.client.get(asset).status_code == 200, asset
