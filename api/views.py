"""What the JSON routes and the leaders' pages both show, made in one place.

Input: the caller's key, the service's settings and its caches. Output: the
library objects a route returns as JSON and a page renders as HTML:

- the result of a done analysis as the key's role may see it
  (:func:`result_for`: the analyst's whole result, or the viewer's version of
  :func:`ona.privacy.for_viewer` above :func:`viewer_floor`);
- the parts of a result an analysis may lack (:func:`handoffs_of`,
  :func:`trends_of`, :func:`comparison_of`: a 404 problem naming the
  parameter to set) and the recommendations in the role's form
  (:func:`recommendations_for`);
- a figure by name as Plotly JSON (:func:`check_options`,
  :func:`figure_json`) and the HTML report (:func:`report_html`), each made
  once per analysis and audience and kept in an :class:`api.cache.LRUCache`.

The routers of :mod:`api.routers` call these, never each other: a router is
one resource, and what two of them show alike lives here.
"""

from __future__ import annotations

import inspect
import typing
from functools import cache
from typing import Annotated, Any

from fastapi import Path

from api.cache import LRUCache
from api.results import Results
from api.settings import Settings
from ona.errors import NotFoundError, OnaError, ParameterError
from ona.privacy import viewer_recommendations
from ona.report import render_report
from ona.results import (
    AnalysisResult,
    HandoffAnalytics,
    Recommendation,
    RecommendationView,
    Trends,
    WindowComparison,
)
from ona.store.control import KeyInfo
from ona.viz import FIGURE_NAMES, figure

# --------------------------------------------------------------------------
# The result as the caller's role may see it

#: What a viewer reads instead of why an analysis failed (the reason can quote files, rows or people).
VIEWER_FAILED = "the analysis did not finish; an analyst of the workspace can see why"


def viewer_floor(full: AnalysisResult, settings: Settings) -> int:
    """The group size under which a viewer's version suppresses a group: the larger of the
    analysis' own ``min_group_size`` and the service's ``viewer_min_group_size``."""
    return max(full.parameters.min_group_size, settings.viewer_min_group_size)


def result_for(key: KeyInfo, analysis_id: str, results: Results, settings: Settings) -> AnalysisResult:
    """The result of a done analysis as this key's role may see it (blocking on a cache miss)."""
    if key.role == "analyst":
        return results.full(analysis_id)
    return results.viewer(analysis_id, viewer_floor(results.full(analysis_id, reason=VIEWER_FAILED), settings))


def audience(result: AnalysisResult) -> int | None:
    """What tells the versions of one analysis apart: None (analyst) or the viewer's floor."""
    return result.privacy.min_group_size if result.privacy.audience == "viewer" else None


# --------------------------------------------------------------------------
# Parts of a result, and what to do


class NotInResult(NotFoundError):
    """A part of the result that this analysis does not have (run without the parameter it needs)."""

    def __init__(self, analysis_id: str, part: str, detail: str) -> None:
        OnaError.__init__(self, f"analysis '{analysis_id}' has no {part}: {detail}")
        self.kind = part
        self.ident = analysis_id


def handoffs_of(analysis_id: str, result: AnalysisResult) -> HandoffAnalytics:
    """The ticket handoffs of ``result`` (404 for a result made before ona analyzed handoffs)."""
    if result.handoffs is None:
        raise NotInResult(analysis_id, "ticket handoffs", "its result was made before ona analyzed handoffs")
    return result.handoffs


def trends_of(analysis_id: str, result: AnalysisResult) -> Trends:
    """The metrics per period of ``result`` (404 naming the parameter when it was run without a period)."""
    if result.trends is None:
        raise NotInResult(
            analysis_id, "trends",
            "it was run without a period; start an analysis with parameters.period 'week' or 'month' "
            "(ona analyze --period month)",
        )  # fmt: skip
    return result.trends


def comparison_of(analysis_id: str, result: AnalysisResult) -> WindowComparison:
    """The before / after comparison of ``result`` (404 naming the parameter when it was run without a split)."""
    if result.comparison is None:
        raise NotInResult(
            analysis_id, "before / after comparison",
            "it was run without a split date; start an analysis with parameters.split set to the date "
            "to compare around, e.g. a reorganization (ona analyze --split 2024-03-01)",
        )  # fmt: skip
    return result.comparison


