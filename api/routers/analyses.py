"""/api/v1/analyses: start (background job), status, result by part, delete.

Result routes return what :class:`ona.results.AnalysisResult` holds, as the
caller's role may see it (:data:`api.deps.ResultDep`); lists are paged and
sortable by any scalar field of their rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

from fastapi import APIRouter, Query, Response

from api.deps import (
    AnalysisId,
    AnalystDep,
    FiguresDep,
    FullResultDep,
    JobsDep,
    KeyDep,
    ReportsDep,
    ResultDep,
    ResultsDep,
    StoreDep,
    for_role,
)
from api.errors import problem_responses
from api.formats import FormatQuery, table_response, table_responses
from api.models import (
    ID_PATTERN,
    AnalysisPage,
    AnalysisRequest,
    CommunityPage,
    GroupPage,
    LinkPage,
    PersonPage,
    ResultSummary,
)
from api.paging import DEFAULT_LIMIT, Limit, Offset, page, sort_query
from api.views import forget
from ona.results import (
    AnalysisResult,
    CommunitySummary,
    GroupMetrics,
    LinkMetrics,
    PersonMetrics,
)
from ona.store import AnalysisInfo
from ona.tables import rows_frame

router = APIRouter(prefix="/analyses", tags=["analyses"], responses=problem_responses(401, 422))

_RESULT_ERRORS = problem_responses(404, 409)
_TABLE = {**table_responses(), **_RESULT_ERRORS}

if TYPE_CHECKING:
    GroupSort: TypeAlias = str | None
    LinkSort: TypeAlias = str | None
    PersonSort: TypeAlias = str | None
    CommunitySort: TypeAlias = str | None
else:
    GroupSort = sort_query(GroupMetrics)
    LinkSort = sort_query(LinkMetrics)
    PersonSort = sort_query(PersonMetrics)
    CommunitySort = sort_query(CommunitySummary)


@router.post(
    "",
    status_code=202,
    response_model=AnalysisInfo,
    summary="Start an analysis",
    responses=problem_responses(400, 403, 404, 413),
)
def start_analysis(
    request: AnalysisRequest, key: AnalystDep, store: StoreDep, jobs: JobsDep, response: Response
) -> AnalysisInfo:
    """Queue an analysis of a stored dataset; poll `GET /analyses/{id}` until it is done.

    Analyses run one at a time, in the order they were asked for.
    `parameters.group_by` must name a column of the dataset's people (422 otherwise).
    """
    store.get_dataset(request.dataset_id, workspace=key.workspace)  # another workspace's: 404
    info = jobs.submit(request.dataset_id, request.parameters, workspace=key.workspace or "default")
    response.headers["Location"] = f"/api/v1/analyses/{info.analysis_id}"
    return info


@router.get("", response_model=AnalysisPage, summary="List analyses")
def list_analyses(
    key: KeyDep,
    store: StoreDep,
    dataset_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="only this dataset's")] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> AnalysisPage:
    """The workspace's analyses, oldest first, with their status."""
    rows = [for_role(key, a) for a in store.list_analyses(dataset_id, workspace=key.workspace)]
    return AnalysisPage(**page(rows, offset=offset, limit=limit))


@router.get("/{analysis_id}", response_model=AnalysisInfo, summary="Status of an analysis", responses=problem_responses(404))
def get_analysis(analysis_id: AnalysisId, key: KeyDep, store: StoreDep) -> AnalysisInfo:
    """Status (queued, running with its stage and progress, done, cancelled, or failed with the reason)."""
    return for_role(key, store.get_analysis(analysis_id))


@router.delete(
    "/{analysis_id}",
    status_code=204,
    response_class=Response,
    summary="Delete an analysis",
    responses=problem_responses(403, 404, 409),
)
def delete_analysis(
    analysis_id: AnalysisId,
    key: AnalystDep,
    store: StoreDep,
    jobs: JobsDep,
    results: ResultsDep,
    figures: FiguresDep,
    reports: ReportsDep,
) -> Response:
    """Delete an analysis and its result (409 while it is queued or running)."""
    jobs.ensure_idle(analysis_id)
    store.delete_analysis(analysis_id)
    forget(analysis_id, results, figures, reports)
    return Response(status_code=204)


@router.get("/{analysis_id}/result", response_model=AnalysisResult, summary="Whole result", responses=_RESULT_ERRORS)
async def get_result(result: ResultDep) -> AnalysisResult:
    """The whole result document (as `ona analyze` writes it); a viewer gets the viewer version."""
    return result


