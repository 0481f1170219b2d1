"""`ona tables`: a result JSON written as tables; the viewer's version; errors that name the file.

Also: the README's section documents every column of every table.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
from typer.testing import CliRunner, Result

from ona.cli import app
from ona.privacy import for_viewer
from ona.results import AnalysisResult
from ona.tables import TABLES
from tests.tables.conftest import HYPERLINK

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def said(res: Result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(res.output.split())


def test_csv_tables_of_a_result_file(result_file: Path, result: AnalysisResult, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    res = runner.invoke(app, ["tables", str(result_file), "--out", str(out), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert "13 files written" in said(res) and f"people: {len(result.people)} rows" in said(res)
    people = pd.read_csv(out / "people.csv", encoding="utf-8-sig")
    assert sorted(people["person_id"]) == sorted(p.person_id for p in result.people)
    groups = pd.read_csv(out / "groups.csv", encoding="utf-8-sig")
    assert "'" + HYPERLINK in set(groups["group"]) and HYPERLINK not in set(groups["group"])


def test_viewer_tables_follow_the_viewer_rules(result_file: Path, result: AnalysisResult, tmp_path: Path) -> None:
    out = tmp_path / "viewer"
    res = runner.invoke(app, ["tables", str(result_file), "-o", str(out), "-f", "parquet", "--viewer"])
    assert res.exit_code == 0, res.output
    assert "(viewer version)" in said(res)
    want = for_viewer(result)
    groups = pq.read_table(out / "groups.parquet").to_pandas()
    assert groups["group"].tolist() == [g.group for g in want.groups]
    assert groups["external_weight"].tolist() == [g.external_weight for g in want.groups]
    assert pq.read_table(out / "people.parquet").num_rows == 0
    assert pq.read_table(out / "key_people.parquet").num_rows == 0
    assert not set(pq.read_table(out / "links.parquet").column("carriers").drop_null().to_pylist())
    assert {g.group for g in result.groups if g.headcount < 5}.isdisjoint(groups["group"])


def test_viewer_with_a_larger_minimum(result_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "k8"
    res = runner.invoke(app, ["tables", str(result_file), "-o", str(out), "--viewer", "--min-group-size", "8", "-q"])
    assert res.exit_code == 0 and res.output == ""
    groups = pd.read_csv(out / "groups.csv", encoding="utf-8-sig")
    assert (groups.loc[~groups["group"].str.startswith("other"), "headcount"] >= 8).all()


def test_xlsx_workbook(result_file: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["tables", str(result_file), "--out", str(tmp_path), "--format", "xlsx"])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert book.sheetnames == list(TABLES)
    values = [c.value for c in book["groups"]["A"]]
    assert "'" + HYPERLINK in values


def test_errors_name_the_file_and_the_problem(tmp_path: Path, result_file: Path) -> None:
    missing = tmp_path / "nope.json"
    res = runner.invoke(app, ["tables", str(missing), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "nope.json: no such file" in said(res)
    bad = tmp_path / "people.csv"
    bad.write_text("person_id,department\np1,IT\n", encoding="utf-8")
    res = runner.invoke(app, ["tables", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "people.csv: not JSON" in said(res)
    res = runner.invoke(app, ["tables", str(result_file), "--out", str(tmp_path / "o"), "--format", "xls"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["tables", str(result_file), "--out", str(tmp_path / "o"), "--min-group-size", "8"])
    assert res.exit_code == 2 and "add --viewer" in said(res)
    assert not (tmp_path / "o").exists()


def test_help_explains_the_formats_and_formulas() -> None:
    res = runner.invoke(app, ["tables", "--help"])
    assert res.exit_code == 0
    text = said(res)
    for words in ("csv", "parquet", "xlsx", "--viewer", "formula", "ona tables result.json"):
        assert words in text, words


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Tables for pandas, Excel and Power BI")
    end = readme.index("\n## ", start + 3)
    return readme[start:end]


def test_the_readme_shows_the_command_and_documents_every_column() -> None:
    section = _readme_section()
    assert re.search(r"^ona tables \S+ --out \S+ --format", section, re.M)
    for table, columns in TABLES.items():
        start = section.index(f"#### `{table}`\n")
        end = section.find("\n#### ", start + 1)
        body = section[start : end if end > 0 else len(section)]
        for c in columns:
            assert f"| `{c.name}` |" in body, f"README: column {c.name} of {table} is not documented"
