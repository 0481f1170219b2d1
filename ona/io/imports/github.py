"""GitHub issue timelines and events -> ``tickets`` (the assignment history of each issue).

Input (JSON as the GitHub REST API returns it):

- **issue timelines** (``GET /repos/{owner}/{repo}/issues/{number}/timeline``):
  a JSON array of events; the page does not name its issue, so the file
  name must hold the number (``42.json``, ``issue-42-timeline.json``: the
  last number in the name), or the page may be wrapped as
  ``{"number": 42, "timeline": [...]}``;
- **repository issue events** (``GET /repos/{owner}/{repo}/issues/events``):
  a JSON array of events, each with its ``issue`` (``number``);
- **a users mapping** (optional): a CSV with ``login`` and ``email``
  columns, one more source.

Events read: ``assigned`` and ``unassigned`` (``assignee``: ``login``,
``id``, ``type``), ``closed`` and ``reopened`` (the status ``closed`` /
``open``), with ``created_at``; comments, labels, commits and the rest are
never read. An issue is ``owner/repo#number`` when the events' API ``url``
names the repository, else ``#number``.

**Several assignees.** An issue may have several assignees at once; ona's
assignment history names one holder, so **the latest assigned is the
holder**: an ``assigned`` event makes its assignee the holder (a handoff
from the previous holder); ``unassigned`` of the holder hands the issue
back to the most recently assigned of those who remain (or to nobody:
``unassigned``); ``unassigned`` of another assignee changes nothing.

**People.** A login maps to the person whose people column holds it
(``--map github_login=COLUMN``), else to the users mapping's email, else to GitHub's
noreply address (``{id}+{login}@users.noreply.github.com``, or
``{login}@users.noreply.github.com`` without an id), which a people file
may list as an alias. **Bots** (``type`` ``Bot``, or a login ending in
``[bot]``) are not holders: ``bot``.

Dropped (see :mod:`ona.io.imports.tickets`): ``bot``, ``unassigned``,
``duplicate`` (the same event in a timeline and in the repository events),
``outside_window``, ``unparseable`` (an event with no ``created_at``; an
event that is not an object).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pv

from ona.errors import DatasetError
from ona.io.imports.base import ACCOUNT_TARGETS, ImportOptions, Sink, SourceReport
from ona.io.imports.tickets import Accounts, Changes, head, load_json, text, write_history

KIND = "github"

_REPO = re.compile(r"/repos/([^/]+/[^/]+)/")
_EVENTS = ("assigned", "unassigned", "closed", "reopened")


def looks_like_github(path: Path) -> bool:
    """True for a JSON array of GitHub issue events / timeline, or a CSV with login and email columns."""
    start = head(path)
    if start.startswith(("[", "{")):
        return '"event"' in start and ('"node_id"' in start or '"actor"' in start)
    if path.suffix.lower() == ".csv":
        first = start.splitlines()[:1]
        names = {n.strip().strip('"').lower() for n in first[0].split(",")} if first else set()
        return {"login", "email"} <= names
    return False


def _bot(user: dict[str, Any]) -> bool:
    return str(user.get("type") or "") == "Bot" or str(user.get("login") or "").endswith("[bot]")


def _noreply(user: dict[str, Any]) -> str:
    login, uid = str(user["login"]), text(user.get("id"))
    return f"{uid}+{login}@users.noreply.github.com" if uid else f"{login}@users.noreply.github.com"


def import_github(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import GitHub issue timelines or repository issue events (and a login,email mapping).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON arrays of events (timelines named by issue number, or
        repository events) and optionally a CSV mapping logins to emails.
    options : ImportOptions
        ``since`` / ``until`` limit the rows kept.
    sink : Sink
        Receives ``tickets`` batches.

    Returns
    -------
    list of SourceReport
        One per source: assignment and status events read, rows written,
        events dropped by reason.

    Raises
    ------
    DatasetError
        A file that is not JSON or not GitHub events (named); a timeline
        whose file name holds no issue number.
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    changes, accounts = Changes(), Accounts()
    mapping: dict[str, str] = {}
    by_issue: dict[str, list[tuple[str, int, int, dict[str, Any]]]] = {}
    for i, path in enumerate(sources):
        if path.suffix.lower() == ".csv":
            mapping.update(_read_mapping(path))
            continue
        doc = load_json(path)
        number = None
        if isinstance(doc, dict) and isinstance(doc.get("timeline"), list):
            number, doc = text(doc.get("number")), doc["timeline"]
        if not isinstance(doc, list) or (doc and not any(isinstance(e, dict) and "event" in e for e in doc)):
            raise DatasetError(path.name, "not GitHub issue events: expected a JSON array of events (GET "
                               "/repos/{owner}/{repo}/issues/{number}/timeline or /issues/events)")  # fmt: skip
        for n, event in enumerate(doc):
            if not isinstance(event, dict):
                reports[i].bad(f"$[{n}]", "not an event object")
                continue
            if event.get("event") not in _EVENTS:
                continue
            issue = event.get("issue") if isinstance(event.get("issue"), dict) else {}
            num = text(issue.get("number")) or number
            if num is None:
                found = re.findall(r"\d+", path.stem)
                if not found:
                    raise DatasetError(path.name, "is an issue timeline, which does not name its issue: put the "
                                       'issue number in the file name (42.json) or wrap it as {"number": 42, '
                                       '"timeline": [...]}')  # fmt: skip
                num = number = found[-1]
            repo = _REPO.search(str(event.get("url") or issue.get("repository_url", "") + "/"))
            ticket = f"{repo.group(1)}#{num}" if repo else f"#{num}"
            by_issue.setdefault(ticket, []).append((text(event.get("created_at")) or "", i, n, event))
    # a people column of logins (--map github_login=COLUMN) names people before the users mapping
    mapping.update({login.lower(): person for login, person in options.account_ids.get(ACCOUNT_TARGETS[KIND], {}).items()})
    for ticket, events in by_issue.items():
        _replay(ticket, events, reports, changes, accounts, mapping)
    write_history(changes, accounts, reports, options, sink, id_name="login")
    return reports


def _read_mapping(path: Path) -> dict[str, str]:
    try:
        table = pv.read_csv(path, convert_options=pv.ConvertOptions(column_types={"login": pa.string(), "email": pa.string()}))
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path.name, f"the users mapping cannot be read: {exc}") from exc
    names = {c.lower(): c for c in table.column_names}
    if "login" not in names or "email" not in names:
        raise DatasetError(path.name, "a GitHub users mapping needs login and email columns")
    return {str(k).lower(): str(v) for k, v in zip(table.column(names["login"]).to_pylist(),
                                                  table.column(names["email"]).to_pylist(), strict=True) if k and v}  # fmt: skip


def _replay(
    ticket: str,
    events: list[tuple[str, int, int, dict[str, Any]]],
    reports: list[SourceReport],
    changes: Changes,
    accounts: Accounts,
    mapping: dict[str, str],
) -> None:
    """One issue's events in time order -> holder changes (the latest assigned is the holder)."""
    assigned: list[str] = []  # current assignees, most recently assigned last
    holder: str | None = None
    seen: set[tuple[Any, ...]] = set()
    for when, src, n, event in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        report, position = reports[src], f"{ticket} $[{n}]"
        kind = event["event"]
        key = (when, kind, text((event.get("assignee") or {}).get("login")) if isinstance(event.get("assignee"), dict) else None)
        if key in seen:  # the same event in a timeline and in the repository events
            report.records_read += 1
            report.drop("duplicate")
            continue
        seen.add(key)
        if not when:
            report.records_read += 1
            report.bad(position, "the event has no created_at")
            continue
        if kind in ("closed", "reopened"):
            changes.add(report, src, position, ticket, when, "status", None, "closed" if kind == "closed" else "open")
            continue
        user = event.get("assignee")
        if not isinstance(user, dict) or not text(user.get("login")):
            report.records_read += 1
            report.bad(position, "an assignment event with no assignee login")
            continue
        login = str(user["login"]).lower()
        accounts.add(login, mapping.get(login) or _noreply(user), _bot(user))
        if kind == "assigned":
            if login in assigned:
                assigned.remove(login)
            assigned.append(login)
            new = login
        else:
            if login in assigned:
                assigned.remove(login)
            new = (assigned[-1] if assigned else None) if login == holder else holder
        if new == holder:
            report.records_read += 1  # an assignee added or removed beside the holder: no change of holder
            continue
        changes.add(report, src, position, ticket, when, "assignee", holder, new)
        holder = new


__all__ = ["import_github", "looks_like_github"]
