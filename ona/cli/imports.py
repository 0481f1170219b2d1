"""`ona import`: convert a real export (message trace, Gmail logs, mailbox, calendars, chat) into a dataset folder."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ona.cli.common import console, fail, progress_bar, user_errors
from ona.io.imports import KIND_HELP, KINDS

_KINDS_HELP = "\n\n".join(f"{kind}: {text}" for kind, text in KIND_HELP.items())


#: The library's option names (ParameterError.field) -> this command's.
_OPTIONS = {"tie_score": "--tie-score", "since": "--since", "until": "--since/--until",
            "internal_domain": "--internal-domain", "group_column": "--group-column"}  # fmt: skip


def import_(
    kind: Annotated[
        str,
        typer.Argument(
            help=f"What the files are: auto (recognized from the files) or one of {', '.join(KINDS)}.",
            show_default=False,
        ),
    ],
    sources: Annotated[
        list[Path], typer.Argument(help="The export's files (or folders, for maildir).", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The dataset folder to write (created if needed; when it already holds a dataset, "
            "this export's channel is added to it).",
        ),
    ],
    people: Annotated[
        Path | None,
        typer.Option(
            "--people",
            help="A people file (CSV, Parquet or JSON Lines: person_id, department, email) copied in as the "
            "dataset's people; addresses are resolved against it.",
        ),
    ] = None,
    internal_domain: Annotated[
        list[str] | None,
        typer.Option(
            "--internal-domain",
            help="Without --people: the organization's mail domain (repeatable); people are the addresses "
            "of these domains seen in the export (department = the domain until a people file is given).",
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Keep events at or after this time (ISO 8601; UTC if no offset).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Keep events before this time (ISO 8601; UTC if no offset).")] = None,
    chat_channel_posts: Annotated[
        bool,
        typer.Option("--chat-channel-posts", help="Chat exports: keep posts in channels (with their members), which `ona analyze --chat-channel-posts` then counts (1/k to each member); without it they are dropped as channel posts."),
    ] = False,
    column_map: Annotated[
        list[str] | None,
        typer.Option("--map", help='With --people: read its own column names, TARGET="Column" (repeatable), '
                     'e.g. --map person_id="Employee ID" --map department="Org Unit". Ticket kinds: '
                     'jira_account_id, servicenow_sys_id, zendesk_user_id or github_login="Column" names the '
                     "people column holding each person's account id (instead of, or besides, a users export)."),
    ] = None,
    group_column: Annotated[
        str | None,
        typer.Option("--group-column", help="viva-p2p, gephi without --people: the attribute that becomes the "
                     "department (viva-p2p default Organization; gephi default department)."),
    ] = None,
    tie_score: Annotated[
        str,
        typer.Option("--tie-score", help="viva-p2p: the tie weight, strong (Strong_tie_score) or diverse "
                     "(Diverse_tie_score)."),
    ] = "strong",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Convert a real export into a dataset folder of ona's tables (Parquet) with import_report.json.

    Every record of the export is kept or dropped for a stated reason
    (system sender, bounce, not delivered, duplicate, ...): the summary
    below and import_report.json list them per file. Message content
    (subjects, bodies) is never stored. The folder is then read like any
    dataset: ona analyze DATASET_DIR, ona report DATASET_DIR.

    Kinds and where their export comes from:
    """
    import tempfile
    from dataclasses import replace

    from ona.errors import ParameterError
    from ona.io.columns import parse_map
    from ona.io.imports import import_export
    from ona.io.imports.options import import_request, resolve_request

    try:
        request = import_request(
            internal_domains=internal_domain or [], since=since, until=until,
            chat_channel_posts=chat_channel_posts, group_column=group_column, tie_score=tie_score,
        )  # fmt: skip
    except ParameterError as exc:
        fail(f"invalid {_OPTIONS.get(exc.field, exc.field)}: {exc.reason}", 2)
    with user_errors(), tempfile.TemporaryDirectory(prefix="ona-map-") as tmp:
        mapping = parse_map(column_map or [])
        request = replace(request, column_map=mapping)
        if mapping and people is None:
            fail("--map renames the columns of a --people file: give --people FILE", 2)
        options, people = resolve_request(request, people, Path(tmp))
        with progress_bar(not quiet) as on_progress:
            report = import_export(kind, sources, out, options, people=people, on_progress=on_progress)
    if quiet:
        return
    table = Table(title=f"ona import {report.kind} -> {out.name}", title_justify="left")
    table.add_column("source")
    table.add_column("read", justify="right")
    table.add_column("written", justify="right")
    table.add_column("dropped (by reason)")
    for src in report.sources:
        written = ", ".join(f"{n} {t}" for t, n in src.events_written.items()) or "0"
        dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(src.dropped.items(), key=lambda x: -x[1])) or "-"
        table.add_row(src.source, str(src.records_read), written, dropped)
    console.print(table)
    for src in report.sources:
        for bad in src.unparseable[:5]:
            console.print(f"  {src.source} {bad.position}: {bad.reason}", highlight=False)
        more = src.dropped.get("unparseable", 0) - min(5, len(src.unparseable))
        if more > 0:
            console.print(f"  {src.source}: {more} more unparseable (see import_report.json)", highlight=False)
        for note in src.notes[:5]:
            console.print(f"  {src.source}: {note}", highlight=False)
        if len(src.notes) > 5:
            console.print(f"  {src.source}: {len(src.notes) - 5} more notes (see import_report.json)", highlight=False)
    if report.people is not None:
        note = report.people
        text = {"file": f"copied from {note.file}", "folder": f"kept the folder's {note.file}",
                "derived": f"internal addresses seen ({note.added} added)"}.get(note.source, note.source)  # fmt: skip
        console.print(f"People: {note.rows} ({text})" + (f"; {note.note}" if note.note else ""), highlight=False)
    console.print(f"Dataset written to [bold]{out}[/] (report: {out / 'import_report.json'})")


import_.__doc__ = inspect.cleandoc(import_.__doc__ or "") + "\n\n" + _KINDS_HELP