def recommendations_for(
    key: KeyInfo, analysis_id: str, results: Results, settings: Settings
) -> list[Recommendation] | list[RecommendationView]:
    """What to do, as this key's role may see it (blocking on a cache miss).

    The viewer's form is the viewer result's recommendations (its reasons and
    figures), with the number of people each concerns counted on the full one.
    """
    full = results.full(analysis_id)
    if key.role == "analyst":
        return full.recommendations
    # reasons and figures from the viewer's result: the full ones would give back what it leaves out
    return viewer_recommendations(full, results.viewer(analysis_id, viewer_floor(full, settings)))


# --------------------------------------------------------------------------
# Figures

#: Plotly JSON of figures kept built (results never change once done).
CACHED_FIGURES = 64

#: Query options a figure function may take, and what they mean.
OPTIONS = {
    "color_by": "what colours the nodes: ei_index or insularity (department_map), group or community (people_map)",
    "metric": "the metric shown: ei_index or insularity (silo_ranking), or a metric per period (trend_lines)",
}

FigureName = Annotated[
    str, Path(pattern=r"^[a-z_]{1,40}$", description=f"a figure: {', '.join(FIGURE_NAMES)}")
]


class NoSuchFigure(NotFoundError):
    """A figure name that :data:`ona.viz.FIGURE_NAMES` does not hold."""

    def __init__(self, name: str) -> None:
        super().__init__("figure", name)
        self.args = (f"no figure called '{name}'; the figures are {', '.join(FIGURE_NAMES)}",)


@cache
def figure_options(name: str) -> dict[str, tuple[str, ...]]:
    """The options (among :data:`OPTIONS`) that figure ``name`` takes, and their allowed values."""
    fn = figure(name)
    hints = typing.get_type_hints(fn)
    out: dict[str, tuple[str, ...]] = {}
    for param in inspect.signature(fn).parameters.values():
        if param.name in OPTIONS and param.kind is param.KEYWORD_ONLY:
            out[param.name] = tuple(str(v) for v in typing.get_args(hints[param.name]))
    return out


def check_options(name: str, given: dict[str, str | None]) -> dict[str, str]:
    """The options to pass to figure ``name``.

    Raises
    ------
    NoSuchFigure
        Unknown figure name.
    ParameterError
        An option the figure does not take, or a value it does not accept.
    """
    if name not in FIGURE_NAMES:
        raise NoSuchFigure(name)
    allowed = figure_options(name)
    out: dict[str, str] = {}
    for option, value in given.items():
        if value is None:
            continue
        if option not in allowed:
            raise ParameterError(option, f"the {name} figure has no option '{option}'")
        if value not in allowed[option]:
            raise ParameterError(option, f"must be one of {', '.join(allowed[option])} for {name}, not '{value}'")
        out[option] = value
    return out


def build_figure(result: AnalysisResult, name: str, options: dict[str, Any] | None = None) -> Any:
    """The plotly Figure ``name`` of ``result`` (already the caller's version of it)."""
    return figure(name)(result, result.layout, **(options or {}))


def figure_json(
    figures: LRUCache[str],
    analysis_id: str,
    result: AnalysisResult,
    name: str,
    options: dict[str, Any] | None = None,
) -> str:
    """Plotly JSON of figure ``name`` of ``result``, built once per analysis, audience and options.

    Kept in ``figures`` under ``(analysis_id, audience, name, options)``.
    """
    options = options or {}
    key = (analysis_id, audience(result), name, tuple(sorted(options.items())))
    return figures.get_or_make(key, lambda: build_figure(result, name, options).to_json())


# --------------------------------------------------------------------------
# The report

#: Reports kept rendered (a 10,000-person report is a few MB and takes seconds to build).
CACHED_REPORTS = 4

#: The report carries its own scripts, so it is served in a CSP sandbox: it runs without this
#: site's origin, and cannot read its cookies or call its API even if some data escaped escaping.
REPORT_CSP = (
    "sandbox allow-scripts allow-popups allow-downloads allow-modals; default-src 'none'; "
    "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def report_html(reports: LRUCache[str], analysis_id: str, result: AnalysisResult) -> str:
    """The report of ``result`` (the caller's version), rendered once per analysis and audience."""
    return reports.get_or_make((analysis_id, audience(result)), lambda: render_report(result, result.layout))


def forget(analysis_id: str, results: Results, figures: LRUCache[str], reports: LRUCache[str]) -> None:
    """Forget what was kept of a deleted analysis: its parsed results, figures and reports."""
    results.evict(analysis_id)
    figures.invalidate((analysis_id,))
    reports.invalidate((analysis_id,))
