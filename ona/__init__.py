"""ona: silo-detection organizational network analysis.

Collaboration logs (email metadata, meetings, ticket handoffs) in, a weighted
collaboration graph built, silo findings out::

    import ona
    result = ona.analyze("sample_data", ona.AnalysisParams(seed=1))
    [g.group for g in result.groups if g.silo]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AnalysisParams",
    "AnalysisResult",
    "DatasetError",
    "EmptyGraphError",
    "NotFoundError",
    "OnaError",
    "ParameterError",
    "Store",
    "analyze",
    "analyze_dataset",
    "for_viewer",
    "read_dataset",
    "__version__",
]

_WHERE = {
    "AnalysisParams": "ona.params",
    "AnalysisResult": "ona.results",
    "DatasetError": "ona.errors",
    "EmptyGraphError": "ona.errors",
    "NotFoundError": "ona.errors",
    "OnaError": "ona.errors",
    "ParameterError": "ona.errors",
    "Store": "ona.store",
    "analyze": "ona.analysis.pipeline",
    "analyze_dataset": "ona.analysis.pipeline",
    "for_viewer": "ona.privacy",
    "read_dataset": "ona.io",
}

if TYPE_CHECKING:  # pragma: no cover
    from ona.analysis.pipeline import analyze, analyze_dataset
    from ona.errors import DatasetError, EmptyGraphError, NotFoundError, OnaError, ParameterError
    from ona.io import read_dataset
    from ona.params import AnalysisParams
    from ona.privacy import for_viewer
    from ona.results import AnalysisResult
    from ona.store import Store


def __getattr__(name: str) -> Any:
    # Lazy, so that `ona --help` and `import ona.errors` stay fast.
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ona' has no attribute {name!r}")
