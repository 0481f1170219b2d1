"""`ona import`: the summary, one-line errors, auto, --help, and the folder ona analyze reads."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ona.cli import app
from tests.io.imports import tracefiles as tf
from tests.io.imports.smallorg import CANARY

runner = CliRunner(env={"COLUMNS": "200"})


def test_import_then_analyze(tmp_path: Path) -> None:
    trace = tf.smallorg_v2(tmp_path / "trace.csv", "utf-16le")
    gmail = tf.write_jsonl(tmp_path / "gmail.jsonl", tf.smallorg_gmail_events())
    out = tmp_path / "ds"
    res = runner.invoke(app, ["import", "exchange-trace", str(trace), "--out", str(out), "--internal-domain", "example.com"])
    assert res.exit_code == 0, res.output
    assert "trace.csv" in res.output and " 16 " in res.output and "8 emails" in res.output
    res = runner.invoke(app, ["import", "auto", str(gmail), "-o", str(out), "--since", "2024-03-06"])
    assert res.exit_code == 0, res.output
    assert "outside_window 11" in res.output
    res = runner.invoke(app, ["analyze", str(out), "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["summary"]["people"] == 8
    for path in out.iterdir():
        assert CANARY.encode() not in path.read_bytes()


def test_errors_are_one_line(tmp_path: Path) -> None:
    wrong = tmp_path / "people.csv"
    wrong.write_text("person_id,department\nana,Finance\n")
    res = runner.invoke(app, ["import", "exchange-trace", str(wrong), "--out", str(tmp_path / "ds"),
                              "--internal-domain", "example.com"])  # fmt: skip
    assert res.exit_code == 1
    assert "error:" in res.output and "people.csv" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "ds").exists()
    res = runner.invoke(app, ["import", "exchange-trace", str(tf.smallorg_v2(tmp_path / "t.csv")), "--out", str(tmp_path / "ds")])
    assert res.exit_code == 1 and "--internal-domain" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["import", "gmail", str(tmp_path / "t.csv"), "--out", str(tmp_path / "ds"),
                              "--internal-domain", "example.com", "--since", "last week"])  # fmt: skip
    assert res.exit_code == 2 and "--since" in res.output


def test_help_names_every_kind_and_its_origin() -> None:
    res = runner.invoke(app, ["import", "--help"], terminal_width=200)
    assert res.exit_code == 0
    for kind in ("exchange-trace", "gmail", "mbox", "maildir", "ics", "graph-events", "google-calendar", "slack", "teams"):
        assert kind in res.output
    assert "Get-MessageTraceV2" in res.output and "BigQuery" in res.output
