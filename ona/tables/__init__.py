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

from ona.tables.frames import Frames, frame, result_frames
from ona.tables.schema import ROWS, TABLES, Column

__all__ = ["ROWS", "TABLES", "Column", "Frames", "frame", "result_frames"]
