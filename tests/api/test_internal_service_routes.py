"""Internal-service routes: handoffs, recommendations (analyst and viewer forms), trends, comparison, key people."""

from __future__ import annotations

import re

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, open_api

V1 = "/api/v1"
SPLIT = "2024-02-15T00:00:00Z"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, org: Path) -> Iterator[tuple[Api, str, str, str]]:
    """(api, dataset_id, plain analysis, analysis per month and before / after SPLIT)."""
    client, keys = open_api(tmp_path_factory.mktemp("store") / "ona.duckdb")
    with client:
        api = Api(client, keys)
        r = api.upload(org, name="synthetic 60")
        assert r.status_code == 201, r.text
        dataset_id = r.json()["dataset"]["dataset_id"]
        plain = api.analyze(dataset_id)
        yield api, dataset_id, plain, api.analyze(dataset_id, period="month", split=SPLIT)


def _result(api: Api, analysis_id: str, role: str = "analyst") -> dict:
    return api.get(f"{V1}/analyses/{analysis_id}/result", role=role).json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_each_part_is_the_result_s(service: tuple[Api, str, str, str], role: str) -> None:
    """handoffs, trends and comparison are the role's result's own, unchanged."""
    api, _, _, analysis_id = service
    whole = _result(api, analysis_id, role)
    for part in ("handoffs", "trends", "comparison"):
        r = api.get(f"{V1}/analyses/{analysis_id}/{part}", role=role)
        assert r.status_code == 200, r.text
        assert r.json() == whole[part], part
    assert whole["trends"]["periods"] and whole["comparison"]["split"].startswith("2024-02-15")


def test_viewer_parts_leave_small_groups_out(service: tuple[Api, str, str, str]) -> None:
    api, _, _, analysis_id = service
    full = _result(api, analysis_id)
    small = {g["group"] for g in full["groups"] if g["headcount"] < 5}
    assert small, "the test organization must have groups under 5 people"
    handoffs = api.get(f"{V1}/analyses/{analysis_id}/handoffs", role="viewer").json()
    assert not small & {g["group"] for g in handoffs["groups"]}
    assert not small & {name for p in handoffs["pairs"] for name in (p["from_group"], p["to_group"])}
    trends = api.get(f"{V1}/analyses/{analysis_id}/trends", role="viewer").json()
    assert not small & {g["group"] for g in trends["groups"]}
    recs = api.get(f"{V1}/analyses/{analysis_id}/recommendations", role="viewer").json()
    assert not small & {name for r in recs for name in r["groups"]}


def test_without_period_or_split_trends_and_comparison_are_404(service: tuple[Api, str, str, str]) -> None:
    api, _, plain, _ = service
    for part, hint in (("trends", "period"), ("comparison", "split")):
        for role in ("analyst", "viewer"):
            r = api.get(f"{V1}/analyses/{plain}/{part}", role=role)
            assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
            detail = r.json()["detail"]
            assert f"analysis '{plain}' has no" in detail and hint in detail, detail


def test_recommendations_analyst_and_viewer_forms(service: tuple[Api, str, str, str]) -> None:
    api, _, _, analysis_id = service
    url = f"{V1}/analyses/{analysis_id}/recommendations"
    analyst = api.get(url).json()
    viewer = api.get(url, role="viewer").json()
    assert analyst == _result(api, analysis_id)["recommendations"]
    assert any(r["person_ids"] for r in analyst)
    assert viewer and all("person_ids" not in r and "pairs" not in r for r in viewer)
    # the analysis-wide numbers, so "#n" means the same recommendation for every role (the viewer's
    # reasons quote no figure: ona.privacy)
    full = {r["priority"]: r for r in analyst}
    assert [r["priority"] for r in viewer] == sorted(r["priority"] for r in viewer)
    # the viewer counts the very people the analyst sees named
    for r in viewer:
        named = full[r["priority"]]
        assert (r["kind"], r["groups"]) == (named["kind"], named["groups"])
        assert not re.search(r"\d", r["reason"].replace(r["groups"][0], "").replace(r["groups"][-1], ""))
        assert r["people"] == len(set(named["person_ids"]))
        assert sum(r["roles"].values()) == len(named["roles"])


def test_key_people_is_for_analysts(service: tuple[Api, str, str, str]) -> None:
    api, _, _, analysis_id = service
    r = api.get(f"{V1}/analyses/{analysis_id}/key-people")
    assert r.status_code == 200 and r.json() == _result(api, analysis_id)["key_people"]
    assert r.json() and all(k["person_id"] for k in r.json())
    r = api.get(f"{V1}/analyses/{analysis_id}/key-people", role="viewer")
    assert r.status_code == 403 and "analyst role" in r.json()["detail"]


def test_a_dataset_without_tickets_has_empty_handoffs(service: tuple[Api, str, str, str], org: Path) -> None:
    api = service[0]
    files = {t: (f"{t}.csv", (org / f"{t}.csv").read_bytes()) for t in ("people", "emails", "meetings")}
    r = api.upload(files=files, name="no tickets")
    assert r.status_code == 201, r.text
    analysis_id = api.analyze(r.json()["dataset"]["dataset_id"])
    r = api.get(f"{V1}/analyses/{analysis_id}/handoffs")
    assert r.status_code == 200 and r.json()["summary"]["tickets"] == 0 and r.json()["pairs"] == []


def test_not_done_and_unknown(service: tuple[Api, str, str, str]) -> None:
    api = service[0]
    for part in ("handoffs", "recommendations", "trends", "comparison", "key-people"):
        r = api.get(f"{V1}/analyses/feed0000/{part}")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", part
