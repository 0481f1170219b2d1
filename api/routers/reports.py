"""/api/v1/analyses/{id}/report: the self-contained HTML silo report of an analysis.

The report is :func:`ona.report.render_report` of the result as the
caller's role may see it: people are pseudonymized ("Person A (Security)")
for everyone, and a viewer's report has no person-level section at all.
It is the file ``ona report`` writes, so it works offline once saved.

The report carries its own scripts (plotly.js and the figures, inline), so
it is served in a CSP sandbox: it runs without this site's origin, and
cannot read its cookies or call its API even if some data escaped escaping.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import AnalysisId, ResultDep
from api.errors import problem_responses
from api.routers.figures import audience
from ona.report import render_report
from ona.results import AnalysisResult

router = APIRouter(prefix="/analyses", tags=["reports"], responses=problem_responses(401, 422))

#: Reports kept rendered (a 10,000-person report is a few MB and takes seconds to build).
CACHED_REPORTS = 4

REPORT_CSP = (
    "sandbox allow-scripts allow-popups allow-downloads allow-modals; default-src 'none'; "
    "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


class _Reports:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: tuple, result: AnalysisResult) -> str:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
                return html
        html = render_report(result, result.layout)
        with self._lock:
            self._items[key] = html
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return html


def report_html(request: Request, analysis_id: str, result: AnalysisResult) -> str:
    """The report of ``result`` (the caller's version), rendered once per analysis and audience."""
    state = request.app.state
    if getattr(state, "reports", None) is None:
        state.reports = _Reports(CACHED_REPORTS)
    return state.reports.get_or_render((analysis_id, audience(result)), result)  # type: ignore[no-any-return]


@router.get(
    "/{analysis_id}/report",
    summary="The silo report (HTML)",
    response_class=Response,
    responses={
        200: {"description": "One self-contained HTML document", "content": {"text/html": {"schema": {"type": "string"}}}},
        **problem_responses(404, 409),
    },
)
def get_report(
    request: Request,
    analysis_id: AnalysisId,
    result: ResultDep,
    download: Annotated[bool, Query(description="ask the browser to save the file instead of showing it")] = False,
) -> Response:
    """The consultant's silo report as one HTML file that works offline (plotly.js inlined).

    People are pseudonymized; a viewer gets the leaders' version (no
    person-level section, small groups suppressed).
    """
    html = report_html(request, analysis_id, result)
    filename = f"ona-report-{analysis_id}{'-viewer' if audience(result) is not None else ''}.html"
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'{"attachment" if download else "inline"}; filename="{filename}"',
            "Content-Security-Policy": REPORT_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )
