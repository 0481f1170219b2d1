"""The jira, servicenow, zendesk and github sections of ``benchmarks/bench_imports.py``: export generators.

Usage (through the import benchmark)::

    .venv/bin/python benchmarks/bench_imports.py --kind jira --records 1000000
    .venv/bin/python benchmarks/bench_imports.py --kind servicenow --records 2000000

A record is one change on a field the importer reads (an assignee,
assignment group or status change). Tickets of 2,000 people at
``corp.example`` have about 5 such changes each: an initial assignee, 2 to
3 reassignments, a status change, plus (servicenow, zendesk) group changes,
and each history carries fields the importer must skip (summaries,
comments, labels).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

DOMAIN = "corp.example"
PEOPLE = 2000
START = datetime(2024, 1, 1, tzinfo=UTC)
PAGE = 1000  # issues, audits or events per JSON file


def _tickets(n: int) -> list[tuple[int, datetime, list[tuple[datetime, str, int | str]]]]:
    """(ticket, created, changes (time, field, value)) with about n changes in all."""
    rnd = random.Random(7)
    out, total, t = [], 0, 0
    while total < n:
        created = START + timedelta(minutes=13 * t)
        changes: list[tuple[datetime, str, int | str]] = [(created, "assignee", rnd.randrange(PEOPLE))]
        when = created
        for _ in range(rnd.randint(2, 3)):
            when += timedelta(minutes=rnd.randint(5, 600))
            changes.append((when, "assignee", rnd.randrange(PEOPLE)))
            changes.append((when, "group", rnd.randrange(40)))
        changes.append((when + timedelta(hours=2), "status", "resolved"))
        out.append((t, created, changes))
        total += len(changes)
        t += 1
    return out


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages(folder: Path, name: str, items: list, wrap: Callable[[list], object]) -> list[Path]:
    paths = []
    for i in range(0, len(items), PAGE):
        path = folder / f"{name}-{i // PAGE:05d}.json"
        path.write_text(json.dumps(wrap(items[i : i + PAGE])))
        paths.append(path)
    return paths


def generate_jira(folder: Path, n: int) -> list[Path]:
    issues = []
    for t, created, changes in _tickets(n):
        holder, histories = None, []
        for k, (when, what, value) in enumerate(changes):
            if what == "assignee":
                item = {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                        "from": f"acc{holder}" if holder is not None else None, "to": f"acc{value}"}  # fmt: skip
                holder = value
            elif what == "status":
                item = {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1", "fromString": "To Do",
                        "to": "3", "toString": "Done"}  # fmt: skip
            else:
                continue
            histories.append({"id": f"{t}{k}", "created": when.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "items": [
                item, {"field": "summary", "fieldtype": "jira", "fromString": "old summary", "toString": "new"}]})  # fmt: skip
        issues.append({"key": f"OPS-{t}", "fields": {"created": _iso(created), "summary": "A summary never read"},
                       "changelog": {"startAt": 0, "maxResults": 100, "total": len(histories), "histories": histories}})  # fmt: skip
    paths = _pages(folder, "search", issues, lambda page: {"startAt": 0, "issues": page})
    users = folder / "users.json"
    users.write_text(json.dumps([{"accountId": f"acc{p}", "accountType": "atlassian",
                                  "emailAddress": f"user{p}@{DOMAIN}"} for p in range(PEOPLE)]))  # fmt: skip
    return [*paths, users]


def generate_servicenow(folder: Path, n: int) -> list[Path]:
    audit = folder / "sys_audit.csv"
    with audit.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sys_id", "tablename", "fieldname", "documentkey", "oldvalue", "newvalue", "sys_created_on", "user"])
        r = 0
        for t, _, changes in _tickets(n):
            prev: dict[str, str] = {}
            for when, what, value in changes:
                name = {"assignee": "assigned_to", "group": "assignment_group", "status": "state"}[what]
                new = {"assignee": f"u{value}", "group": f"g{value}", "status": "6"}[what]
                w.writerow([f"a{r}", "incident", name, f"doc{t}", prev.get(name, ""), new,
                            when.strftime("%Y-%m-%d %H:%M:%S"), "admin"])  # fmt: skip
                w.writerow([f"c{r}", "incident", "comments", f"doc{t}", "", "A comment never read", when, "admin"])
                prev[name] = new
                r += 1
    users = folder / "sys_user.csv"
    with users.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sys_id", "user_name", "email"])
        w.writerows([f"u{p}", f"user{p}", f"user{p}@{DOMAIN}"] for p in range(PEOPLE))
    return [audit, users]


def generate_zendesk(folder: Path, n: int) -> list[Path]:
    audits = []
    for t, _, changes in _tickets(n):
        prev: dict[str, str] = {}
        for when, what, value in changes:
            name = {"assignee": "assignee_id", "group": "group_id", "status": "status"}[what]
            new = str(value) if what != "status" else "solved"
            audits.append({"id": len(audits), "ticket_id": t, "created_at": _iso(when), "events": [
                {"id": 1, "type": "Change", "field_name": name, "value": new, "previous_value": prev.get(name)},
                {"id": 2, "type": "Comment", "body": "A comment never read", "public": True}]})  # fmt: skip
            prev[name] = new
    paths = _pages(folder, "audits", audits, lambda page: {"audits": page, "next_page": None})
    users = folder / "users.json"
    users.write_text(json.dumps({"users": [{"id": p, "email": f"user{p}@{DOMAIN}", "role": "agent"}
                                           for p in range(PEOPLE)]}))  # fmt: skip
    return [*paths, users]


def generate_github(folder: Path, n: int) -> list[Path]:
    events = []
    for t, _, changes in _tickets(n):
        for when, what, value in changes:
            if what == "group":
                continue
            event = {"id": len(events), "node_id": "E", "url": f"https://api.github.com/repos/acme/ops/issues/events/{len(events)}",
                     "event": "assigned" if what == "assignee" else "closed", "created_at": _iso(when),
                     "actor": {"login": "user0"}, "issue": {"number": t, "title": "A title never read"}}  # fmt: skip
            if what == "assignee":
                event["assignee"] = {"login": f"user{value}", "id": int(value), "type": "User"}
            events.append(event)
    paths = _pages(folder, "events", events, lambda page: page)
    mapping = folder / "logins.csv"
    with mapping.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["login", "email"])
        w.writerows([f"user{p}", f"user{p}@{DOMAIN}"] for p in range(PEOPLE))
    return [*paths, mapping]


TICKET_GENERATORS: dict[str, Callable[[Path, int], list[Path]]] = {
    "jira": generate_jira,
    "servicenow": generate_servicenow,
    "zendesk": generate_zendesk,
    "github": generate_github,
}
