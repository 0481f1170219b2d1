"""Loading files a piece at a time (Store.load_files) stores what save_dataset(read_dataset(...)) stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ona.errors import DatasetError
from ona.io import read_dataset, readers
from ona.params import AnalysisParams
from ona.store import Store, scratch_store
from ona.store.schema import EVENT_TABLES

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

#: Columns that number events within a load (the piecewise load leaves gaps where repeats were dropped).
KEYS = ("message_key", "meeting_key")


def _rows(store: Store, table: str) -> list[tuple]:
    with store._cursor() as con:
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
        ).fetchall() if c not in ("ds", *KEYS)]
        quoted = ", ".join(f'"{c}"' for c in cols)
        return sorted(con.execute(f"SELECT {quoted} FROM {table}").fetchall(), key=repr)


def _both(folder: Path) -> tuple[Store, Store, str, str]:
    whole, pieces = Store(":memory:"), Store(":memory:")
    a = whole.save_dataset(read_dataset(folder))
    b = pieces.load_folder(folder)
    return whole, pieces, a.dataset_id, b.dataset_id


def _assert_same(folder: Path) -> None:
    whole, pieces, a, b = _both(folder)
    with whole, pieces:
        info_a, info_b = whole.get_dataset(a), pieces.get_dataset(b)
        assert info_a.model_dump(exclude={"dataset_id", "created_at"}) == info_b.model_dump(
            exclude={"dataset_id", "created_at"})
        assert whole.validation_report(a) == pieces.validation_report(b)
        for table in EVENT_TABLES:
            assert _rows(whole, table) == _rows(pieces, table), table
        params = AnalysisParams()
        assert whole.pair_weights(a, params).table.equals(pieces.pair_weights(b, params).table)


def test_sample_is_stored_alike() -> None:
    _assert_same(SAMPLE)


def _with_repeats(folder: Path) -> Path:
    """The sample with repeated messages and meetings spread far apart in their files (other pieces)."""
    shutil.copytree(SAMPLE, folder)
    for name, take in (("emails.csv", 25), ("meetings.csv", 10)):
        lines = (folder / name).read_text().splitlines()
        header, body = lines[0], lines[1:]
        (folder / name).write_text("\n".join([header, *body, *body[:take], *body[-take:]]) + "\n")
    return folder


def test_repeats_across_pieces_are_dropped_and_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _with_repeats(tmp_path / "org")
    monkeypatch.setattr(readers, "PIECE_ROWS", 64)  # many pieces: most repeats are in another piece
    whole, pieces, a, b = _both(folder)
    with whole, pieces:
        report = pieces.validation_report(b)
        assert report.files["emails.csv"].duplicates >= 40  # some sample rows have no message_id or are rejected
        assert report.files["meetings.csv"].duplicates >= 15
    _assert_same(folder)


def test_a_failed_load_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE, folder)
    (folder / "tickets.csv").write_text("ticket_id,timestamp\nT1,2024-01-01\n")  # no assignee column
    with Store(tmp_path / "s.duckdb") as store:
        before = store.row_counts()
        with pytest.raises(DatasetError, match="tickets.csv"):
            store.load_folder(folder)  # emails and meetings were stored before tickets failed
        assert store.row_counts() == before
        assert store.list_datasets() == []


def test_scratch_store_is_on_disk_for_large_inputs_and_removed() -> None:
    with scratch_store(0) as small:
        assert small.path == ":memory:"
    with scratch_store(1 << 40) as large:
        path = Path(large.path)
        assert path.exists()
        info = large.load_folder(SAMPLE)
        assert large.get_dataset(info.dataset_id).people > 0
    assert not path.parent.exists()


def test_rows_of_a_killed_load_are_deleted_by_the_next(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        info = store.load_folder(SAMPLE)
        with store._cursor() as con:  # what a process killed while loading leaves: rows of a key no dataset has
            con.execute("INSERT INTO emails SELECT 999, message_key, ts, sender_idx, sender_address, k, line "
                        "FROM emails LIMIT 5")
        second = store.load_folder(SAMPLE)
        with store._cursor() as con:
            assert con.execute("SELECT count(*) FROM emails WHERE ds = 999").fetchall()[0][0] == 0
        assert store.get_dataset(info.dataset_id).emails == store.get_dataset(second.dataset_id).emails
