"""Figure and report routes: Plotly JSON per role, figure options, the HTML report."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ona.viz import FIGURE_NAMES
from tests.api.conftest import Api

V1 = "/api/v1"


def _people(org: Path) -> list[dict[str, str]]:
    with (org / "people.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _identities(org: Path) -> set[str]:
    """person_ids, names and addresses of the organization (none may reach a viewer)."""
    out: set[str] = set()
    for p in _people(org):
        out.add(p["person_id"])
        out.update(x for x in (p.get("name"), *(p.get("email") or "").split(";")) if x)
    return out


def _leaks(text: str, identities: set[str]) -> set[str]:
    """The identities found in ``text`` (whole words: "P001" does not match inside "P0012")."""
    words = "|".join(re.escape(x) for x in sorted(identities, key=len, reverse=True))
    return set(re.findall(rf"(?<![\w@.])(?:{words})(?![\w@])", text))


def _nodes(fig: dict) -> list[str]:
    """Group names drawn as nodes of the department map."""
    return [name for t in fig["data"] if t.get("meta") == "groups" for name in t["customdata"]]


def _groups(api: Api, analysis_id: str, role: str) -> list[str]:
    page = api.get(f"{V1}/analyses/{analysis_id}/groups", role=role, params={"limit": 1000}).json()
    return [g["group"] for g in page["items"]]


def test_list_of_figures(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    for role in ("analyst", "viewer"):
        body = api.get(f"{V1}/analyses/{analysis_id}/figures", role=role).json()
        assert [f["name"] for f in body["figures"]] == list(FIGURE_NAMES)
        info = {f["name"]: f for f in body["figures"]}
        assert info["department_map"]["options"] == {"color_by": ["ei_index", "insularity"]}
        assert info["people_map"]["options"] == {"color_by": ["group", "community"]}
        assert info["silo_ranking"]["options"] == {"metric": ["ei_index", "insularity"]}
        assert info["people_map"]["analysts_only"] and not info["department_map"]["analysts_only"]
        for f in body["figures"]:
            assert api.get(f["url"], role=role).status_code == 200


@pytest.mark.parametrize("name", FIGURE_NAMES)
@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_every_figure_is_plotly_json(done: tuple[Api, str, str], name: str, role: str) -> None:
    api, _, analysis_id = done
    r = api.get(f"{V1}/analyses/{analysis_id}/figures/{name}", role=role)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    fig = r.json()
    assert set(fig) >= {"data", "layout"}


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_department_map_has_one_node_per_group_of_the_role(done: tuple[Api, str, str], role: str) -> None:
    api, _, analysis_id = done
    fig = api.get(f"{V1}/analyses/{analysis_id}/figures/department_map", role=role).json()
    assert sorted(_nodes(fig)) == sorted(_groups(api, analysis_id, role))


def test_viewer_people_map_holds_no_data_and_no_identity(done: tuple[Api, str, str], org: Path) -> None:
    api, _, analysis_id = done
    r = api.get(f"{V1}/analyses/{analysis_id}/figures/people_map", role="viewer")
    fig = r.json()
    assert all(not t.get("x") and not t.get("customdata") for t in fig["data"])
    assert "analysts only" in r.text
    assert not _leaks(r.text, _identities(org))
    # the analyst's map holds every placed person
    fig = api.get(f"{V1}/analyses/{analysis_id}/figures/people_map").json()
    drawn = {c[0] for t in fig["data"] if t.get("meta") == "people" for c in t["customdata"]}
    assert drawn and drawn <= {p["person_id"] for p in _people(org)}


def test_no_viewer_figure_names_anybody(done: tuple[Api, str, str], org: Path) -> None:
    api, _, analysis_id = done
    identities = _identities(org)
    for name in FIGURE_NAMES:
        text = api.get(f"{V1}/analyses/{analysis_id}/figures/{name}", role="viewer").text
        assert not _leaks(text, identities), name


def test_figure_options(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    url = f"{V1}/analyses/{analysis_id}/figures"
    fig = api.get(f"{url}/department_map", params={"color_by": "insularity"}).json()
    scales = [t["marker"]["colorbar"]["title"]["text"] for t in fig["data"] if t.get("marker", {}).get("colorbar")]
    assert scales == ["insularity"]
    fig = api.get(f"{url}/people_map", params={"color_by": "community"}).json()
    assert any(t["name"].startswith("community ") for t in fig["data"] if t.get("meta") == "people")
    fig = api.get(f"{url}/silo_ranking", params={"metric": "insularity"}).json()
    assert fig["layout"]["xaxis"]["type"] == "log"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("department_map", {"color_by": "community"}, "color_by"),
        ("interaction_heatmap", {"color_by": "ei_index"}, "color_by"),
        ("department_map", {"metric": "insularity"}, "metric"),
    ],
)
def test_a_bad_option_is_a_422_problem(done: tuple[Api, str, str], path: str, params: dict, field: str) -> None:
    api, _, analysis_id = done
    r = api.get(f"{V1}/analyses/{analysis_id}/figures/{path}", params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == field


def test_an_unknown_figure_is_a_404_problem(done: tuple[Api, str, str]) -> None:
    api, _, analysis_id = done
    r = api.get(f"{V1}/analyses/{analysis_id}/figures/pie_chart")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "department_map" in r.json()["detail"]
    assert api.get(f"{V1}/analyses/0000/figures/department_map").status_code == 404


def test_report_per_role(done: tuple[Api, str, str], org: Path) -> None:
    api, _, analysis_id = done
    identities = _identities(org)
    url = f"{V1}/analyses/{analysis_id}/report"
    for role in ("analyst", "viewer"):
        r = api.get(url, role=role)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.text.startswith("<!DOCTYPE html>") and "Executive summary" in r.text
        # pseudonymized for everyone: nobody is named, by id, name or address
        assert not _leaks(r.text, identities), role
        csp = r.headers["content-security-policy"]
        assert csp.startswith("sandbox ") and "allow-same-origin" not in csp
        assert "inline" in r.headers["content-disposition"]
    assert "<strong>viewer version</strong>" in api.get(url, role="viewer").text
    assert "<strong>viewer version</strong>" not in api.get(url).text
    assert "Person A" in api.get(url).text  # the analyst's report has its key bridges, pseudonymized
    r = api.get(url, params={"download": "true"})
    assert r.headers["content-disposition"].startswith("attachment;")
