"""/api/v1/analyses/{id}/handoffs: the internal service of an analysis, from its ticket handoffs.

Input: a done analysis as the caller's role may see it. Output: its
:class:`ona.results.HandoffAnalytics` (handoffs between groups, the service
each group gives), unchanged; a 404 naming why for a result made before ona
analyzed handoffs (:func:`api.views.handoffs_of`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import AnalysisId, ResultDep
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from api.views import handoffs_of
from ona.results import HandoffAnalytics
from ona.tables import rows_frame

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))


@router.get(
    "/{analysis_id}/handoffs", response_model=HandoffAnalytics, summary="Internal service (ticket handoffs)",
    responses={**table_responses(), **problem_responses(404, 409)},
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
