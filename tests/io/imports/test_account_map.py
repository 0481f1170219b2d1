"""`ona import KIND ... --people HR.csv --map jira_account_id=COLUMN`: account ids from a people column."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ona.cli import app
from tests.io.imports import ticketfiles as tk
from tests.io.imports.smallorg import PEOPLE
from tests.io.imports.test_tickets_smallorg import analytics, canonical

runner = CliRunner(env={"COLUMNS": "200"})

#: kind -> (--map target, the account id of a person in that kind's export)
KINDS = {
    "jira": ("jira_account_id", tk.account_id),
    "servicenow": ("servicenow_sys_id", tk.sys_id),
    "zendesk": ("zendesk_user_id", lambda p: str(tk.numeric_id(p))),
    "github": ("github_login", lambda p: p.upper()),  # logins match ignoring case
}


def hr_file(path: Path, account: object, *, without: str | None = None) -> Path:
    """An HR export under its own column names, with each person's account id (none for ``without``)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Employee ID", "Org Unit", "Account"])
        for person, dept, _ in PEOPLE:
            w.writerow([f"E-{person}", dept, "" if person == without else account(person)])
    return path


def sources(kind: str, folder: Path) -> list[Path]:
    """The kind's export; its users export still names the external partner, whom the HR file does not hold."""
    return {"jira": tk.write_jira, "servicenow": tk.write_servicenow, "zendesk": tk.write_zendesk,
            "github": tk.write_github}[kind](folder)  # fmt: skip


def run(tmp: Path, kind: str, hr: Path, *paths: Path) -> tuple[Path, dict]:
    target, _ = KINDS[kind]
    out = tmp / f"out-{kind}"
    args = ["import", kind, *map(str, paths), "--out", str(out), "--people", str(hr), "--map", 'person_id="Employee ID"',
            "--map", "department=Org Unit", "--map", f"{target}=Account"]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return out, json.loads((out / "import_report.json").read_text())["runs"][-1]


@pytest.mark.parametrize("kind", list(KINDS))
def test_people_column_of_account_ids_gives_the_same_handoff_analytics(tmp_path: Path, kind: str) -> None:
    _, want = analytics(canonical(tmp_path))
    hr = hr_file(tmp_path / "hr.csv", KINDS[kind][1])
    out, report = run(tmp_path, kind, hr, *sources(kind, tmp_path / kind))
    assert all("unknown_account" not in s["dropped"] for s in report["sources"])
    assignees = set(pq.read_table(out / "tickets.parquet").column("assignee").to_pylist())
    # insiders by the people column's person_ids (lower-cased), the partner by the users export's address
    assert assignees == {f"e-{p}" for p, _, _ in PEOPLE} | {tk.email(tk.PERSONS[-1])}
    _, got = analytics(out)
    assert got == want


def test_unknown_account_id_is_counted_and_kept_out(tmp_path: Path) -> None:
    hr = hr_file(tmp_path / "hr.csv", tk.account_id, without="hal")  # hal has no account id in the HR file
    issue = tk.jira_issue(*tk.TICKETS[1])  # T2: ben -> cai (12:00) -> fay (15:00)
    issue["changelog"]["histories"][0]["items"][0]["to"] = "gone-account"  # 12:00 to an id no one holds
    search = tmp_path / "search.json"
    search.write_text(json.dumps({"issues": [issue, tk.jira_issue(*tk.TICKETS[6])]}))  # and T7: hal alone
    out, report = run(tmp_path, "jira", hr, search)
    (src,) = report["sources"]
    # gone-account: the 12:00 assignment; hal: T7's first holder (its status row repeats no one)
    assert src["dropped"]["unknown_account"] == 2
    assert any("'gone-account'" in n for n in src["notes"]) and any(f"'{tk.account_id('hal')}'" in n for n in src["notes"])
    rows = pq.read_table(out / "tickets.parquet").to_pylist()
    # the 15:00 change names cai as its old holder: cai comes back after the gap, then fay
    assert [(r["ticket_id"], r["assignee"]) for r in rows] == [
        ("OPS-2", "e-ben"), ("OPS-2", "e-cai"), ("OPS-2", "e-fay"), ("OPS-2", "e-fay")]


def test_account_map_needs_its_column(tmp_path: Path) -> None:
    hr = hr_file(tmp_path / "hr.csv", tk.account_id)
    search = tmp_path / "search.json"
    search.write_text(json.dumps({"issues": [tk.jira_issue(*tk.TICKETS[0])]}))
    res = runner.invoke(app, ["import", "jira", str(search), "--out", str(tmp_path / "o"), "--people", str(hr),
                              "--map", 'person_id="Employee ID"', "--map", "jira_account_id=Atlassian ID"])  # fmt: skip
    assert res.exit_code == 1
    assert "column map jira_account_id=\"Atlassian ID\": the file has no column 'Atlassian ID'" in res.output
