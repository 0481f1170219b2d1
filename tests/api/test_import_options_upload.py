"""POST /datasets with a kind takes `ona import`'s options; a real `ona serve`, its store read back afterwards.

The truths are independent of the import: the fixtures' own rows (the Viva
person-to-person CSV read with the csv module, the small organization's
messages in tests/io/imports/smallorg.py), and for the account id map the
dataset `ona import` writes from the same files, loaded into a store of its
own. The uploads run in one module fixture against one server; the store
is read with DuckDB once the server has stopped (DuckDB lets one process
hold a store file).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from ona.cli import app
from ona.store import Store
from tests.api.conftest import make_keys
from tests.api.server import Server
from tests.api.test_errors import assert_problem
from tests.io.imports import ticketfiles as tk
from tests.io.imports import tracefiles as tf
from tests.io.imports.smallorg import DOMAIN, EMAILS, EXTERNAL, PEOPLE, address, write_canonical
from tests.io.imports.test_account_map import hr_file

VIVA = Path(__file__).resolve().parents[1] / "io" / "imports" / "fixtures" / "tielists" / "viva_p2p.csv"
JIRA_MAP = ["person_id=Employee ID", "department=Org Unit", "jira_account_id=Account"]
SINCE, UNTIL = "2024-03-05", "2024-03-07T00:00Z"

Files = list[tuple[str, tuple[str, bytes]]]


def file(field: str, path: Path) -> tuple[str, tuple[str, bytes]]:
    return field, (path.name, path.read_bytes())


@dataclass
class Run:
    """The answers of the uploads by name, the server's store file (closed), the `ona import` dataset's store."""

    answers: dict[str, httpx.Response]
    store: Path
    cli_store: Path
    cli_id: str

    def dataset(self, name: str) -> str:
        if name == "cli":
            return self.cli_id
        r = self.answers[name]
        assert r.status_code == 201, r.text
        return str(r.json()["dataset"]["dataset_id"])

    def rows(self, sql: str, name: str, store: Path | None = None) -> list[tuple[Any, ...]]:
        """``sql`` (with ``?`` for the dataset's ds) on the store."""
        with duckdb.connect(str(store or self.store), read_only=True) as con:
            ds = con.execute("SELECT ds FROM datasets WHERE dataset_id = ?", [self.dataset(name)]).fetchone()
            assert ds is not None
            return con.execute(sql, [ds[0]]).fetchall()


def viva_rows() -> list[dict[str, str]]:
    with VIVA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("import-options")
    store = folder / "ona.duckdb"
    keys = make_keys(store)
    people = write_canonical(folder / "canon", chats=False) / "people.csv"
    trace = tf.smallorg_v2(folder / "trace.csv")
    hr = hr_file(folder / "hr.csv", tk.account_id)
    jira = tk.write_jira(folder / "jira")
    viva = [file("files", VIVA)]
    uploads: dict[str, tuple[Files, dict[str, Any]]] = {
        "viva": (viva, {"kind": "viva-p2p"}),
        "viva_level_diverse": (viva, {"kind": "viva-p2p", "group_column": "LevelDesignation", "tie_score": "diverse"}),
        "trace_domain": ([file("files", trace)], {"kind": "exchange-trace", "internal_domain": [" @Example.COM"]}),
        "trace_window": ([file("files", trace), file("people", people)],
                         {"kind": "exchange-trace", "since": SINCE, "until": UNTIL}),
        "jira_accounts": ([*(file("files", p) for p in jira), file("people", hr)], {"kind": "jira", "map": JIRA_MAP}),
        # refused
        "bad_tie_score": (viva, {"kind": "viva-p2p", "tie_score": "weak"}),
        "since_after_until": ([file("files", trace)],
                              {"kind": "exchange-trace", "internal_domain": DOMAIN, "since": UNTIL, "until": SINCE}),
        "bad_since": ([file("files", trace)],
                      {"kind": "exchange-trace", "internal_domain": DOMAIN, "since": "last week"}),
        "bad_domain": ([file("files", trace)], {"kind": "exchange-trace", "internal_domain": "example.com, x.org"}),
        "no_people": ([file("files", trace)], {"kind": "exchange-trace"}),
        "option_without_kind": ([file("people", people)], {"since": SINCE}),
        "map_without_people": (viva, {"kind": "viva-p2p", "map": ["person_id=Id"]}),
        "auto_without_people": ([file("files", trace)], {"kind": "auto"}),
    }  # fmt: skip
    answers = {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ONA_UPLOAD_RATE", "0")  # more uploads than one key's default allowance (the server's env)
        with Server(store, folder / "server.log") as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {keys['analyst']}"}, timeout=300
        ) as http:
            for name, (files, data) in uploads.items():
                answers[name] = http.post("/api/v1/datasets", files=files, data=data)
            answers["listed"] = http.get("/api/v1/datasets")
    # the same Jira export through `ona import`, loaded into a store of its own
    out = folder / "cli-jira"
    args = ["import", "jira", *map(str, jira), "--out", str(out), "--people", str(hr)]
    res = CliRunner().invoke(app, [*args, *(a for m in JIRA_MAP for a in ("--map", m))])
    assert res.exit_code == 0, res.output
    cli_store = folder / "cli.duckdb"
    with Store(cli_store) as s:
        cli_id = s.load_folder(out, name="cli").dataset_id
    yield Run(answers, store, cli_store, cli_id)


def test_viva_p2p_without_people_file_takes_people_from_the_export(run: Run) -> None:
    rows = viva_rows()
    # truth: every id on either side of the CSV, with its Organization (one per person in this file)
    want: dict[str, set[str]] = {}
    for row in rows:
        for side in ("Primary", "Secondary"):
            if row[f"{side}Collaborator_PersonId"]:
                want.setdefault(row[f"{side}Collaborator_PersonId"], set()).add(row[f"{side}Collaborator_Organization"])
    assert all(len(orgs) == 1 for orgs in want.values())
    body = run.answers["viva"].json()
    assert body["dataset"]["people"] == len(want) == 4
    assert body["import_report"]["people"]["rows"] == len(want)
    got = run.rows("SELECT person_id, department FROM people WHERE ds = ? ORDER BY person_id", "viva")
    assert got == sorted((p, orgs.pop()) for p, orgs in want.items())


def _score(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@pytest.mark.parametrize(("name", "column", "score"), [
    ("viva", "Organization", "Strong_tie_score"),
    ("viva_level_diverse", "LevelDesignation", "Diverse_tie_score"),
])  # fmt: skip
def test_viva_group_column_and_tie_score(run: Run, name: str, column: str, score: str) -> None:
    rows = viva_rows()
    # truth: ties are the rows with both ids and a positive readable score
    kept = [r for r in rows if r["PrimaryCollaborator_PersonId"] and r["SecondaryCollaborator_PersonId"]
            and (_score(r[score]) or 0) > 0]  # fmt: skip
    ties = run.rows("SELECT count(*), sum(weight) FROM ties WHERE ds = ?", name)
    assert ties == [(len(kept), pytest.approx(sum(float(r[score]) for r in kept)))]
    groups = {r[f"{side}Collaborator_PersonId"]: r[f"{side}Collaborator_{column}"]
              for r in rows for side in ("Primary", "Secondary") if r[f"{side}Collaborator_PersonId"]}  # fmt: skip
    got = dict(run.rows("SELECT person_id, department FROM people WHERE ds = ?", name))
    assert got == groups
    assert run.answers[name].json()["import_report"]["sources"][0]["events_written"] == {"ties": len(kept)}


def test_trace_with_internal_domain_and_no_people_file(run: Run) -> None:
    # truth: the addresses of example.com among the messages' senders and recipients
    seen = {address(p) for _, _, sender, to, cc, bcc in EMAILS for p in [sender, *to, *cc, *bcc]}
    want = sorted(a for a in seen if a.endswith("@" + DOMAIN))
    assert len(want) == len(PEOPLE) and EXTERNAL in seen
    body = run.answers["trace_domain"].json()
    assert body["dataset"]["people"] == len(want)
    assert body["dataset"]["emails"] == len(EMAILS)
    got = run.rows("SELECT person_id, department FROM people WHERE ds = ? ORDER BY person_id", "trace_domain")
    assert got == [(a, DOMAIN) for a in want]


def test_since_until_drop_the_events_outside(run: Run) -> None:
    start, end = datetime(2024, 3, 5, tzinfo=UTC), datetime(2024, 3, 7, tzinfo=UTC)

    def inside(ts: str) -> bool:
        return start <= datetime.fromisoformat(ts.replace("Z", "+00:00")) < end

    kept = [m for m in EMAILS if inside(m[1])]
    # the V2 trace has one row per recipient: the rows of the messages outside are dropped
    dropped_rows = sum(len(to) + len(cc) + len(bcc) for _, ts, _, to, cc, bcc in EMAILS if not inside(ts))
    body = run.answers["trace_window"].json()
    assert 0 < len(kept) < len(EMAILS)
    assert body["dataset"]["emails"] == len(kept)
    assert body["import_report"]["totals"]["dropped"] == {"outside_window": dropped_rows}
    assert body["import_report"]["options"]["since"] == "2024-03-05T00:00:00+00:00"
    got = run.rows("SELECT min(ts), max(ts), count(*) FROM emails WHERE ds = ?", "trace_window")
    (first, last, n), = got
    assert n == len(kept) and first >= start and last < end


def _tickets(run: Run, name: str, store: Path) -> list[tuple[Any, ...]]:
    return run.rows(
        "SELECT t.ticket_id, t.ts, coalesce(p.person_id, t.assignee_address), t.status FROM tickets t "
        "LEFT JOIN people p ON p.ds = t.ds AND p.pidx = t.assignee_idx WHERE t.ds = ? ORDER BY ALL", name, store,
    )  # fmt: skip


def test_jira_account_ids_through_the_people_file_as_ona_import(run: Run) -> None:
    body = run.answers["jira_accounts"].json()
    assert all("unknown_account" not in s["dropped"] for s in body["import_report"]["sources"])
    got = _tickets(run, "jira_accounts", run.store)
    assert got == _tickets(run, "cli", run.cli_store)
    people = "SELECT person_id, department, emails FROM people WHERE ds = ? ORDER BY person_id"
    assert run.rows(people, "jira_accounts") == run.rows(people, "cli", run.cli_store)
    # the account ids were resolved to the HR file's person_ids; the partner, not in it, keeps its address
    assert {a for _, _, a, _ in got} == {f"E-{p}" for p, _, _ in PEOPLE} | {tk.email(EXTERNAL)}


@pytest.mark.parametrize(("name", "field", "words"), [
    ("bad_tie_score", "tie_score", "'weak' (strong or diverse)"),
    ("since_after_until", "until", "since must be before until"),
    ("bad_since", "since", "'last week' is not an ISO 8601"),
    ("bad_domain", "internal_domain", "is not a mail domain"),
    ("no_people", "people", "this file is required"),
    ("option_without_kind", "since", "needs an export and its kind"),
    ("map_without_people", "map", "give the people file"),
])  # fmt: skip
def test_bad_options_are_422_naming_the_field(run: Run, name: str, field: str, words: str) -> None:
    body = assert_problem(run.answers[name], 422)
    assert [e["field"] for e in body["errors"]] == [field]
    assert words in body["errors"][0]["message"]


def test_auto_without_people_is_the_import_error_and_nothing_bad_is_stored(run: Run) -> None:
    body = assert_problem(run.answers["auto_without_people"], 400)
    assert "needs people" in body["detail"]
    stored = {d["dataset_id"] for d in run.answers["listed"].json()["items"]}
    good = {"viva", "viva_level_diverse", "trace_domain", "trace_window", "jira_accounts"}
    assert stored == {run.dataset(n) for n in good}
