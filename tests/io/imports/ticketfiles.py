"""The small organization's ticket history, written as ``tickets.csv`` and as each ticket kind's export.

Twelve tickets across the people of :mod:`tests.io.imports.smallorg`:
handoffs within and across departments, a ping-pong, a ticket unassigned
then given to someone else, one created unassigned, one held by the
external partner, one resolved, reopened and resolved again. Each writer
follows its vendor's published field list (see fixtures/<kind>/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from tests.io.imports.smallorg import EXTERNAL, PEOPLE, address

#: ticket, created (UTC), first assignee (None: created unassigned), events (time, "assign" | "status", value)
TICKETS: list[tuple[str, str, str | None, list[tuple[str, str, str | None]]]] = [
    ("T1", "2024-03-04T09:00:00Z", "ana", [("2024-03-04T11:00:00Z", "assign", "dan"),
                                           ("2024-03-05T10:00:00Z", "status", "resolved")]),
    ("T2", "2024-03-04T10:00:00Z", "ben", [("2024-03-04T12:00:00Z", "assign", "cai"),
                                           ("2024-03-04T15:00:00Z", "assign", "fay"),
                                           ("2024-03-06T09:00:00Z", "status", "resolved")]),
    ("T3", "2024-03-04T13:00:00Z", "dan", [("2024-03-05T09:00:00Z", "assign", "eve"),
                                           ("2024-03-05T14:00:00Z", "assign", "dan")]),
    ("T4", "2024-03-05T08:00:00Z", "fay", [("2024-03-05T09:30:00Z", "assign", "ana"),
                                           ("2024-03-05T11:00:00Z", "assign", "fay"),
                                           ("2024-03-05T13:00:00Z", "assign", "ana"),
                                           ("2024-03-07T08:00:00Z", "status", "resolved")]),
    ("T5", "2024-03-05T09:00:00Z", "gus", [("2024-03-05T10:00:00Z", "assign", None),
                                           ("2024-03-05T12:00:00Z", "assign", "hal"),
                                           ("2024-03-05T16:00:00Z", "status", "resolved")]),
    ("T6", "2024-03-05T11:00:00Z", None, [("2024-03-05T11:30:00Z", "assign", "eve"),
                                          ("2024-03-06T10:00:00Z", "assign", "ben"),
                                          ("2024-03-06T15:00:00Z", "assign", "gus")]),
    ("T7", "2024-03-06T08:00:00Z", "hal", [("2024-03-06T17:00:00Z", "status", "resolved")]),
    ("T8", "2024-03-06T09:00:00Z", "cai", [("2024-03-06T10:00:00Z", "assign", "ana"),
                                           ("2024-03-06T11:00:00Z", "assign", "dan"),
                                           ("2024-03-07T09:00:00Z", "assign", "fay"),
                                           ("2024-03-08T10:00:00Z", "status", "resolved")]),
    ("T9", "2024-03-06T14:00:00Z", "eve", [("2024-03-06T15:00:00Z", "assign", "fay"),
                                           ("2024-03-07T10:00:00Z", "assign", "eve"),
                                           ("2024-03-07T16:00:00Z", "status", "resolved")]),
    ("T10", "2024-03-07T09:00:00Z", "ben", [("2024-03-07T09:30:00Z", "assign", "gus")]),
    ("T11", "2024-03-07T11:00:00Z", "ana", [("2024-03-07T12:00:00Z", "status", "resolved"),
                                            ("2024-03-07T15:00:00Z", "status", "open"),
                                            ("2024-03-07T15:05:00Z", "assign", "hal"),
                                            ("2024-03-08T09:00:00Z", "status", "resolved")]),
    ("T12", "2024-03-08T08:00:00Z", "dan", [("2024-03-08T08:30:00Z", "assign", EXTERNAL),
                                            ("2024-03-08T12:00:00Z", "assign", "cai")]),
]  # fmt: skip

PERSONS = [p[0] for p in PEOPLE] + [EXTERNAL]


def account_id(person: str) -> str:
    """A Jira-like opaque account id (24 hex digits) for a person."""
    return hashlib.md5(person.encode()).hexdigest()[:24]


def numeric_id(person: str) -> int:
    """A Zendesk-like numeric user id."""
    return 360000 + PERSONS.index(person)


def sys_id(name: str) -> str:
    """A ServiceNow-like sys_id (32 hex digits)."""
    return hashlib.md5(("sn:" + name).encode()).hexdigest()


def email(person: str) -> str:
    return address(person)


def write_canonical_tickets(folder: Path) -> Path:
    """tickets.csv: one row per assignment (with the status in effect) and per status change."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "tickets.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "timestamp", "assignee", "status"])
        for ticket, created, first, events in TICKETS:
            holder, status = first, "open"
            if holder:
                w.writerow([ticket, created, address(holder), status])
            for when, kind, value in events:
                if kind == "assign":
                    holder = value
                    if holder:
                        w.writerow([ticket, when, address(holder), status])
                else:
                    status = value or status
                    if holder:
                        w.writerow([ticket, when, address(holder), status])
    return folder


