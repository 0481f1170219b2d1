"""The leaders' pages: signing in, redirects, what each role's page holds, escaping."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.routers.pages import COOKIE, PLOTLY_JS
from tests.api.conftest import Api, open_api
from tests.api.test_figures_routes import _identities, _leaks

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def xss_org(tmp_path_factory: pytest.TempPathFactory, org: Path) -> Path:
    """The 60-person organization with its largest department renamed to a script tag."""
    folder = tmp_path_factory.mktemp("xss")
    for path in org.iterdir():
        shutil.copy(path, folder / path.name)
    with (org / "people.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    largest = Counter(r["department"] for r in rows).most_common(1)[0][0]
    for r in rows:
        if r["department"] == largest:
            r["department"] = XSS
    with (folder / "people.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, xss_org: Path) -> Iterator[tuple[Api, str]]:
    """(api, analysis_id) of the renamed organization, analyzed per month and before / after a date.

    Sign-in is not rate-limited here (many tests sign in); the limit has its own test.
    """
    client, keys = open_api(tmp_path_factory.mktemp("store") / "ona.duckdb", sign_in_attempts=0)
    with client:
        api = Api(client, keys)
        r = api.upload(xss_org, name="escaping <b>test</b>")
        assert r.status_code == 201, r.text
        dataset_id = r.json()["dataset"]["dataset_id"]
        yield api, api.analyze(dataset_id, period="month", split="2024-02-15T00:00:00Z")


def sign_in(api: Api, role: str | None) -> None:
    api.client.cookies.clear()
    if role is not None:
        r = api.client.post("/sign-in", data={"key": api.keys[role], "next": "/analyses"}, follow_redirects=False)
        assert r.status_code == 303, r.text


def page(api: Api, path: str, role: str | None) -> str:
    sign_in(api, role)
    r = api.client.get(path, follow_redirects=False)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    return r.text


def json_scripts(text: str) -> dict[str, str]:
    return dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', text, re.DOTALL))


# --------------------------------------------------------------------------
# Signing in


@pytest.mark.parametrize("path", ["/analyses", "/analyses/abc123", "/analyses/abc123/report",
                                  "/analyses/abc123?group=Finance"])  # fmt: skip
def test_pages_redirect_to_sign_in(site: tuple[Api, str], path: str) -> None:
    api = site[0]
    sign_in(api, None)
    r = api.client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/?next=/analyses")
    assert api.client.get(r.headers["location"]).status_code == 200


def test_sign_in_sets_a_strict_http_only_cookie(site: tuple[Api, str]) -> None:
    api, analysis_id = site
    api.client.cookies.clear()
    form = api.client.get("/").text
    assert 'action="/sign-in"' in form and 'type="password"' in form
    r = api.client.post("/sign-in", data={"key": api.keys["viewer"], "next": f"/analyses/{analysis_id}"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/analyses/{analysis_id}"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie
    # signed in: the sign-in page sends on
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/analyses"
    r = api.client.post("/sign-out", follow_redirects=False)
    assert r.status_code == 303 and f'{COOKIE}=""' in r.headers["set-cookie"]
    assert api.client.get("/analyses", follow_redirects=False).status_code == 303


def test_the_cookie_holds_a_session_not_the_key(site: tuple[Api, str]) -> None:
    """Sign-in exchanges the key for a session id; sign-out and revocation end it on the server."""
    api, analysis_id = site
    sign_in(api, "viewer")
    session = api.client.cookies[COOKIE]
    assert session and session not in api.keys.values()
    assert all(part not in session for key in api.keys.values() for part in key.split("_", 2)[1:])
    assert api.client.get(f"/analyses/{analysis_id}", follow_redirects=False).status_code == 200
    api.client.post("/sign-out", follow_redirects=False)
    # the old cookie, sent again (as a thief would), no longer opens anything
    api.client.cookies.set(COOKIE, session)
    assert api.client.get(f"/analyses/{analysis_id}", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions(tmp_path: Path, org: Path) -> None:
    from ona.store.control import Control, control_path

    client, keys = open_api(tmp_path / "ona.duckdb")
    with client:
        api = Api(client, keys)
        sign_in(api, "viewer")
        assert api.client.get("/analyses", follow_redirects=False).status_code == 200
        control = Control(control_path(tmp_path / "ona.duckdb"))  # as `ona keys revoke` would, from outside
        viewer_id = keys["viewer"].split("_")[1]
        control.revoke_key(viewer_id)
        assert control.sessions(viewer_id) == 0
        assert api.client.get("/analyses", follow_redirects=False).status_code == 303


def test_an_idle_session_ends(tmp_path: Path) -> None:
    client, keys = open_api(tmp_path / "ona.duckdb", session_idle_minutes=0.0001)  # 6 ms
    with client:
        api = Api(client, keys)
        sign_in(api, "viewer")
        import time

        time.sleep(0.05)
        assert api.client.get("/analyses", follow_redirects=False).status_code == 303


def test_sign_in_is_rate_limited_per_address(tmp_path: Path) -> None:
    client, keys = open_api(tmp_path / "ona.duckdb", sign_in_attempts=3)
    with client:
        codes = [client.post("/sign-in", data={"key": "wrong"}, follow_redirects=False) for _ in range(4)]
        assert [r.status_code for r in codes] == [401, 401, 401, 429]
        assert int(codes[-1].headers["retry-after"]) >= 1
        # even the right key waits: guessing cannot go faster than the limit
        r = client.post("/sign-in", data={"key": keys["viewer"]}, follow_redirects=False)
        assert r.status_code == 429 and "set-cookie" not in r.headers


def test_an_admin_key_opens_no_page(site: tuple[Api, str]) -> None:
    api = site[0]
    api.client.cookies.clear()
    r = api.client.post("/sign-in", data={"key": api.keys["admin"]}, follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers


def test_pages_of_another_workspace_are_not_found(site: tuple[Api, str]) -> None:
    """Another workspace's key: the list is empty of this analysis, and its page, figure and report are 404."""
    api, analysis_id = site
    sign_in(api, "other_viewer")
    listed = api.client.get("/analyses").text
    assert analysis_id not in listed and "escaping" not in listed
    for path in (f"/analyses/{analysis_id}", f"/analyses/{analysis_id}/report"):
        r = api.client.get(path, follow_redirects=False)
        assert r.status_code == 404 and "alert" not in r.text
    r = api.client.get(f"/analyses/{analysis_id}/figures/department_map.json")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "alert" not in r.text


