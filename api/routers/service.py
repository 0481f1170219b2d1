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

from fastapi import APIRouter

from api.deps import (
    AnalysisId,
    FullResultDep,
    KeyDep,
    ResultDep,
    ResultsDep,
    SettingsDep,
)
from api.errors import problem_responses
from api.results import Results
from api.settings import Settings
from ona.errors import NotFoundError, OnaError
from ona.privacy import viewer_recommendations
from ona.results import AnalysisResult
from ona.results_service import (
    HandoffAnalytics,
    KeyPersonRisk,
    Recommendation,
    RecommendationView,
    Trends,
    WindowComparison,
)
from ona.store.keys import KeyInfo

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))

_ERRORS = problem_responses(404, 409)


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
    responses=_ERRORS,
)  # fmt: skip
async def get_handoffs(analysis_id: AnalysisId, result: ResultDep) -> HandoffAnalytics:
    """Ticket handoffs between groups: volumes, time with the receiving group, bounces, ping-pong, tickets with no owner.

    All counts are 0 when the dataset has no tickets. A viewer does not see groups under the minimum size.
    """
    return handoffs_of(analysis_id, result)


@router.get(
    "/{analysis_id}/recommendations",
    response_model=list[Recommendation] | list[RecommendationView],
    summary="What to do",
    responses=_ERRORS,
)
def get_recommendations(
    analysis_id: AnalysisId, key: KeyDep, results: ResultsDep, settings: SettingsDep, result: ResultDep
) -> list[Recommendation] | list[RecommendationView]:
    """Interventions for every silo and weak link, first things first, each with its reason and figures.

    An analyst gets the people concerned (person_ids, pairs); a viewer gets
    how many people and their roles.
    """
    del result  # resolved for its checks only (404 / 409)
    return recommendations_for(key, analysis_id, results, settings)


@router.get("/{analysis_id}/trends", response_model=Trends, summary="Trends per period", responses=_ERRORS)
async def get_trends(analysis_id: AnalysisId, result: ResultDep) -> Trends:
    """Every group and link metric per week or month (404 when the analysis was run without a period)."""
    return trends_of(analysis_id, result)


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
    responses={**problem_responses(403), **_ERRORS},
)
async def get_key_people(result: FullResultDep) -> list[KeyPersonRisk]:
    """The collaboration each top broker holds: per pair of groups, the weight and reachability lost if they left."""
    return result.key_people
