"""Uploaded files (ona's tables, or an export with a ``kind``) -> staged files for the upload's child process.

An upload with a ``kind`` carries the export as it came (the ``files``
list: a message trace CSV, Gmail log JSON lines, .ics files, a Slack zip,
...), the people file if any, and the import options the route checked
(:class:`ona.io.imports.options.ImportRequest`). The files are written to
a temporary folder under their own names; the upload's child process
(:func:`api.child_tasks.read_upload`) builds the import's options from the
request and the people file and runs :func:`ona.io.imports.import_export`
on them, into a dataset folder there, and reads that folder like any
upload. Only the checks that need no
reading (the kind, the required files, the suffixes) are made here, in the
server. The temporary folder is removed when the block ends, whatever
happens.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

from fastapi import UploadFile

from api.errors import BadUpload
from api.uploads import staged, suffix_of
from ona.io.imports import KINDS, PEOPLE_FROM_EXPORT
from ona.io.imports.options import ImportRequest

_COPY_CHUNK = 1 << 20

KIND_HELP = (
    "the kind of export in `files` (" + ", ".join(["auto", *KINDS]) + "); without it the upload is ona's own "
    "tables (people, emails, ...). With a kind, `files` holds the export as it came and `people` the people "
    "file its addresses are resolved against (not needed for " + ", ".join(PEOPLE_FROM_EXPORT) + ", whose "
    "people come from the export, nor with `internal_domain`); the answer includes the import report"
)


@contextmanager
def sources(
    kind: str | None,
    uploads: Mapping[str, UploadFile | None],
    files: list[UploadFile] | None,
    request: ImportRequest | None = None,
) -> Iterator[dict[str, Any]]:
    """Stage the upload; yield what :func:`api.child_tasks.read_upload` reads.

    ``{"paths": {table: path}}`` without a kind; with one, ``{"kind",
    "files", "people", "folder", "request"}`` (the export's files, the
    people file or None, the folder the import writes its dataset under,
    and the checked import options, :func:`ona.io.imports.options.import_request`'s).
    Paths are strings (they cross to the child process).

    The people file is required without a kind, and with one unless the
    kind takes its people from the export (:data:`ona.io.imports.PEOPLE_FROM_EXPORT`)
    or the request names internal domains; with ``auto`` the import decides
    (its error names what is missing).

    Raises
    ------
    BadUpload
        An unknown kind, a kind without files, files without a kind, or a
        missing people file.
    """
    given = [f for f in files or [] if f.filename or f.size]
    if kind is None:
        if given:
            raise BadUpload("files", "export files need a kind (the 'kind' form field)")
        with staged(uploads) as paths:
            yield {"paths": {table: str(path) for table, path in paths.items()}}
        return
    if kind not in KINDS and kind != "auto":
        raise BadUpload("kind", f"unknown kind '{kind}' (expected auto or one of: {', '.join(KINDS)})")
    if not given:
        raise BadUpload("files", f"a '{kind}' upload needs the export's files in 'files'")
    people = uploads.get("people")
    if people is not None and not (people.filename or people.size):
        people = None
    request = request or ImportRequest()
    if people is None and kind != "auto" and kind not in PEOPLE_FROM_EXPORT and not request.internal_domains:
        raise BadUpload("people", "this file is required")
    folder = Path(tempfile.mkdtemp(prefix="ona-import-upload-"))
    try:
        (folder / "export").mkdir()
        paths = []
        for i, up in enumerate(given):
            name = PurePath(up.filename or "").name or f"file{i}"
            path = folder / "export" / name
            if path.exists():
                path = folder / "export" / f"{i}-{name}"
            _save(up, path)
            paths.append(path)
        people_path: str | None = None
        if people is not None:
            people_path = str(folder / f"people{suffix_of('people', people)}")
            _save(people, Path(people_path))
        yield {"kind": kind, "files": [str(p) for p in paths], "people": people_path, "folder": str(folder),
               "request": request}  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _save(upload: UploadFile, path: Path) -> None:
    with path.open("wb") as out:
        upload.file.seek(0)
        shutil.copyfileobj(upload.file, out, _COPY_CHUNK)
