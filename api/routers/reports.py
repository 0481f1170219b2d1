"""/api/v1/analyses/{id}/report: the self-contained HTML silo report of an analysis.

The report is :func:`ona.report.render_report` of the result as the
caller's role may see it: people are pseudonymized ("Person A (Security)")
for everyone, and a viewer's report has no person-level section at all.
It is the file ``ona report`` writes, so it works offline once saved.

The report carries its own scripts (plotly.js and the figures, inline), so
it is served in a CSP sandbox (:data:`api.views.REPORT_CSP`): it runs without
this site's origin, and cannot read its cookies or call its API even if some
data escaped escaping. The report is rendered once per analysis and audience
(:func:`api.views.report_html`, which the leaders' pages call too).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import AnalysisId, ReportsDep, ResultDep
from api.errors import problem_responses
from api.views import REPORT_CSP, audience, report_html

router = APIRouter(prefix="/analyses", tags=["reports"], responses=problem_responses(401, 422))


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
    analysis_id: AnalysisId,
    result: ResultDep,
    reports: ReportsDep,
    download: Annotated[bool, Query(description="ask the browser to save the file instead of showing it")] = False,
) -> Response:
    """The consultant's silo report as one HTML file that works offline (plotly.js inlined).

    People are pseudonymized; a viewer gets the leaders' version (no
    person-level section, small groups suppressed).
    """
    html = report_html(reports, analysis_id, result)
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
