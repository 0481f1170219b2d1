"""result_frames / result.frames: every part of a result as a DataFrame with the declared columns.

The truth is the result's own models: each cell is checked against the
field it comes from, read here without the schema's code (split lists,
parsed JSON, picked keys by hand).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest
from pydantic import BaseModel

from ona.results import (
    AnalysisResult,
    CommunitySummary,
    FileReport,
    GroupMetrics,
    GroupService,
    GroupTrend,
    HandoffPair,
    KeyPersonRisk,
    LinkMetrics,
    LinkTrend,
    PersonMetrics,
    Recommendation,
    Reject,
    TrendPeriod,
)
from ona.tables import TABLES, Frames, result_frames, viewer_result
from tests.tables.conftest import HYPERLINK

MODELS: dict[str, type[BaseModel]] = {
    "groups": GroupMetrics, "links": LinkMetrics, "people": PersonMetrics, "communities": CommunitySummary,
    "handoffs": HandoffPair, "handoff_groups": GroupService, "recommendations": Recommendation,
    "key_people": KeyPersonRisk, "validation": FileReport, "rejected": Reject,
}  # fmt: skip


def same(a: Any, b: Any) -> bool:
    """Equal, missing meaning None / NaN / NA alike."""
    if a is None or (not isinstance(a, str) and pd.isna(a)):
        return b is None or (not isinstance(b, str) and bool(pd.isna(b)))
    if isinstance(a, float) or isinstance(b, float):
        return b is not None and not pd.isna(b) and math.isclose(a, b, rel_tol=0, abs_tol=0)
    return bool(a == b)


def split(cell: Any, sep: str = "; ") -> list[str]:
    return [] if cell is None or (not isinstance(cell, str) and pd.isna(cell)) else cell.split(sep)


def names_in(frames: Frames) -> set[str]:
    """Every name a table cell holds: text cells, list items, and the keys and strings of JSON cells."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            found.update(map(str, v))
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            found.add(v)

    for name, df in frames.as_dict().items():
        for c in TABLES[name]:
            for cell in df[c.name].dropna():
                if c.kind == "str":
                    found.add(cell)
                elif c.kind == "list":
                    found.update(split(cell))
                elif c.kind == "json":
                    walk(json.loads(cell))
    return found


@pytest.mark.parametrize("table", list(MODELS))
def test_every_field_of_a_row_model_has_a_column(table: str) -> None:
    sources = {c.field or c.name for c in TABLES[table]}
    assert set(MODELS[table].model_fields) <= sources


@pytest.mark.parametrize(("table", "model"), [("trends", GroupTrend), ("trend_links", LinkTrend),
                                              ("trend_periods", TrendPeriod)])  # fmt: skip
def test_every_trend_field_has_a_column(table: str, model: type[BaseModel]) -> None:
    names = {c.name for c in TABLES[table]} | {"label"}  # label is the period column
    assert set(model.model_fields) <= names


def test_column_names_are_unique_and_frames_have_every_table(result: AnalysisResult) -> None:
    frames = result_frames(result)
    assert list(frames.as_dict()) == list(TABLES)
    for name, df in frames.as_dict().items():
        names = [c.name for c in TABLES[name]]
        assert len(set(names)) == len(names), name
        assert list(df.columns) == names, name
        assert len(df) > 0, f"the fixture should fill every table; {name} is empty"


def test_groups_hold_the_result_values(result: AnalysisResult) -> None:
    df = result_frames(result).groups
    assert df["group"].tolist() == [g.group for g in result.groups]
    for g, (_, row) in zip(result.groups, df.iterrows(), strict=True):
        for name in ("headcount", "active", "internal_weight", "external_weight", "ei_index", "insularity",
                     "z", "p_value", "silo", "stability", "tentative", "external_top2_share"):  # fmt: skip
            assert same(getattr(g, name), row[name]), (g.group, name)
        assert json.loads(row["community_split"]) == g.community_split
        assert split(row["silo_reasons"], "\n") == g.silo_reasons
        assert split(row["supported_by"]) == g.supported_by
        low, high = g.ei_interval or (None, None)
        assert same(low, row["ei_interval_low"]) and same(high, row["ei_interval_high"])
        for ch in ("email", "meeting", "ticket", "chat", "ties"):
            assert same(g.holds_without.get(ch), row[f"holds_without_{ch}"])
    assert df["silo"].dtype == bool and df["headcount"].dtype == "int64"
    assert any(g.silo for g in result.groups), "the fixture should have a silo"


def test_links_hold_the_result_values(result: AnalysisResult) -> None:
    df = result_frames(result).links
    assert list(zip(df["source"], df["target"], strict=True)) == [(lk.source, lk.target) for lk in result.links]
    for lk, (_, row) in zip(result.links, df.iterrows(), strict=True):
        for name in ("weight", "ties", "expected", "ratio", "handoffs", "weak", "fragile", "explained_by", "judged"):
            assert same(getattr(lk, name), row[name]), name
        for ch, w in lk.channels.items():
            assert row[f"channel_{ch}"] == w
        assert split(row["carriers"]) == lk.carriers
        assert split(row["bridge_people"]) == lk.bridge_people
        assert [float(x) for x in split(row["bridge_shares"])] == lk.bridge_shares
        assert split(row["weak_reasons"], "\n") == lk.weak_reasons
        for flag in ("under_connected", "fragile", "dependency_without_relationship"):
            assert same(lk.flag_stability.get(flag), row[f"flag_stability_{flag}"])


