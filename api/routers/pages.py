"""The leaders' pages: sign in with a key, list the analyses, read one analysis.

Input: the same library objects as the JSON routes, made by the same
functions of :mod:`api.views` (the result as the caller's role may see it,
:func:`api.views.result_for`; figures, :func:`api.views.figure_json`; the
report, :func:`api.views.report_html`; what to do in the role's form,
:func:`api.views.recommendations_for`). Output: HTML from the Jinja2
templates of ``api/templates`` (autoescape on; the rows of weak links and
recommendations and every label, number and duration are the report's:
:mod:`ona.report.sections`, :mod:`ona.report.words`; JSON inside ``<script>``
goes through :func:`ona.report.html.script_json`, so ``</script>`` can never
appear in it).

Signing in exchanges the API key for a server-side session (a random id,
with an absolute and an idle expiry, kept as a digest in the control
database); the HttpOnly, SameSite=Strict cookie holds that id, never the
key. Signing out, or revoking the key, ends the session on the server.
Sign-in attempts are rate-limited per client address (429 with
Retry-After). Every page has the same key checks, workspace scoping and
role rules as the API. A page asked for without a live session redirects
to the sign-in page. A viewer's page is built from the viewer's result only: it holds no
person-level data, and the JSON the page fetches (figures) is the
viewer's too.

plotly.js is served from the installed plotly package, never a CDN.
"""

from __future__ import annotations

import gzip
import inspect
import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import plotly
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

import ona
from api.cache import LRUCache
from api.deps import (
    AnalysisId,
    FiguresDep,
    KeysDep,
    ReportsDep,
    ResultsDep,
    SettingsDep,
    StoreDep,
    check_owner,
    for_role,
    sign_in_limiter,
)
from api.errors import Conflict, Unauthorized
from api.ratelimit import RateLimiter
from api.views import REPORT_CSP, FigureName, check_options, figure_json, recommendations_for, report_html, result_for
from ona.errors import NotFoundError, OnaError, ParameterError
from ona.report import words
from ona.report.html import script_json
from ona.report.sections import link_row, reason_row, recommendation_row
from ona.report.words import group_noun, hours, number, pct, pval, reason_words, weak_links_in_order
from ona.results import AnalysisResult
from ona.store.control import DATA_ROLES, KeyInfo
from ona.viz import CONFIG, FIGURE_NAMES, figure
from ona.viz.common import FIGURE_TOP
from ona.viz.style import TOP_N, flag_notes, groups_in_order, person_ids

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

COOKIE = "ona_session"
#: Figures drawn on the analysis page from the embedded JSON (the people map is fetched, analysts only).
PAGE_FIGURES = ("department_map", "interaction_heatmap", "silo_ranking", "community_sankey")
#: ... and those over time, when the analysis has trends (a period) or a comparison (a split date).
TREND_FIGURES = ("trend_lines",)
COMPARISON_FIGURES = ("before_after_map",)
SUMMARY_SHOWN = 3  # paragraphs above the map (scope, silos, weak links; and what to do next week); the rest folded
ADVICE_SHOWN = 5  # recommendations shown before "show all" (tables show ona.viz.style.TOP_N rows)
#: Recommendations the page holds at most (a fine grouping can have thousands): the most urgent; the
#: API's /recommendations route lists them all.
ADVICE_LISTED = 200
WARM_UP = 3  # latest done analyses prepared in the background when the list is shown
#: Figures drawn for the most relevant groups of a fine grouping, with a "show all" (``?groups=all``).
TOP_FIGURES = ("silo_ranking", "interaction_heatmap", "community_sankey", "trend_lines")
PLOTLY_JS = f"/assets/plotly-{plotly.__version__}.min.js"

# No inline script can run. 'unsafe-eval' stays: plotly.js's WebGL traces (the people map's
# scattergl, through regl) compile their shaders with new Function, and without it they
# show "WebGL is not supported" instead of the map.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


# --------------------------------------------------------------------------
# Templates


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    env.filters["pct"] = pct
    env.filters["pval"] = pval
    env.filters["hours"] = hours
    env.filters["reason"] = reason_words
    env.globals.update(version=ona.__version__, plotly_js=PLOTLY_JS)
    return env


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


