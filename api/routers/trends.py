"""/api/v1/analyses/{id}/trends and /comparison: an analysis over time.

Input: a done analysis as the caller's role may see it. Output: its
:class:`ona.results.Trends` (every metric per week or month) and its
:class:`ona.results.WindowComparison` (before / after a date), unchanged;
a 404 naming the parameter to set when the analysis was run without it
(:func:`api.views.trends_of`, :func:`api.views.comparison_of`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import AnalysisId, ResultDep
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from api.views import comparison_of, trends_of
from ona.results import Trends, WindowComparison
from ona.tables import trend_frames

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))

_ERRORS = problem_responses(404, 409)


@router.get(
    "/{analysis_id}/trends", response_model=Trends, summary="Trends per period",
    responses={**table_responses(), **_ERRORS},
)  # fmt: skip
async def get_trends(
    analysis_id: AnalysisId,
    result: ResultDep,
    fmt: FormatQuery = "json",
    table: Annotated[
        Literal["trends", "trend_links", "trend_periods"],
        Query(description="with format csv or parquet: groups per period (trends), links per period "
              "(trend_links) or the organization's totals per period (trend_periods)"),
    ] = "trends",
) -> Trends | Response:
    """Every group and link metric per week or month (404 when the analysis was run without a period).

    `format=csv` or `parquet`: the `trends`, `trend_links` or `trend_periods` table of `ona tables` (`table`).
    """
    trends = trends_of(analysis_id, result)
    if fmt != "json":
        return table_response(trend_frames(trends)[table], fmt, name=table)
    return trends


@router.get(
    "/{analysis_id}/comparison", response_model=WindowComparison, summary="Before / after a date",
    responses=_ERRORS,
)  # fmt: skip
async def get_comparison(analysis_id: AnalysisId, result: ResultDep) -> WindowComparison:
    """Groups that became more insular and links that weakened or rest on fewer people since the split date.

    404 when the analysis was run without a split date.
    """
    return comparison_of(analysis_id, result)
