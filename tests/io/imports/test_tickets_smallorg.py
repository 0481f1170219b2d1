"""The small organization's tickets as tickets.csv and as each ticket kind give the same weights and handoff analytics."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ona.analysis.pipeline import handoff_analytics
from ona.io import read_dataset
from ona.io.imports import detect_kind, import_export
from ona.io.imports.base import ImportOptions
from ona.params import AnalysisParams
from ona.store import Store
from tests.io.imports import ticketfiles as tk
from tests.io.imports.pairs import assert_no_canary_in_folder
from tests.io.imports.smallorg import write_canonical

WRITERS: dict[str, Callable[[Path], list[Path]]] = {
    "jira": tk.write_jira,
    "servicenow": tk.write_servicenow,
    "servicenow-json": lambda folder: tk.write_servicenow(folder, form="json"),
    "zendesk": tk.write_zendesk,
    "github": tk.write_github,
}


def analytics(folder: Path) -> tuple[dict[tuple[str, str], tuple[float, float]], dict[str, Any]]:
    """(pair -> (ticket, weight)) and the handoff analytics (summary, pairs, groups) of a dataset folder."""
    store = Store()
    try:
        info = store.save_dataset(read_dataset(folder))
        params = AnalysisParams()
        weights = store.pair_weights(info.dataset_id, params).table.to_pylist()
        result = handoff_analytics(store, info.dataset_id, params).model_dump(mode="json")
    finally:
        store.close()
    return {(r["a"], r["b"]): (r["ticket"], r["weight"]) for r in weights}, result


def canonical(tmp: Path) -> Path:
    folder = write_canonical(tmp / "canonical", chats=False)
    for table in ("emails", "meetings"):
        (folder / f"{table}.csv").unlink()
    tk.write_canonical_tickets(folder)
    return folder


@pytest.mark.parametrize("kind", list(WRITERS))
def test_same_handoff_analytics_as_tickets_csv(tmp_path: Path, kind: str) -> None:
    want_weights, want = analytics(canonical(tmp_path))
    assert want["summary"]["handoffs"] == 20 and want["pairs"]  # the history is not trivial
    sources = WRITERS[kind](tmp_path / kind)
    assert detect_kind(sources) == kind.split("-")[0]
    out = tmp_path / f"imported-{kind}"
    shutil.rmtree(out, ignore_errors=True)
    report = import_export(kind.split("-")[0], sources, out, ImportOptions(), people=tmp_path / "canonical" / "people.csv")
    assert_no_canary_in_folder(out)
    assert report.totals.unparseable == 0 and "unknown_account" not in report.totals.dropped
    got_weights, got = analytics(out)
    assert got_weights == want_weights
    assert got == want