# ------------------------------------------------------------------ jira


def jira_offset(ts: str) -> str:
    """A UTC time as Jira writes it, in +0100 (2024-03-04T10:00:00.000+0100)."""
    from datetime import datetime, timedelta, timezone

    t = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=1)))
    return t.strftime("%Y-%m-%dT%H:%M:%S.000%z")


JIRA_STATUS = {"open": ("10000", "To Do"), "resolved": ("10002", "Done")}


def jira_issue(ticket: str, created: str, first: str | None, events: list, *, start: int = 0) -> dict[str, Any]:
    """One issue of search results with expand=changelog."""
    histories, holder, status = [], first, "open"
    for n, (when, kind, value) in enumerate(events):
        if kind == "assign":
            item = {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                    "from": account_id(holder) if holder else None, "fromString": holder,
                    "to": account_id(value) if value else None, "toString": value}  # fmt: skip
            holder = value
        else:
            item = {"field": "status", "fieldtype": "jira", "fieldId": "status",
                    "from": JIRA_STATUS[status][0], "fromString": JIRA_STATUS[status][1],
                    "to": JIRA_STATUS[value][0], "toString": JIRA_STATUS[value][1]}  # fmt: skip
            status = value
        histories.append({"id": f"{ticket[1:]}{n:03d}", "author": {"accountId": account_id("ana"),
                          "displayName": "CANARY-7f3e-do-not-store"}, "created": jira_offset(when),
                          "items": [item, {"field": "summary", "fieldtype": "jira", "fieldId": "summary",
                                           "fromString": "CANARY-7f3e-do-not-store", "toString": "x"}]})  # fmt: skip
    return {
        "id": str(10000 + int(ticket[1:])), "key": f"OPS-{ticket[1:]}",
        "fields": {"created": jira_offset(created), "summary": "CANARY-7f3e-do-not-store",
                   "assignee": {"accountId": account_id(holder), "displayName": holder} if holder else None,
                   "status": {"name": JIRA_STATUS[status][1]}},
        "changelog": {"startAt": start, "maxResults": 100, "total": len(histories), "histories": histories[start:]},
    }  # fmt: skip


