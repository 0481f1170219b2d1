"""`ona tables`: a result JSON as tables for pandas, Excel and Power BI (CSV, Parquet or XLSX)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ona.cli.common import console, fail, user_errors


class TableFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def tables(
    result_file: Annotated[
        Path,
        typer.Argument(help="A result JSON file, as `ona analyze --out` writes it.", show_default=False),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder to write the tables into (created if missing).", show_default=False),
    ],
    fmt: Annotated[
        TableFormat,
        typer.Option(
            "--format", "-f",
            help="csv: one UTF-8 file per table; parquet: one Parquet file per table; "
            "xlsx: one workbook, tables.xlsx, with one sheet per table.",
        ),
    ] = TableFormat.csv,
    viewer: Annotated[
        bool,
        typer.Option(
            "--viewer",
            help="Write the leaders' (viewer) version: the same privacy rules as every viewer output "
            "(no person-level data, groups under the minimum size pooled or left out, thin links withheld).",
        ),
    ] = False,
    min_group_size: Annotated[
        int | None,
        typer.Option(
            "--min-group-size",
            min=1,
            help="With --viewer: the minimum group size K, when larger than the analysis' own.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Write a result's parts as tables for pandas, Excel and Power BI.

    13 tables: groups, links, people, communities, handoffs, handoff_groups,
    recommendations, key_people, trends, trend_links, trend_periods,
    validation and rejected (their columns: README, "Tables for pandas,
    Excel and Power BI").

    Text cells that a spreadsheet would run as a formula (starting with =,
    +, -, @, a tab or a carriage return) get a ' in front in CSV and XLSX.

    Example: ona tables result.json --out tables/ --format xlsx --viewer
    """
    from ona.tables import read_result, result_frames, viewer_result, write_tables

    if min_group_size is not None and not viewer:
        fail("--min-group-size applies to the viewer's version: add --viewer", code=2)
    with user_errors():
        result = read_result(result_file)
        if viewer:
            try:
                result = viewer_result(result, min_group_size)
            except ValueError as exc:
                fail(f"{result_file}: {exc}")
        frames = result_frames(result)
        paths = write_tables(frames, out, fmt.value)
    if not quiet:
        rows = {name: len(df) for name, df in frames.as_dict().items()}
        audience = "viewer" if result.privacy.audience == "viewer" else "analyst"
        console.print(f"{len(paths)} file{'s' if len(paths) != 1 else ''} written to [bold]{out}[/] "
                      f"({audience} version):", highlight=False)  # fmt: skip
        for name, n in rows.items():
            console.print(f"  {name}: {n:,} row{'s' if n != 1 else ''}", highlight=False)
