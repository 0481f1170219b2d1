"""Workspaces against a real `ona serve`: isolation on every route, keys managed while it runs, audit.

Two workspaces ("acme" and "globex"), each with an analyst and a viewer
key, and an admin key. Every operation of the OpenAPI document that names
an id is called with the other workspace's keys: each answers 404 exactly
as for an unknown id, and no answer holds a name of the other workspace.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ona.store import Store
from ona.store.keys import create_key
from tests.api.conftest import FAST, TABLES
from tests.api.server import Server, ona_command

pytestmark = pytest.mark.server

V1 = "/api/v1"
ACME_NAME = "acme confidential org"


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _upload(client: httpx.Client, secret: str, folder: Path, name: str) -> str:
    files = {t: (p.name, p.read_bytes()) for t in TABLES for p in sorted(folder.glob(f"{t}.*"))}
    r = client.post(f"{V1}/datasets", headers=_auth(secret), files=files, data={"name": name})
    assert r.status_code == 201, r.text
    return str(r.json()["dataset"]["dataset_id"])


def _analyze(client: httpx.Client, secret: str, dataset_id: str, **params: Any) -> str:
    r = client.post(f"{V1}/analyses", headers=_auth(secret), json={"dataset_id": dataset_id, "parameters": {**FAST, **params}})
    assert r.status_code == 202, r.text
    analysis_id = str(r.json()["analysis_id"])
    deadline = time.monotonic() + 180
    while (status := client.get(f"{V1}/analyses/{analysis_id}", headers=_auth(secret)).json()["status"]) in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status == "done"
    return analysis_id


@pytest.fixture(scope="module")
def two_clients(tmp_path_factory: pytest.TempPathFactory, org: Path) -> Any:
    """A running server with one analyzed dataset in each of two workspaces; (server, client, keys, ids)."""
    folder = tmp_path_factory.mktemp("workspaces")
    store = folder / "ona.duckdb"
    with Store(store) as db:
        keys = {
            name: create_key(db, role=role, workspace=ws, name=name)[1]
            for name, role, ws in [
                ("acme", "analyst", "acme"), ("acme_viewer", "viewer", "acme"),
                ("globex", "analyst", "globex"), ("globex_viewer", "viewer", "globex"),
                ("admin", "admin", None),
            ]
        }  # fmt: skip
    with Server(store, folder / "server.log") as server, httpx.Client(base_url=server.url, timeout=60) as client:
        acme_ds = _upload(client, keys["acme"], org, ACME_NAME)
        acme_an = _analyze(client, keys["acme"], acme_ds, period="month", split="2024-02-15T00:00:00Z")
        globex_ds = _upload(client, keys["globex"], org, "globex org")
        globex_an = _analyze(client, keys["globex"], globex_ds)
        ids = {"acme_ds": acme_ds, "acme_an": acme_an, "globex_ds": globex_ds, "globex_an": globex_an}
        yield server, client, keys, ids


def _operations(client: httpx.Client) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]


def _call(client: httpx.Client, method: str, path: str, secret: str, ids: dict[str, str]) -> httpx.Response:
    url = path.format(dataset_id=ids["acme_ds"], analysis_id=ids["acme_an"], name="department_map", key_id="x")
    return client.request(method, url, headers=_auth(secret))


def _departments(org: Path) -> set[str]:
    import csv

    with (org / "people.csv").open(encoding="utf-8", newline="") as f:
        return {row["department"] for row in csv.DictReader(f)}


@pytest.mark.parametrize("intruder", ["globex", "globex_viewer"])
def test_every_route_hides_another_workspaces_objects(two_clients: Any, org: Path, intruder: str) -> None:
    server, client, keys, ids = two_clients
    named = [(m, p) for m, p in _operations(client) if "{dataset_id}" in p or "{analysis_id}" in p]
    assert len(named) >= 20  # the route list is read from the served OpenAPI document
    for method, path in named:
        r = _call(client, method, path, keys[intruder], ids)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert ACME_NAME not in r.text
        assert not any(dept in r.text for dept in _departments(org) if len(dept) > 3), (method, path, r.text)
        # exactly the answer an unknown id gets, apart from the id itself
        unknown = client.request(method, r.request.url.path.replace(ids["acme_an"], "000000000000").replace(
            ids["acme_ds"], "000000000000"), headers=_auth(keys[intruder]))  # fmt: skip
        assert unknown.status_code == 404
        assert unknown.json()["title"] == r.json()["title"]
    # and the owner still has everything
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/groups", headers=_auth(keys["acme"])).status_code == 200
    assert client.get(f"{V1}/datasets/{ids['acme_ds']}", headers=_auth(keys["acme"])).status_code == 200


def test_starting_an_analysis_of_another_workspaces_dataset_is_404(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    r = client.post(f"{V1}/analyses", headers=_auth(keys["globex"]), json={"dataset_id": ids["acme_ds"]})
    assert r.status_code == 404 and ACME_NAME not in r.text


@pytest.mark.parametrize("who", ["globex", "globex_viewer"])
def test_lists_hold_only_the_workspace(two_clients: Any, who: str) -> None:
    server, client, keys, ids = two_clients
    datasets = client.get(f"{V1}/datasets", headers=_auth(keys[who])).json()
    analyses = client.get(f"{V1}/analyses", headers=_auth(keys[who])).json()
    assert [d["dataset_id"] for d in datasets["items"]] == [ids["globex_ds"]]
    assert {a["analysis_id"] for a in analyses["items"]} == {ids["globex_an"]}
    assert ACME_NAME not in str(datasets) + str(analyses)
    filtered = client.get(f"{V1}/analyses", params={"dataset_id": ids["acme_ds"]}, headers=_auth(keys[who])).json()
    assert filtered["items"] == []


def test_admin_manages_keys_but_reads_no_data(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    admin = _auth(keys["admin"])
    assert client.get(f"{V1}/datasets", headers=admin).status_code == 403
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/groups", headers=admin).status_code == 403
    workspaces = {w["name"]: w["active_keys"] for w in client.get(f"{V1}/admin/workspaces", headers=admin).json()}
    assert workspaces["acme"] >= 2 and workspaces["globex"] >= 2
    made = client.post(f"{V1}/admin/keys", headers=admin, json={"role": "viewer", "workspace": "acme", "name": "board"})
    assert made.status_code == 201, made.text
    secret, key_id = made.json()["secret"], made.json()["key"]["key_id"]
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/groups", headers=_auth(secret)).status_code == 200
    assert client.delete(f"{V1}/admin/keys/{key_id}", headers=admin).json()["revoked_at"] is not None
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/groups", headers=_auth(secret)).status_code == 401
    listed = client.get(f"{V1}/admin/keys", params={"workspace": "acme"}, headers=admin).json()
    assert key_id in {k["key_id"] for k in listed} and secret not in str(listed)


def _ona(server: Server, *args: str) -> str:
    done = subprocess.run([*ona_command(), *args, "--store", str(server.store)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_keys_created_and_revoked_from_the_cli_while_serving(two_clients: Any, org: Path) -> None:
    """`ona keys` works on the running server's store; a revocation bites on the next request,
    and an analysis running meanwhile finishes undisturbed."""
    server, client, keys, ids = two_clients
    secret = _ona(server, "keys", "create", "--role", "analyst", "--workspace", "acme", "-q")
    url = f"{V1}/analyses/{ids['acme_an']}/groups"
    assert client.get(url, headers=_auth(secret)).status_code == 200
    r = client.post(f"{V1}/analyses", headers=_auth(secret), json={"dataset_id": ids["acme_ds"], "parameters": FAST})
    assert r.status_code == 202
    running = r.json()["analysis_id"]
    _ona(server, "keys", "revoke", secret.split("_")[1])
    r = client.get(url, headers=_auth(secret))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    deadline = time.monotonic() + 180
    while (info := client.get(f"{V1}/analyses/{running}", headers=_auth(keys["acme"])).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert info["status"] == "done", info


def test_an_expired_key_is_refused(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    secret = _ona(server, "keys", "create", "--role", "viewer", "--workspace", "acme", "--expires-in", "0.00003", "-q")
    url = f"{V1}/analyses/{ids['acme_an']}/summary"
    first = client.get(url, headers=_auth(secret)).status_code
    time.sleep(3)  # 0.00003 days is 2.6 s
    assert first == 200
    r = client.get(url, headers=_auth(secret))
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_person_level_reads_and_changes_are_audited(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/people", headers=_auth(keys["acme"])).status_code == 200
    assert client.get(f"{V1}/analyses/{ids['acme_an']}/groups", headers=_auth(keys["acme"])).status_code == 200
    denied = client.get(f"{V1}/analyses/{ids['acme_an']}/people", headers=_auth(keys["globex"]))
    assert denied.status_code == 404
    log = client.get(f"{V1}/admin/audit", params={"limit": 1000}, headers=_auth(keys["admin"])).json()["items"]
    acme_id = keys["acme"].split("_")[1]
    people = [r for r in log if r["action"] == "GET /api/v1/analyses/{analysis_id}/people"]
    assert any(r["key_id"] == acme_id and r["workspace"] == "acme" and r["outcome"] == 200
               and r["object"] == f"analysis_id={ids['acme_an']}" for r in people)  # fmt: skip
    assert any(r["workspace"] == "globex" and r["outcome"] == 404 for r in people)
    assert not any(r["action"].endswith("/groups") for r in log)  # group-level reads are not person-level
    uploads = [r for r in log if r["action"] == "POST /api/v1/datasets" and r["workspace"] == "acme"]
    assert uploads and all(r["outcome"] == 201 for r in uploads)
    # the CLI reads the same log, filtered by workspace
    text = _ona(server, "audit", "--workspace", "globex")
    assert "globex" in text and "acme" not in text.replace("globex", "")
    # no secret anywhere in the control database
    raw = b"".join(p.read_bytes() for p in server.store.parent.glob("ona.control.sqlite*"))
    for secret in keys.values():
        assert secret.split("_", 2)[2].encode() not in raw


def test_data_answers_are_not_cached(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    for path in (f"{V1}/datasets", f"{V1}/analyses/{ids['acme_an']}/groups", f"{V1}/analyses/{ids['acme_an']}/report"):
        r = client.get(path, headers=_auth(keys["acme"]))
        assert r.status_code == 200 and "no-store" in r.headers["cache-control"], path
    assert "no-store" in client.get(f"{V1}/analyses/nope", headers=_auth(keys["acme"])).headers["cache-control"]


def test_a_viewer_sees_no_reason_for_a_failure(two_clients: Any) -> None:
    server, client, keys, ids = two_clients
    r = client.post(f"{V1}/analyses", headers=_auth(keys["acme"]),
                    json={"dataset_id": ids["acme_ds"], "parameters": {**FAST, "since": "2030-01-01T00:00:00Z"}})  # fmt: skip
    failed = r.json()["analysis_id"]
    deadline = time.monotonic() + 60
    while (info := client.get(f"{V1}/analyses/{failed}", headers=_auth(keys["acme"])).json())["status"] != "failed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    viewer = client.get(f"{V1}/analyses/{failed}", headers=_auth(keys["acme_viewer"])).json()
    assert viewer["error"] != info["error"] and "analyst" in viewer["error"]
    detail = client.get(f"{V1}/analyses/{failed}/groups", headers=_auth(keys["acme_viewer"])).json()["detail"]
    assert info["error"] not in detail


def test_ona_analyze_stores_into_a_workspace(tmp_path: Path, org: Path) -> None:
    from typer.testing import CliRunner

    from ona.cli import app

    store = tmp_path / "ona.duckdb"
    r = CliRunner().invoke(app, ["analyze", str(org), "--store", str(store), "--workspace", "acme", "-q",
                                 "--permutations", "50", "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert r.exit_code == 0, r.output
    with Store(store) as db:
        assert [d.workspace for d in db.list_datasets()] == ["acme"]
        assert len(db.list_analyses(workspace="acme")) == 1 and db.list_analyses(workspace="default") == []
    bad = CliRunner().invoke(app, ["analyze", str(org), "--store", str(store), "--workspace", "a/b", "-q"])
    assert bad.exit_code == 1 and "workspace" in bad.output


@pytest.mark.parametrize(
    ("path", "params", "template"),
    [
        ("/api/v1/analyses/ab12/people", {"analysis_id": "ab12"}, "/api/v1/analyses/{analysis_id}/people"),
        ("/analyses/ab12/figures/people_map.json", {"analysis_id": "ab12", "name": "people_map"},
         "/analyses/{analysis_id}/figures/{name}.json"),
        ("/api/v1/datasets", {}, "/api/v1/datasets"),
    ],
)  # fmt: skip
def test_route_template(path: str, params: dict[str, str], template: str) -> None:
    from api.audit import PERSON_LEVEL, route_template

    assert route_template(path, params) == template
    assert "/api/v1/analyses/{analysis_id}/people" in PERSON_LEVEL
