"""The consultant's silo report and the words every face shares.

Input: an :class:`~ona.results.AnalysisResult` (a viewer's from
:func:`ona.privacy.for_viewer` for a leader's copy) and its layout. Output:
one self-contained HTML file (:func:`render_report`, :func:`write_report`)
and its PDF (:func:`write_pdf`).

Modules: :mod:`~ona.report.words` (labels of findings and actions, numbers
and durations as readers see them, the order of weak links, the findings in
plain sentences: used by the leaders' pages and the figures too),
:mod:`~ona.report.sections` (the rows of the report's
tables, also the pages' link and recommendation rows),
:mod:`~ona.report.method` (the method section, written for clients),
:mod:`~ona.report.notes` (the consultant's cover and notes),
:mod:`~ona.report.html` (the HTML document), :mod:`~ona.report.pdf` (the PDF).

The verbs are imported on first use, so that ``ona.report.words`` can be
imported without plotly or the figures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["render_report", "script_json", "write_pdf", "write_report"]

_HOME = {"render_report": "html", "write_report": "html", "script_json": "html", "write_pdf": "pdf"}

if TYPE_CHECKING:
    from ona.report.html import render_report, script_json, write_report
    from ona.report.pdf import write_pdf


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"ona.report.{_HOME[name]}"), name)
    raise AttributeError(f"module 'ona.report' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
