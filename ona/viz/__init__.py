"""Figures: an analysis result -> plotly Figure, each a pure function.

Input: an :class:`~ona.results.AnalysisResult` (privacy already applied by
:func:`ona.privacy.for_viewer` when the figure is for a viewer) and the
analysis's stored :class:`Layout`. Output: ``plotly.graph_objects.Figure``,
which the API serves as Plotly JSON (``fig.to_json()``) and the report
embeds. No figure does I/O or computes a metric; :func:`compute_layout` is
the only computation here, run once per analysis by the pipeline.

Names are imported lazily, so that ``import ona.viz`` loads neither plotly
nor igraph (the :class:`Layout` model itself is plain data, in
:mod:`ona.results`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "ANALYSTS_ONLY": "ona.viz.people",
    "CONFIG": "ona.viz.style",
    "Layout": "ona.results",
    "before_after_map": "ona.viz.trends",
    "community_sankey": "ona.viz.groups",
    "compute_layout": "ona.graph.layout",
    "department_map": "ona.viz.groups",
    "group_order": "ona.viz.ranking",
    "interaction_heatmap": "ona.viz.ranking",
    "people_map": "ona.viz.people",
    "silo_ranking": "ona.viz.ranking",
    "trend_lines": "ona.viz.trends",
    "weak_links_in_order": "ona.viz.groups",
}

# name -> figure function, for the API's /figures/{name} route
FIGURE_NAMES = (
    "department_map",
    "people_map",
    "interaction_heatmap",
    "silo_ranking",
    "community_sankey",
    "trend_lines",
    "before_after_map",
)

__all__ = [
    "ANALYSTS_ONLY",
    "CONFIG",
    "FIGURE_NAMES",
    "Layout",
    "before_after_map",
    "community_sankey",
    "compute_layout",
    "department_map",
    "figure",
    "group_order",
    "interaction_heatmap",
    "people_map",
    "silo_ranking",
    "trend_lines",
    "weak_links_in_order",
]

if TYPE_CHECKING:  # pragma: no cover
    from ona.graph.layout import compute_layout
    from ona.viz.groups import community_sankey, department_map, weak_links_in_order
    from ona.viz.ranking import group_order, interaction_heatmap, silo_ranking
    from ona.viz.people import ANALYSTS_ONLY, people_map
    from ona.viz.style import CONFIG
    from ona.viz.trends import before_after_map, trend_lines


def figure(name: str) -> Any:
    """The figure function called ``name`` (one of :data:`FIGURE_NAMES`)."""
    if name not in FIGURE_NAMES:
        raise KeyError(f"no figure called {name!r}; known: {', '.join(FIGURE_NAMES)}")
    return getattr(importlib.import_module(_WHERE[name]), name)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ona.viz' has no attribute {name!r}")
