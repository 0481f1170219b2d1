"""Dependencies of the routes, and the role rules: all of them, here.

Role rules (``Authorization: Bearer <key>`` on every data route):

==========================================  =========  ======================
route                                       analyst    viewer
==========================================  =========  ======================
GET /health, /openapi.json, /docs           no key     no key
GET /datasets, /datasets/{id}               yes        yes (name and span, no counts)
POST /datasets, DELETE /datasets/{id}       yes        403
GET /datasets/{id}/validation               yes        403 (rows quote addresses)
POST /analyses, DELETE /analyses/{id}       yes        403
GET /analyses, /analyses/{id}               yes        yes
GET /analyses/{id}/summary|groups|links|    full       ``for_viewer`` version:
    communities|result                                 no people, no identities,
                                                       small groups suppressed
GET /analyses/{id}/handoffs|trends|         full       ``for_viewer`` version
    comparison|figures|figures/{name}|report
GET /analyses/{id}/recommendations          full       counts and roles, no person
GET /analyses/{id}/people|key-people        yes        403
POST /analyses/{id}/cancel                  yes        403
pages: /analyses, /analyses/{id}            yes        viewer version, no people map
/admin/workspaces|keys|audit                403        403 (admin keys only)
==========================================  =========  ======================

Workspaces: an analyst or viewer key belongs to one workspace and sees only
its objects. A dataset or analysis id of another workspace answers 404,
exactly as an unknown id (the check runs for every route with an
``analysis_id`` or ``dataset_id`` in its path), and lists hold only the
key's workspace. An admin key belongs to no workspace: it manages
workspaces and keys and reads the audit log, and every data route answers
it 403 (someone who is both holds two keys).

No key, a malformed key, an unknown, a revoked or an expired key: 401. A viewer's
groups are suppressed below ``max(analysis min_group_size,
settings.viewer_min_group_size)`` members.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import Keys
from api.cache import LRUCache
from api.errors import Forbidden, Unauthorized, scrub_paths
from api.ratelimit import RateLimiter
from api.jobs import Jobs
from api.models import ID_PATTERN
from api.results import Results
from api.settings import Settings
from api.views import VIEWER_FAILED, result_for, viewer_floor
from ona.results import AnalysisResult
from ona.errors import NotFoundError
from ona.store import AnalysisInfo, DatasetInfo, Store
from ona.store.control import DATA_ROLES, KeyInfo

# Dependencies that never block are ``async def``: FastAPI runs a plain ``def``
# dependency in a worker thread, and those hops dominate a cached read's cost.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def get_jobs(request: Request) -> Jobs:
    return request.app.state.jobs  # type: ignore[no-any-return]


async def get_results(request: Request) -> Results:
    return request.app.state.results  # type: ignore[no-any-return]


async def get_figures(request: Request) -> LRUCache[str]:
    """The figures kept built, as Plotly JSON (:func:`api.views.figure_json`)."""
    return request.app.state.figures  # type: ignore[no-any-return]


async def get_reports(request: Request) -> LRUCache[str]:
    """The reports kept rendered (:func:`api.views.report_html`)."""
    return request.app.state.reports  # type: ignore[no-any-return]


async def get_keys(request: Request) -> Keys:
    return request.app.state.keys  # type: ignore[no-any-return]


async def sign_in_limiter(request: Request) -> RateLimiter:
    return request.app.state.sign_in_limiter  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
ResultsDep = Annotated[Results, Depends(get_results)]
KeysDep = Annotated[Keys, Depends(get_keys)]
FiguresDep = Annotated[LRUCache[str], Depends(get_figures)]
ReportsDep = Annotated[LRUCache[str], Depends(get_reports)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `ona keys create --role analyst|viewer|admin --workspace NAME`, sent as "
    "`Authorization: Bearer ona_...`.",
)

_ID = re.compile(ID_PATTERN)
#: Path parameters that name an object of a workspace, and the kind of object.
OWNED = {"analysis_id": "analysis", "dataset_id": "dataset"}


async def check_owner(request: Request, keys: Keys, key: KeyInfo) -> None:
    """404 (as for an unknown id) when the path names another workspace's dataset or analysis."""
    for param, kind in OWNED.items():
        ident = request.path_params.get(param)
        if ident is None or not _ID.fullmatch(ident):
            continue  # path validation answers 422 for a malformed id
        workspace = keys.known_owner(kind, ident) or await run_in_threadpool(keys.owner, kind, ident)
        if workspace != key.workspace:
            raise NotFoundError(kind, ident)


