"""The leaders' pages' figure route answers every error as RFC 9457 problem details, like the API."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_errors import assert_problem
from tests.api.test_pages import sign_in

CASES = [
    # (signed in as, path after /analyses/, status, problem type, words of the detail)
    (None, "{id}/figures/department_map.json", 401, "urn:ona:problem:unauthorized", "sign in"),
    ("viewer", "feed0000/figures/department_map.json", 404, "urn:ona:problem:not-found", "analysis 'feed0000'"),
    ("viewer", "feed0000/figures/nope.json", 404, "urn:ona:problem:not-found", "analysis 'feed0000'"),
    ("analyst", "{id}/figures/nope.json", 404, "urn:ona:problem:not-found", "no figure called 'nope'"),
    ("analyst", "{id}/figures/department_map.json?color_by=x", 422, "urn:ona:problem:parameter", "color_by: must be one of"),
    ("analyst", "{id}/figures/department_map.json?groups=x", 422, "urn:ona:problem:parameter", "groups: must be top or all"),
    ("viewer", "{id}/figures/department_map.json?groups=all", 422, "urn:ona:problem:parameter", "shows every group already"),
    ("analyst", "{id}/figures/Bad%20Name.json", 422, "urn:ona:problem:validation", "name: "),
]


@pytest.mark.parametrize(("role", "path", "status", "kind", "words"), CASES)
def test_page_figure_errors_are_problem_details(done: tuple[Api, str, str], role, path, status, kind, words) -> None:
    api, _, analysis_id = done
    sign_in(api, role)
    body = assert_problem(api.client.get("/analyses/" + path.format(id=analysis_id)), status)
    assert body["type"] == kind and words in body["detail"], body


def test_the_api_documents_the_figure_routes_problems(done: tuple[Api, str, str]) -> None:
    spec = done[0].client.get("/openapi.json").json()
    answers = spec["paths"]["/api/v1/analyses/{analysis_id}/figures/{name}"]["get"]["responses"]
    for status in ("404", "409", "422"):
        assert "application/problem+json" in answers[status]["content"], status
