"""The parsed-results cache: deleting a dataset forgets its own results only."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api


def test_deleting_a_dataset_keeps_the_other_results_parsed(api: Api, org: Path) -> None:
    """Emptying the whole cache on each delete made every reader of another analysis parse it again."""
    kept = api.upload(org).json()["dataset"]["dataset_id"]
    gone = api.upload(org).json()["dataset"]["dataset_id"]
    kept_analysis, gone_analysis = api.analyze(kept), api.analyze(gone)
    for analysis_id in (kept_analysis, gone_analysis):
        assert api.get(f"/api/v1/analyses/{analysis_id}/groups").status_code == 200
    results = api.client.app.state.results  # type: ignore[union-attr]
    assert results.cached(kept_analysis, None) is not None and results.cached(gone_analysis, None) is not None
    assert api.client.delete(f"/api/v1/datasets/{gone}", headers=api.auth()).status_code == 204
    assert results.cached(gone_analysis, None) is None
    assert results.cached(kept_analysis, None) is not None
    assert api.get(f"/api/v1/analyses/{gone_analysis}/groups").status_code == 404
