"""/api/v1/analyses/{id}/figures: the Plotly figures of an analysis, as Plotly JSON.

Each figure is :func:`ona.viz.figure` applied to the result as the caller's
role may see it (:data:`api.deps.ResultDep`): a viewer's result holds no
people, so the people map it gets is the library's no-data figure saying
that person-level data is for analysts. The leaders' pages
(:mod:`api.routers.pages`) embed the very same JSON: both call
:func:`api.views.figure_json`.

Options a figure function takes (``color_by``, ``metric``) are read from
its signature: a query option the figure does not have, or a value it does
not accept, is a 422 problem naming the allowed values.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.deps import AnalysisId, FiguresDep, ResultDep
from api.errors import problem_responses
from api.views import OPTIONS, FigureName, check_options, figure_json, figure_options
from ona.viz import FIGURE_NAMES

router = APIRouter(prefix="/analyses", tags=["figures"], responses=problem_responses(401, 422))

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
    analysis_id: AnalysisId,
    name: FigureName,
    result: ResultDep,
    figures: FiguresDep,
    color_by: Annotated[str | None, Query(max_length=40, description=OPTIONS["color_by"])] = None,
    metric: Annotated[str | None, Query(max_length=40, description=OPTIONS["metric"])] = None,
) -> Response:
    """A figure as Plotly JSON (404 for an unknown name, 422 for an option the figure does not take).

    A viewer's people map is a figure without data that says person-level
    data is for analysts: the viewer's result holds no people.
    """
    options = check_options(name, {"color_by": color_by, "metric": metric})
    return Response(figure_json(figures, analysis_id, result, name, options), media_type="application/json")