def jira_users(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    users = [{"accountId": account_id(p), "accountType": "atlassian", "emailAddress": email(p), "displayName": p,
              "active": True} for p in PERSONS]  # fmt: skip
    return users + (extra or [])


def write_jira(folder: Path) -> list[Path]:
    """Search results (all tickets) and the users export."""
    folder.mkdir(parents=True, exist_ok=True)
    issues = [jira_issue(*t) for t in TICKETS]
    search = folder / "search.json"
    search.write_text(json.dumps({"expand": "schema,names", "startAt": 0, "maxResults": 50, "total": len(issues),
                                  "issues": issues}))  # fmt: skip
    users = folder / "users.json"
    users.write_text(json.dumps(jira_users()))
    return [search, users]


def jira_key(ticket: str) -> str:
    return f"OPS-{ticket[1:]}"


# ------------------------------------------------------------------ servicenow

SN_STATE = {"open": "2", "resolved": "6"}


def servicenow_rows(*, groups: bool = True) -> list[dict[str, str]]:
    """sys_audit rows of the small organization (assigned_to, state, and assignment_group on department changes)."""
    dept = {p: d for p, d, _ in PEOPLE}
    rows: list[dict[str, str]] = []

    def row(ticket: str, when: str, fieldname: str, old: str, new: str) -> None:
        rows.append({"sys_id": sys_id(f"audit{len(rows)}"), "tablename": "incident", "fieldname": fieldname,
                     "documentkey": sys_id(ticket), "oldvalue": old, "newvalue": new,
                     "sys_created_on": when.replace("T", " ").replace("Z", ""), "user": "admin",
                     "record_checkpoint": str(len(rows)), "reason": ""})  # fmt: skip

    for ticket, created, first, events in TICKETS:
        row(ticket, created, "state", "", SN_STATE["open"])
        holder, status = first, "open"
        if first:
            row(ticket, created, "assigned_to", "", sys_id(first))
            if groups and first in dept:
                row(ticket, created, "assignment_group", "", sys_id("grp-" + dept[first]))
        for when, kind, value in events:
            if kind == "assign":
                row(ticket, when, "assigned_to", sys_id(holder) if holder else "", sys_id(value) if value else "")
                g_old, g_new = dept.get(holder or ""), dept.get(value or "")
                if groups and g_old and g_new and g_old != g_new:
                    row(ticket, when, "assignment_group", sys_id("grp-" + g_old), sys_id("grp-" + g_new))
                holder = value
            else:
                row(ticket, when, "state", SN_STATE[status], SN_STATE[value or status])
                status = value or status
    return rows


AUDIT_FIELDS = ["sys_id", "tablename", "fieldname", "documentkey", "oldvalue", "newvalue", "sys_created_on", "user",
                "record_checkpoint", "reason"]  # fmt: skip


def write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def write_servicenow(folder: Path, *, form: str = "csv") -> list[Path]:
    """sys_audit, sys_user, sys_user_group and the incident list."""
    rows = servicenow_rows()
    users = [{"sys_id": sys_id(p), "user_name": p, "email": email(p), "name": p.title()} for p in PERSONS]
    groups = [{"sys_id": sys_id("grp-" + d), "name": d} for d in sorted({d for _, d, _ in PEOPLE})]
    incidents = [{"sys_id": sys_id(t[0]), "number": f"INC00{int(t[0][1:]):05d}"} for t in TICKETS]
    if form == "json":
        paths = []
        for name, data in (("sys_audit", rows), ("sys_user", users), ("sys_user_group", groups), ("incident", incidents)):
            path = folder / f"{name}.json"
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"records": data}))
            paths.append(path)
        return paths
    return [
        write_csv(folder / "sys_audit.csv", AUDIT_FIELDS, rows),
        write_csv(folder / "sys_user.csv", ["sys_id", "user_name", "email", "name"], users),
        write_csv(folder / "sys_user_group.csv", ["sys_id", "name"], groups),
        write_csv(folder / "incident.csv", ["sys_id", "number"], incidents),
    ]


# ------------------------------------------------------------------ zendesk

ZD_STATUS = {"open": "open", "resolved": "solved"}


def zendesk_audits(*, group_detour: bool = False) -> list[dict[str, Any]]:
    """Audits of every ticket (Create events at creation, Change events after)."""
    dept = {p: d for p, d, _ in PEOPLE}
    audits: list[dict[str, Any]] = []

    def audit(ticket: str, when: str, events: list[dict[str, Any]]) -> None:
        audits.append({"id": 9000 + len(audits), "ticket_id": int(ticket[1:]), "created_at": when,
                       "author_id": numeric_id("ana"), "metadata": {}, "via": {"channel": "web"},
                       "events": events + [{"id": 1, "type": "Comment", "body": "CANARY-7f3e-do-not-store",
                                            "public": True}]})  # fmt: skip

    def gid(person: str | None) -> str | None:
        return str(700 + sorted({d for _, d, _ in PEOPLE}).index(dept[person])) if person in dept else None

    for ticket, created, first, events in TICKETS:
        create = [{"id": 1, "type": "Create", "field_name": "status", "value": "open"}]
        if first:
            create += [{"id": 2, "type": "Create", "field_name": "assignee_id", "value": str(numeric_id(first))},
                       {"id": 3, "type": "Create", "field_name": "group_id", "value": gid(first)}]  # fmt: skip
        audit(ticket, created, create)
        holder, status = first, "open"
        for when, kind, value in events:
            if kind == "assign":
                evs = [{"id": 4, "type": "Change", "field_name": "assignee_id", "value": str(numeric_id(value)) if value else None,
                        "previous_value": str(numeric_id(holder)) if holder else None}]  # fmt: skip
                if gid(holder) and gid(value) and gid(holder) != gid(value):
                    evs.append({"id": 5, "type": "Change", "field_name": "group_id", "value": gid(value),
                                "previous_value": gid(holder)})  # fmt: skip
                audit(ticket, when, evs)
                holder = value
            else:
                audit(ticket, when, [{"id": 6, "type": "Change", "field_name": "status",
                                      "value": ZD_STATUS[value or status], "previous_value": ZD_STATUS[status]}])  # fmt: skip
                status = value or status
    return audits


