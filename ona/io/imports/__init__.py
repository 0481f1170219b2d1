"""Importers of real exports: kind name -> importer, recognition, and ``import_export``.

Input: the files of one export (a message trace, Gmail logs, a mailbox,
calendar files, a chat workspace export, ...). Output: a dataset folder of
ona's input tables (Parquet) with ``import_report.json``, which
:func:`ona.io.read_dataset`, ``ona analyze``, ``ona report`` and the API
upload read like any dataset (see :mod:`ona.io.imports.folder`).

Every kind is an :data:`~ona.io.imports.base.Importer` named in
:data:`KINDS` as ``"module:function"`` and imported only when used, so a
kind whose module is missing (or whose optional library is not installed)
does not break the others. ``KIND auto`` asks each kind's module for a
``looks_like_<kind>(path) -> bool`` function (``looks_like_exchange_trace``)
and takes the one kind that recognizes every source.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ona.errors import DatasetError, OnaError
from ona.io.imports.base import ImportOptions, Importer, MemorySink, SourceReport
from ona.io.imports.folder import (
    ImportReport,
    ParquetFolderSink,
    check_people_file,
    span_of,
    staging,
    table_files,
    write_folder,
)
from ona.io.imports.options import import_options
from ona.progress import OnProgress, no_progress

#: kind name -> "module:function" of its importer (imported on first use).
KINDS: dict[str, str] = {
    "exchange-trace": "ona.io.imports.exchange:import_exchange_trace",
    "gmail": "ona.io.imports.gmail:import_gmail",
    "mbox": "ona.io.imports.mailbox:import_mbox",
    "maildir": "ona.io.imports.mailbox:import_maildir",
    "ics": "ona.io.imports.ics:import_ics",
    "graph-events": "ona.io.imports.calendars:import_graph_events",
    "google-calendar": "ona.io.imports.calendars:import_google_calendar",
    "slack": "ona.io.imports.chat:import_slack",
    "teams": "ona.io.imports.chat:import_teams",
    "jira": "ona.io.imports.jira:import_jira",
    "servicenow": "ona.io.imports.servicenow:import_servicenow",
    "zendesk": "ona.io.imports.zendesk:import_zendesk",
    "github": "ona.io.imports.github:import_github",
    "viva-p2p": "ona.io.imports.tielists:import_viva_p2p",
    "gephi": "ona.io.imports.tielists:import_gephi",
}

#: Kinds that build the people table from the export's own attributes (without --people).
PEOPLE_FROM_EXPORT: tuple[str, ...] = ("viva-p2p", "gephi")

#: One line per kind: what the export is and where it comes from (``ona import --help``).
KIND_HELP: dict[str, str] = {
    "exchange-trace": "Exchange Online message trace CSV: Get-MessageTraceV2 | Export-Csv, or the "
    "Exchange admin center's downloadable reports (enhanced summary, extended); UTF-8 or UTF-16",
    "gmail": "Google Workspace Gmail logs exported to BigQuery (Admin console > Reporting > "
    "BigQuery Export), the table saved as JSON lines or CSV",
    "mbox": "mbox files (Thunderbird, Google Takeout, mail server spools): headers only",
    "maildir": "a folder of .eml files or a Maildir (including the Enron layout): headers only",
    "ics": "iCalendar .ics files (calendar exports of Outlook, Google Calendar, ...)",
    "graph-events": "Microsoft Graph event JSON (GET /users/{id}/calendarView pages)",
    "google-calendar": "Google Calendar API events JSON (events.list pages)",
    "slack": "a Slack workspace export (.zip from Workspace settings > Import/Export data)",
    "teams": "Microsoft Teams chat messages as Graph chatMessage JSON",
    "jira": "Jira changelogs (REST API search with expand=changelog, or /issue/{key}/changelog pages) "
    "with the users export (/rest/api/3/users/search) as one more file",
    "servicenow": "ServiceNow sys_audit list exported as CSV or JSON, with the sys_user export "
    "(and optionally sys_user_group and the incident list)",
    "zendesk": "Zendesk ticket audits or incremental ticket events JSON, with the users export (/api/v2/users)",
    "github": "GitHub issue timelines or repository issue events JSON (assigned / unassigned), "
    "optionally a login,email CSV",
    "viva-p2p": "Viva Insights person-to-person query CSV (Analyst workbench > Query designer > Person-to-person): "
    "ties weighted by Strong_tie_score (--tie-score diverse: Diverse_tie_score), people from the collaborators' "
    "attributes (department: --group-column, default Organization)",
    "gephi": "Gephi spreadsheet CSVs (Data Laboratory > Export table: nodes Id, Label, attributes; edges Source, "
    "Target, Type, Weight) or a GEXF / GraphML file (department: --group-column, default a department attribute)",
}


def _module_and_function(kind: str) -> tuple[str, str]:
    if kind not in KINDS:
        raise OnaError(f"unknown import kind '{kind}' (expected auto or one of: {', '.join(KINDS)})")
    module, _, function = KINDS[kind].partition(":")
    return module, function


def load_importer(kind: str) -> Importer:
    """The importer function of ``kind``.

    Raises
    ------
    OnaError
        For an unknown kind, or a kind whose module is not available.
    """
    module_name, function = _module_and_function(kind)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise OnaError(f"the '{kind}' importer is not available in this installation ({exc})") from exc
    importer = getattr(module, function, None)
    if importer is None:
        raise OnaError(f"the '{kind}' importer is not available in this installation ({module_name}.{function})")
    return cast(Importer, importer)


def _recognizers() -> dict[str, Any]:
    """kind -> its ``looks_like_<kind>`` function, for the kinds whose module defines one."""
    found: dict[str, Any] = {}
    for kind in KINDS:
        module_name, _ = _module_and_function(kind)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # a kind not written yet (or missing its library) is skipped
        check = getattr(module, "looks_like_" + kind.replace("-", "_"), None)
        if callable(check):
            found[kind] = check
    return found


def detect_kind(paths: Sequence[Path]) -> str:
    """The one kind that recognizes every one of ``paths`` (``ona import auto``).

    Raises
    ------
    DatasetError
        Naming the first file that no kind recognizes, or that several kinds
        claim, or when the files are of different kinds.
    """
    if not paths:
        raise OnaError("no source file given")
    checks = _recognizers()
    chosen: str | None = None
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise DatasetError(path.name, "no such file or folder")
        matches = [kind for kind, check in checks.items() if _safe_check(check, path)]
        if not matches:
            raise DatasetError(
                path.name,
                "not recognized as any export ona imports; name the kind instead of auto "
                f"(one of: {', '.join(KINDS)})",
            )
        if len(matches) > 1:
            raise DatasetError(
                path.name, f"could be several kinds of export ({', '.join(matches)}); name the kind instead of auto"
            )
        if chosen is not None and matches[0] != chosen:
            raise DatasetError(
                path.name, f"is a {matches[0]} export while the files before it are {chosen}: import them separately"
            )
        chosen = matches[0]
    assert chosen is not None
    return chosen


def _safe_check(check: Any, path: Path) -> bool:
    # a recognizer only sniffs; a file it cannot open is simply not its kind
    try:
        return bool(check(path))
    except (OSError, UnicodeError, ValueError):
        return False


def import_export(
    kind: str,
    sources: Sequence[str | Path],
    out_dir: str | Path,
    options: ImportOptions | None = None,
    people: str | Path | None = None,
    on_progress: OnProgress = no_progress,
) -> ImportReport:
    """Import the files of one export into a dataset folder (``ona import``).

    Parameters
    ----------
    kind : str
        A key of :data:`KINDS`, or ``"auto"`` to recognize it from the files
        (:func:`detect_kind`).
    sources : sequence of path
        The export's files (or folders, for kinds that read folders).
    out_dir : path
        The dataset folder to write; created if needed. When it already
        holds a dataset, the new rows are added to its tables.
    options : ImportOptions, optional
        Time window, internal domains (to derive people), chat channel posts.
    people : path, optional
        A people file (CSV, Parquet or JSON Lines with person_id and
        department) copied in as the dataset's people.
    on_progress : callable, optional
        Called as ``on_progress(stage, done, total)``.

    Returns
    -------
    ImportReport
        Per source: records read, events written, records dropped by reason
        and the first unparseable positions; also appended to the folder's
        ``import_report.json``.

    Raises
    ------
    OnaError
        An unknown or unavailable kind; no people (neither ``people`` nor
        ``options.internal_domains``, and none in the folder yet).
    DatasetError
        A source file that is missing, unreadable or of another kind (named
        in the message). Whatever fails, ``out_dir`` is left as it was.
    """
    paths = [Path(s) for s in sources]
    out = Path(out_dir)
    if not paths:
        raise OnaError("no source file given")
    for path in paths:
        if not path.exists():
            raise DatasetError(path.name, "no such file or folder")
    if kind == "auto":
        kind = detect_kind(paths)
    importer = load_importer(kind)
    options = options or ImportOptions()
    people_path = Path(people) if people is not None else None
    if people_path is not None:
        check_people_file(people_path)
    existing = table_files(out)
    options = dataclasses.replace(options, people_given=people_path is not None)
    if people_path is None and not options.internal_domains and "people" not in existing and kind not in PEOPLE_FROM_EXPORT:
        raise OnaError(
            f"{out.name or out}: the dataset needs people: give a people file (person_id, department, email; "
            "ona import --people FILE, the upload's people field) or the organization's mail domain (--internal-domain "
            "DOMAIN, the upload's internal_domain field: people are then the addresses of that domain seen in the export)"
        )
    if options.other_span is None:
        options = dataclasses.replace(options, other_span=span_of(out))
    report = ImportReport(
        kind=kind, started_at=datetime.now(UTC), folder=out.name, options=_options_record(options, people_path)
    )
    with staging(out) as stage:
        sink = ParquetFolderSink(stage / "parts")
        on_progress(f"import {kind}", 0, len(paths))
        try:
            report.sources = list(importer(paths, options, sink))
        finally:
            parts = sink.close()
        on_progress("write the dataset folder", len(paths), len(paths))
        report.add_up()
        write_folder(out, stage, parts, report, people=people_path, internal_domains=options.internal_domains)
    return report


def _options_record(options: ImportOptions, people: Path | None) -> dict[str, Any]:
    """The options of a run as JSON values (file names only: no machine paths)."""
    return {
        "since": options.since.isoformat() if options.since else None,
        "until": options.until.isoformat() if options.until else None,
        "internal_domains": list(options.internal_domains),
        "chat_channel_posts": options.chat_channel_posts,
        "people": people.name if people is not None else None,
    }


__all__ = [
    "KINDS",
    "KIND_HELP",
    "ImportOptions",
    "ImportReport",
    "MemorySink",
    "SourceReport",
    "detect_kind",
    "import_export",
    "import_options",
    "load_importer",
    "no_progress",
    "OnProgress",
]
