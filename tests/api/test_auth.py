"""Keys and roles on every route, table-driven (the table must list every route of the app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from tests.api.conftest import Api, open_api

V1 = "/api/v1"

#: Every data route: (method, path, analyst only).
ROUTES: list[tuple[str, str, bool]] = [
    ("POST", "/datasets", True),
    ("GET", "/datasets", False),
    ("GET", "/datasets/{dataset_id}", False),
    ("DELETE", "/datasets/{dataset_id}", True),
    ("GET", "/datasets/{dataset_id}/validation", True),
    ("POST", "/analyses", True),
    ("GET", "/analyses", False),
    ("GET", "/analyses/{analysis_id}", False),
    ("DELETE", "/analyses/{analysis_id}", True),
    ("GET", "/analyses/{analysis_id}/result", False),
    ("GET", "/analyses/{analysis_id}/summary", False),
    ("GET", "/analyses/{analysis_id}/groups", False),
    ("GET", "/analyses/{analysis_id}/links", False),
    ("GET", "/analyses/{analysis_id}/people", True),
    ("GET", "/analyses/{analysis_id}/communities", False),
    ("GET", "/analyses/{analysis_id}/figures", False),
    ("GET", "/analyses/{analysis_id}/figures/{name}", False),
    ("GET", "/analyses/{analysis_id}/report", False),
    ("GET", "/analyses/{analysis_id}/handoffs", False),
    ("GET", "/analyses/{analysis_id}/recommendations", False),
    ("GET", "/analyses/{analysis_id}/trends", False),
    ("GET", "/analyses/{analysis_id}/comparison", False),
    ("GET", "/analyses/{analysis_id}/key-people", True),
    ("POST", "/analyses/{analysis_id}/cancel", True),
]
#: Admin routes: keys, workspaces, the audit log.
ADMIN: list[tuple[str, str]] = [
    ("GET", "/admin/workspaces"),
    ("GET", "/admin/keys"),
    ("POST", "/admin/keys"),
    ("DELETE", "/admin/keys/{key_id}"),
    ("GET", "/admin/audit"),
]
PUBLIC: list[tuple[str, str]] = [("GET", "/health")]

BAD_HEADERS: dict[str, dict[str, str]] = {
    "missing": {},
    "empty bearer": {"Authorization": "Bearer "},
    "basic scheme": {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
    "garbage": {"Authorization": "Bearer not-a-key"},
    "unknown key": {"Authorization": "Bearer ona_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
}


def test_the_table_lists_every_route() -> None:
    """Every operation of the OpenAPI document is in ROUTES or PUBLIC, and nothing else."""
    spec = create_app().openapi()
    served = {(method.upper(), path.removeprefix(V1)) for path, ops in spec["paths"].items() for method in ops}
    assert served == {(m, p) for m, p, _ in ROUTES} | set(ADMIN) | set(PUBLIC)


def _request(api: Api, method: str, path: str, ids: dict[str, str], headers: dict[str, str]) -> Any:
    url = V1 + path.format(**ids)
    if method == "POST" and path == "/admin/keys":
        return api.client.post(url, headers=headers, json={"role": "viewer", "workspace": "made-by-test"})
    if method == "POST" and path.endswith("/cancel"):
        return api.client.post(url, headers=headers)
    if method == "POST" and path == "/datasets":
        files = {"people": ("people.csv", b"person_id,department\np1,A\n")}
        return api.client.post(url, headers=headers, files=files)
    if method == "POST":
        return api.client.post(url, headers=headers, json={"dataset_id": ids["dataset_id"]})
    return api.client.request(method, url, headers=headers)


def _ids(done: tuple[Api, str, str]) -> dict[str, str]:
    return {"dataset_id": done[1], "analysis_id": done[2], "name": "department_map", "key_id": "0123456789ab"}


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, org: Path) -> Iterator[tuple[Api, str, str]]:
    """As conftest's ``done``, analyzed per month and before / after a date, so that every route has data."""
    client, keys = open_api(tmp_path_factory.mktemp("store") / "ona.duckdb")
    with client:
        api = Api(client, keys)
        r = api.upload(org, name="synthetic 60")
        assert r.status_code == 201, r.text
        dataset_id = r.json()["dataset"]["dataset_id"]
        yield api, dataset_id, api.analyze(dataset_id, period="month", split="2024-02-15T00:00:00Z")


@pytest.mark.parametrize(("method", "path", "analyst_only"), ROUTES)
@pytest.mark.parametrize("bad", list(BAD_HEADERS))
def test_no_valid_key_is_401(done: tuple[Api, str, str], method: str, path: str, analyst_only: bool, bad: str) -> None:
    api = done[0]
    r = _request(api, method, path, _ids(done), BAD_HEADERS[bad])
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["status"] == 401


@pytest.mark.parametrize(("method", "path", "analyst_only"), ROUTES)
def test_revoked_key_is_401(done: tuple[Api, str, str], method: str, path: str, analyst_only: bool) -> None:
    api = done[0]
    r = _request(api, method, path, _ids(done), api.auth("revoked"))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


@pytest.mark.parametrize(("method", "path", "analyst_only"), ROUTES)
def test_viewer(done: tuple[Api, str, str], method: str, path: str, analyst_only: bool) -> None:
    """A viewer gets 403 on analyst routes (and changes nothing), 200 on the others."""
    api = done[0]
    r = _request(api, method, path, _ids(done), api.auth("viewer"))
    if analyst_only:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "analyst role" in r.json()["detail"]
    else:
        assert r.status_code == 200, r.text
    # nothing was created or deleted by the viewer
    assert api.get(f"{V1}/datasets/{done[1]}").status_code == 200
    assert api.get(f"{V1}/analyses/{done[2]}").status_code == 200


@pytest.mark.parametrize(("method", "path", "analyst_only"), [r for r in ROUTES if r[0] == "GET"])
def test_analyst_reads_every_get_route(done: tuple[Api, str, str], method: str, path: str, analyst_only: bool) -> None:
    r = _request(done[0], method, path, _ids(done), done[0].auth("analyst"))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_routes_need_no_key(api: Api, method: str, path: str) -> None:
    assert api.client.request(method, V1 + path).status_code == 200
    assert api.client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(("method", "path", "analyst_only"), ROUTES)
def test_admin_key_reads_no_data(done: tuple[Api, str, str], method: str, path: str, analyst_only: bool) -> None:
    """An admin key manages keys; every data route answers it 403 and changes nothing."""
    api = done[0]
    r = _request(api, method, path, _ids(done), api.auth("admin"))
    assert r.status_code == 403, r.text
    assert "admin role" in r.json()["detail"]
    assert api.get(f"{V1}/analyses/{done[2]}").status_code == 200


@pytest.mark.parametrize(("method", "path"), ADMIN)
@pytest.mark.parametrize("role", ["analyst", "viewer", "other"])
def test_admin_routes_are_for_admin_keys(done: tuple[Api, str, str], method: str, path: str, role: str) -> None:
    api = done[0]
    r = _request(api, method, path, _ids(done), api.auth(role))
    assert r.status_code == 403, r.text
    assert "admin role" in r.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ADMIN)
def test_admin_routes_need_a_key(done: tuple[Api, str, str], method: str, path: str) -> None:
    r = _request(done[0], method, path, _ids(done), {})
    assert r.status_code == 401, r.text
