"""The report and ``ona analyze --viewer`` hold to the rule (the API's routes: tests/api/test_privacy.py).

Each face is checked with :mod:`tests.privacy.checks` on the two fixed
organizations of :mod:`tests.privacy.orgs` (a group under K left out, and
two pooled), each with a link carried by fewer than K people: the whole
viewer result (identities, rules, arithmetic), and everything else the
face sends (route answers, Plotly figures, the report's embedded data and
text) for names and arithmetic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ona.privacy import for_viewer
from ona.report import render_report
from tests.privacy.checks import check_arithmetic, check_names, check_viewer
from tests.privacy.orgs import LEFT_OUT, POOLED, SPLIT, Org, analysed, write_csv

ORGS = pytest.mark.parametrize("org", [LEFT_OUT, POOLED], ids=["left_out", "pooled"])


def embedded(html: str) -> list[Any]:
    """The JSON documents a report or page embeds in ``<script>`` elements."""
    out = []
    for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.DOTALL):
        out.append(json.loads(body))
    return out


@ORGS
def test_report_data(org: Org) -> None:
    """The viewer's report: the result it renders, its embedded figures and its text."""
    full = analysed(org)
    viewer = for_viewer(full)
    check_viewer(viewer.model_dump(mode="json"), full, org.k, label="report result")
    html = render_report(viewer, viewer.layout)
    data = embedded(html)
    assert data, "the report embeds its figures"
    check_names(html, full, org.k)
    check_arithmetic(data, full, org.k, label="report figures")


@ORGS
def test_cli_analyze_viewer(tmp_path: Path, org: Org) -> None:
    from typer.testing import CliRunner

    from ona.cli import app

    out = tmp_path / "viewer.json"
    res = CliRunner().invoke(app, [
        "analyze", str(write_csv(org, tmp_path / "org")), "--out", str(out), "--viewer", "-q",
        "--permutations", "10", "--min-group-size", str(org.k), "--period", "week", "--split", SPLIT.isoformat(),
        "--key-people", "2",
    ])
    assert res.exit_code == 0, res.output
    check_viewer(json.loads(out.read_text(encoding="utf-8")), analysed(org), org.k, label="ona analyze --viewer")
