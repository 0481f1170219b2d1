"""Jira issue changelogs -> ``tickets`` (the assignment history of each issue).

Input (JSON as the Jira Cloud REST API v3 returns it; v2 and Server/Data
Center have the same shapes):

- **search results** with ``expand=changelog`` (``GET /rest/api/3/search``
  or ``/rest/api/3/search/jql``): ``{"issues": [{"key", "fields": {"created",
  "assignee", "status", ...}, "changelog": {"startAt", "maxResults",
  "total", "histories": [...]}}]}``;
- **changelog pages** (``GET /rest/api/3/issue/{key}/changelog``):
  ``{"startAt", "maxResults", "total", "isLast", "values": [...]}``. The
  page does not name its issue: the file name must hold the issue key
  (``PROJ-12.json``, ``PROJ-12-changelog-100.json``), or the page may be
  wrapped as ``{"key": "PROJ-12", "changelog": {...}}``;
- **a users export** (``GET /rest/api/3/users/search``: a JSON array of
  ``{"accountId", "accountType", "emailAddress", ...}``; or a CSV with an
  account id column — ``accountId``, ``User id`` or ``id`` — and an email
  column — ``emailAddress``, ``email``, ``Email``), given as one more
  source and recognized by its content. It turns account ids into
  addresses; ``accountType`` ``app`` marks a bot. Without it the import is
  refused (``--map jira_account_id=COLUMN`` will later read the ids from
  the people file instead).

A history (``{"id", "author", "created", "items": [{"field", "fieldtype",
"fieldId", "from", "fromString", "to", "toString"}]}``) is read for its
items on ``assignee`` (``from`` / ``to``: account ids; Server: user names)
and ``status`` (``toString``: the status name); other items, the author,
summaries and descriptions are never read. ``created`` times carry their
offset (``2024-03-04T09:00:00.000+0100``).

The initial assignee is the first holder: the first assignee change's
``from``, dated at the issue's ``fields.created``; an issue with no
assignee change is held by ``fields.assignee`` from its creation. The
initial status is the first status change's ``fromString`` (else
``fields.status.name``).

**Truncated histories.** Search results embed at most a page of each
issue's changelog. When the histories seen for an issue (across every
source, so changelog pages complete a search result) are fewer than its
``total``, the missing ones are counted as ``truncated_history`` and the
report's notes name the issue; the changes present are kept (a gap is
bridged by each change's ``from``), and the issue's current assignee and
status are not taken as its initial ones.

Dropped (see :mod:`ona.io.imports.tickets`): ``unknown_account``, ``bot``,
``unassigned``, ``duplicate``, ``truncated_history``, ``outside_window``,
``unparseable`` (a history with no readable ``created``; an issue or page
that is not an object).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pv

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.tickets import Accounts, Changes, add_people_accounts, head, load_json, require_accounts, text, write_history

KIND = "jira"

_KEY = re.compile(r"[A-Z][A-Z0-9_]+-\d+")
_ID_COLUMNS = ("accountid", "account id", "user id", "userid", "id")
_EMAIL_COLUMNS = ("emailaddress", "email address", "email")


def _is_users_json(doc: Any) -> bool:
    return isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict) and "accountId" in doc[0] \
        and "items" not in doc[0] and "fields" not in doc[0]  # fmt: skip


def _csv_columns(path: Path) -> tuple[str | None, str | None]:
    first = head(path, 4096).splitlines()[:1]
    names = [n.strip().strip('"') for n in first[0].split(",")] if first else []
    lower = {n.lower(): n for n in names}
    pick = lambda options: next((lower[o] for o in options if o in lower), None)  # noqa: E731
    return pick(_ID_COLUMNS), pick(_EMAIL_COLUMNS)


def looks_like_jira(path: Path) -> bool:
    """True for search results with changelogs, changelog pages, or a Jira users export."""
    start = head(path)
    if start.startswith(("{", "[")):
        return ('"changelog"' in start and '"issues"' in start) or (
            '"histories"' in start or ('"values"' in start and '"isLast"' in start and '"items"' in start)
        ) or ('"accountId"' in start and '"accountType"' in start)
    if path.suffix.lower() == ".csv":
        account, email = _csv_columns(path)
        return account is not None and account.lower().startswith("account") and email is not None
    return False


@dataclass
class _Seen:
    """What the sources hold of one issue's changelog."""

    src: int
    total: int = 0
    ids: set[str] = field(default_factory=set)
    created: str | None = None
    assignee: str | None = None
    status: str | None = None
    assignee_changes: int = 0
    first_status_from: str | None = None
    first_status_at: str | None = None