@pytest.mark.parametrize("key", ["", "not-a-key", "revoked"])
def test_a_bad_key_does_not_sign_in(site: tuple[Api, str], key: str) -> None:
    api = site[0]
    api.client.cookies.clear()
    r = api.client.post("/sign-in", data={"key": api.keys.get(key, key)}, follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert 'class="error"' in r.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "\\\\evil", "javascript:alert(1)"])
def test_no_redirect_off_site(site: tuple[Api, str], target: str) -> None:
    api = site[0]
    api.client.cookies.clear()
    r = api.client.post("/sign-in", data={"key": api.keys["viewer"], "next": target}, follow_redirects=False)
    assert r.headers["location"] == "/analyses"


def test_a_post_from_another_site_is_refused(site: tuple[Api, str]) -> None:
    api = site[0]
    api.client.cookies.clear()
    r = api.client.post("/sign-in", data={"key": api.keys["viewer"]}, headers={"Origin": "http://evil.example"},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_an_api_key_cookie_does_not_open_the_api(site: tuple[Api, str]) -> None:
    """The cookie is for pages only: the JSON API still wants the Authorization header."""
    api, analysis_id = site
    sign_in(api, "analyst")
    assert api.client.get(f"/api/v1/analyses/{analysis_id}/groups").status_code == 401


# --------------------------------------------------------------------------
# Pages


def test_list_of_analyses(site: tuple[Api, str]) -> None:
    api, analysis_id = site
    text = page(api, "/analyses", "viewer")
    assert f'href="/analyses/{analysis_id}"' in text and "done" in text
    assert "escaping &lt;b&gt;test&lt;/b&gt;" in text


def test_viewer_page_holds_no_person(site: tuple[Api, str], xss_org: Path) -> None:
    api, analysis_id = site
    text = page(api, f"/analyses/{analysis_id}", "viewer")
    assert not _leaks(text, _identities(xss_org))
    assert "fig-people_map" not in text and "people_map.json" not in text and "Individual people are shown to analysts only" in text
    data = json.loads(json_scripts(text)["page-data"])
    assert data["peopleMap"] is None
    # the JSON the page can fetch is the viewer's too
    r = api.client.get(f"/analyses/{analysis_id}/figures/people_map.json")
    assert r.status_code == 200 and not _leaks(r.text, _identities(xss_org))
    assert all(not t.get("x") for t in r.json()["data"])
    # every section a leader reads
    for title in ("Summary", "Who works with whom", "Silos", "Weak links", "What to do", "Internal service", "Over time"):
        assert f"<h2>{title}</h2>" in text, title


def test_analyst_page_has_people(site: tuple[Api, str]) -> None:
    api, analysis_id = site
    text = page(api, f"/analyses/{analysis_id}", "analyst")
    assert 'id="fig-people_map"' in text and "What if they leave" in text
    data = json.loads(json_scripts(text)["page-data"])
    fig = api.client.get(data["peopleMap"]).json()
    assert any(t.get("meta") == "people" and t["x"] for t in fig["data"])
    assert api.client.get(f"/analyses/{analysis_id}/figures/people_map.json?color_by=nope").status_code == 422


def test_page_figures_are_the_api_s(site: tuple[Api, str]) -> None:
    """One data function: the page embeds exactly what the figure route serves, per role."""
    api, analysis_id = site
    for role in ("analyst", "viewer"):
        scripts = json_scripts(page(api, f"/analyses/{analysis_id}", role))
        for name in ("department_map", "interaction_heatmap", "silo_ranking", "community_sankey"):
            served = api.get(f"/api/v1/analyses/{analysis_id}/figures/{name}", role=role).json()
            assert json.loads(scripts[f"figure-{name}"]) == served, (role, name)


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_a_script_named_department_shows_as_text(site: tuple[Api, str], role: str) -> None:
    api, analysis_id = site
    text = page(api, f"/analyses/{analysis_id}", role)
    assert XSS not in text
    assert html.escape(XSS, quote=False) in text  # in the select, the tables, the reasons
    scripts = json_scripts(text)
    assert len(re.findall(r"<script\b", text)) == len(scripts) + 2  # plotly.js and the page's script
    for name, body in scripts.items():
        assert "<" not in body and ">" not in body, name  # "</script>" cannot close the element early
        json.loads(body)
    data = json.loads(scripts["page-data"])
    assert XSS in data["groups"]  # ... and the name reaches the scripts intact
    # the report too
    sign_in(api, role)
    report = api.client.get(f"/analyses/{analysis_id}/report").text
    assert XSS not in report


def test_page_errors(site: tuple[Api, str]) -> None:
    api = site[0]
    sign_in(api, "viewer")
    r = api.client.get("/analyses/feed0000")
    assert r.status_code == 404 and "No such analysis" in r.text
    assert api.client.get("/analyses/feed0000/figures/department_map.json").status_code == 404
    # the analysis is looked up first: an unknown one is 404 whatever figure is asked for
    nope = api.client.get("/analyses/feed0000/figures/nope.json")
    assert nope.status_code == 404 and "analysis 'feed0000' not found" in nope.json()["detail"]
    sign_in(api, None)
    assert api.client.get("/analyses/feed0000/figures/department_map.json").status_code == 401


def test_plotly_js_from_the_installed_package(site: tuple[Api, str]) -> None:
    api = site[0]
    r = api.client.get(PLOTLY_JS, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "immutable" in r.headers["cache-control"] and r.headers["content-encoding"] == "gzip"
    assert len(r.content) > 1_000_000 and "plotly" in r.text[:2000].lower()
    assert api.client.get("/static/ona.css").status_code == 200
    assert api.client.get("/static/analysis.js").status_code == 200
