"""The committed sample organization: the generator's manifest is an independent truth.

``ona synth`` plants bad rows and a duplicated message at known lines and
counts its external parties; the reader must find exactly those.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.io import read_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
pytestmark = pytest.mark.skipif(not (SAMPLE / "manifest.json").exists(), reason="no sample_data manifest")


def test_planted_rows_found_at_their_lines() -> None:
    manifest = json.loads((SAMPLE / "manifest.json").read_text())
    ds = read_dataset(SAMPLE)
    rejected = {(r.file, r.line) for r in ds.report.rejected}
    assert rejected == {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    duplicates = {f: rep.duplicates for f, rep in ds.report.files.items() if rep.duplicates}
    planted: dict[str, int] = {}
    for d in manifest.get("duplicate_rows", []):
        planted[d["file"]] = planted.get(d["file"], 0) + 1
    assert duplicates == planted
    counts = manifest["counts"]
    assert ds.report.files["people.csv"].accepted == counts["people"]
    assert ds.report.files["emails.csv"].rows_read == counts["emails"]
    assert ds.report.files["meetings.csv"].rows_read == counts["meetings"]
    assert ds.report.files["tickets.csv"].rows_read == counts["ticket_rows"]
    assert ds.report.external["addresses"] == counts["external_addresses"]
