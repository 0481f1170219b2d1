"""Uploaded dataset files -> a temporary folder the readers can open.

Each file is written under its table's name with the suffix of its original
name (``people.csv``, ``emails.parquet``, ...), since :mod:`ona.io` reads the
format from the suffix. The folder is removed when the block ends, whatever
happens.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath

from fastapi import UploadFile

from api.errors import BadUpload
from ona.io.readers import EXTENSIONS

#: The file fields of an upload, in the order DESIGN.md lists the tables.
TABLES: tuple[str, ...] = ("people", "emails", "meetings", "tickets", "chats", "ties", "people_history")

_COPY_CHUNK = 1 << 20


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
