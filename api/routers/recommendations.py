"""/api/v1/analyses/{id}/recommendations: what to do about the silos and weak links of an analysis.

Input: a done analysis as the caller's role may see it. Output: its
:class:`ona.results.Recommendation` list, first things first. An analyst
gets the people and pairs named, a viewer the form of
:func:`ona.privacy.viewer_recommendations` (number of people and their
roles, no person_id, the viewer's figures): :func:`api.views.recommendations_for`,
which the leaders' pages call too.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import AnalysisId, KeyDep, ResultDep, ResultsDep, SettingsDep
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from api.views import recommendations_for
from ona.results import Recommendation, RecommendationView
from ona.tables import rows_frame

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))


@router.get(
    "/{analysis_id}/recommendations",
    response_model=list[Recommendation] | list[RecommendationView],
    summary="What to do",
    responses={**table_responses(), **problem_responses(404, 409)},
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
