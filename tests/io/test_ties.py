"""The ties table: validation, externals, windows by period_start, and a people + ties dataset end to end.

The organization: Finance (f1, f2, f3) and Sales (s1, s2, s3), ties
f1-f2 2 and f2-f3 1 (January), s1-s2 2 (January), f1-s1 1 (undated),
s2-s3 1.5 (February); a tie to an outsider (x@else.org, 4) and bad rows.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from typer.testing import CliRunner

from ona.cli import app
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store

PEOPLE = "person_id,department,email\nf1,Finance,f1@corp.org\nf2,Finance,\nf3,Finance,\ns1,Sales,\ns2,Sales,\ns3,Sales,\n"
TIES = (
    "source,target,weight,period_start,channel,directed\n"
    "f1@CORP.org,f2,2,2024-01-03,email,true\n"  # line 2
    "f3,f2,1,2024-01-20,,\n"
    "s1,s2,2,2024-01-05,,no\n"
    "f1,s1,1,,,\n"  # line 5: undated, in every window
    "s2,s3,1.5,2024-02-10,,\n"
    "f1,x@else.org,4,2024-01-03,,\n"  # line 7: external
    "f1,f2,0,,,\n"  # line 8: rejected rows from here
    "f1,f2,abc,,,\n"
    "f1,,1,,,\n"
    "f1,f2,1,someday,,\n"
    "f1,f2,1,,,maybe\n"
    "f1,f1@corp.org,1,,,\n"
    "f1,f2,inf,,,\n"
)


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "ties.csv").write_text(TIES)
    return folder


def test_rejects_and_externals(tmp_path: Path) -> None:
    ds = read_dataset(write(tmp_path / "org"))
    reasons = {r.line: r.reason for r in ds.report.rejected}
    assert reasons == {
        8: "weight '0' is not above 0",
        9: "weight 'abc' is not a finite number",
        10: "target is empty",
        11: "period_start 'someday' is not ISO 8601",
        12: "directed 'maybe' is not true or false",
        13: "source and target are the same person",
        14: "weight 'inf' is not a finite number",
    }
    assert ds.report.files["ties.csv"].accepted == 6 and ds.report.external["tie_references"] == 1
    with Store() as store:
        info = store.save_dataset(ds)
        pw = store.pair_weights(info.dataset_id, AnalysisParams())
        t = pw.table.to_pydict()
        assert dict(zip(zip(t["a"], t["b"]), t["weight"])) == {
            ("f1", "f2"): 2.0, ("f2", "f3"): 1.0, ("s1", "s2"): 2.0, ("f1", "s1"): 1.0, ("s2", "s3"): 1.5}  # fmt: skip
        # the outsider's tie is counted and kept out of the graph
        assert pw.events["ties"] == 6 and pw.events["ties_external"] == 1 and pw.external["ties"] == 4.0
        # ties_weight is a coefficient
        half = store.pair_weights(info.dataset_id, AnalysisParams(ties_weight=0.5)).total_weight
        assert half == 7.5 / 2
        # a window takes dated ties by period_start, undated ones always
        feb = AnalysisParams(since=datetime(2024, 2, 1, tzinfo=timezone.utc), until=datetime(2024, 3, 1, tzinfo=timezone.utc))
        t = store.pair_weights(info.dataset_id, feb).table.to_pydict()
        assert list(zip(t["a"], t["b"], t["weight"])) == [("f1", "s1", 1.0), ("s2", "s3", 1.5)]


def test_people_and_ties_only_end_to_end(tmp_path: Path) -> None:
    folder = write(tmp_path / "org")
    out = tmp_path / "result.json"
    report = tmp_path / "report.html"
    runner = CliRunner()
    args = ["--min-group-size", "1", "--permutations", "20", "--period", "month", "--split", "2024-02-01"]
    res = runner.invoke(app, ["analyze", str(folder), "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    # I_Finance = 2 + 1 = 3, I_Sales = 2 + 1.5 = 3.5, E = 1 (f1-s1): ei = (1 - 3) / 4 and (1 - 3.5) / 4.5
    groups = {g["group"]: g for g in result["groups"]}
    assert groups["Finance"]["ei_index"] == -0.5
    assert abs(groups["Sales"]["ei_index"] - (-2.5 / 4.5)) < 1e-12
    (link,) = result["links"]
    assert link["weight"] == 1.0 and link["channels"]["ties"] == 1.0 and link["carriers"] == ["f1", "s1"]
    assert {p["person_id"] for p in result["people"]} == {"f1", "f2", "f3", "s1", "s2", "s3"}
    assert result["communities"] and result["summary"]["events"]["ties"] == 6
    assert [p["label"] for p in result["trends"]["periods"]] == ["2024-01", "2024-02"]
    # the undated f1-s1 tie is in both months
    assert result["trends"]["links"][0]["weight"] == [1.0, 1.0]
    res = runner.invoke(app, ["report", str(folder), "--out", str(report), "--min-group-size", "1", "--permutations", "20"])
    assert res.exit_code == 0, res.output
    assert "Finance" in report.read_text()


def test_map_missing_column_names_file_and_column(tmp_path: Path) -> None:
    folder = write(tmp_path / "org")
    res = CliRunner().invoke(app, ["validate", str(folder), "--map", "department=Org Unit"])
    assert res.exit_code == 1
    text = " ".join(res.output.split())  # rich wraps long lines
    assert "people.csv" in text and "'Org Unit'" in text
