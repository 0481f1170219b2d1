"""Uploaded dataset files -> a temporary folder the readers can open.

Each file is written under its table's name with the suffix of its original
name (``people.csv``, ``emails.parquet``, ...), since :mod:`ona.io` reads the
format from the suffix. The folder is removed when the block ends, whatever
happens.

:func:`store_upload` then reads and validates the staged files in a child
process (:mod:`api.child`), which saves the dataset in a temporary store
file, and copies that file into the server's store in one transaction
(:meth:`ona.store.Store.import_dataset`): a failed upload leaves the store
unchanged, and the server's GIL stays free for the requests it answers. At
most :data:`UPLOAD_PROCESSES` uploads are read at once; others wait for a
turn (each child holds the upload's tables in memory at its peak).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

from fastapi import UploadFile

from api import child, child_tasks
from api.errors import BadUpload
from ona.io.imports import ImportReport
from ona.io.limits import ReadLimits
from ona.io.readers import EXTENSIONS
from ona.store import DatasetInfo, Store

#: The file fields of an upload, in the order DESIGN.md lists the tables.
TABLES: tuple[str, ...] = ("people", "emails", "meetings", "tickets", "chats", "ties", "people_history",
                          "group_handoffs")

_COPY_CHUNK = 1 << 20

#: Upload children reading at once (2 cores: a third would only slow the others and the server).
UPLOAD_PROCESSES = 2
_slots = threading.BoundedSemaphore(UPLOAD_PROCESSES)


def suffix_of(field: str, upload: UploadFile) -> str:
    """The suffix of an upload's file name, lowercased (BadUpload unless ona reads it)."""
    suffix = PurePath(upload.filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise BadUpload(
            field,
            f"file name '{upload.filename or ''}' must end in {', '.join(EXTENSIONS)} "
            "(the suffix tells the format)",
        )
    return suffix


def _blank(upload: UploadFile | None) -> bool:
    """No file: a form's empty file input sends no file name and no bytes."""
    return upload is None or (not upload.filename and not upload.size)


@contextmanager
def staged(uploads: Mapping[str, UploadFile | None], *, required: tuple[str, ...] = ("people",)) -> Iterator[dict[str, Path]]:
    """Write the given uploads to a temporary folder; yield their paths by table.

    Raises
    ------
    BadUpload
        A required file is missing, or a file name has no suffix ona reads.
    """
    for field in required:
        if _blank(uploads.get(field)):
            raise BadUpload(field, "this file is required")
    given = {field: up for field, up in uploads.items() if up is not None and not _blank(up)}
    suffixes = {field: suffix_of(field, up) for field, up in given.items()}
    folder = Path(tempfile.mkdtemp(prefix="ona-upload-"))
    try:
        paths: dict[str, Path] = {}
        for field, up in given.items():
            path = folder / f"{field}{suffixes[field]}"
            with path.open("wb") as out:
                up.file.seek(0)
                shutil.copyfileobj(up.file, out, _COPY_CHUNK)
            paths[field] = path
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def store_upload(
    store: Store,
    staged_files: dict[str, Any],
    *,
    name: str,
    limits: ReadLimits,
    column_map: dict[str, str],
    workspace: str,
) -> tuple[DatasetInfo, ImportReport | None]:
    """Read and validate staged files in a child process, then add the dataset to ``store``.

    ``staged_files`` is what :func:`api.imports.sources` yields. Returns the
    stored dataset and the import report (None without a kind).

    Raises
    ------
    DatasetError, RowLimitError, OnaError, BadUpload
        As the reading raised them in the child (same class, same message).
    api.child.ChildError
        The child failed otherwise or died (e.g. out of memory).
    """
    folder = child.scratch_dir(store.path, "ona-upload-store-")
    try:
        part = folder / "upload.duckdb"
        with _slots:
            imported = child.run(
                child_tasks.read_upload, staged_files, name, limits, column_map, str(part)
            )
        info = store.import_dataset(part, workspace=workspace)
        return info, imported
    finally:
        shutil.rmtree(folder, ignore_errors=True)
