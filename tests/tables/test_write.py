"""Tables written as CSV, Parquet and XLSX, read back with other readers; formulas made inert.

Independent readers: the csv module and pandas for CSV, pyarrow for
Parquet, openpyxl for XLSX. The truth is the frames (themselves checked
against the result's models in test_frames.py) and, for neutralization,
the raw department names of the fixture.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ona.results import AnalysisResult
from ona.tables import (
    TABLES,
    TablesError,
    neutralize,
    read_result,
    read_tables,
    result_frames,
    write_tables,
)
from ona.tables.write import FORMULA_STARTS, XLSX_MAX_CELL, xlsx_bytes
from tests.tables.conftest import HOSTILE, HYPERLINK


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", HYPERLINK])
def test_formula_starts_get_a_quote(text: str) -> None:
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", ["Finance", "1-2", "a=b", "", "'quoted", " =x"])
def test_other_text_is_kept(text: str) -> None:
    assert neutralize(text) == text


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_written_tables_read_back_equal_the_frames(result: AnalysisResult, tmp_path: Path, fmt: str) -> None:
    frames = result_frames(result)
    write_tables(frames, tmp_path, fmt)  # type: ignore[arg-type]
    back = read_tables(tmp_path, fmt)  # type: ignore[arg-type]
    for name, df in frames.as_dict().items():
        want = df.copy()
        if fmt != "parquet":  # spreadsheet formats keep the quote that makes formulas inert
            for c in TABLES[name]:
                if c.kind in ("str", "list", "lines"):
                    quoted = want[c.name].map(lambda v: neutralize(v) if isinstance(v, str) else v)
                    want[c.name] = quoted.astype(c.dtype)
        if fmt == "xlsx":  # Excel keeps times to the millisecond
            for c in TABLES[name]:
                if c.kind == "datetime":
                    want[c.name] = want[c.name].dt.floor("ms")
                    back_df = getattr(back, name)
                    back_df[c.name] = back_df[c.name].dt.floor("ms")
        # CSV and Parquet: every float to the last bit; XLSX: to Excel's 15 significant digits
        pd.testing.assert_frame_equal(getattr(back, name), want, obj=f"{fmt} {name}", check_exact=fmt != "xlsx",
                                      rtol=1e-14)


def test_parquet_read_by_pyarrow_holds_the_raw_values(result: AnalysisResult, tmp_path: Path) -> None:
    write_tables(result_frames(result), tmp_path, "parquet")
    groups = pq.read_table(tmp_path / "groups.parquet")
    assert groups.column_names == [c.name for c in TABLES["groups"]]
    assert groups.column("group").to_pylist() == [g.group for g in result.groups]  # typed data: no quote
    assert groups.column("ei_index").to_pylist() == [g.ei_index for g in result.groups]
    assert str(groups.schema.field("headcount").type) == "int64"
    assert str(groups.schema.field("silo").type) == "bool"


def test_csv_read_by_the_csv_module_is_inert_and_exact(result: AnalysisResult, tmp_path: Path) -> None:
    paths = write_tables(result_frames(result), tmp_path, "csv")
    assert sorted(p.name for p in paths) == sorted(f"{n}.csv" for n in TABLES)
    raw = (tmp_path / "groups.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["group"] for r in rows] == [neutralize(g.group) for g in result.groups]
    assert "'" + HYPERLINK in [r["group"] for r in rows]
    assert [float(r["internal_weight"]) for r in rows] == [g.internal_weight for g in result.groups]
    for path in paths:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or _number(cell), (path.name, cell)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_hostile_name_is_inert_in_every_csv_table(result: AnalysisResult, tmp_path: Path) -> None:
    write_tables(result_frames(result), tmp_path, "csv")
    links = pd.read_csv(tmp_path / "links.csv", encoding="utf-8-sig", dtype=str)
    for name in HOSTILE:
        assert "'" + name in set(links["source"]) | set(links["target"])
        assert name not in set(links["source"]) | set(links["target"])


def test_xlsx_opened_with_openpyxl(result: AnalysisResult, tmp_path: Path) -> None:
    frames = result_frames(result)
    (path,) = write_tables(frames, tmp_path, "xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(TABLES)
    groups = book["groups"]
    header = [c.value for c in groups[1]]
    assert header == [c.name for c in TABLES["groups"]]
    assert groups.freeze_panes == "A2"
    col = {name: i for i, name in enumerate(header)}
    body = list(groups.iter_rows(min_row=2, values_only=True))
    assert [r[col["headcount"]] for r in body] == [g.headcount for g in result.groups]
    assert [r[col["silo"]] for r in body] == [g.silo for g in result.groups]
    assert [r[col["ei_index"]] for r in body] == pytest.approx([g.ei_index for g in result.groups], rel=1e-14)
    cells = [row[col["group"]] for row in groups.iter_rows(min_row=2)]
    hostile = [c for c in cells if c.value == "'" + HYPERLINK]
    assert len(hostile) == 1 and hostile[0].data_type == "s"
    for sheet in book.worksheets:  # no formula anywhere in the workbook
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (sheet.title, cell.coordinate)


def test_xlsx_cuts_a_cell_longer_than_excel_holds() -> None:
    long = pd.DataFrame({"carriers": ["p" * (XLSX_MAX_CELL + 10)]}, dtype="str")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"links": long})))
    value = book["links"]["A2"].value
    assert len(value) == XLSX_MAX_CELL and value.endswith("the CSV and Parquet tables hold them all)")


def test_xlsx_replaces_control_characters_xml_cannot_hold() -> None:
    df = pd.DataFrame({"group": ["bad\x01name", "ok\tname"]}, dtype="str")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"groups": df})))
    assert [book["groups"]["A2"].value, book["groups"]["A3"].value] == ["bad\ufffdname", "ok\tname"]


def test_unknown_format_is_refused(result: AnalysisResult, tmp_path: Path) -> None:
    with pytest.raises(TablesError, match="unknown table format 'xls'"):
        write_tables(result_frames(result), tmp_path, "xls")  # type: ignore[arg-type]


def test_read_result_names_the_file_and_the_problem(result_file: Path, tmp_path: Path) -> None:
    assert read_result(result_file).groups
    missing = tmp_path / "missing.json"
    with pytest.raises(TablesError, match=f"{missing}: no such file"):
        read_result(missing)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TablesError, match=f"{bad}: not JSON"):
        read_result(bad)
    other = tmp_path / "other.json"
    other.write_text('{"people": []}', encoding="utf-8")
    with pytest.raises(TablesError, match=f"{other}: not an ona result .*ona_version: Field required"):
        read_result(other)
    with pytest.raises(TablesError, match="is a folder"):
        read_result(tmp_path)
