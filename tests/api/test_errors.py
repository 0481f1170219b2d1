"""One error shape everywhere: RFC 9457 problem+json, with the fields at fault named."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.errors import STATUS, status_of
from api.main import create_app
from ona.errors import (
    DatasetError,
    EmptyGraphError,
    NotFoundError,
    OnaError,
    ParameterError,
)
from tests.api.conftest import Api

V1 = "/api/v1"


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "errors"}
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == r.request.url.path
    return body


def test_the_status_table() -> None:
    assert status_of(NotFoundError("dataset", "x")) == 404
    assert status_of(DatasetError("people.csv", "missing column")) == 422
    assert status_of(ParameterError("group_by", "no such column")) == 422
    assert status_of(EmptyGraphError("nothing")) == 422
    assert status_of(OnaError("other")) == 400
    assert status_of(RuntimeError("bug")) == 500
    assert all(400 <= s < 500 for s in STATUS.values())


def test_unknown_route_and_method(api: Api) -> None:
    body = assert_problem(api.client.get("/api/v1/nothing-here"), 404)
    assert "/api/v1" in body["detail"]
    r = api.client.put(f"{V1}/health")
    body = assert_problem(r, 405)
    assert "PUT" in body["detail"] and "GET" in r.headers["allow"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"), ({"offset": -1}, "offset"),
     ({"limit": "many"}, "limit"), ({"sort": "-nonsense"}, "sort"), ({"silo": "perhaps"}, "silo")],
)  # fmt: skip
def test_bad_query_parameters_name_the_field(done: tuple[Api, str, str], params: dict[str, Any], field: str) -> None:
    api, _, analysis_id = done
    body = assert_problem(api.get(f"{V1}/analyses/{analysis_id}/groups", params=params), 422)
    assert body["errors"][0]["field"] == field and body["errors"][0]["location"] == "query"
    assert body["detail"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("parameters", "field"),
    [({"seed": -1}, "parameters.seed"), ({"resolution": 0}, "parameters.resolution"),
     ({"email_weight": "heavy"}, "parameters.email_weight"), ({"colour": "red"}, "parameters.colour"),
     ({"since": "yesterday"}, "parameters.since"), ({"permutations": 5}, "parameters.permutations")],
)  # fmt: skip
def test_bad_analysis_parameters_name_the_field(api: Api, parameters: dict[str, Any], field: str) -> None:
    r = api.client.post(
        f"{V1}/analyses", headers=api.auth(), json={"dataset_id": "0123456789ab", "parameters": parameters}
    )
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == field and body["errors"][0]["location"] == "body"


def test_window_the_wrong_way_round(api: Api) -> None:
    parameters = {"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}
    r = api.client.post(f"{V1}/analyses", headers=api.auth(), json={"dataset_id": "x", "parameters": parameters})
    body = assert_problem(r, 422)
    assert "since must be before until" in body["detail"]


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"dataset_id": null}', b'{"dataset_id": "a b"}', b'{"dataset_id": "x", "extra": 1}',
     "\udcff".encode("utf-8", "surrogatepass"), b"\x00" * 64],
)  # fmt: skip
def test_malformed_json_bodies(api: Api, content: bytes) -> None:
    r = api.client.post(
        f"{V1}/analyses", headers={**api.auth(), "Content-Type": "application/json"}, content=content
    )
    assert_problem(r, 422)


def test_malformed_path_ids(api: Api) -> None:
    for bad in ("a%20b", "x" * 65, "%00", "%E2%82%AC"):
        body = assert_problem(api.get(f"{V1}/analyses/{bad}"), 422)
        assert body["errors"][0]["field"] == "analysis_id"


def test_unexpected_errors_are_500_problems_without_internals(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from ona.store import Store

    def boom(self: Store) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Store, "list_datasets", boom)
    body = assert_problem(api.get(f"{V1}/datasets"), 500)
    assert "secret" not in body["detail"]


def test_openapi_documents_problem_responses() -> None:
    spec = create_app().openapi()
    assert spec["components"]["schemas"]["Problem"]["required"] == ["title", "status", "detail"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (method, path, code)
            if path != "/api/v1/health":
                assert "401" in op["responses"] and op.get("security") == [{"ApiKey": []}], (method, path)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("/tmp/ona-upload-1x2y/emails.csv: missing required column 'sender'", "emails.csv: missing required column 'sender'"),
        ('IO Error: Could not open "/srv/ona/ona.duckdb"', 'IO Error: Could not open "ona.duckdb"'),
        ("C:\\data\\client\\people.csv line 3: bad", "people.csv line 3: bad"),
        ("poll GET /api/v1/analyses/ab12", "poll GET /api/v1/analyses/ab12"),
        ("a ratio of 1/2", "a ratio of 1/2"),
    ],
)
def test_server_paths_never_reach_an_answer(text: str, shown: str) -> None:
    from api.errors import scrub_paths

    assert scrub_paths(text) == shown


def test_a_library_error_naming_a_server_path_is_answered_without_it(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from ona.errors import DatasetError

    def boom(*args: Any, **kwargs: Any) -> None:
        raise DatasetError("/var/lib/ona/uploads/7f/people.csv", "not UTF-8")

    monkeypatch.setattr("api.routers.datasets.store_upload", boom)  # as if raised by the upload's child
    r = api.upload(files={"people": ("people.csv", b"person_id,department\np1,A\n")})
    body = assert_problem(r, 422)
    assert "/var/lib" not in r.text and body["detail"] == "people.csv: not UTF-8"
