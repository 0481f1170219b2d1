"""Ticket handoff tables on Spark: the SQL of :mod:`ona.store.handoffs` translated by sqlglot, equal to DuckDB's.

A small organization with person handoffs (internal and external, repeated
holders, resolved statuses) and assignment-group changes (names in any
case, a queue that is no group), and the sample, with and without a time
window and with another ``no_owner_groups``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ona.io import read_dataset
from ona.store import Store
from ona.store.engine import DuckDBEngine
from ona.store.handoffs import HandoffTables
from ona.store.spark import SparkEngine
from tests.spark.conftest import write_org

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
WINDOW = {"since": datetime(2024, 1, 10, tzinfo=UTC), "until": datetime(2024, 2, 12, tzinfo=UTC)}


def assert_same(duck: HandoffTables, spark: HandoffTables) -> None:
    assert spark.summary == duck.summary
    assert spark.pairs.column_names == duck.pairs.column_names
    assert spark.pairs.to_pylist() == duck.pairs.to_pylist()
    assert spark.groups.column_names == duck.groups.column_names
    assert spark.groups.to_pylist() == duck.groups.to_pylist()


@pytest.mark.parametrize("which", ["org", "sample"])
def test_handoff_tables_equal(which: str, tmp_path: Path, spark: object) -> None:
    folder = write_org(tmp_path / "org") if which == "org" else SAMPLE
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        labels = store.group_labels(info.dataset_id, "department")
        with SparkEngine(spark=spark) as engine:
            for options in ({}, WINDOW, {"since": WINDOW["since"], "no_owner_groups": 2}):
                duck = DuckDBEngine().handoff_tables(store, info.dataset_id, labels, **options)
                if which == "org":
                    assert duck.summary["cross_group_handoffs"] > 0 and duck.summary["group_handoffs_unmatched"] > 0
                assert_same(duck, engine.handoff_tables(store, info.dataset_id, labels, **options))
        views = {t.name for t in spark.catalog.listTables()}  # type: ignore[attr-defined]
        assert not {v for v in views if v.startswith("_ho_")}  # temporary views dropped