async def authenticated(
    request: Request,
    keys: KeysDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyInfo:
    """The caller's active API key, whatever its role (401 when missing, malformed, unknown, revoked or expired)."""
    if credentials is None:
        raise Unauthorized("this route needs an API key: send 'Authorization: Bearer <key>'")
    key = await run_in_threadpool(keys.check, credentials.credentials)
    if key is None:
        raise Unauthorized("the API key is unknown, revoked or expired")
    request.state.key = key  # for the audit log
    return key


async def get_key(request: Request, keys: KeysDep, key: Annotated[KeyInfo, Depends(authenticated)]) -> KeyInfo:
    """The caller's analyst or viewer key, whose workspace must own the ids in the path.

    An admin key reads no data (403); an id of another workspace answers 404, as an unknown id does.
    """
    if key.role not in DATA_ROLES:
        raise Forbidden(
            f"key '{key.key_id}' has the admin role, which manages workspaces and keys but reads no data; "
            "use an analyst or viewer key of the workspace"
        )
    await check_owner(request, keys, key)
    return key


KeyDep = Annotated[KeyInfo, Depends(get_key)]


async def require_analyst(key: KeyDep) -> KeyInfo:
    """The caller's key, which must have the analyst role (403 for a viewer)."""
    if key.role != "analyst":
        raise Forbidden(f"this route is for the analyst role; key '{key.key_id}' has the {key.role} role")
    return key


AnalystDep = Annotated[KeyInfo, Depends(require_analyst)]


async def require_admin(key: Annotated[KeyInfo, Depends(authenticated)]) -> KeyInfo:
    """The caller's key, which must have the admin role (403 otherwise)."""
    if key.role != "admin":
        raise Forbidden(f"this route is for the admin role; key '{key.key_id}' has the {key.role} role")
    return key


AdminDep = Annotated[KeyInfo, Depends(require_admin)]

AnalysisId = Annotated[str, Path(pattern=ID_PATTERN, description="an analysis id")]
DatasetId = Annotated[str, Path(pattern=ID_PATTERN, description="a dataset id")]


def for_role(key: KeyInfo, info: AnalysisInfo) -> AnalysisInfo:
    """An analysis record as this key's role may see it: viewers get a generic failure message,
    analysts the reason without server paths."""
    if info.error is None:
        return info
    return info.model_copy(update={"error": scrub_paths(info.error) if key.role == "analyst" else VIEWER_FAILED})


def dataset_for_role(key: KeyInfo, info: DatasetInfo) -> DatasetInfo:
    """A dataset record as this key's role may see it: viewers get no counts (see DatasetInfo)."""
    return info if key.role == "analyst" else info.for_viewer()


async def get_result(analysis_id: AnalysisId, key: KeyDep, results: ResultsDep, settings: SettingsDep) -> AnalysisResult:
    """The result of a done analysis as the caller's role may see it (409 if not done)."""
    if key.role == "analyst":
        cached = results.cached(analysis_id, None)
    else:
        full = results.cached(analysis_id, None)
        floor = None if full is None else viewer_floor(full, settings)
        cached = None if floor is None else results.cached(analysis_id, floor)
    if cached is not None:
        return cached
    return await run_in_threadpool(result_for, key, analysis_id, results, settings)


ResultDep = Annotated[AnalysisResult, Depends(get_result)]


async def get_full_result(analysis_id: AnalysisId, key: AnalystDep, results: ResultsDep) -> AnalysisResult:
    """The whole result, person-level data included (analyst only; 409 if not done)."""
    cached = results.cached(analysis_id, None)
    return cached if cached is not None else await run_in_threadpool(results.full, analysis_id)


FullResultDep = Annotated[AnalysisResult, Depends(get_full_result)]