def zendesk_users() -> list[dict[str, Any]]:
    return [{"id": numeric_id(p), "email": email(p), "name": p, "role": "agent"} for p in PERSONS]


def write_zendesk(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    audits = folder / "audits.json"
    audits.write_text(json.dumps({"audits": zendesk_audits(), "next_page": None, "count": 0}))
    users = folder / "users.json"
    users.write_text(json.dumps({"users": zendesk_users(), "next_page": None, "count": len(PERSONS)}))
    groups = folder / "groups.json"
    depts = sorted({d for _, d, _ in PEOPLE})
    groups.write_text(json.dumps({"groups": [{"id": 700 + i, "name": d} for i, d in enumerate(depts)], "count": 3}))
    return [audits, users, groups]


# ------------------------------------------------------------------ github


def gh_user(person: str, *, bot: bool = False) -> dict[str, Any]:
    login = person.split("@")[0] if "@" in person else person
    return {"login": login, "id": 1000 + (PERSONS.index(person) if person in PERSONS else 99), "node_id": "U_x",
            "type": "Bot" if bot else "User", "site_admin": False}  # fmt: skip


def gh_event(n: int, kind: str, when: str, *, assignee: str | None = None, number: int | None = None,
             bot: bool = False) -> dict[str, Any]:  # fmt: skip
    event: dict[str, Any] = {"id": 5000 + n, "node_id": f"E_{n}", "url": f"https://api.github.com/repos/acme/ops/issues/events/{5000 + n}",
                             "actor": gh_user("ana"), "event": kind, "commit_id": None, "commit_url": None,
                             "created_at": when.replace(".000", ""), "performed_via_github_app": None}  # fmt: skip
    if assignee is not None:
        event["assignee"] = gh_user(assignee, bot=bot)
        event["assigner"] = gh_user("ana")
    if number is not None:
        event["issue"] = {"number": number, "title": "CANARY-7f3e-do-not-store",
                          "repository_url": "https://api.github.com/repos/acme/ops"}  # fmt: skip
    return event


def github_events() -> list[dict[str, Any]]:
    """Repository issue events of every ticket (one assignee at a time, as GitHub's single-holder habit)."""
    out: list[dict[str, Any]] = []
    for ticket, created, first, events in TICKETS:
        num = int(ticket[1:])
        holder = first
        if first:
            out.append(gh_event(len(out), "assigned", created, assignee=first, number=num))
        for when, kind, value in events:
            if kind == "assign":
                if value:
                    out.append(gh_event(len(out), "assigned", when, assignee=value, number=num))
                if holder:  # the previous assignee is removed just after
                    out.append(gh_event(len(out), "unassigned", when, assignee=holder, number=num))
                holder = value
            else:
                out.append(gh_event(len(out), "closed" if value == "resolved" else "reopened", when, number=num))
    return out


def write_github(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    events = folder / "events.json"
    events.write_text(json.dumps(github_events()))
    mapping = write_csv(folder / "logins.csv", ["login", "email"],
                        [{"login": gh_user(p)["login"], "email": email(p)} for p in PERSONS])  # fmt: skip
    return [events, mapping]
