"""The ona HTTP service: a thin FastAPI face over the library and its store.

``create_app(settings)`` builds the app: the store is opened at startup
(analyses a previous process left queued or running are marked failed),
the single-worker job runner is started, and both are closed at shutdown.
Analyses and the reading of uploads run in child processes
(:mod:`api.child`), so that the server's GIL stays free for requests.
Routes live in :mod:`api.routers` (one module per resource; they never
import each other), what the routes and the leaders' pages share in
:mod:`api.views`, role rules in :mod:`api.deps`, the error shape in
:mod:`api.errors`. What is kept made from finished analyses (parsed
results, figures, reports) is kept in the one cache class of :mod:`api.cache`.

Entry points: :func:`serve` runs the service under uvicorn (what ``ona
serve`` calls); ``uvicorn api.main:app`` serves the app configured by the
``ONA_*`` environment variables of :mod:`api.settings` (built at the first
access to ``app``, so importing this module has no side effect).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio.to_thread
import duckdb
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

import ona
from api import child, errors, views
from api.audit import AuditLog
from api.auth import Keys
from api.cache import LRUCache
from api.jobs import Jobs
from api.limits import BodySizeLimit
from api.ratelimit import RateLimiter
from api.results import Results
from api.routers import (
    admin,
    analyses,
    datasets,
    figures,
    handoffs,
    health,
    key_people,
    pages,
    recommendations,
    reports,
    trends,
)
from api.settings import Settings, get_settings
from ona.store import Store

log = logging.getLogger("ona.api")

API_PREFIX = "/api/v1"

DESCRIPTION = """\
Find silos and weak links in an organization's collaboration logs.

Upload a dataset (people, emails, meetings, tickets, chats), start an analysis,
poll it until it is done, then read its summary, groups (silos), links
between groups, people and communities.

Every data route needs an API key (`Authorization: Bearer <key>`, made with
`ona keys create`). An **analyst** key uploads, analyses and sees
person-level data; a **viewer** key (a leader) sees group-level results only,
with small groups suppressed. Every error is `application/problem+json`
(RFC 9457).
"""

def create_app(settings: Settings | None = None) -> FastAPI:
    """The ona service app for these settings (from the environment when None)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.store)
        child.clear_scratch(settings.store)  # what a killed server's children left (the store is ours now)
        interrupted = store.fail_interrupted()
        if interrupted:
            log.warning("%d analyses were interrupted by the last stop and are marked failed", interrupted)
        # the fork server of the analyses' and uploads' children, started now rather than at the first one
        await anyio.to_thread.run_sync(child.start_server)
        jobs = Jobs(store, time_limit=settings.analysis_time_limit)
        app.state.store = store
        app.state.jobs = jobs
        app.state.results = Results(store, size=settings.result_cache_size)
        app.state.figures = LRUCache[str](views.CACHED_FIGURES)
        app.state.reports = LRUCache[str](views.CACHED_REPORTS)
        app.state.keys = Keys(
            store,
            session_lifetime=timedelta(hours=settings.session_hours),
            session_idle=timedelta(minutes=settings.session_idle_minutes),
        )
        app.state.sign_in_limiter = RateLimiter(settings.sign_in_attempts, 60.0)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(jobs.shutdown)
            try:
                store.close()
            except duckdb.Error as exc:  # a worker that outlived the stop may hold a cursor
                log.warning("the store did not close cleanly (%s); DuckDB recovers it at the next start", exc)

    # Swagger UI and ReDoc served from the installed package (fastapi-offline), not a
    # CDN: the service must work on an offline intranet.
    app = FastAPIOffline(
        title="ona",
        version=ona.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(AuditLog)
    app.include_router(health.router, prefix=API_PREFIX)
    app.include_router(datasets.router, prefix=API_PREFIX)
    app.include_router(analyses.router, prefix=API_PREFIX)
    app.include_router(figures.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)
    for resource in (handoffs, recommendations, trends, key_people):  # the internal service and what to do
        app.include_router(resource.router, prefix=API_PREFIX)
    app.include_router(admin.router, prefix=API_PREFIX)
    # the leaders' pages (HTML, signed in with a cookie; not part of the API's OpenAPI document)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = errors.add_problem_schema(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def serve(
    settings: Settings | None = None, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info"
) -> None:
    """Run the service under uvicorn until it is stopped (the entry point ``ona serve`` uses).

    Parameters
    ----------
    settings : Settings or None
        The service's settings (:mod:`api.settings`); from the ``ONA_*``
        environment variables when None.
    host, port : str, int
        Where to listen.
    log_level : str
        uvicorn's log level ("info", "warning", ...).
    """
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


def __getattr__(name: str) -> Any:
    # ``uvicorn api.main:app``: the app from the environment, built on first use and kept
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
