"""Tables out: an analysis result as DataFrames, CSV, Parquet and XLSX.

Input: an :class:`~ona.results.AnalysisResult`. Output: one table per part
(groups, links, people, communities, handoffs, recommendations, key people,
trends, validation, ...), with the stable columns of
:mod:`ona.tables.schema`, as pandas DataFrames (:func:`result_frames`, also
``result.frames``) or files (:mod:`ona.tables.write`). The viewer's tables
are the tables of the viewer's result (:func:`ona.privacy.for_viewer`):
nothing is suppressed here.
"""

from __future__ import annotations

from ona.tables.frames import Frames, frame, result_frames, rows_frame, trend_frames, viewer_result
from ona.tables.schema import ROWS, TABLES, Column
from ona.tables.write import (
    FORMATS,
    MEDIA_TYPES,
    TablesError,
    csv_bytes,
    neutralize,
    parquet_bytes,
    read_result,
    read_tables,
    table_bytes,
    write_tables,
    xlsx_bytes,
)

__all__ = [
    "FORMATS", "MEDIA_TYPES", "ROWS", "TABLES", "Column", "Frames", "TablesError", "csv_bytes", "frame",
    "neutralize", "parquet_bytes", "read_result", "read_tables", "result_frames", "rows_frame", "table_bytes",
    "trend_frames", "viewer_result", "write_tables", "xlsx_bytes",
]  # fmt: skip
