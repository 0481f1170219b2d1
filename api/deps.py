"""Dependencies of the routes, and the role rules: all of them, here.

Role rules (``Authorization: Bearer <key>`` on every data route):

==========================================  =========  ======================
route                                       analyst    viewer
==========================================  =========  ======================
GET /health, /openapi.json, /docs           no key     no key
GET /datasets, /datasets/{id}               yes        yes (counts only)
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
pages: /analyses, /analyses/{id}            yes        viewer version, no people map
==========================================  =========  ======================

No key, a malformed key, an unknown or a revoked key: 401. A viewer's
groups are suppressed below ``max(analysis min_group_size,
settings.viewer_min_group_size)`` members.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import KeyCache
from api.errors import Forbidden, Unauthorized
from api.jobs import Jobs
from api.models import ID_PATTERN
from api.results import Results
from api.settings import Settings
from ona.results import AnalysisResult
from ona.store import Store
from ona.store.keys import KeyInfo

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


async def get_key_cache(request: Request) -> KeyCache:
    return request.app.state.key_cache  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
ResultsDep = Annotated[Results, Depends(get_results)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `ona keys create --role analyst|viewer`, sent as "
    "`Authorization: Bearer ona_...`.",
)


async def get_key(
    keys: Annotated[KeyCache, Depends(get_key_cache)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyInfo:
    """The caller's API key (401 when it is missing, malformed, unknown or revoked)."""
    if credentials is None:
        raise Unauthorized("this route needs an API key: send 'Authorization: Bearer <key>'")
    secret = credentials.credentials
    key = keys.cached(secret) or await run_in_threadpool(keys.check, secret)
    if key is None:
        raise Unauthorized("the API key is unknown or revoked")
    return key


KeyDep = Annotated[KeyInfo, Depends(get_key)]


async def require_analyst(key: KeyDep) -> KeyInfo:
    """The caller's key, which must have the analyst role (403 for a viewer)."""
    if key.role != "analyst":
        raise Forbidden(f"this route is for the analyst role; key '{key.key_id}' has the {key.role} role")
    return key


AnalystDep = Annotated[KeyInfo, Depends(require_analyst)]

AnalysisId = Annotated[str, Path(pattern=ID_PATTERN, description="an analysis id")]
DatasetId = Annotated[str, Path(pattern=ID_PATTERN, description="a dataset id")]


def result_for(key: KeyInfo, analysis_id: str, results: Results, settings: Settings) -> AnalysisResult:
    """The result of a done analysis as this key's role may see it (blocking on a cache miss)."""
    if key.role == "analyst":
        return results.full(analysis_id)
    own = results.full(analysis_id).parameters.min_group_size
    return results.viewer(analysis_id, max(own, settings.viewer_min_group_size))


async def get_result(analysis_id: AnalysisId, key: KeyDep, results: ResultsDep, settings: SettingsDep) -> AnalysisResult:
    """The result of a done analysis as the caller's role may see it (409 if not done)."""
    if key.role == "analyst":
        cached = results.cached(analysis_id, None)
    else:
        full = results.cached(analysis_id, None)
        floor = None if full is None else max(full.parameters.min_group_size, settings.viewer_min_group_size)
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
