"""Ticket handoff tables on Spark: the SQL of :mod:`ona.store.handoffs` translated by sqlglot, equal to DuckDB's.

A small organization with person handoffs (internal and external, repeated
holders, resolved statuses) and assignment-group changes (names in any
case, a queue that is no group), and the sample, with and without a time
window; and the metrics computed from them (with another ``no_owner_groups`` too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ona.analysis.handoffs import handoff_metrics
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store
from ona.store.engine import DuckDBEngine
from ona.store.handoffs import HandoffTables
from ona.store.spark import SparkEngine
from tests.spark.conftest import write_org

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
WINDOW = {"since": datetime(2024, 1, 10, tzinfo=UTC), "until": datetime(2024, 2, 12, tzinfo=UTC)}


def assert_same(duck: HandoffTables, spark: HandoffTables) -> None:
    for name in ("visits", "tickets", "handoff_rows"):
        d, s = getattr(duck, name), getattr(spark, name)
        assert s.column_names == d.column_names, name
        assert s.to_pylist() == d.to_pylist(), name
    assert (spark.group_handoffs_unmatched, spark.unknown_groups) == (duck.group_handoffs_unmatched,
                                                                       duck.unknown_groups)
    for params in (AnalysisParams(), AnalysisParams(no_owner_groups=4)):
        assert handoff_metrics(spark, params) == handoff_metrics(duck, params)


@pytest.mark.parametrize("which", ["org", "sample"])
def test_handoff_tables_equal(which: str, tmp_path: Path, spark: object) -> None:
    folder = write_org(tmp_path / "org") if which == "org" else SAMPLE
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        labels = store.group_labels(info.dataset_id, "department")
        with SparkEngine(spark=spark) as engine:
            for options in ({}, WINDOW, {"since": WINDOW["since"]}):
                duck = DuckDBEngine().handoff_tables(store, info.dataset_id, labels, **options)
                if which == "org":
                    summary = handoff_metrics(duck, AnalysisParams()).summary
                    assert summary.cross_group_handoffs > 0 and summary.group_handoffs_unmatched > 0
                assert_same(duck, engine.handoff_tables(store, info.dataset_id, labels, **options))
        views = {t.name for t in spark.catalog.listTables()}  # type: ignore[attr-defined]
        assert not {v for v in views if v.startswith("_ho_")}  # temporary views dropped
