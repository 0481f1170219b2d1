"""Tie lists: viva-p2p (both tie scores), gephi (spreadsheet CSVs, GEXF, GraphML) and ties.csv agree.

The fixtures (tests/io/imports/fixtures/tielists, see SOURCES.md) are one
4-person organization (Finance a1 a2, Sales b1 b2) whose ties are
a1-a2 3, a1-b1 1, b1-b2 2, a2-b2 1 (strong tie scores; Gephi weights).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import pytest

from ona.analysis.pipeline import analyze
from ona.errors import OnaError
from ona.io import read_dataset
from ona.io.imports import detect_kind, import_export
from ona.io.imports.base import ImportOptions
from ona.params import AnalysisParams
from ona.store import Store

FIX = Path(__file__).parent / "fixtures" / "tielists"
EXPECTED = {("a1", "a2"): 3.0, ("a1", "b1"): 1.0, ("b1", "b2"): 2.0, ("a2", "b2"): 1.0}
PARAMS = AnalysisParams(min_group_size=1, permutations=10)


def pair_weights(folder: Path) -> dict[tuple[str, str], float]:
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        t = store.pair_weights(info.dataset_id, AnalysisParams()).table.to_pydict()
    return {(a, b): w for a, b, w in zip(t["a"], t["b"], t["ties"])}


def test_viva_strong_score(tmp_path: Path) -> None:
    out = tmp_path / "viva"
    report = import_export("viva-p2p", [FIX / "viva_p2p.csv"], out)
    (src,) = report.sources
    assert src.records_read == 7 and src.events_written == {"ties": 4}
    assert src.dropped == {"no_tie": 1, "unparseable": 2}
    assert pair_weights(out) == {(a, b) if a < b else (b, a): w for (a, b), w in EXPECTED.items()}
    people = read_dataset(out).tables["people"].to_pydict()
    assert dict(zip(people["person_id"], people["department"])) == {
        "a1": "Finance", "a2": "Finance", "b1": "Sales", "b2": "Sales"}  # fmt: skip
    ds = read_dataset(out)
    assert ds.tables["ties"].column("channel").unique().to_pylist() == ["viva_strong_tie"]
    assert sorted({str(t.date()) for t in ds.tables["ties"].column("period_start").to_pylist()}) == [
        "2024-01-07", "2024-01-14"]  # fmt: skip


def test_viva_diverse_score_and_group_column(tmp_path: Path) -> None:
    out = tmp_path / "viva"
    opts = ImportOptions(tie_score="diverse", group_column="LevelDesignation")
    report = import_export("viva-p2p", [FIX / "viva_p2p.csv"], out, opts)
    # diverse scores: 0 (a1-a2: no tie), 2, 1, 1.5, 0 (no tie), a row without id, 1 (b1-a1)
    assert report.sources[0].dropped == {"no_tie": 2, "unparseable": 1}
    assert pair_weights(out) == {("a1", "b1"): 3.0, ("b1", "b2"): 1.0, ("a2", "b2"): 1.5}
    people = read_dataset(out).tables["people"].to_pydict()
    # each person's latest MetricDate row: a1 Junior, a2 Senior, b1 Senior, b2 Junior
    assert dict(zip(people["person_id"], people["department"])) == {
        "a1": "Junior", "a2": "Senior", "b1": "Senior", "b2": "Junior"}  # fmt: skip


def test_gephi_directed_edge_list(tmp_path: Path) -> None:
    out = tmp_path / "gephi"
    report = import_export("gephi", [FIX / "nodes.csv", FIX / "edges.csv"], out)
    edges = next(s for s in report.sources if s.source == "edges.csv")
    assert edges.events_written == {"ties": 4} and edges.dropped == {"no_tie": 1}
    ds = read_dataset(out)
    assert ds.tables["ties"].column("directed").to_pylist() == [True, True, False, True]
    assert pair_weights(out) == {(a, b) if a < b else (b, a): w for (a, b), w in EXPECTED.items()}


@pytest.mark.parametrize("suffix", [".gexf", ".graphml"])
def test_gephi_graph_files(tmp_path: Path, suffix: str) -> None:
    g = nx.DiGraph()
    for pid, dept in (("a1", "Finance"), ("a2", "Finance"), ("b1", "Sales"), ("b2", "Sales")):
        g.add_node(pid, team=dept)
    for (a, b), w in EXPECTED.items():
        g.add_edge(a, b, weight=w)
    path = tmp_path / f"org{suffix}"
    (nx.write_gexf if suffix == ".gexf" else nx.write_graphml)(g, path)
    out = tmp_path / "out"
    import_export("gephi", [path], out, ImportOptions(group_column="team"))
    assert pair_weights(out) == {(a, b) if a < b else (b, a): w for (a, b), w in EXPECTED.items()}


def test_same_ties_give_the_same_groups_and_links(tmp_path: Path) -> None:
    viva, gephi, plain = tmp_path / "viva", tmp_path / "gephi", tmp_path / "plain"
    import_export("viva-p2p", [FIX / "viva_p2p.csv"], viva)
    import_export("gephi", [FIX / "nodes.csv", FIX / "edges.csv"], gephi)
    plain.mkdir()
    (plain / "people.csv").write_text("person_id,department\na1,Finance\na2,Finance\nb1,Sales\nb2,Sales\n")
    (plain / "ties.csv").write_text("source,target,weight\n" + "".join(f"{a},{b},{w}\n" for (a, b), w in EXPECTED.items()))
    results = [analyze(f, PARAMS) for f in (viva, gephi, plain)]
    keys = ("group", "headcount", "internal_weight", "external_weight", "ei_index", "silo")
    groups = [[{k: getattr(g, k) for k in keys} for g in r.groups] for r in results]
    links = [[(lk.source, lk.target, lk.weight, lk.ties, lk.carriers) for lk in r.links] for r in results]
    assert groups[0] == groups[1] == groups[2]
    assert links[0] == links[1] == links[2] == [("Finance", "Sales", 2.0, 2, ["a1", "a2", "b1", "b2"])]


def test_auto_recognizes_tie_lists() -> None:
    assert detect_kind([FIX / "viva_p2p.csv"]) == "viva-p2p"
    assert detect_kind([FIX / "nodes.csv", FIX / "edges.csv"]) == "gephi"


def test_gephi_without_a_department(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("Id,Label,level\na1,Ann,Junior\n")
    with pytest.raises(OnaError, match="--group-column"):
        import_export("gephi", [nodes, FIX / "edges.csv"], tmp_path / "out")


def test_import_people_with_a_map(tmp_path: Path) -> None:
    from ona.io.columns import write_mapped_people

    hr = tmp_path / "hr.csv"
    hr.write_text("Employee ID,Org Unit\na1,Finance\na2,Finance\nb1,Sales\nb2,Sales\n")
    mapped = write_mapped_people(hr, {"person_id": "Employee ID", "department": "Org Unit"}, tmp_path)
    out = tmp_path / "out"
    import_export("gephi", [FIX / "edges.csv"], out, people=mapped)
    assert pair_weights(out)[("a1", "a2")] == 3.0
    shutil.rmtree(out)
