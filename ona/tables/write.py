"""Tables as files: CSV, Parquet and XLSX, formula-safe; and a result JSON file read back.

Input: :class:`~ona.tables.frames.Frames` (or one DataFrame). Output: bytes
of one table (:func:`table_bytes`, what the API sends), or files in a folder
(:func:`write_tables`: one file per table for CSV and Parquet, one workbook
with one sheet per table for XLSX), and :func:`read_tables` to read them back
with the declared dtypes.

Spreadsheet safety (OWASP, "CSV injection"): in CSV and XLSX a text cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would
be run as a formula by Excel, LibreOffice or Google Sheets; such a cell is
written with a ``'`` in front, which makes it inert text. Parquet keeps every
value as it is (it is typed data, never evaluated), and so do the frames.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic import ValidationError

from ona.errors import OnaError
from ona.tables.frames import Frames
from ona.tables.schema import TABLES

if TYPE_CHECKING:
    from ona.results import AnalysisResult

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")

#: Media types of the formats (Parquet's is registered with IANA since 2024).
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limits: characters in a cell, rows in a sheet (the header included).
XLSX_MAX_CELL = 32_767
XLSX_MAX_ROWS = 1_048_576


class TablesError(OnaError):
    """A result file that cannot be read, or tables that cannot be written; the message names the file."""


def neutralize(text: str) -> str:
    """``text``, made inert for a spreadsheet: a ``'`` in front when it would start a formula.

    Examples
    --------
    >>> neutralize('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralize("Finance"), neutralize("-0.5 weight")
    ('Finance', "'-0.5 weight")
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_string_dtype(df[c].dtype) or df[c].dtype == object]


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are :func:`neutralize`-d (missing cells stay missing)."""
    out = df.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(lambda v: neutralize(v) if isinstance(v, str) else v)
    return out


def _iso(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 text ending in Z, as the result JSON writes them."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].map(lambda t: None if pd.isna(t) else t.isoformat().replace("+00:00", "Z"))
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """One table as UTF-8 CSV with a byte-order mark (so Excel reads accents right), formula-safe."""
    text = _iso(spreadsheet_safe(df)).to_csv(index=False, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """One table as Parquet (pyarrow), values as they are."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()


def table_bytes(df: pd.DataFrame, fmt: Literal["csv", "parquet"]) -> bytes:
    """One table in ``fmt`` (what the API answers to ``?format=csv|parquet``)."""
    return csv_bytes(df) if fmt == "csv" else parquet_bytes(df)


def _excel_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    if len(df) + 1 > XLSX_MAX_ROWS:
        raise TablesError(
            f"table {name} has {len(df):,} rows, more than an Excel sheet holds ({XLSX_MAX_ROWS - 1:,}); "
            "write --format csv or parquet instead"
        )
    out = spreadsheet_safe(df)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.tz_convert("UTC").dt.tz_localize(None)  # Excel has no time zones: UTC
        elif c in _text_columns(out):
            out[c] = out[c].map(_fit_cell)
    return out


def _fit_cell(v: object) -> object:
    if not isinstance(v, str):
        return v
    # control characters XML 1.0 cannot hold (openpyxl refuses them): shown as U+FFFD
    v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)
    if len(v) <= XLSX_MAX_CELL:
        return v
    tail = f" ... ({len(v):,} characters; the CSV and Parquet tables hold them all)"
    return v[: XLSX_MAX_CELL - len(tail)] + tail


def xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """One workbook (openpyxl), a sheet per table with a frozen header row, formula-safe.

    Timestamps are written in UTC without a zone (Excel has none); a text cell
    longer than Excel's 32,767 characters is cut, and says so; control
    characters that XML cannot hold become U+FFFD.
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in frames.items():
            _excel_frame(name, df).to_excel(xw, sheet_name=name, index=False)
            xw.sheets[name].freeze_panes = "A2"
    return buf.getvalue()


def write_tables(frames: Frames, out: Path, fmt: Format) -> list[Path]:
    """Write every table into the folder ``out`` (created if missing); the paths written.

    CSV and Parquet: one file per table, ``out/<table>.csv`` or ``.parquet``.
    XLSX: one workbook ``out/tables.xlsx`` with one sheet per table.
    """
    if fmt not in FORMATS:
        raise TablesError(f"unknown table format '{fmt}': use one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    tables = frames.as_dict()
    if fmt == "xlsx":
        path = out / "tables.xlsx"
        path.write_bytes(xlsx_bytes(tables))
        return [path]
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        path.write_bytes(table_bytes(df, fmt))
        paths.append(path)
    return paths


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    columns = TABLES[name]
    missing = [c.name for c in columns if c.name not in df.columns]
    if missing:
        raise TablesError(f"table {name} lacks the columns {', '.join(missing)}")
    df = df[[c.name for c in columns]].copy()
    for c in columns:
        if c.kind == "datetime":
            df[c.name] = pd.to_datetime(df[c.name], utc=True, format="ISO8601")
        elif c.kind in ("bool", "bool?") and df[c.name].dtype == object:
            df[c.name] = df[c.name].map({True: True, False: False, "True": True, "False": False})
    return df.astype({c.name: c.dtype for c in columns})


def read_tables(folder: Path, fmt: Format) -> Frames:
    """The tables :func:`write_tables` wrote in ``folder``, with the declared dtypes.

    Text neutralized for spreadsheets keeps its leading ``'`` (CSV, XLSX).
    """
    tables: dict[str, pd.DataFrame] = {}
    for name, columns in TABLES.items():
        if fmt == "parquet":
            df = pd.read_parquet(folder / f"{name}.parquet")
        elif fmt == "csv":
            text = [c.name for c in columns if c.kind in ("str", "list", "lines", "json")]
            df = pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", dtype=dict.fromkeys(text, "str"))
        elif fmt == "xlsx":
            df = pd.read_excel(folder / "tables.xlsx", sheet_name=name, engine="openpyxl")
        else:
            raise TablesError(f"unknown table format '{fmt}': use one of {', '.join(FORMATS)}")
        tables[name] = _typed(name, df)
    return Frames(**tables)


def read_result(path: Path) -> AnalysisResult:
    """The analysis result held in the JSON file ``path`` (as ``ona analyze --out`` writes it).

    Raises
    ------
    TablesError
        The file is missing, unreadable, not JSON, or not a result; the message
        names the file and the problem.
    """
    from ona.results import AnalysisResult

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TablesError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TablesError(f"{path}: is a folder, not a result JSON file") from None
    except UnicodeDecodeError:
        raise TablesError(f"{path}: not a result JSON file (not UTF-8 text)") from None
    except OSError as exc:
        raise TablesError(f"{path}: {exc.strerror or exc}") from None
    try:
        return AnalysisResult.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise TablesError(f"{path}: not JSON ({first['msg']})") from None
        where = ".".join(str(x) for x in first["loc"]) or "the document"
        raise TablesError(
            f"{path}: not an ona result (ona analyze --out writes one): {where}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else "")
        ) from None
