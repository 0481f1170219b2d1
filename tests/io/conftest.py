"""Fixture writers for the reader tests: small dataset files in tmp_path.

``write_table(folder, "emails", rows, fmt)`` writes the same rows as CSV,
Parquet or JSON Lines, so that every format can be held to the same
expected tables. ``write_text`` writes exact bytes (for line-number and
encoding tests). ``dataset`` is a fixture returning a writer bound to a
fresh folder with a default people file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

Rows = Sequence[dict[str, str]]

EXT = {"csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl"}

# Five people; "ann" has two aliases, "bob" one, "cy" none.
PEOPLE: list[dict[str, str]] = [
    {"person_id": "ann", "department": "HR", "email": "ann@corp.org; Ann.Smith@Corp.org", "team": "t1"},
    {"person_id": "bob", "department": "IT", "email": "BOB@corp.org", "team": "t2"},
    {"person_id": "cy", "department": "IT", "email": "", "team": ""},
    {"person_id": "dee", "department": "Legal", "email": "dee@corp.org", "team": "t3"},
    {"person_id": "eve", "department": "Legal", "email": "eve@corp.org", "team": "t3"},
]


def csv_text(rows: Rows, columns: Sequence[str] | None = None) -> str:
    """RFC 4180 CSV text (header first) of a list of dicts."""
    columns = list(columns or rows[0].keys())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def write_table(folder: Path, table: str, rows: Rows, fmt: str = "csv", columns: Sequence[str] | None = None) -> Path:
    """Write rows (all values strings) as ``folder/<table>.<ext>`` in the given format."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(columns or rows[0].keys())
    path = folder / f"{table}{EXT[fmt]}"
    if fmt == "csv":
        path.write_text(csv_text(rows, columns), encoding="utf-8")
    elif fmt == "parquet":
        pq.write_table(
            pa.table({c: pa.array([r.get(c, "") for r in rows], pa.string()) for c in columns}), path
        )
    else:
        path.write_text("".join(json.dumps({c: r.get(c, "") for c in columns}) + "\n" for r in rows))
    return path


def write_text(folder: Path, name: str, text: str | bytes) -> Path:
    """Write exact text (UTF-8) or bytes as ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


Writer = Callable[..., Path]


@pytest.fixture
def dataset(tmp_path: Path) -> Writer:
    """A dataset folder with the default people; call it to add a table.

    ``dataset("emails", rows, fmt="csv")`` writes rows, ``dataset("emails.csv",
    text=...)`` writes exact text; both return the folder.
    """
    folder = tmp_path / "ds"
    write_table(folder, "people", PEOPLE)

    def add(table: str | None = None, rows: Rows | None = None, fmt: str = "csv", text: str | bytes | None = None,
            columns: Sequence[str] | None = None) -> Path:
        if table is not None and text is not None:
            write_text(folder, table, text)
        elif table is not None and rows is not None:
            write_table(folder, table, rows, fmt, columns)
        return folder

    return add
