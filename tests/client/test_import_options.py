"""Client.upload_dataset with an export and `ona import`'s options, against a real `ona serve`.

Truths: the fixtures' own rows (the Viva CSV read with the csv module, the
small organization's messages), and `ona import` run on the same Jira files
(its import report).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ona.cli import app
from ona.client import InvalidInput
from tests.client.conftest import Served
from tests.io.imports import ticketfiles as tk
from tests.io.imports import tracefiles as tf
from tests.io.imports.smallorg import DOMAIN, EMAILS, PEOPLE, address
from tests.io.imports.test_account_map import hr_file

VIVA = Path(__file__).resolve().parents[1] / "io" / "imports" / "fixtures" / "tielists" / "viva_p2p.csv"


def test_viva_p2p_needs_no_people_file(served: Served) -> None:
    with VIVA.open(newline="", encoding="utf-8") as f:
        sides = ("PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId")
        ids = {r[c] for r in csv.DictReader(f) for c in sides}
    ids.discard("")
    with served.client() as client:
        upload = client.upload_dataset(VIVA, kind="viva-p2p", tie_score="diverse")
    assert upload.dataset.people == len(ids) == 4
    assert upload.import_report is not None and upload.import_report.people is not None
    assert upload.import_report.people.rows == len(ids)
    assert upload.dataset.ties == 4  # diverse scores: rows 2, 3, 4 and 7 (1 and 5 score 0, 6 has no id)


def test_internal_domain_and_window(served: Served, tmp_path: Path) -> None:
    trace = tf.smallorg_v2(tmp_path / "trace.csv")
    start, end = datetime(2024, 3, 5), datetime(2024, 3, 7, tzinfo=UTC)  # a naive datetime is UTC
    kept = [m for m in EMAILS if start.replace(tzinfo=UTC) <= datetime.fromisoformat(m[1].replace("Z", "+00:00")) < end]
    # truth: the example.com addresses of the messages inside the window
    insiders = {address(p) for _, _, s, to, cc, bcc in kept for p in [s, *to, *cc, *bcc]}
    insiders = {a for a in insiders if a.endswith("@" + DOMAIN)}
    with served.client() as client:
        upload = client.upload_dataset(trace, kind="exchange-trace", internal_domains=[DOMAIN], since=start, until=end)
    assert 0 < len(kept) < len(EMAILS) and len(insiders) < len(PEOPLE)
    assert upload.dataset.emails == len(kept)
    assert upload.dataset.people == len(insiders)
    assert upload.import_report is not None and upload.import_report.options["internal_domains"] == [DOMAIN]


def test_jira_account_ids_as_ona_import(served: Served, tmp_path: Path) -> None:
    hr = hr_file(tmp_path / "hr.csv", tk.account_id)
    jira = tk.write_jira(tmp_path / "jira")
    mapping = {"person_id": "Employee ID", "department": "Org Unit", "jira_account_id": "Account"}
    args = ["import", "jira", *map(str, jira), "--out", str(tmp_path / "cli"), "--people", str(hr)]
    res = CliRunner().invoke(app, [*args, *(a for t, c in mapping.items() for a in ("--map", f"{t}={c}"))])
    assert res.exit_code == 0, res.output
    want = json.loads((tmp_path / "cli" / "import_report.json").read_text())["runs"][-1]
    with served.client() as client:
        upload = client.upload_dataset(tmp_path / "jira", kind="jira", people=hr, column_map=mapping)
    got = upload.import_report
    assert got is not None
    assert got.totals.model_dump()["events_written"] == want["totals"]["events_written"]
    assert got.totals.model_dump()["dropped"] == want["totals"]["dropped"]
    assert "unknown_account" not in got.totals.model_dump()["dropped"]
    assert upload.dataset.people == len(PEOPLE)


def test_bad_options(served: Served, tmp_path: Path) -> None:
    trace = tf.smallorg_v2(tmp_path / "trace.csv")
    with served.client() as client:
        with pytest.raises(InvalidInput) as bad:
            client.upload_dataset(VIVA, kind="viva-p2p", tie_score="weak")
        assert [e["field"] for e in bad.value.errors] == ["tie_score"]
        with pytest.raises(InvalidInput) as bad:
            client.upload_dataset(trace, kind="exchange-trace", internal_domains=[DOMAIN], since="2024-03-07",
                                  until="2024-03-05")  # fmt: skip
        assert [e["field"] for e in bad.value.errors] == ["until"] and "before until" in str(bad.value)
        with pytest.raises(InvalidInput) as bad:
            client.upload_dataset(trace, kind="exchange-trace")
        assert [e["field"] for e in bad.value.errors] == ["people"]
        with pytest.raises(ValueError, match="since: import options need an export"):
            client.upload_dataset(tmp_path, since="2024-03-05")  # a folder without kind: ona's own tables
