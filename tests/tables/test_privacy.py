"""`ona tables --viewer` and the API's CSV hold to the viewer rule (tests/privacy/checks.py).

On the two fixed organizations of :mod:`tests.privacy.orgs` (a group under K
left out; two pooled), each with a link carried by fewer than K people: the
viewer's tables name no group under K, and no number in them, nor the sum or
difference of two, equals a figure about fewer than K people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from ona.cli import app
from ona.privacy import for_viewer
from ona.tables import TABLES
from tests.privacy.checks import check_arithmetic, check_names
from tests.privacy.orgs import LEFT_OUT, POOLED, Org, analysed

ORGS = pytest.mark.parametrize("org", [LEFT_OUT, POOLED], ids=["left_out", "pooled"])


def plain(v: Any) -> Any:
    """A cell as JSON would hold it: numpy scalars as Python ones, NaN as None."""
    v = v.item() if hasattr(v, "item") else v
    return None if isinstance(v, float) and v != v else v


def records(folder: Path) -> tuple[dict[str, Any], str]:
    """The CSV tables of ``folder`` as JSON-like records (NaN as null), and their whole text."""
    doc: dict[str, Any] = {}
    text = ""
    for name in TABLES:
        path = folder / f"{name}.csv"
        text += path.read_text(encoding="utf-8-sig")
        df = pd.read_csv(path, encoding="utf-8-sig")
        doc[name] = [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]
    # the trend tables where checks.py looks for a result's trends (the pool's own rows per period)
    doc["trends"] = {"groups": doc.pop("trends"), "links": doc.pop("trend_links"), "periods": doc.pop("trend_periods")}
    return doc, text


@ORGS
def test_viewer_tables_hold_the_rule(tmp_path: Path, org: Org) -> None:
    full = analysed(org)
    result = tmp_path / "full.json"
    result.write_text(full.to_json(), encoding="utf-8")
    out = tmp_path / "viewer"
    res = CliRunner().invoke(app, ["tables", str(result), "--out", str(out), "--viewer", "-q",
                                   "--min-group-size", str(org.k)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc, text = records(out)
    assert doc["groups"], "the viewer sees groups"
    check_names(text, full, org.k)
    check_arithmetic(doc, full, org.k, label="ona tables --viewer", pool=for_viewer(full, org.k).privacy.pool)
    assert not doc["people"] and not doc["key_people"]


@ORGS
def test_the_full_tables_would_fail_the_rule(tmp_path: Path, org: Org) -> None:
    """The checks can fail: the analyst's tables name the groups under K and hold their figures."""
    full = analysed(org)
    result = tmp_path / "full.json"
    result.write_text(full.to_json(), encoding="utf-8")
    res = CliRunner().invoke(app, ["tables", str(result), "--out", str(tmp_path / "all"), "-q"])
    assert res.exit_code == 0, res.output
    doc, text = records(tmp_path / "all")
    with pytest.raises(AssertionError, match="hidden group"):
        check_names(text, full, org.k)
    with pytest.raises(AssertionError, match="analyst tables"):
        check_arithmetic(doc, full, org.k, label="analyst tables")

