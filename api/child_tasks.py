"""The work the server hands to a child process (:mod:`api.child`): an analysis, an upload's reading.

Input: store files and staged upload files the server prepared. Output: an
analysis' result JSON in a file, or a validated dataset saved in a store
file of its own, for the server to import. These functions run in the
child only; the fork server imports this module (and with it the library)
once, so that each child starts with everything loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# imported here, not lazily, so that the fork server loads them once for every child
import ona.analysis.pipeline
from ona.io.imports import ImportReport, import_export
from ona.io.imports.folder import table_files
from ona.io.imports.options import ImportRequest, resolve_request
from ona.io.limits import ReadLimits
from ona.params import AnalysisParams
from ona.store import Store

#: The analysis a child runs (a test may hand Jobs another module-level function).
analyze_dataset = ona.analysis.pipeline.analyze_dataset


def analyze(
    report: Callable[..., None],
    analysis: Callable[..., Any],
    store_path: str,
    dataset_id: str,
    params: AnalysisParams,
    out_path: str,
) -> None:
    """Run ``analysis(store, dataset_id, params, on_progress=...)`` on the exported store; write the result JSON.

    Progress goes to the server as ``(stage, done, total)`` messages.
    """
    with Store(store_path) as store:
        result = analysis(store, dataset_id, params, on_progress=report)
        Path(out_path).write_text(result.to_json(), encoding="utf-8")


def read_upload(
    report: Callable[..., None],
    staged: Mapping[str, Any],
    name: str,
    limits: ReadLimits,
    column_map: Any,
    out_path: str,
) -> ImportReport | None:
    """Read and validate an upload (through ``ona import`` with a kind) into a new store file at ``out_path``.

    ``staged`` is :func:`api.imports.sources`' description of the staged
    files: ``{"paths": {table: path}}``, or with a kind ``{"kind", "files",
    "people", "folder", "request"}`` (``people`` None when not given;
    ``request`` the checked import options, which the people file
    completes: :func:`ona.io.imports.options.resolve_request`). Returns the
    import report (None without a kind).

    Raises
    ------
    DatasetError, RowLimitError, ParameterError, OnaError
        As :func:`ona.io.read_dataset_files`,
        :func:`ona.io.imports.options.resolve_request` and
        :func:`ona.io.imports.import_export` raise them.
    """
    imported: ImportReport | None = None
    if staged.get("kind") is not None:
        root = Path(staged["folder"])
        (root / "mapped").mkdir(exist_ok=True)
        people = Path(staged["people"]) if staged.get("people") else None
        options, people = resolve_request(staged.get("request") or ImportRequest(), people, root / "mapped")
        folder = root / "dataset"
        imported = import_export(staged["kind"], [Path(p) for p in staged["files"]], folder, options, people=people)
        paths = table_files(folder)
    else:
        paths = {table: Path(p) for table, p in staged["paths"].items()}
    with Store(out_path) as store:  # validated a piece at a time, straight into the store
        store.load_files(paths, name=name, limits=limits, column_map=column_map)
    return imported
