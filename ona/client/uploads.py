"""What the client sends for a dataset: a folder of ona's tables, or an export of a kind.

Input: a path on the caller's machine (a dataset folder, an export file, an
export folder), the export's ``kind`` and the people file. Output: the
multipart parts of ``POST /api/v1/datasets`` as :mod:`api.routers.datasets`
reads them:

- a folder without a kind is a dataset folder: each table file that
  ``ona analyze FOLDER`` would read (:func:`ona.io.load.find_files`: the
  people file, emails, meetings, ...) is sent in its table's field
  (``people``, ``emails``, ...) under its own file name, whose suffix tells
  the server its format;
- a file, or a folder with a kind, is an export sent in ``files`` with the
  ``kind`` form field (``auto`` for a file given without one) and the people
  file in ``people``. A Slack export folder (:func:`ona.io.imports.chat.looks_like_slack`)
  is zipped first, as Slack hands it out, since its layout (a folder per
  channel) is part of the export; any other export folder is sent file by
  file (the server keeps the file names, not the folders);
- ``map`` fields carry ``TARGET=Column`` pairs for the people file's own
  column names (with a ticket kind, also the account id columns:
  ``jira_account_id=Column``, ...);
- an export's import options go in the form fields of the same names as
  ``ona import``'s: ``internal_domain`` (one field per domain), ``since``
  and ``until`` (ISO 8601), ``chat_channel_posts``, ``group_column``,
  ``tie_score``. The server checks them (422 naming the field).

Files are opened here and read by httpx as the request is sent (streamed,
never held whole in memory); :class:`Parts` closes them.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ona.io.imports import KINDS
from ona.io.imports.chat import looks_like_slack
from ona.io.load import find_files

#: The kinds an upload can name: ona's importers, and ``auto`` to let the server recognize the export.
UPLOAD_KINDS: tuple[str, ...] = ("auto", *KINDS)


@dataclass
class Parts:
    """The multipart parts of one upload (a context manager that closes the files it opened).

    Attributes
    ----------
    files : list of (field, (filename, file object))
        File parts in order, as httpx's ``files=`` takes them.
    data : dict
        Form fields (``name``, ``kind``, ``map``), as httpx's ``data=`` takes them.
    """

    files: list[tuple[str, tuple[str, IO[bytes]]]] = field(default_factory=list)
    data: dict[str, str | list[str]] = field(default_factory=dict)
    _open: ExitStack = field(default_factory=ExitStack)

    def add(self, form_field: str, path: Path, filename: str | None = None) -> None:
        self.files.append((form_field, (filename or path.name, self._open.enter_context(path.open("rb")))))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._open.close()


def upload_parts(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    people: str | os.PathLike[str] | None = None,
    name: str | None = None,
    column_map: Mapping[str, str] | None = None,
    internal_domains: Sequence[str] = (),
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    chat_channel_posts: bool = False,
    group_column: str | None = None,
    tie_score: str | None = None,
) -> Parts:
    """The parts to send for ``path`` (see the module's docstring for the rules).

    Parameters
    ----------
    path : path
        A dataset folder (people.csv, emails.csv, ...), or an export: a file
        (message trace CSV, Gmail log JSON lines, .ics, a Slack .zip, ...) or
        a folder of the export's files.
    kind : str, optional
        The export's kind (one of :data:`UPLOAD_KINDS`); without it a folder
        is a dataset folder and a file is sent with kind ``auto``.
    people : path, optional
        The people file an export's addresses are resolved against (the
        server requires one with a kind, but for viva-p2p and gephi, whose
        people come from the export, or with ``internal_domains``); for a
        dataset folder, a people file sent instead of the folder's own.
    name : str, optional
        The dataset's name on the server (the server names it after the time otherwise).
    column_map : mapping of str to str, optional
        ona's field -> the people file's column (``{"person_id": "Employee ID"}``;
        with a ticket kind also ``{"jira_account_id": "Atlassian ID"}``).
    internal_domains, since, until, chat_channel_posts, group_column, tie_score
        An export's import options, as ``ona import`` takes them
        (``--internal-domain``, ``--since``, ...); a datetime without
        offset is UTC.

    Raises
    ------
    FileNotFoundError
        ``path`` or ``people`` does not exist.
    ValueError
        An unknown kind, or import options with a dataset folder (no export to apply them to).
    ona.errors.DatasetError
        A dataset folder that ona could not read either (no people file, two files for one table).
    """
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no such dataset folder or export file: {source}")
    people_path = Path(people) if people is not None else None
    if people_path is not None and not people_path.is_file():
        raise FileNotFoundError(f"no such people file: {people_path}")
    if kind is not None and kind not in UPLOAD_KINDS:
        raise ValueError(f"unknown kind '{kind}' (expected one of: {', '.join(UPLOAD_KINDS)})")
    options = _import_options(internal_domains, since, until, chat_channel_posts, group_column, tie_score)
    if options and source.is_dir() and kind is None:
        raise ValueError(f"{', '.join(options)}: import options need an export: give its kind")
    parts = Parts()
    try:
        if source.is_dir() and kind is None:
            _dataset_folder(parts, source, people_path)
        else:
            _export(parts, source, kind or "auto", people_path)
    except BaseException:
        parts.__exit__(None, None, None)
        raise
    if name is not None:
        parts.data["name"] = name
    if column_map:
        parts.data["map"] = [f"{target}={column}" for target, column in column_map.items()]
    parts.data.update(options)
    return parts


def _import_options(
    domains: Sequence[str],
    since: datetime | str | None,
    until: datetime | str | None,
    chat_channel_posts: bool,
    group_column: str | None,
    tie_score: str | None,
) -> dict[str, str | list[str]]:
    """The import options given, as form fields (those not given are left out: the server's defaults apply)."""
    fields: dict[str, str | list[str]] = {}
    if isinstance(domains, str):
        domains = [domains]  # one domain given as a string, not its letters
    if domains:
        fields["internal_domain"] = list(domains)
    for key, when in (("since", since), ("until", until)):
        if when is not None:
            fields[key] = when.isoformat() if isinstance(when, datetime) else when
    if chat_channel_posts:
        fields["chat_channel_posts"] = "true"
    if group_column is not None:
        fields["group_column"] = group_column
    if tie_score is not None:
        fields["tie_score"] = tie_score
    return fields


def _dataset_folder(parts: Parts, folder: Path, people: Path | None) -> None:
    tables = find_files(folder)  # ona's own rule, so the server gets what `ona analyze FOLDER` reads
    if people is not None:
        tables["people"] = people
    for table, file in tables.items():
        parts.add(table, file)


def _export(parts: Parts, source: Path, kind: str, people: Path | None) -> None:
    parts.data["kind"] = kind
    if source.is_file():
        parts.add("files", source)
    elif kind in ("slack", "auto") and looks_like_slack(source):
        handle = parts._open.enter_context(tempfile.TemporaryFile())
        _zip_into(handle, source)
        parts.files.append(("files", (f"{source.name or 'export'}.zip", handle)))
    else:
        members = _export_files(source)
        if not members:
            raise FileNotFoundError(f"the export folder {source} holds no file")
        for member in members:
            parts.add("files", member)
    if people is not None:
        parts.add("people", people)


def _export_files(folder: Path) -> list[Path]:
    """The files of an export folder, sorted, without hidden files and folders (other tools')."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
    return found


def _zip_into(handle: IO[bytes], folder: Path) -> None:
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in _export_files(folder):
            zf.write(member, member.relative_to(folder).as_posix())
    handle.seek(0)
