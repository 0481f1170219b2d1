"""Typed, JSON-serializable results of ona: the type layer.

Every model here is plain pydantic data (no igraph objects, no numpy
scalars, nulls instead of NaN), and field names are the words of DESIGN.md;
the keys of :class:`AnalysisResult` are a public contract (extend, never
rename). This package is the bottom layer of ona: io, store, graph, analysis
and every face import it, and it imports nothing of ona but its own modules
(``tests/test_layers.py`` keeps it so; the one exception is deferred: the
pandas tables of :attr:`AnalysisResult.frames` are built by :mod:`ona.tables`
on access).

Modules (every public name is re-exported here, so ``from ona.results
import AnalysisResult, GroupMetrics`` is the import path to use):

- :mod:`~ona.results.validation`: what was read (rows read, accepted,
  rejected per file, and why);
- :mod:`~ona.results.metrics`: groups, links between groups, people,
  communities and the summary;
- :mod:`~ona.results.service`: internal service from ticket handoffs,
  trends and before / after comparisons, recommendations, key-person risk;
- :mod:`~ona.results.layout`: the stored map positions;
- :mod:`~ona.results.params`: :class:`AnalysisParams`, every knob of an
  analysis (imported as ``ona.params`` too), which a result carries;
- :mod:`~ona.results.analysis`: :class:`AnalysisResult`, the whole
  document, and its :class:`PrivacyNote`.
"""

from __future__ import annotations

from ona.results.analysis import AnalysisResult, PrivacyNote
from ona.results.layout import Layout
from ona.results.metrics import (
    Brokerage,
    CommunitySummary,
    GroupMetrics,
    LinkMetrics,
    PersonMetrics,
    Summary,
)
from ona.results.params import AnalysisParams
from ona.results.service import (
    GroupChange,
    GroupService,
    GroupTrend,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
    KeyPersonRisk,
    LinkChange,
    LinkTrend,
    PairRisk,
    Recommendation,
    RecommendationKind,
    RecommendationView,
    TrendPeriod,
    Trends,
    WindowComparison,
    WindowInfo,
)
from ona.results.validation import RESULT_REJECTS, FileReport, Reject, ValidationReport

__all__ = [
    "RESULT_REJECTS",
    "AnalysisParams",
    "AnalysisResult",
    "Brokerage",
    "CommunitySummary",
    "FileReport",
    "GroupChange",
    "GroupMetrics",
    "GroupService",
    "GroupTrend",
    "HandoffAnalytics",
    "HandoffPair",
    "HandoffSummary",
    "KeyPersonRisk",
    "Layout",
    "LinkChange",
    "LinkMetrics",
    "LinkTrend",
    "PairRisk",
    "PersonMetrics",
    "PrivacyNote",
    "Recommendation",
    "RecommendationKind",
    "RecommendationView",
    "Reject",
    "Summary",
    "TrendPeriod",
    "Trends",
    "ValidationReport",
    "WindowComparison",
    "WindowInfo",
]