@router.get("/{analysis_id}/summary", response_model=ResultSummary, summary="Summary", responses=_RESULT_ERRORS)
async def get_summary(analysis_id: AnalysisId, result: ResultDep) -> ResultSummary:
    """Organization-wide figures (people, ties, modularity, NMI/ARI, silos, weak links), parameters and privacy note."""
    return ResultSummary(
        analysis_id=analysis_id,
        dataset=result.dataset,
        ona_version=result.ona_version,
        summary=result.summary,
        parameters=result.parameters,
        privacy=result.privacy,
    )


@router.get("/{analysis_id}/groups", response_model=GroupPage, summary="Groups (silos)", responses=_TABLE)
async def get_groups(
    result: ResultDep,
    silo: Annotated[bool | None, Query(description="only silos (true) or only non-silos (false)")] = None,
    sort: GroupSort = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    fmt: FormatQuery = "json",
) -> GroupPage | Response:
    """Silo metrics per group: E-I index, insularity, significance, and why a silo is flagged.

    `format=csv` or `parquet`: the same page as the `groups` table of `ona tables`.
    """
    rows = [g for g in result.groups if silo is None or g.silo == silo]
    fields = page(rows, offset=offset, limit=limit, sort=sort)
    if fmt != "json":
        return table_response(rows_frame("groups", fields["items"]), fmt, name="groups", total=fields["total"])
    return GroupPage(**fields, privacy=result.privacy)


@router.get("/{analysis_id}/links", response_model=LinkPage, summary="Links between groups", responses=_TABLE)
async def get_links(
    result: ResultDep,
    weak: Annotated[bool | None, Query(description="only weak links (true) or only the others (false)")] = None,
    group: Annotated[str | None, Query(max_length=500, description="only links with this group at one end")] = None,
    sort: LinkSort = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    fmt: FormatQuery = "json",
) -> LinkPage | Response:
    """Collaboration between each pair of groups: weight against expectation, carriers, and weak or fragile links.

    `format=csv` or `parquet`: the same page as the `links` table of `ona tables`.
    """
    rows = [
        lk
        for lk in result.links
        if (weak is None or lk.weak == weak) and (group is None or group in (lk.source, lk.target))
    ]
    fields = page(rows, offset=offset, limit=limit, sort=sort)
    if fmt != "json":
        return table_response(rows_frame("links", fields["items"]), fmt, name="links", total=fields["total"])
    return LinkPage(**fields, privacy=result.privacy)


@router.get(
    "/{analysis_id}/people",
    response_model=PersonPage,
    summary="People (analyst only)",
    responses={**problem_responses(403), **_TABLE},
)
async def get_people(
    result: FullResultDep,
    group: Annotated[str | None, Query(max_length=500, description="only this group's members")] = None,
    sort: PersonSort = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    fmt: FormatQuery = "json",
) -> PersonPage | Response:
    """Network position of each person: betweenness, constraint, brokerage, articulation points.

    `format=csv` or `parquet`: the same page as the `people` table of `ona tables`.
    """
    rows = [p for p in result.people if group is None or p.group == group]
    fields = page(rows, offset=offset, limit=limit, sort=sort)
    if fmt != "json":
        return table_response(rows_frame("people", fields["items"]), fmt, name="people", total=fields["total"])
    return PersonPage(**fields, privacy=result.privacy)


@router.get(
    "/{analysis_id}/communities", response_model=CommunityPage, summary="Communities", responses=_TABLE
)
async def get_communities(
    result: ResultDep,
    sort: CommunitySort = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    fmt: FormatQuery = "json",
) -> CommunityPage | Response:
    """Leiden communities and how many members of each group they hold.

    `format=csv` or `parquet`: the same page as the `communities` table of `ona tables`.
    """
    fields = page(result.communities, offset=offset, limit=limit, sort=sort)
    if fmt != "json":
        df = rows_frame("communities", fields["items"])
        return table_response(df, fmt, name="communities", total=fields["total"])
    return CommunityPage(**fields, privacy=result.privacy)


@router.post(
    "/{analysis_id}/cancel",
    response_model=AnalysisInfo,
    summary="Cancel an analysis",
    responses={202: {"description": "A running analysis was told to stop; its process is killed a moment later"},
               **problem_responses(403, 404, 409)},
)  # fmt: skip
def cancel_analysis(analysis_id: AnalysisId, key: AnalystDep, jobs: JobsDep, response: Response) -> AnalysisInfo:
    """Cancel a queued or running analysis.

    A queued analysis is `cancelled` at once (200) and never runs. A running one
    is told to stop (202, stage `cancelling`): its process is killed, in the middle
    of a stage if need be, and it becomes `cancelled` a moment later; poll
    `GET /analyses/{id}`. Cancelling a cancelled analysis answers 200 and changes
    nothing; a done or failed one answers 409.
    """
    info = jobs.cancel(analysis_id)
    if info.status == "running":
        response.status_code = 202
    return info
