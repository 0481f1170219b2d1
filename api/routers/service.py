"""/api/v1/analyses/{id}/...: internal service, advice, trends and key-person risk.

Input: a done analysis as the caller's role may see it. Output: the parts
of :class:`ona.results.AnalysisResult` that issue 5 added, unchanged:

- ``handoffs``: ticket handoffs between groups (the internal service);
- ``recommendations``: what to do; an analyst gets the people and pairs
  named, a viewer the form of :func:`ona.privacy.viewer_recommendations`
  (number of people and their roles, no person_id, the viewer's figures);
- ``trends`` and ``comparison``: metrics per period and before / after a
  date; 404 with the parameter to set when the analysis was run without it;
- ``key-people``: "what if they leave" (analyst only: it is about named people).

The leaders' pages read the same parts through the functions of this module.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import (
    AnalysisId,
    FullResultDep,
    KeyDep,
    ResultDep,
    ResultsDep,
    SettingsDep,
)
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from api.results import Results
from api.settings import Settings
from ona.errors import NotFoundError, OnaError
from ona.privacy import viewer_recommendations
from ona.results import (
    AnalysisResult,
    HandoffAnalytics,
    KeyPersonRisk,
    Recommendation,
    RecommendationView,
    Trends,
    WindowComparison,
)
from ona.store.keys import KeyInfo
from ona.tables import rows_frame, trend_frames

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))

_ERRORS = problem_responses(404, 409)
_TABLE = {**table_responses(), **_ERRORS}


class NotInResult(NotFoundError):
    """A part of the result that this analysis does not have (run without the parameter it needs)."""

    def __init__(self, analysis_id: str, part: str, detail: str) -> None:
        OnaError.__init__(self, f"analysis '{analysis_id}' has no {part}: {detail}")
        self.kind = part
        self.ident = analysis_id


def handoffs_of(analysis_id: str, result: AnalysisResult) -> HandoffAnalytics:
    if result.handoffs is None:
        raise NotInResult(analysis_id, "ticket handoffs", "its result was made before ona analyzed handoffs")
    return result.handoffs


def trends_of(analysis_id: str, result: AnalysisResult) -> Trends:
    if result.trends is None:
        raise NotInResult(
            analysis_id, "trends",
            "it was run without a period; start an analysis with parameters.period 'week' or 'month' "
            "(ona analyze --period month)",
        )  # fmt: skip
    return result.trends


def comparison_of(analysis_id: str, result: AnalysisResult) -> WindowComparison:
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
    floor = max(full.parameters.min_group_size, settings.viewer_min_group_size)
    # reasons and figures from the viewer's result: the full ones would give back what it leaves out
    return viewer_recommendations(full, results.viewer(analysis_id, floor))


@router.get(
    "/{analysis_id}/handoffs", response_model=HandoffAnalytics, summary="Internal service (ticket handoffs)",
    responses=_TABLE,
)  # fmt: skip
async def get_handoffs(
    analysis_id: AnalysisId,
    result: ResultDep,
    fmt: FormatQuery = "json",
    table: Annotated[
        Literal["handoffs", "handoff_groups"],
        Query(description="with format csv or parquet: the group pairs (handoffs) or the service per group "
              "(handoff_groups)"),
    ] = "handoffs",
) -> HandoffAnalytics | Response:
    """Ticket handoffs between groups: volumes, time with the receiving group, bounces, ping-pong, tickets with no owner.

    All counts are 0 when the dataset has no tickets. A viewer does not see groups under the minimum size.
    `format=csv` or `parquet`: the `handoffs` or `handoff_groups` table of `ona tables` (`table`).
    """
    handoffs = handoffs_of(analysis_id, result)
    if fmt != "json":
        rows = handoffs.pairs if table == "handoffs" else handoffs.groups
        return table_response(rows_frame(table, rows), fmt, name=table)
    return handoffs


@router.get(
    "/{analysis_id}/recommendations",
    response_model=list[Recommendation] | list[RecommendationView],
    summary="What to do",
    responses=_TABLE,
)
def get_recommendations(
    analysis_id: AnalysisId,
    key: KeyDep,
    results: ResultsDep,
    settings: SettingsDep,
    result: ResultDep,
    fmt: FormatQuery = "json",
) -> list[Recommendation] | list[RecommendationView] | Response:
    """Interventions for every silo and weak link, first things first, each with its reason and figures.

    An analyst gets the people concerned (person_ids, pairs); a viewer gets
    how many people and their roles. `format=csv` or `parquet`: the
    `recommendations` table of `ona tables` (a viewer's names nobody).
    """
    if fmt != "json":
        # the role's own result: a viewer's recommendations hold no person_id
        return table_response(rows_frame("recommendations", result.recommendations), fmt, name="recommendations")
    return recommendations_for(key, analysis_id, results, settings)


@router.get("/{analysis_id}/trends", response_model=Trends, summary="Trends per period", responses=_TABLE)
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


@router.get(
    "/{analysis_id}/key-people",
    response_model=list[KeyPersonRisk],
    summary="What if they leave (analyst only)",
    responses={**problem_responses(403), **_TABLE},
)
async def get_key_people(result: FullResultDep, fmt: FormatQuery = "json") -> list[KeyPersonRisk] | Response:
    """The collaboration each top broker holds: per pair of groups, the weight and reachability lost if they left.

    `format=csv` or `parquet`: the `key_people` table of `ona tables`.
    """
    if fmt != "json":
        return table_response(rows_frame("key_people", result.key_people), fmt, name="key_people")
    return result.key_people
