"""?format=json|csv|parquet on the table routes: the query parameter, the answer, its OpenAPI entry.

Input: a DataFrame from :mod:`ona.tables` (built from the same rows, the
same page and the same role's result as the JSON answer). Output: a
``Response`` with its bytes (:func:`ona.tables.table_bytes`), so that Power BI,
Excel or pandas can read a route directly. Nothing is computed here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Query, Response

from ona.tables import MEDIA_TYPES, table_bytes

TableFormat = Literal["json", "csv", "parquet"]

FormatQuery = Annotated[
    TableFormat,
    Query(
        alias="format",
        description="json (default); csv: UTF-8 text with a byte-order mark, formula-safe for spreadsheets; "
        "parquet: typed columns. The columns are the tables' of `ona tables` (README, Tables for pandas, "
        "Excel and Power BI)",
    ),
]


def table_responses() -> dict[int | str, dict[str, Any]]:
    """The 200 entry of a table route's ``responses=``: CSV and Parquet bodies beside the route's JSON model."""
    return {
        200: {
            "description": "The rows as JSON, or one table as CSV or Parquet (`format`); CSV and Parquet "
            "answers of paged routes carry the whole list's row count in X-Total-Count",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


def table_response(
    df: pd.DataFrame, fmt: Literal["csv", "parquet"], *, name: str, total: int | None = None
) -> Response:
    """The table ``df`` as a CSV or Parquet answer, named ``name.csv`` / ``name.parquet``."""
    headers = {"Content-Disposition": f'inline; filename="{name}.{fmt}"'}
    if total is not None:
        headers["X-Total-Count"] = str(total)
    return Response(content=table_bytes(df, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