# --------------------------------------------------------------------------
# Signing in


async def page_key(request: Request, keys: KeysDep) -> KeyInfo | None:
    """The key of the visitor's sign-in session, if it is live (None: the visitor must sign in).

    An analysis id of another workspace is marked ``request.state.foreign``: the
    page then answers exactly as for an unknown id.
    """
    key = await run_in_threadpool(keys.session, request.cookies.get(COOKIE, ""))
    if key is not None:
        request.state.key = key  # for the audit log
        try:
            await check_owner(request, keys, key)
        except NotFoundError:
            request.state.foreign = True
    return key


PageKey = Annotated[KeyInfo | None, Depends(page_key)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/analyses"


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/?next={quote(target, safe='/')}", status_code=303)


def same_origin(request: Request) -> bool:
    """A form post from a page of this site (browsers send Origin on POST)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


@router.get("/")
async def sign_in_page(request: Request, key: PageKey, next: str | None = None) -> Response:
    if key is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render("sign_in.html", next=safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    keys: KeysDep,
    limiter: Annotated[RateLimiter, Depends(sign_in_limiter)],
    key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/analyses",
) -> Response:
    """Exchange a key for a server-side session: the cookie holds the session id, never the key."""
    if not same_origin(request):
        return render("sign_in.html", 403, next="/analyses", error="This form can only be sent from this site.")
    wait = limiter.retry_after(request.client.host if request.client else "?")
    if wait is not None:
        response = render("sign_in.html", 429, next=safe_next(next),
                          error=f"Too many sign-in attempts from this address; try again in {wait} s.")  # fmt: skip
        response.headers["Retry-After"] = str(wait)
        return response
    secret = key.strip()
    found = await run_in_threadpool(keys.check, secret) if secret else None
    if found is not None and found.role not in DATA_ROLES:
        found = None  # an admin key reads no data, so it opens no page
    if found is None:
        error = "Enter your access key." if not secret else "This key is unknown, revoked or expired."
        return render("sign_in.html", 401, next=safe_next(next), error=error)
    request.state.key = found
    session = await run_in_threadpool(keys.start_session, found)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, session, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, keys: KeysDep) -> Response:
    """End the session on the server and forget the cookie."""
    response = RedirectResponse("/", status_code=303)
    if same_origin(request):
        await run_in_threadpool(keys.end_session, request.cookies.get(COOKIE, ""))
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


# --------------------------------------------------------------------------
# Analyses


@router.get("/analyses")
def analyses_page(
    request: Request, key: PageKey, store: StoreDep, results: ResultsDep, settings: SettingsDep, figures: FiguresDep
) -> Response:
    if key is None:
        return to_sign_in(request)
    names = {d.dataset_id: d.name for d in store.list_datasets(workspace=key.workspace)}
    rows = sorted(
        (for_role(key, a) for a in store.list_analyses(workspace=key.workspace)),
        key=lambda a: a.created_at,
        reverse=True,
    )
    response = render("analyses.html", key=key, analyses=rows, datasets=names)
    # while the leader reads the list, load the latest results and draw their figures, so that
    # opening one does not wait for the store (a 10,000-person result takes most of a second)
    latest = [a.analysis_id for a in rows if a.status == "done"][:WARM_UP]
    response.background = BackgroundTask(warm_up, key, latest, results, settings, figures)
    return response


def warm_up(key: KeyInfo, analysis_ids: list[str], results: Any, settings: Any, figures: LRUCache[str]) -> None:
    """Load these analyses' results as this key sees them and build their page figures (in the cache)."""
    for analysis_id in analysis_ids:
        try:
            result = result_for(key, analysis_id, results, settings)
        except (OnaError, Conflict):  # deleted or not done since the list was read: nothing to prepare
            continue
        for name in PAGE_FIGURES:
            figure_json(figures, analysis_id, result, name)


def page_result(
    request: Request, key: KeyInfo | None, analysis_id: str, results: Any, settings: Any
) -> AnalysisResult | Response:
    """The caller's result, or the response to give instead (sign in; no such analysis; not done)."""
    if key is None:
        return to_sign_in(request)
    try:
        if getattr(request.state, "foreign", False):
            raise NotFoundError("analysis", analysis_id)
        return result_for(key, analysis_id, results, settings)
    except NotFoundError:
        return render("message.html", 404, key=key, title="No such analysis",
                      message=f"There is no analysis '{analysis_id}'. It may have been deleted.")  # fmt: skip
    except Conflict as exc:
        return render("message.html", 409, key=key, title="This analysis is not ready", message=exc.detail,
                      refresh="failed" not in exc.detail and "cancelled" not in exc.detail)  # fmt: skip


@router.get("/analyses/{analysis_id}")
def analysis_page(
    request: Request,
    analysis_id: AnalysisId,
    key: PageKey,
    results: ResultsDep,
    settings: SettingsDep,
    figures: FiguresDep,
) -> Response:
    result = page_result(request, key, analysis_id, results, settings)
    if isinstance(result, Response):
        return result
    context = analysis_context(key, analysis_id, result, results, settings, figures)
    return render("analysis.html", **context)


@router.get("/analyses/{analysis_id}/figures/{name}.json")
def page_figure(
    request: Request,
    analysis_id: AnalysisId,
    name: FigureName,
    key: PageKey,
    results: ResultsDep,
    settings: SettingsDep,
    figures: FiguresDep,
    color_by: str | None = None,
    metric: str | None = None,
    groups: str | None = None,
) -> Response:
    """A figure for the page's scripts: the same JSON as the API's figure route, for the cookie's key.

    ``groups=all``: every group of a fine grouping (the figures of :data:`TOP_FIGURES` otherwise draw
    the most relevant ones only).
    """
    if key is None:
        raise Unauthorized("sign in first")
    if getattr(request.state, "foreign", False):
        raise NotFoundError("analysis", analysis_id)
    # errors (unknown figure option, no such analysis, not done) answer in the API's problem+json shape
    options: dict[str, Any] = check_options(name, {"color_by": color_by, "metric": metric})
    if groups is not None:
        if groups not in ("top", "all"):
            raise ParameterError("groups", f"must be top or all, not '{groups[:40]}'")
        if "max_groups" not in inspect.signature(figure(name)).parameters:
            raise ParameterError("groups", f"the {name} figure shows every group already")
        if groups == "all":
            options["max_groups"] = 0
    result = result_for(key, analysis_id, results, settings)
    text = figure_json(figures, analysis_id, result, name, options)
    return Response(text, media_type="application/json", headers={"Cache-Control": "private, no-store"})


@router.get("/analyses/{analysis_id}/report")
def page_report(
    request: Request,
    analysis_id: AnalysisId,
    key: PageKey,
    results: ResultsDep,
    settings: SettingsDep,
    reports: ReportsDep,
) -> Response:
    """The silo report (the API's, for the cookie's key): pseudonymized, the viewer's version for viewers."""
    result = page_result(request, key, analysis_id, results, settings)
    if isinstance(result, Response):
        return result
    headers = {"Content-Security-Policy": REPORT_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return HTMLResponse(report_html(reports, analysis_id, result), headers=headers)


# --------------------------------------------------------------------------
# The analysis page: one context from the result


def analysis_context(
    key: KeyInfo, analysis_id: str, result: AnalysisResult, results: Any, settings: Any, figures: LRUCache[str]
) -> dict[str, Any]:
    """Everything the analysis page shows, from the caller's result (and nothing else about people)."""
    analyst = key.role == "analyst" and result.privacy.audience == "analyst"
    one, many = group_noun(result.parameters.group_by)
    weak = weak_links_in_order(result.links)
    # analysts see person_ids (the page is theirs); a viewer's rows name nobody
    who = {pid: pid for pid in person_ids(result)} if analyst else None
    advice = recommendations_for(key, analysis_id, results, settings)
    # numbered as the summary's "next week" refers to them: the analysis' own priorities, which
    # the viewer's result keeps (the viewer form counts from 1 again)
    listed_as = {(r.kind, tuple(r.groups), r.reason): r.priority for r in result.recommendations}
    summary, more = _summary(result)
    # the recommendations the summary sends the reader to are shown without "show all"
    named = {int(n) for p in summary for item in p.items for n in re.findall(r"#(\d+) under What to do", item)}
    names = [*PAGE_FIGURES, *(TREND_FIGURES if result.trends else ()), *(COMPARISON_FIGURES if result.comparison else ())]
    figures = {
        name: script_json(figure_json(figures, analysis_id, result, name)) for name in names if name in FIGURE_NAMES
    }
    groups = groups_in_order(result.groups)
    # a viewer's ticket count is null (ona.privacy): the section shows whenever there are tickets
    handoffs = result.handoffs if result.handoffs is not None and result.handoffs.summary.tickets != 0 else None
    page_data = {
        "analysisId": analysis_id,
        "groups": [g.group for g in sorted(result.groups, key=lambda g: g.group)],
        "links": [[lk.source, lk.target, lk.weak] for lk in result.links if lk.weak or lk.weight > 0],
        "peopleMap": f"/analyses/{analysis_id}/figures/people_map.json" if analyst else None,
        "trends": _trend_data(result) if result.trends is not None else None,
    }
    return {
        "key": key,
        "analyst": analyst,
        "analysis_id": analysis_id,
        "result": result,
        "s": result.summary,
        "one": one,
        "many": many,
        "summary": summary,
        "more_findings": more,
        "groups": [{"g": g, "reasons": [reason_row(r) for r in g.silo_reasons], "notes": flag_notes(g)} for g in groups],
        "top": TOP_N,
        "figure_top": FIGURE_TOP,
        "figures_all": [name for name in TOP_FIGURES if len(result.groups) > FIGURE_TOP],
        "silos": [g for g in groups if g.silo],
        "weak": [link_row(lk, who) for lk in weak],
        "advice": [
            recommendation_row(r, who, listed_as.get((r.kind, tuple(r.groups), r.reason), r.priority))
            for r in advice[:ADVICE_LISTED]
        ],
        "advice_total": len(advice),
        "advice_shown": ADVICE_SHOWN,
        "advice_named": named,
        "handoffs": handoffs,
        "service_groups": sorted(handoffs.groups, key=lambda g: (-g.received, g.group)) if handoffs else [],
        "comparison": result.comparison,
        "key_people": result.key_people if analyst else [],
        "figures": figures,
        "config": script_json(json.dumps(CONFIG)),
        "page_data": script_json(json.dumps(page_data, separators=(",", ":"))),
        "group_names": page_data["groups"],
        "periods": [p.label for p in result.trends.periods] if result.trends else [],
    }


def _summary(result: AnalysisResult) -> tuple[list[Any], list[Any]]:
    """The summary's paragraphs above the map (scope, silos, weak links, what to do next week), and the rest."""
    paragraphs = words.executive_summary(result)
    head, rest = paragraphs[:SUMMARY_SHOWN], paragraphs[SUMMARY_SHOWN:]
    todo = words.next_week(result)
    if todo in rest:
        rest.remove(todo)
        head.append(todo)
    return head, rest


def _trend_data(result: AnalysisResult) -> dict[str, Any]:
    """Trends as the page's script reads them (lists aligned with the period labels)."""
    t = result.trends
    assert t is not None
    return {
        "period": t.period,
        "labels": [p.label for p in t.periods],
        "groups": [
            {"group": g.group, "ei": g.ei_index, "insularity": g.insularity, "active": g.active}
            for g in t.groups
        ],
        "links": [
            {
                "source": lk.source,
                "target": lk.target,
                "ratio": lk.ratio,
                "weight": lk.weight,
                "carriers": lk.carriers,
                "handoffs": lk.handoffs,
                "weak": lk.weak,
            }
            for lk in t.links
        ],
    }


# --------------------------------------------------------------------------
# plotly.js, from the installed package


@cache
def _plotly_bytes() -> tuple[bytes, bytes]:
    from plotly.offline import get_plotlyjs

    raw = get_plotlyjs().encode("utf-8")
    return raw, gzip.compress(raw, compresslevel=6)


@router.get(PLOTLY_JS)
def plotly_js(request: Request) -> Response:
    """plotly.js of the installed plotly package (versioned URL: cached for a year)."""
    raw, packed = _plotly_bytes()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding",
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    if re.search(r"\bgzip\b", request.headers.get("accept-encoding", "")):
        return Response(packed, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return Response(raw, media_type="text/javascript", headers=headers)
