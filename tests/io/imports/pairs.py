"""Helpers of the mail and calendar importer tests: pair weights of a folder, the canary search."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ona.io import read_dataset
from ona.io.imports import import_export
from ona.io.imports.base import ImportOptions, MemorySink
from ona.params import AnalysisParams
from ona.store import Store
from tests.io.imports.smallorg import CANARY, write_canonical


def pair_weights(folder: Path) -> dict[tuple[str, str], tuple[float, ...]]:
    """(a, b) -> (email, meeting, weight) of a dataset folder, through read_dataset and a Store."""
    store = Store()
    try:
        info = store.save_dataset(read_dataset(folder))
        table = store.pair_weights(info.dataset_id, AnalysisParams()).table.to_pylist()
    finally:
        store.close()
    return {(r["a"], r["b"]): (r["email"], r["meeting"], r["weight"]) for r in table}


def assert_same_weights(got: dict, want: dict) -> None:
    assert set(got) == set(want), (sorted(set(got) ^ set(want)))
    for pair, values in want.items():
        for g, w in zip(got[pair], values, strict=True):
            assert abs(g - w) <= 1e-9, (pair, got[pair], values)


def canonical_weights(tmp: Path, keep: Sequence[str]) -> dict:
    """Weights of the small organization written as ona's CSVs, with only the ``keep`` tables."""
    folder = write_canonical(tmp / "canonical", chats=False)
    for table in ("emails", "meetings"):
        if table not in keep:
            (folder / f"{table}.csv").unlink()
    return pair_weights(folder)


def imported_weights(tmp: Path, kind: str, sources: Sequence[Path]) -> dict:
    """Weights of the small organization imported with ``ona import KIND`` into a fresh folder."""
    people = write_canonical(tmp / "people-src", chats=False) / "people.csv"
    out = tmp / f"imported-{kind}"
    shutil.rmtree(out, ignore_errors=True)
    import_export(kind, sources, out, ImportOptions(), people=people)
    assert_no_canary_in_folder(out)
    return pair_weights(out)


def written_text(sink: MemorySink) -> str:
    """Everything an importer wrote to the sink, as text (for the canary search)."""
    parts = []
    for name, batches in sink.tables.items():
        for batch in batches:
            parts.append(name + str(batch.to_pylist()) + str(pa.Table.to_pydict(batch)))
    return "\n".join(parts)


def assert_no_canary(sink: MemorySink, reports: Sequence[object] = ()) -> None:
    text = written_text(sink) + "".join(r.model_dump_json() for r in reports)  # type: ignore[attr-defined]
    assert CANARY not in text
    assert CANARY.lower() not in text.lower()


def assert_no_canary_in_folder(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            # Parquet pages may be compressed: search the decoded rows, and the raw bytes too.
            assert CANARY.encode() not in path.read_bytes(), path
            if path.suffix == ".parquet":
                assert CANARY not in str(pq.read_table(path).to_pylist()), path
