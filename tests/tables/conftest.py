"""Fixtures of the table tests: a result whose department names are spreadsheet formulas.

The 60-person synthetic organization of the API tests (seed 11: four
tables, a few bad rows, small departments), with its departments renamed:
the largest is ``=HYPERLINK("http://x","y")``, others start with ``+``,
``-`` and ``@``. Analyzed by month, so every table has rows (trends,
handoffs, recommendations, key people, validation and rejected rows).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ona.analysis.pipeline import analyze
from ona.params import AnalysisParams
from ona.privacy import for_viewer
from ona.results import AnalysisResult

HYPERLINK = '=HYPERLINK("http://x","y")'
#: New names of the departments, largest first; the others keep theirs.
HOSTILE = (HYPERLINK, "+Sales", "-Ops", "@Legal")


@pytest.fixture(scope="session")
def hostile_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("hostile")
    synthesize(folder, people=60, seed=11, bad_rows=True)
    people = pd.read_csv(folder / "people.csv", dtype=str, keep_default_na=False)
    largest = people["department"].value_counts().index[: len(HOSTILE)]
    people["department"] = people["department"].replace(dict(zip(largest, HOSTILE, strict=True)))
    people.to_csv(folder / "people.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def result(hostile_org: Path) -> AnalysisResult:
    return analyze(hostile_org, AnalysisParams(permutations=100, period="month", seed=3))


@pytest.fixture(scope="session")
def viewer(result: AnalysisResult) -> AnalysisResult:
    return for_viewer(result)


@pytest.fixture(scope="session")
def result_file(result: AnalysisResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("result") / "result.json"
    path.write_text(result.to_json(), encoding="utf-8")
    return path
