"""?format=csv|parquet on the table routes: the JSON answer's rows, as a table Power BI or Excel reads.

The truth is the same route's JSON answer (same page, filters, sort and
role); CSV is read back with pandas and the csv module, Parquet with
pyarrow. One test reads a real `ona serve` over HTTP the way a notebook
or Power BI would (pandas.read_csv on the URL).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ona.tables import TABLES
from tests.api.conftest import Api, make_keys
from tests.api.server import Server

Done = tuple[Api, str, str]
PARQUET = "application/vnd.apache.parquet"


def read_csv(r: httpx.Response) -> pd.DataFrame:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def read_parquet(r: httpx.Response) -> pd.DataFrame:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == PARQUET
    return pq.read_table(io.BytesIO(r.content)).to_pandas()


def items(api: Api, path: str, role: str = "analyst") -> list[dict]:
    r = api.get(path, role)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["items"] if isinstance(body, dict) and "items" in body else body


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_groups_csv_is_the_json_page(done: Done, role: str) -> None:
    api, _, aid = done
    query = "sort=-headcount&offset=1&limit=3"
    want = items(api, f"/api/v1/analyses/{aid}/groups?{query}", role)
    r = api.get(f"/api/v1/analyses/{aid}/groups?{query}&format=csv", role)
    got = read_csv(r)
    assert list(got.columns) == [c.name for c in TABLES["groups"]]
    assert got["group"].tolist() == [g["group"] for g in want] and len(want) == 3
    assert got["headcount"].tolist() == [g["headcount"] for g in want]
    assert got["ei_index"].tolist() == [g["ei_index"] for g in want]
    assert r.headers["x-total-count"] == str(api.get(f"/api/v1/analyses/{aid}/groups", role).json()["total"])
    assert 'filename="groups.csv"' in r.headers["content-disposition"]


def test_a_viewer_gets_the_viewers_rows(done: Done) -> None:
    api, _, aid = done
    analyst = read_csv(api.get(f"/api/v1/analyses/{aid}/groups?format=csv&limit=1000"))
    viewer = read_csv(api.get(f"/api/v1/analyses/{aid}/groups?format=csv&limit=1000", "viewer"))
    small = set(analyst.loc[analyst["headcount"] < 5, "group"])
    assert small, "the fixture has groups under the minimum size"
    assert not small & set(viewer["group"])
    assert viewer["group"].tolist() == [g["group"] for g in items(api, f"/api/v1/analyses/{aid}/groups?limit=1000",
                                                                  "viewer")]  # fmt: skip
    links = read_parquet(api.get(f"/api/v1/analyses/{aid}/links?format=parquet&limit=1000", "viewer"))
    assert links["carriers"].isna().all() and links["bridge_people"].isna().all()
    assert read_parquet(api.get(f"/api/v1/analyses/{aid}/links?format=parquet&limit=1000"))["carriers"].notna().any()
    for path in ("people", "key-people"):
        r = api.get(f"/api/v1/analyses/{aid}/{path}?format=csv", "viewer")
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")


def test_links_parquet_is_the_filtered_json_page(done: Done) -> None:
    api, _, aid = done
    want = items(api, f"/api/v1/analyses/{aid}/links?weak=true&sort=ratio&limit=1000")
    got = read_parquet(api.get(f"/api/v1/analyses/{aid}/links?weak=true&sort=ratio&limit=1000&format=parquet"))
    assert want
    assert list(zip(got["source"], got["target"], strict=True)) == [(lk["source"], lk["target"]) for lk in want]
    assert got["weight"].tolist() == [lk["weight"] for lk in want]
    assert got["weak"].all() and got["weak"].dtype == bool
    assert [c.split("; ") for c in got["carriers"]] == [lk["carriers"] for lk in want]
    assert got["channel_email"].tolist() == [lk["channels"].get("email") for lk in want]


def test_people_and_communities(done: Done) -> None:
    api, _, aid = done
    people = items(api, f"/api/v1/analyses/{aid}/people?limit=1000")
    got = read_parquet(api.get(f"/api/v1/analyses/{aid}/people?limit=1000&format=parquet"))
    assert got["person_id"].tolist() == [p["person_id"] for p in people]
    assert got["brokerage_liaison"].tolist() == [p["brokerage"]["liaison"] for p in people]
    comms = items(api, f"/api/v1/analyses/{aid}/communities")
    got = read_csv(api.get(f"/api/v1/analyses/{aid}/communities?format=csv"))
    assert [json.loads(g) for g in got["groups"]] == [c["groups"] for c in comms]


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_handoffs_and_recommendations(done: Done, role: str) -> None:
    api, _, aid = done
    h = api.get(f"/api/v1/analyses/{aid}/handoffs", role).json()
    pairs = read_csv(api.get(f"/api/v1/analyses/{aid}/handoffs?format=csv", role))
    assert list(zip(pairs["from_group"], pairs["to_group"], pairs["handoffs"], strict=True)) == [
        (p["from_group"], p["to_group"], p["handoffs"]) for p in h["pairs"]]  # fmt: skip
    groups = read_parquet(api.get(f"/api/v1/analyses/{aid}/handoffs?format=parquet&table=handoff_groups", role))
    assert groups["received"].tolist() == [g["received"] for g in h["groups"]]
    recs = api.get(f"/api/v1/analyses/{aid}/recommendations", role).json()
    got = read_csv(api.get(f"/api/v1/analyses/{aid}/recommendations?format=csv", role))
    assert got["priority"].tolist() == [r["priority"] for r in recs]
    assert [json.loads(f) for f in got["figures"]] == [r["figures"] for r in recs]
    if role == "viewer":
        assert got["person_ids"].isna().all() and (got["pairs"] == "[]").all()
        assert got["people"].tolist() == [r["people"] for r in recs]
    else:
        assert [p.split("; ") for p in got["person_ids"]] == [r["person_ids"] for r in recs]


def test_key_people_csv(done: Done) -> None:
    api, _, aid = done
    want = api.get(f"/api/v1/analyses/{aid}/key-people").json()
    got = read_csv(api.get(f"/api/v1/analyses/{aid}/key-people?format=csv"))
    assert got["person_id"].tolist() == [k["person_id"] for k in want]
    assert [json.loads(p) for p in got["pairs"]] == [k["pairs"] for k in want]


def test_trends_tables_and_their_404(done: Done) -> None:
    api, dataset_id, aid = done
    r = api.get(f"/api/v1/analyses/{aid}/trends?format=csv")
    assert r.status_code == 404 and "period" in r.json()["detail"]
    monthly = api.analyze(dataset_id, period="month")
    t = api.get(f"/api/v1/analyses/{monthly}/trends").json()
    got = read_csv(api.get(f"/api/v1/analyses/{monthly}/trends?format=csv"))
    g0 = t["groups"][0]
    rows = got[got["group"] == g0["group"]]
    assert rows["period"].tolist() == [p["label"] for p in t["periods"]]
    assert rows["internal_weight"].tolist() == g0["internal_weight"]
    periods = read_parquet(api.get(f"/api/v1/analyses/{monthly}/trends?format=parquet&table=trend_periods"))
    assert periods["total_weight"].tolist() == [p["total_weight"] for p in t["periods"]]
    assert str(periods["start"].dtype).endswith("UTC]")
    links = read_csv(api.get(f"/api/v1/analyses/{monthly}/trends?format=csv&table=trend_links", "viewer"))
    tv = api.get(f"/api/v1/analyses/{monthly}/trends", "viewer").json()
    assert len(links) == len(tv["links"]) * len(tv["periods"])


def test_bad_format_or_table_is_422(done: Done) -> None:
    api, _, aid = done
    assert api.get(f"/api/v1/analyses/{aid}/groups?format=xlsx").status_code == 422
    assert api.get(f"/api/v1/analyses/{aid}/handoffs?format=csv&table=groups").status_code == 422


def test_openapi_documents_the_table_media_types(done: Done) -> None:
    api, _, _ = done
    paths = api.client.get("/openapi.json").json()["paths"]
    for route in ("groups", "links", "people", "communities", "handoffs", "recommendations", "trends", "key-people"):
        op = paths[f"/api/v1/analyses/{{analysis_id}}/{route}"]["get"]
        content = op["responses"]["200"]["content"]
        assert {"application/json", "text/csv", PARQUET} <= set(content), route
        fmt = next(p for p in op["parameters"] if p["name"] == "format")
        assert fmt["schema"]["enum"] == ["json", "csv", "parquet"], route


@pytest.mark.server
def test_a_real_server_is_read_by_pandas_and_pyarrow(tmp_path: Path, org: Path) -> None:
    from ona.analysis.pipeline import analyze_dataset
    from ona.io import read_dataset
    from ona.params import AnalysisParams
    from ona.store import Store

    store_path = tmp_path / "ona.duckdb"
    keys = make_keys(store_path)
    with Store(store_path) as store:
        info = store.save_dataset(read_dataset(org))
        params = AnalysisParams(permutations=50)
        job = store.create_analysis(info.dataset_id, params)
        store.save_result(job.analysis_id, analyze_dataset(store, info.dataset_id, params).to_json())
    with Server(store_path, tmp_path / "server.log") as server:
        base = f"{server.url}/api/v1/analyses/{job.analysis_id}"
        viewer = {"Authorization": f"Bearer {keys['viewer']}"}
        # as a notebook reads it: pandas fetches the URL itself
        groups = pd.read_csv(f"{base}/groups?format=csv&limit=1000", storage_options=viewer, encoding="utf-8-sig")
        want = httpx.get(f"{base}/groups?limit=1000", headers=viewer).json()["items"]
        assert groups["group"].tolist() == [g["group"] for g in want]
        assert groups["headcount"].tolist() == [g["headcount"] for g in want]
        r = httpx.get(f"{base}/links?format=parquet&limit=1000", headers={"Authorization": f"Bearer {keys['analyst']}"})
        assert r.headers["content-type"] == PARQUET
        links = pq.read_table(io.BytesIO(r.content))
        assert links.num_rows == int(r.headers["x-total-count"])
        rows = list(csv.reader(io.StringIO(httpx.get(f"{base}/communities?format=csv", headers=viewer).text)))
        assert rows[0][0].lstrip("\ufeff") == "community"
