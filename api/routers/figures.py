"""/api/v1/analyses/{id}/figures: the Plotly figures of an analysis, as Plotly JSON.

Each figure is :func:`ona.viz.figure` applied to the result as the caller's
role may see it (:data:`api.deps.ResultDep`): a viewer's result holds no
people, so the people map it gets is the library's no-data figure saying
that person-level data is for analysts. The leaders' pages
(:mod:`api.routers.pages`) embed the very same JSON through
:func:`figure_json`.

Options a figure function takes (``color_by``, ``metric``) are read from
its signature: a query option the figure does not have, or a value it does
not accept, is a 422 problem naming the allowed values.
"""

from __future__ import annotations

import inspect
import threading
import typing
from collections import OrderedDict
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import AnalysisId, ResultDep
from api.errors import problem_responses
from ona.errors import NotFoundError, ParameterError
from ona.results import AnalysisResult
from ona.viz import FIGURE_NAMES, figure

router = APIRouter(prefix="/analyses", tags=["figures"], responses=problem_responses(401, 422))

#: Query options a figure function may take, and what they mean.
OPTIONS = {
    "color_by": "what colours the nodes: ei_index or insularity (department_map), group or community (people_map)",
    "metric": "the metric shown: ei_index or insularity (silo_ranking), or a metric per period (trend_lines)",
}

TITLES = {
    "department_map": "Department map: one node per group, links by observed / expected collaboration",
    "people_map": "People map: every person and the backbone of ties (analysts only)",
    "interaction_heatmap": "Observed / expected collaboration between every pair of groups",
    "silo_ranking": "Groups ranked by E-I index, silos and significance marked",
    "community_sankey": "How each group splits across the communities found in the collaboration",
    "trend_lines": "One line per group: a metric per period (analyses run with a period)",
    "before_after_map": "The department map before and after the split date (analyses run with a split)",
}
ANALYSTS_ONLY = frozenset({"people_map"})

FigureName = Annotated[
    str, Path(pattern=r"^[a-z_]{1,40}$", description=f"a figure: {', '.join(FIGURE_NAMES)}")
]


class FigureInfo(BaseModel):
    name: str
    title: str
    options: dict[str, list[str]] = Field(description="query options of the figure and their allowed values")
    analysts_only: bool = Field(description="person-level: a viewer gets a figure without data")
    url: str


class FigureList(BaseModel):
    """The figures of an analysis."""

    analysis_id: str
    figures: list[FigureInfo]


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


def build_figure(result: AnalysisResult, name: str, options: dict[str, str] | None = None) -> Any:
    """The plotly Figure ``name`` of ``result`` (already the caller's version of it)."""
    return figure(name)(result, result.layout, **(options or {}))


class FigureCache:
    """Plotly JSON of figures already built, LRU (results never change once done).

    Keyed by analysis id, audience (the viewer's suppression floor, None for
    the analyst), figure name and options. Entries of a deleted analysis are
    never served: the result dependency answers 404 first.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: tuple, text: str) -> None:
        with self._lock:
            self._items[key] = text
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _cache(request: Request) -> FigureCache:
    state = request.app.state
    if getattr(state, "figure_cache", None) is None:
        state.figure_cache = FigureCache()
    return state.figure_cache  # type: ignore[no-any-return]


def audience(result: AnalysisResult) -> int | None:
    """What tells the versions of one analysis apart: None (analyst) or the viewer's floor."""
    return result.privacy.min_group_size if result.privacy.audience == "viewer" else None


def figure_json(
    request: Request, analysis_id: str, result: AnalysisResult, name: str, options: dict[str, str] | None = None
) -> str:
    """Plotly JSON of figure ``name`` of ``result`` (built once per analysis, audience and options)."""
    options = options or {}
    key = (analysis_id, audience(result), name, tuple(sorted(options.items())))
    cache = _cache(request)
    text = cache.get(key)
    if text is None:
        text = build_figure(result, name, options).to_json()
        cache.put(key, text)
    return text


@router.get(
    "/{analysis_id}/figures",
    response_model=FigureList,
    summary="Figures of an analysis",
    responses=problem_responses(404, 409),
)
async def list_figures(analysis_id: AnalysisId, result: ResultDep) -> FigureList:
    """The figures this analysis can be drawn as, with their options (the people map is for analysts)."""
    return FigureList(
        analysis_id=analysis_id,
        figures=[
            FigureInfo(
                name=name,
                title=TITLES.get(name, name),
                options={k: list(v) for k, v in figure_options(name).items()},
                analysts_only=name in ANALYSTS_ONLY,
                url=f"/api/v1/analyses/{analysis_id}/figures/{name}",
            )
            for name in FIGURE_NAMES
        ],
    )


@router.get(
    "/{analysis_id}/figures/{name}",
    summary="One figure (Plotly JSON)",
    response_class=Response,
    responses={
        200: {
            "description": "A Plotly figure `{data, layout}`, for `Plotly.newPlot(element, figure)`",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **problem_responses(404, 409),
    },
)
def get_figure(
    request: Request,
    analysis_id: AnalysisId,
    name: FigureName,
    result: ResultDep,
    color_by: Annotated[str | None, Query(max_length=40, description=OPTIONS["color_by"])] = None,
    metric: Annotated[str | None, Query(max_length=40, description=OPTIONS["metric"])] = None,
) -> Response:
    """A figure as Plotly JSON (404 for an unknown name, 422 for an option the figure does not take).

    A viewer's people map is a figure without data that says person-level
    data is for analysts: the viewer's result holds no people.
    """
    options = check_options(name, {"color_by": color_by, "metric": metric})
    return Response(figure_json(request, analysis_id, result, name, options), media_type="application/json")
