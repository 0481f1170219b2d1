"""Ticket kinds: awkward histories counted by hand (truncation, groups, several assignees, bots, unknown ids, duplicates) and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.errors import DatasetError, OnaError
from ona.io.imports import import_export
from ona.io.imports.base import ImportOptions, MemorySink
from ona.io.imports.github import import_github
from ona.io.imports.jira import import_jira
from ona.io.imports.servicenow import import_servicenow
from ona.io.imports.zendesk import import_zendesk
from tests.io.imports import ticketfiles as tk
from tests.io.imports.pairs import assert_no_canary

IMPORTERS = {"jira": import_jira, "servicenow": import_servicenow, "zendesk": import_zendesk, "github": import_github}


def run(kind: str, *paths: Path) -> tuple[list, list[tuple], list[tuple]]:
    sink = MemorySink()
    reports = IMPORTERS[kind](list(paths), ImportOptions(), sink)
    assert_no_canary(sink, reports)
    tickets = sink.table("tickets")
    groups = sink.table("group_handoffs")
    rows = [] if tickets is None else [(r["ticket_id"], r["assignee"].split("@")[0], r["status"]) for r in tickets.to_pylist()]
    moves = [] if groups is None else [(r["ticket_id"], r["from_group"], r["to_group"]) for r in groups.to_pylist()]
    return reports, rows, moves


def dump(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


# ------------------------------------------------------------------ jira


def test_jira_truncated_history_is_reported_per_issue_and_completed_by_its_pages(tmp_path: Path) -> None:
    ticket = tk.TICKETS[3]  # T4: fay -> ana -> fay -> ana, then Done (4 histories)
    issue = tk.jira_issue(*ticket, start=2)  # the search embedded histories 2..3 of 4
    search = dump(tmp_path / "search.json", {"issues": [issue, tk.jira_issue(*tk.TICKETS[0])]})
    users = dump(tmp_path / "users.json", tk.jira_users())
    reports, rows, _ = run("jira", search, users)
    assert reports[0].dropped == {"truncated_history": 2}
    assert any(n.startswith("OPS-4: the export holds 2 of its 4 changelog entries") for n in reports[0].notes)
    # the changes present are kept (from fay -> ana at 13:00), the current assignee is not taken as the first
    assert [r for r in rows if r[0] == "OPS-4"] == [("OPS-4", "fay", None), ("OPS-4", "ana", None), ("OPS-4", "ana", "Done")]
    # the issue's changelog pages complete it: nothing truncated, the whole history, duplicates counted once
    full = tk.jira_issue(*ticket)["changelog"]["histories"]
    page1 = dump(tmp_path / "OPS-4-changelog-0.json", {"startAt": 0, "maxResults": 2, "total": 4, "isLast": False,
                                                        "values": full[:2]})  # fmt: skip
    page2 = dump(tmp_path / "pages" / "p2.json", {"key": "OPS-4", "changelog": {"startAt": 2, "maxResults": 2, "total": 4,
                                                                                "isLast": True, "values": full[2:]}})  # fmt: skip
    reports, rows, _ = run("jira", search, page1, page2, users)
    assert "truncated_history" not in reports[0].dropped
    assert [r[1] for r in rows if r[0] == "OPS-4"] == ["fay", "ana", "fay", "ana", "ana"]
    assert reports[2].dropped == {"duplicate": 2}  # the second page repeats the search's two histories (an assignee, a status)


def test_jira_unknown_accounts_and_apps_are_counted_and_kept_out(tmp_path: Path) -> None:
    issue = tk.jira_issue(*tk.TICKETS[1])  # T2: ben (10:00) -> cai (12:00) -> fay (15:00), Done
    hist = issue["changelog"]["histories"]
    hist[0]["items"][0].update({"from": "bot-1", "to": "gone-account"})  # 12:00 to someone not in the users export
    hist[1]["items"][0].update({"from": "gone-account"})  # 15:00 from them to fay
    hist.insert(0, {"id": "9", "created": "2024-03-04T10:30:00.000+0000", "items": [  # 10:30 ben -> an app
        {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee", "from": tk.account_id("ben"), "to": "bot-1"}]})
    issue["changelog"]["total"] += 1
    bot = {"accountId": "bot-1", "accountType": "app", "displayName": "Automation for Jira"}
    search = dump(tmp_path / "search.json", {"issues": [issue]})
    users = dump(tmp_path / "users.json", tk.jira_users([bot]))
    reports, rows, _ = run("jira", search, users)
    assert [r[1] for r in rows] == ["ben", "fay", "fay"]
    assert reports[0].dropped == {"unknown_account": 1, "bot": 1}
    assert reports[0].notes == ["unknown account id 'gone-account' (1 assignment left out): not in the users export"]


def test_jira_needs_a_users_export_and_an_issue_key(tmp_path: Path) -> None:
    search = dump(tmp_path / "search.json", {"issues": [tk.jira_issue(*tk.TICKETS[0])]})
    with pytest.raises(DatasetError, match="no users export among the sources"):
        run("jira", search)
    page = dump(tmp_path / "changelog.json", {"startAt": 0, "total": 0, "isLast": True, "values": []})
    with pytest.raises(DatasetError, match=r"^changelog\.json: is a Jira changelog page, which does not name its issue"):
        run("jira", page)


# ------------------------------------------------------------------ servicenow


def test_servicenow_group_only_change_and_duplicate_audit_rows(tmp_path: Path) -> None:
    paths = tk.write_servicenow(tmp_path / "sn")
    rows = tk.servicenow_rows()
    ticket = tk.sys_id("T7")  # hal alone, then resolved: a group change without an assignee change
    extra = {**rows[0], "sys_id": tk.sys_id("extra"), "documentkey": ticket, "fieldname": "assignment_group",
             "oldvalue": tk.sys_id("grp-Sales"), "newvalue": tk.sys_id("grp-Legal"), "sys_created_on": "2024-03-06 12:00:00"}
    dup = [r for r in rows if r["documentkey"] == ticket and r["fieldname"] == "assigned_to"][0]
    tk.write_csv(paths[0], tk.AUDIT_FIELDS, rows + [extra, dup])
    reports, got, moves = run("servicenow", *paths)
    assert [r for r in got if r[0] == "INC0000007"] == [("INC0000007", "hal", "In Progress"), ("INC0000007", "hal", "Resolved")]
    assert ("INC0000007", "Sales", "Legal") in moves
    assert reports[0].dropped["duplicate"] == 1
    assert reports[0].events_written["group_handoffs"] == len(moves)


def test_servicenow_unknown_sys_ids_and_wrong_csv(tmp_path: Path) -> None:
    paths = tk.write_servicenow(tmp_path / "sn")
    users = [{"sys_id": tk.sys_id(p), "user_name": p, "email": tk.email(p), "name": p} for p in tk.PERSONS if p != "gus"]
    tk.write_csv(paths[1], ["sys_id", "user_name", "email", "name"], users)
    reports, rows, _ = run("servicenow", *paths)
    assert "gus" not in {r[1] for r in rows}
    assert reports[0].dropped["unknown_account"] == 3  # T5's first holder, T6's and T10's last
    assert any(tk.sys_id("gus") in n for n in reports[0].notes)
    wrong = tk.write_csv(tmp_path / "people.csv", ["person_id", "department"], [{"person_id": "a", "department": "b"}])
    with pytest.raises(DatasetError, match=r"^people\.csv: not a ServiceNow export"):
        run("servicenow", wrong, *paths)


# ------------------------------------------------------------------ zendesk


def test_zendesk_ticket_reassigned_to_a_group_and_back(tmp_path: Path) -> None:
    eve, dan = str(tk.numeric_id("eve")), str(tk.numeric_id("dan"))
    audits = [
        {"id": 1, "ticket_id": 50, "created_at": "2024-03-04T09:00:00Z", "events": [
            {"id": 1, "type": "Create", "field_name": "assignee_id", "value": eve},
            {"id": 2, "type": "Create", "field_name": "group_id", "value": "701"}]},
        {"id": 2, "ticket_id": 50, "created_at": "2024-03-04T10:00:00Z", "events": [  # to the Sales queue, nobody
            {"id": 3, "type": "Change", "field_name": "assignee_id", "value": None, "previous_value": eve},
            {"id": 4, "type": "Change", "field_name": "group_id", "value": "702", "previous_value": "701"}]},
        {"id": 3, "ticket_id": 50, "created_at": "2024-03-04T12:00:00Z", "events": [  # back to Legal, to dan
            {"id": 5, "type": "Change", "field_name": "group_id", "value": "701", "previous_value": "702"},
            {"id": 6, "type": "Change", "field_name": "assignee_id", "value": dan, "previous_value": None}]},
        {"id": 4, "ticket_id": 50, "created_at": "2024-03-04T13:00:00Z", "events": [
            {"id": 7, "type": "Change", "field_name": "assignee_id", "value": "424242", "previous_value": dan}]},
    ]  # fmt: skip
    src = dump(tmp_path / "audits.json", {"audits": audits + audits[1:2]})  # the second audit exported twice
    users = dump(tmp_path / "users.json", {"users": tk.zendesk_users()})
    groups = dump(tmp_path / "groups.json", {"groups": [{"id": 701, "name": "Legal"}, {"id": 702, "name": "Sales"}]})
    reports, rows, moves = run("zendesk", src, users, groups)
    assert rows == [("50", "eve", None), ("50", "dan", None)]
    assert moves == [("50", "Legal", "Sales"), ("50", "Sales", "Legal")]
    assert reports[0].dropped == {"unassigned": 1, "duplicate": 2, "unknown_account": 1}
    assert reports[0].notes == ["unknown user id '424242' (1 assignment left out): not in the users export"]


# ------------------------------------------------------------------ github


def test_github_two_assignees_and_bots(tmp_path: Path) -> None:
    t = "2024-03-04T{}:00:00Z"
    timeline = [
        tk.gh_event(0, "assigned", t.format("09"), assignee="ana"),
        tk.gh_event(1, "assigned", t.format("10"), assignee="dan"),  # two assignees: the latest (dan) holds
        tk.gh_event(2, "labeled", t.format("10")),
        tk.gh_event(3, "unassigned", t.format("11"), assignee="ana"),  # not the holder: nothing changes
        tk.gh_event(4, "assigned", t.format("12"), assignee="ana"),  # ana again: the latest
        tk.gh_event(5, "assigned", t.format("13"), assignee="renovate[bot]"),  # a bot is never a holder
        tk.gh_event(6, "unassigned", t.format("14"), assignee="renovate[bot]"),  # back to ana, the latest human
        tk.gh_event(7, "unassigned", t.format("15"), assignee="ana"),  # back to dan
        tk.gh_event(8, "closed", t.format("16")),
    ]
    timeline[5]["assignee"]["type"] = "Bot"
    src = dump(tmp_path / "issue-42-timeline.json", timeline)
    mapping = tk.write_csv(tmp_path / "logins.csv", ["login", "email"], [{"login": "ana", "email": "ana@example.com"}])
    reports, rows, _ = run("github", src, mapping)
    assert rows == [("acme/ops#42", "ana", None), ("acme/ops#42", "1003+dan", None), ("acme/ops#42", "ana", None),
                    ("acme/ops#42", "1003+dan", None), ("acme/ops#42", "1003+dan", "closed")]  # fmt: skip
    # dan has no mapping: GitHub's noreply address ({id}+{login}), which a people file may list as an alias
    assert reports[0].dropped == {"bot": 1}
    assert reports[0].records_read == 8


# ------------------------------------------------------------------ bad input, every kind


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_invalid_json_is_refused_naming_the_file_and_leaves_no_dataset(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "export.json"
    bad.write_text('{"issues": [ {"key": "X-1", ')
    with pytest.raises(DatasetError, match=r"^export\.json: is not valid JSON"):
        run(kind, bad)
    people = tk.write_csv(tmp_path / "people.csv", ["person_id", "department", "email"],
                          [{"person_id": "ana", "department": "Finance", "email": "ana@example.com"}])  # fmt: skip
    with pytest.raises(OnaError):
        import_export(kind, [bad], tmp_path / "out", ImportOptions(), people=people)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("kind", ["jira", "zendesk", "github"])
def test_a_file_of_another_kind_is_refused(tmp_path: Path, kind: str) -> None:
    other = dump(tmp_path / "calendar.json", {"kind": "calendar#events", "items": [{"id": "e1"}]})
    with pytest.raises(DatasetError, match=r"^calendar\.json: not (a Jira export|a Zendesk export|GitHub issue events)"):
        run(kind, other)
