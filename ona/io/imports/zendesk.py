"""Zendesk ticket audits -> ``tickets`` and ``group_handoffs``.

Input (JSON as the Zendesk Support API returns it):

- **ticket audits** (``GET /api/v2/tickets/{id}/audits``, or
  ``/api/v2/ticket_audits``): ``{"audits": [{"id", "ticket_id",
  "created_at", "author_id", "events": [...]}]}``; events of type
  ``Create`` (a property set on a new ticket: ``field_name``, ``value``) and
  ``Change`` (``field_name``, ``previous_value``, ``value``) are read on
  ``assignee_id`` (the assignee), ``group_id`` (the group) and ``status``.
  Comments, notifications and every other event are never read.
- **incremental ticket events** (``GET /api/v2/incremental/ticket_events``):
  ``{"ticket_events": [{"ticket_id", "created_at" | "timestamp",
  "child_events": [...]}]}``; a child event names its field as
  ``field_name`` or as a key (``{"event_type": "Change", "assignee_id": "7",
  "previous_value": "5"}``).
- **users** (``GET /api/v2/users``: ``{"users": [{"id", "email", "role"}]}``),
  required: turns ids into addresses.
- **groups** (``GET /api/v2/groups``: ``{"groups": [{"id", "name"}]}``),
  optional: names the groups.

A ticket reassigned to a group (assignee emptied, group changed) and back
gives two ``group_handoffs`` rows and, in ``tickets``, the assignees
before and after (one handoff if they differ, none if the same agent takes
it back).

Dropped (see :mod:`ona.io.imports.tickets`): ``duplicate`` (the same event
in two pages or files), ``unknown_account``, ``unassigned``,
``outside_window``, ``unparseable`` (an audit with no readable time or
ticket).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.tickets import Accounts, Changes, add_people_accounts, head, load_json, require_accounts, text, write_history

KIND = "zendesk"

FIELDS = {"assignee_id": "assignee", "group_id": "group", "status": "status"}


def looks_like_zendesk(path: Path) -> bool:
    """True for a JSON file of Zendesk audits, incremental ticket events, users or groups."""
    start = head(path)
    if not start.startswith("{"):
        return False
    return '"audits"' in start or '"ticket_events"' in start or (
        ('"users"' in start or '"groups"' in start) and ('"next_page"' in start or '"count"' in start
                                                        or '"role"' in start or '"url"' in start)
    )  # fmt: skip


def import_zendesk(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Zendesk audits or incremental ticket events, with a users (and groups) export.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON pages of audits or ticket events, users, groups (any order).
    options : ImportOptions
        ``since`` / ``until`` limit the rows kept.
    sink : Sink
        Receives ``tickets`` and ``group_handoffs`` batches.

    Returns
    -------
    list of SourceReport
        One per source: assignee, group and status events read, rows
        written per table, events dropped by reason.

    Raises
    ------
    DatasetError
        A file that is not JSON or not a Zendesk export (named), or no users export.
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    changes, accounts = Changes(), Accounts()
    groups: dict[str, str] = {}
    for i, path in enumerate(sources):
        doc = load_json(path)
        if not isinstance(doc, dict) or not any(k in doc for k in ("audits", "audit", "ticket_events", "users", "groups")):
            raise DatasetError(path.name, 'not a Zendesk export: expected {"audits": [...]}, {"ticket_events": [...]}, '
                               '{"users": [...]} or {"groups": [...]}')  # fmt: skip
        for user in doc.get("users") or []:
            if isinstance(user, dict):
                accounts.add(user.get("id"), user.get("email"))
        for group in doc.get("groups") or []:
            if isinstance(group, dict) and text(group.get("id")):
                groups[str(group["id"])] = text(group.get("name")) or str(group["id"])
        audits = doc.get("audits") or ([doc["audit"]] if isinstance(doc.get("audit"), dict) else [])
        for n, audit in enumerate(audits):
            _read_audit(i, f"$.audits[{n}]", audit, audit.get("events") if isinstance(audit, dict) else None,
                        reports[i], changes)  # fmt: skip
        for n, event in enumerate(doc.get("ticket_events") or []):
            _read_audit(i, f"$.ticket_events[{n}]", event, event.get("child_events") if isinstance(event, dict) else None,
                        reports[i], changes)  # fmt: skip
    add_people_accounts(accounts, options, KIND)
    require_accounts(accounts, list(sources), "Zendesk audits name agents by user id; add the users export "
                     "(GET /api/v2/users) as one more source")  # fmt: skip
    write_history(changes, accounts, reports, options, sink, groups=groups, id_name="user id")
    return reports


def _read_audit(src: int, where: str, audit: Any, events: Any, report: SourceReport, changes: Changes) -> None:
    if not isinstance(audit, dict) or not isinstance(events, list):
        report.bad(where, "not an audit with a list of events")
        return
    ticket = text(audit.get("ticket_id"))
    when = text(audit.get("created_at")) or text(audit.get("timestamp"))
    for m, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        kind = event.get("type") or event.get("event_type")
        if kind not in ("Create", "Change"):
            continue
        name = event.get("field_name")
        if name is None:
            name = next((k for k in FIELDS if k in event), None)
            value = event.get(name) if name else None
        else:
            value = event.get("value")
        if name not in FIELDS:
            continue
        if ticket is None:
            report.bad(f"{where}.events[{m}]", "the audit names no ticket_id")
            continue
        old = event.get("previous_value") if kind == "Change" else None
        changes.add(report, src, f"ticket {ticket} {where}.events[{m}]", ticket,
                    when if isinstance(when, str) and not when.isdigit() else _epoch(when), FIELDS[name], old, value)  # fmt: skip


def _epoch(value: str | None) -> str | None:
    # incremental exports may give "timestamp" as Unix seconds
    if value is None:
        return None
    return datetime.fromtimestamp(int(value), UTC).isoformat()


__all__ = ["import_zendesk", "looks_like_zendesk"]
