"""/api/v1/analyses/{id}/key-people: what if they leave (analyst only).

Input: the whole result of a done analysis (an analyst's key: it is about
named people). Output: its :class:`ona.results.KeyPersonRisk` list, the
collaboration each top broker holds, unchanged.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import FullResultDep
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from ona.results import KeyPersonRisk
from ona.tables import rows_frame

router = APIRouter(prefix="/analyses", tags=["internal service"], responses=problem_responses(401, 422))


@router.get(
    "/{analysis_id}/key-people",
    response_model=list[KeyPersonRisk],
    summary="What if they leave (analyst only)",
    responses={**problem_responses(403), **table_responses(), **problem_responses(404, 409)},
)
async def get_key_people(result: FullResultDep, fmt: FormatQuery = "json") -> list[KeyPersonRisk] | Response:
    """The collaboration each top broker holds: per pair of groups, the weight and reachability lost if they left.

    `format=csv` or `parquet`: the `key_people` table of `ona tables`.
    """
    if fmt != "json":
        return table_response(rows_frame("key_people", result.key_people), fmt, name="key_people")
    return result.key_people