def import_jira(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import Jira search results, changelog pages and a users export (in any order).

    Parameters
    ----------
    sources : sequence of pathlib.Path
        JSON files of search results or changelog pages, and one or more
        users exports (JSON or CSV).
    options : ImportOptions
        ``since`` / ``until`` limit the rows kept.
    sink : Sink
        Receives ``tickets`` batches.

    Returns
    -------
    list of SourceReport
        One per source: assignee and status changes read, rows written,
        changes dropped by reason; notes name truncated issues and unknown ids.

    Raises
    ------
    DatasetError
        A source that is not JSON or not a Jira export (named), a changelog
        page whose file name holds no issue key, or no users export at all.
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    changes, accounts = Changes(), Accounts()
    seen: dict[str, _Seen] = {}
    for i, path in enumerate(sources):
        if path.suffix.lower() == ".csv":
            _read_users_csv(path, accounts)
            continue
        doc = load_json(path)
        if isinstance(doc, dict) and isinstance(doc.get("issues"), list):
            for n, issue in enumerate(doc["issues"]):
                if not isinstance(issue, dict) or not text(issue.get("key")):
                    reports[i].bad(f"$.issues[{n}]", "not an issue with a key")
                    continue
                fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
                log = issue.get("changelog") if isinstance(issue.get("changelog"), dict) else {}
                _read_issue(i, f"$.issues[{n}]", str(issue["key"]), fields, log, reports[i], changes, seen)
        elif isinstance(doc, dict) and ("values" in doc or "histories" in doc or "changelog" in doc):
            page = doc.get("changelog") if isinstance(doc.get("changelog"), dict) else doc
            key = text(doc.get("key")) or text(doc.get("issueKey"))
            if key is None:
                found = _KEY.findall(path.stem.upper())
                if not found:
                    raise DatasetError(path.name, "is a Jira changelog page, which does not name its issue: put the "
                                       "issue key in the file name (PROJ-12.json) or wrap it as "
                                       '{"key": "PROJ-12", "changelog": ...}')  # fmt: skip
                key = found[0]
            _read_issue(i, "$", key, {}, page, reports[i], changes, seen)
        elif _is_users_json(doc) or (isinstance(doc, list) and not doc):
            for user in doc:
                if isinstance(user, dict):
                    _add_user(accounts, user)
        else:
            raise DatasetError(path.name, "not a Jira export: expected search results with expand=changelog "
                               '({"issues": [...]}), a changelog page ({"values": [...], "total": ...}) or a '
                               "users export (a JSON array of users with accountId)")  # fmt: skip
    for key, s in seen.items():
        if s.created is not None:
            changes.created_of[key] = s.created
        _finish_issue(key, s, reports[s.src], changes)
    add_people_accounts(accounts, options, KIND)
    require_accounts(accounts, list(sources), "Jira changelogs name people by account id; add the users export "
                     "(GET /rest/api/3/users/search, or the admin user export as CSV) as one more source")  # fmt: skip
    write_history(changes, accounts, reports, options, sink, id_name="account id")
    return reports


def _add_user(accounts: Accounts, user: dict[str, Any]) -> None:
    bot = str(user.get("accountType") or "").lower() == "app"
    email = user.get("emailAddress")
    for key in ("accountId", "name", "key"):  # Server / Data Center changelogs name users by name or key
        if text(user.get(key)):
            accounts.add(user[key], email, bot)


def _read_users_csv(path: Path, accounts: Accounts) -> None:
    account, email = _csv_columns(path)
    if account is None or email is None:
        raise DatasetError(path.name, "not a Jira users export: expected an account id column (accountId, User id) "
                           "and an email column (emailAddress, email)")  # fmt: skip
    try:
        table = pv.read_csv(path, convert_options=pv.ConvertOptions(include_columns=[account, email],
                                                                    column_types={account: "string", email: "string"}))  # fmt: skip
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path.name, f"the users CSV cannot be read: {exc}") from exc
    for a, e in zip(table.column(account).to_pylist(), table.column(email).to_pylist(), strict=True):
        accounts.add(a, e)


def _read_issue(
    src: int,
    where: str,
    key: str,
    fields: dict[str, Any],
    log: dict[str, Any],
    report: SourceReport,
    changes: Changes,
    seen: dict[str, _Seen],
) -> None:
    s = seen.setdefault(key, _Seen(src=src))
    if fields:
        s.created = text(fields.get("created")) or s.created
        assignee = fields.get("assignee")
        if isinstance(assignee, dict):
            s.assignee = text(assignee.get("accountId")) or text(assignee.get("name"))
        status = fields.get("status")
        if isinstance(status, dict):
            s.status = text(status.get("name"))
    histories = log.get("histories", log.get("values", []))
    if not isinstance(histories, list):
        report.bad(where, "the changelog has no list of histories")
        return
    total = log.get("total")
    s.total = max(s.total, total if isinstance(total, int) else len(histories))
    for n, history in enumerate(histories):
        if not isinstance(history, dict):
            report.bad(f"{where}.histories[{n}]", "not a history object")
            continue
        hid = text(history.get("id")) or f"{where}[{n}]"
        s.ids.add(hid)
        created = text(history.get("created"))
        items = history.get("items") if isinstance(history.get("items"), list) else []
        for m, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = str(item.get("fieldId") or item.get("field") or "").lower()
            position = f"{key} history {hid} item {m}"
            if name == "assignee":
                s.assignee_changes += 1
                changes.add(report, src, position, key, created, "assignee", item.get("from"), item.get("to"),
                            created=s.created)  # fmt: skip
            elif name == "status":
                if s.first_status_at is None or (created or "") < s.first_status_at:
                    s.first_status_at, s.first_status_from = created or "", text(item.get("fromString"))
                changes.add(report, src, position, key, created, "status", item.get("fromString"),
                            item.get("toString"), created=s.created)  # fmt: skip


def _finish_issue(key: str, s: _Seen, report: SourceReport, changes: Changes) -> None:
    missing = s.total - len(s.ids)
    if missing > 0:
        report.drop("truncated_history", missing)
        report.note(f"{key}: the export holds {len(s.ids)} of its {s.total} changelog entries; the changes in the "
                    f"{missing} missing are not counted (add the pages of GET /rest/api/3/issue/{key}/changelog "
                    "as sources to complete it)")  # fmt: skip
        return
    if s.created is None:
        return
    initial_status = s.first_status_from if s.first_status_at is not None else s.status
    if initial_status is not None:
        changes.add(report, s.src, f"{key} fields.status", key, s.created, "status", None, initial_status)
        report.records_read -= 1  # not a change record: the state at creation
    if s.assignee_changes == 0 and s.assignee is not None:
        changes.add(report, s.src, f"{key} fields.assignee", key, s.created, "assignee", None, s.assignee)
        report.records_read -= 1


__all__ = ["import_jira", "looks_like_jira"]
