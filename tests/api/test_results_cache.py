"""The service's caches (one class, api.cache.LRUCache): parsed results, figures and reports.

Deleting a dataset forgets its own results only; the JSON routes and the
leaders' pages read the same kept figures and reports; deleting an analysis
forgets everything kept of it.
"""

from __future__ import annotations

from pathlib import Path

from api.cache import LRUCache
from ona.results import AnalysisResult
from ona.viz import figure
from tests.api.conftest import Api


def test_deleting_a_dataset_keeps_the_other_results_parsed(api: Api, org: Path) -> None:
    """Emptying the whole cache on each delete made every reader of another analysis parse it again."""
    kept = api.upload(org).json()["dataset"]["dataset_id"]
    gone = api.upload(org).json()["dataset"]["dataset_id"]
    kept_analysis, gone_analysis = api.analyze(kept), api.analyze(gone)
    for analysis_id in (kept_analysis, gone_analysis):
        assert api.get(f"/api/v1/analyses/{analysis_id}/groups").status_code == 200
    results = api.client.app.state.results  # type: ignore[union-attr]
    assert isinstance(results.cache, LRUCache)
    assert results.cached(kept_analysis, None) is not None and results.cached(gone_analysis, None) is not None
    assert api.client.delete(f"/api/v1/datasets/{gone}", headers=api.auth()).status_code == 204
    assert results.cached(gone_analysis, None) is None
    assert results.cached(kept_analysis, None) is not None
    assert api.get(f"/api/v1/analyses/{gone_analysis}/groups").status_code == 404


def test_the_routes_and_the_pages_share_the_kept_figures_and_reports(api: Api, org: Path) -> None:
    dataset = api.upload(org).json()["dataset"]["dataset_id"]
    analysis = api.analyze(dataset)
    state = api.client.app.state  # type: ignore[union-attr]
    figures, reports = state.figures, state.reports
    assert isinstance(figures, LRUCache) and isinstance(reports, LRUCache)

    r = api.get(f"/api/v1/analyses/{analysis}/figures/silo_ranking")
    assert r.status_code == 200, r.text
    # what is kept is the figure of the result, drawn here again from the result the API returns
    result = AnalysisResult.model_validate(api.get(f"/api/v1/analyses/{analysis}/result").json())
    assert r.text == figure("silo_ranking")(result, result.layout).to_json()
    assert (analysis, None, "silo_ranking", ()) in figures

    # the page's figure route, signed in with the same key: the kept JSON, not built again
    signed = api.client.post("/sign-in", data={"key": api.keys["analyst"], "next": "/analyses"}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    hits, misses = figures.hits, figures.misses
    page = api.client.get(f"/analyses/{analysis}/figures/silo_ranking.json")
    assert page.status_code == 200 and page.text == r.text
    assert (figures.hits, figures.misses) == (hits + 1, misses)

    # a viewer's figure is another entry (the viewer's floor), made from the viewer's result
    floor = max(result.parameters.min_group_size, state.settings.viewer_min_group_size)
    assert api.get(f"/api/v1/analyses/{analysis}/figures/silo_ranking", role="viewer").status_code == 200
    assert (analysis, floor, "silo_ranking", ()) in figures

    # the report: rendered once for the route, then served to the page from the cache
    report = api.get(f"/api/v1/analyses/{analysis}/report")
    assert report.status_code == 200 and (analysis, None) in reports
    hits = reports.hits
    page_report = api.client.get(f"/analyses/{analysis}/report")
    assert page_report.status_code == 200 and page_report.text == report.text and reports.hits == hits + 1

    assert api.client.delete(f"/api/v1/analyses/{analysis}", headers=api.auth()).status_code == 204
    assert (analysis, None, "silo_ranking", ()) not in figures and (analysis, floor, "silo_ranking", ()) not in figures
    assert (analysis, None) not in reports and state.results.cached(analysis, None) is None
    assert api.get(f"/api/v1/analyses/{analysis}/figures/silo_ranking").status_code == 404
