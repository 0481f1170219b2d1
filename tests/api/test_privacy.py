"""Viewer results: no person-level data, no identities, no group under the minimum size.

``test_viewer_routes_hold_the_arithmetic_rule`` runs the checks of
:mod:`tests.privacy.checks` on every route a viewer reads (whole result,
parts, handoffs, trends, comparison, advice, figures, report).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ona.viz import FIGURE_NAMES
from tests.api.conftest import Api
from tests.orgs import with_isolates
from tests.privacy.checks import check_arithmetic, check_names, check_viewer
from tests.privacy.orgs import LEFT_OUT, POOLED, SPLIT, Org, analysed, write_csv

V1 = "/api/v1"


def _small(api: Api, analysis_id: str, k: int) -> set[str]:
    groups = api.get(f"{V1}/analyses/{analysis_id}/groups", params={"limit": 1000}).json()["items"]
    return {g["group"] for g in groups if g["headcount"] < k}


def _check_viewer_result(api: Api, analysis_id: str, hidden: set[str], k: int) -> None:
    result = api.get(f"{V1}/analyses/{analysis_id}/result", role="viewer").json()
    assert result["people"] == []
    assert result["privacy"]["audience"] == "viewer" and result["privacy"]["suppressed_groups"] == len(hidden)
    assert result["privacy"]["min_group_size"] == k
    assert all(g["headcount"] >= k for g in result["groups"])
    assert not hidden & {g["group"] for g in result["groups"]}
    for link in result["links"]:
        assert not hidden & {link["source"], link["target"]}
        assert link["carriers"] == [] and link["bridge_people"] == []
    for community in result["communities"]:
        assert not hidden & set(community["groups"])
    assert result["validation"]["rejected"] == []

    # The parts say the same as the whole document.
    for part in ("groups", "links", "communities"):
        page = api.get(f"{V1}/analyses/{analysis_id}/{part}", role="viewer", params={"limit": 1000}).json()
        assert page["items"] == result[part] and page["privacy"] == result["privacy"], part
    summary = api.get(f"{V1}/analyses/{analysis_id}/summary", role="viewer").json()
    assert summary["privacy"] == result["privacy"]
    assert api.get(f"{V1}/analyses/{analysis_id}/people", role="viewer").status_code == 403


def test_viewer_sees_no_small_group_and_no_person(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    hidden = _small(api, analysis_id, 5)
    assert hidden, "the test organization must have groups under 5 people"
    _check_viewer_result(api, analysis_id, hidden, 5)
    # the analyst still sees everything
    analyst = api.get(f"{V1}/analyses/{analysis_id}/result").json()
    assert analyst["people"] and hidden <= {g["group"] for g in analyst["groups"]}
    assert analyst["privacy"]["audience"] == "analyst"


def test_analysis_min_group_size_cannot_go_under_the_service_floor(done: tuple[Api, str, str]) -> None:
    """An analyst asking min_group_size=1 does not expose small groups to viewers (floor 5)."""
    api, dataset_id, _ = done
    analysis_id = api.analyze(dataset_id, min_group_size=1)
    _check_viewer_result(api, analysis_id, _small(api, analysis_id, 5), 5)


def test_a_larger_analysis_min_group_size_is_kept(done: tuple[Api, str, str]) -> None:
    api, dataset_id, _ = done
    analysis_id = api.analyze(dataset_id, min_group_size=8)
    _check_viewer_result(api, analysis_id, _small(api, analysis_id, 8), 8)


def test_named_org_with_isolates(api: Api, tmp_path: Path) -> None:
    """tests.orgs.with_isolates: Solo and Quiet (1 person each) are suppressed for viewers."""
    dataset_id = api.upload(with_isolates(tmp_path / "org")).json()["dataset"]["dataset_id"]
    analysis_id = api.analyze(dataset_id)
    groups = api.get(f"{V1}/analyses/{analysis_id}/groups", role="viewer").json()["items"]
    assert {g["group"] for g in groups} == {"Alpha", "Beta"}
    _check_viewer_result(api, analysis_id, {"Solo", "Quiet"}, 5)


def embedded(html: str) -> list[Any]:
    """The JSON documents a page or report embeds in ``<script>`` elements."""
    return [json.loads(body) for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.DOTALL)]


@pytest.mark.parametrize("org", [LEFT_OUT, POOLED], ids=["left_out", "pooled"])
def test_viewer_routes_hold_the_arithmetic_rule(api: Api, tmp_path: Path, org: Org) -> None:
    full = analysed(org)
    dataset_id = api.upload(write_csv(org, tmp_path / "org")).json()["dataset"]["dataset_id"]
    analysis_id = api.analyze(dataset_id, permutations=10, min_group_size=org.k, period="week",
                              split=SPLIT.isoformat(), key_people=2)
    base = f"{V1}/analyses/{analysis_id}"
    # the service analysed the same events: its analyst result has the same figures as ours
    served = api.get(f"{base}/result").json()
    assert served["summary"]["ties"] == full.summary.ties
    assert abs(served["summary"]["total_weight"] - full.summary.total_weight) < 1e-6

    result = api.get(f"{base}/result", role="viewer").json()
    assert result["privacy"]["withheld_links"], "the organization has a link carried by fewer than K people"
    check_viewer(result, full, org.k, label="GET /result")
    answers: dict[str, Any] = {"result": result}
    for part in ("summary", "groups", "links", "communities"):
        answers[part] = api.get(f"{base}/{part}", role="viewer", params={"limit": 1000}).json()
    for part in ("groups", "links", "communities"):
        assert answers[part]["items"] == result[part], part
    for part in ("handoffs", "trends", "comparison"):
        answers[part] = api.get(f"{base}/{part}", role="viewer").json()
        assert answers[part] == result[part], part
    answers["recommendations"] = api.get(f"{base}/recommendations", role="viewer").json()
    assert [r["figures"] for r in answers["recommendations"]] == [r["figures"] for r in result["recommendations"]]
    for name in FIGURE_NAMES:
        r = api.get(f"{base}/figures/{name}", role="viewer")
        assert r.status_code == 200, (name, r.text)  # every figure exists for a viewer
        if name == "people_map":
            assert r.json()["data"] == [], "a viewer's map of people draws no one"
        answers[f"figure {name}"] = r.text
    report = api.get(f"{base}/report", role="viewer")
    assert report.status_code == 200
    answers["report"] = embedded(report.text)
    check_names(json.dumps(answers) + report.text, full, org.k)
    check_arithmetic(answers, full, org.k, label="viewer routes")


def test_a_viewer_reads_no_dataset_counts(done: tuple[Api, str, str]) -> None:
    """The dataset's people count minus an analysis' shown people would give back the hidden groups' size."""
    api, dataset_id, _ = done
    analyst = api.get(f"/api/v1/datasets/{dataset_id}").json()
    viewer = api.get(f"/api/v1/datasets/{dataset_id}", role="viewer").json()
    listed = api.get("/api/v1/datasets", role="viewer").json()["items"]
    assert analyst["people"] > 0 and analyst["emails"] > 0
    for record in (viewer, *listed):
        assert record["people"] is None and record["emails"] is None and record["rejected"] is None
    assert viewer["name"] == analyst["name"] and viewer["first_event"] == analyst["first_event"]