def test_people_recommendations_and_key_people(result: AnalysisResult) -> None:
    f = result_frames(result)
    people = f.people.set_index("person_id")
    for p in result.people:
        row = people.loc[p.person_id]
        assert row["group"] == p.group and same(p.community, row["community"]) and same(p.constraint, row["constraint"])
        assert row["brokerage_liaison"] == p.brokerage.liaison and row["brokerage_gatekeeper"] == p.brokerage.gatekeeper
        assert split(row["depended_on_by"]) == p.depended_on_by
    for r, (_, row) in zip(result.recommendations, f.recommendations.iterrows(), strict=True):
        assert (row["priority"], row["kind"], row["reason"]) == (r.priority, r.kind, r.reason)
        assert split(row["person_ids"]) == r.person_ids and json.loads(row["pairs"]) == r.pairs
        assert json.loads(row["figures"]) == r.figures and row["people"] == len(set(r.person_ids))
    for k, (_, row) in zip(result.key_people, f.key_people.iterrows(), strict=True):
        assert (row["rank"], row["person_id"], row["weight_lost"]) == (k.rank, k.person_id, k.weight_lost)
        assert json.loads(row["pairs"]) == [p.model_dump() for p in k.pairs]


def test_handoffs_communities_and_validation(result: AnalysisResult) -> None:
    f = result_frames(result)
    assert result.handoffs is not None
    got = {(r.from_group, r.to_group): (r.handoffs, r.bounces) for r in f.handoffs.itertuples()}
    assert got == {(p.from_group, p.to_group): (p.handoffs, p.bounces) for p in result.handoffs.pairs}
    assert f.handoff_groups["received"].sum() == sum(g.received for g in result.handoffs.groups)
    for c, (_, row) in zip(result.communities, f.communities.iterrows(), strict=True):
        assert row["community"] == c.community and json.loads(row["groups"]) == c.groups
    assert f.validation.set_index("file")["rejected"].to_dict() == {
        name: fr.rejected for name, fr in result.validation.files.items()}  # fmt: skip
    assert f.rejected[["file", "line", "reason"]].values.tolist() == [
        [r.file, r.line, r.reason] for r in result.validation.rejected]  # fmt: skip


def test_trends_are_one_row_per_group_and_period(result: AnalysisResult) -> None:
    t = result.trends
    assert t is not None
    f = result_frames(result)
    labels = [p.label for p in t.periods]
    assert len(f.trends) == len(t.groups) * len(labels)
    for g in t.groups:
        rows = f.trends[f.trends["group"] == g.group]
        assert rows["period"].tolist() == labels
        assert rows["internal_weight"].tolist() == g.internal_weight and rows["active"].tolist() == g.active
    for lk in t.links:
        rows = f.trend_links[(f.trend_links["source"] == lk.source) & (f.trend_links["target"] == lk.target)]
        assert rows["weight"].tolist() == lk.weight and rows["weak"].tolist() == lk.weak
    assert [ts.to_pydatetime() for ts in f.trend_periods["start"]] == [p.start for p in t.periods]
    assert str(f.trend_periods["start"].dtype).endswith("UTC]")


def test_the_frames_property_is_result_frames(result: AnalysisResult) -> None:
    a, b = result.frames, result_frames(result)
    assert isinstance(a, Frames)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_importing_results_does_not_import_pandas() -> None:
    code = "import sys, ona.results; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_viewers_frames_hold_the_viewers_result(result: AnalysisResult, viewer: AnalysisResult) -> None:
    f = viewer.frames
    assert f.people.empty and f.key_people.empty
    assert list(f.people.columns) == [c.name for c in TABLES["people"]]
    assert f.groups["group"].tolist() == [g.group for g in viewer.groups]
    # groups under K are pooled: their names are in no table
    small = {g.group for g in result.groups if g.headcount < 5}
    assert small and "@Legal" in small
    assert not small & names_in(f), "a group under K is named in a viewer's table"
    assert small & names_in(result.frames)  # the check can see them
    assert f.links["carriers"].isna().all() and f.links["bridge_people"].isna().all()
    assert f.recommendations["person_ids"].isna().all() and (f.recommendations["pairs"] == "[]").all()
    assert HYPERLINK in f.groups["group"].tolist()  # frames keep values as they are


def test_viewer_result_is_for_viewer_with_the_larger_k(result: AnalysisResult) -> None:
    assert viewer_result(result).privacy.min_group_size == result.parameters.min_group_size
    eight = viewer_result(result, 8)
    assert eight.privacy.min_group_size == 8
    assert all(g.headcount >= 8 or g.group.startswith("other") for g in eight.groups)
    assert viewer_result(eight) is eight  # already a viewer's: kept as it is
    with pytest.raises(ValueError, match="needs the full result"):
        viewer_result(eight, 10)


def test_a_result_without_trends_or_handoffs_has_empty_tables_with_the_columns(result: AnalysisResult) -> None:
    bare = result.model_copy(update={"trends": None, "handoffs": None})
    f = bare.frames
    for name in ("trends", "trend_links", "trend_periods", "handoffs", "handoff_groups"):
        df = getattr(f, name)
        assert df.empty and list(df.columns) == [c.name for c in TABLES[name]]
        assert [str(t) for t in df.dtypes] == [c.dtype for c in TABLES[name]]
