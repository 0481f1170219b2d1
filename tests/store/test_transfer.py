"""Copying a dataset between store files (the API's child processes work on such copies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ona.errors import NotFoundError, OnaError
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store
from ona.store.transfer import DATASET_TABLES


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-person synthetic organization with every table and some bad rows."""
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("org")
    synthesize(folder, people=60, seed=3, bad_rows=True)
    return folder


def _rows(store: Store, dataset_id: str) -> dict[str, int]:
    """Rows of the dataset in every table that holds its rows."""
    counts = {}
    with store._cursor() as cur:
        ds = cur.execute("SELECT ds FROM datasets WHERE dataset_id = ?", [dataset_id]).fetchall()[0][0]
        for name in DATASET_TABLES:
            counts[name] = cur.execute(f"SELECT count(*) FROM {name} WHERE ds = ?", [ds]).fetchall()[0][0]
    return counts


def test_export_then_import_gives_the_same_dataset(tmp_path: Path, org: Path) -> None:
    params = AnalysisParams()
    with Store() as main:
        main.save_dataset(read_dataset(org), workspace="w1")  # another dataset: keys differ between stores
        info = main.save_dataset(read_dataset(org), workspace="w1")
        main.export_dataset(info.dataset_id, tmp_path / "part.duckdb")
        with pytest.raises(OnaError, match="exists"):
            main.export_dataset(info.dataset_id, tmp_path / "part.duckdb")
        with pytest.raises(NotFoundError):
            main.export_dataset("000000000000", tmp_path / "none.duckdb")
        with Store(tmp_path / "part.duckdb") as part:
            assert [d.dataset_id for d in part.list_datasets()] == [info.dataset_id]
            assert part.get_dataset(info.dataset_id) == info
            assert _rows(part, info.dataset_id) == _rows(main, info.dataset_id)
            assert part.pair_weights(info.dataset_id, params) == main.pair_weights(info.dataset_id, params)
            assert part.list_analyses() == []

        with Store(tmp_path / "other.duckdb") as other:
            other.save_dataset(read_dataset(org))
            copied = other.import_dataset(tmp_path / "part.duckdb", workspace="w2")
            assert copied.dataset_id != info.dataset_id and copied.workspace == "w2"
            assert copied.model_dump(exclude={"dataset_id", "workspace"}) == info.model_dump(
                exclude={"dataset_id", "workspace"}
            )
            assert _rows(other, copied.dataset_id) == _rows(main, info.dataset_id)
            assert other.validation_report(copied.dataset_id) == main.validation_report(info.dataset_id)
            assert other.pair_weights(copied.dataset_id, params) == main.pair_weights(info.dataset_id, params)
            assert other.group_labels(copied.dataset_id, "department") == main.group_labels(
                info.dataset_id, "department"
            )


def test_a_failed_import_leaves_the_store_unchanged(tmp_path: Path, org: Path) -> None:
    with Store() as main:
        main.save_dataset(read_dataset(org))
        before = main.row_counts()
        empty = tmp_path / "empty.duckdb"
        Store(empty).close()
        with pytest.raises(OnaError, match="holds 0 datasets"):
            main.import_dataset(empty)
        broken = tmp_path / "broken.duckdb"
        with Store(broken) as part:
            part.save_dataset(read_dataset(org))
            with part._cursor() as cur:
                cur.execute("DROP TABLE chats")  # the import fails part way through its tables
        with pytest.raises(Exception, match="chats"):
            main.import_dataset(broken)
        assert main.row_counts() == before
