"""Key-person risk: removing a person and what the group pairs lose."""

from __future__ import annotations

import networkx as nx
import pytest

from ona.analysis.keyperson import key_person_risk
from ona.analysis.people import person_metrics
from ona.results import KeyPersonRisk
from ona.errors import ParameterError
from ona.params import AnalysisParams
from tests.orgs import bridges


def test_removing_the_single_bridge_leaves_no_path() -> None:
    g, partition = bridges()
    (risk,) = key_person_risk(g, partition, people=["a3"])
    pairs = {(p.source, p.target): p for p in risk.pairs}
    ac = pairs[("A", "C")]
    assert ac.no_tie and ac.no_path and ac.share_lost == 1.0
    assert (ac.carriers_before, ac.carriers_after) == (2, 0)
    # B and D reached C only through A's tie to C: no path either, though a3 holds none of their weight
    for key in (("B", "C"), ("C", "D")):
        assert pairs[key].no_path and not pairs[key].no_tie and pairs[key].weight_lost == 0.0
    assert (risk.pairs_no_path, risk.pairs_no_tie) == (3, 1)
    # the 6 people of C lose every path to the 21 other people of A, B and D
    assert risk.reachable_pairs_lost == 6 * 21
    assert risk.cross_weight_share == pytest.approx(10.0 / 28.0)  # a3-c0 of 12 + 10 + 3 + 3


def test_reachability_against_networkx() -> None:
    g, partition = bridges()
    G = nx.Graph(g.graph.get_edgelist())
    for risk in key_person_risk(g, partition, top=6):
        x = g.index[risk.person_id]
        H = G.copy()
        H.remove_node(x)
        # pairs of people other than x joined by a path, with x and without
        before = sum(len(c - {x}) * (len(c - {x}) - 1) // 2 for c in nx.connected_components(G))
        after = sum(len(c) * (len(c) - 1) // 2 for c in nx.connected_components(H))
        assert risk.reachable_pairs_lost == before - after


def test_top_brokers_ranked_by_impact() -> None:
    g, partition = bridges()
    people = person_metrics(g, partition, params=AnalysisParams())
    between = {p.person_id: p.betweenness for p in people}
    risks = key_person_risk(g, partition, top=4, betweenness=between)
    assert [r.rank for r in risks] == [1, 2, 3, 4]
    assert {r.person_id for r in risks[:2]} == {"a3", "c0"}  # each alone holds A-C
    assert risks[0].pairs_no_path == 3
    # a1 leaves A-B resting on a0 and b0 only: a single carrier on each side
    a1 = next(r for r in risks if r.person_id == "a1")
    ab = next(p for p in a1.pairs if (p.source, p.target) == ("A", "B"))
    assert ab.single_carrier and not ab.no_tie and (ab.carriers_before, ab.carriers_after) == (4, 2)
    assert ab.share_lost == pytest.approx(8.0 / 12.0)
    for r in risks:
        KeyPersonRisk.model_validate_json(r.model_dump_json())
        assert r.person_id not in r.reason


def test_unknown_person_is_refused() -> None:
    g, partition = bridges()
    with pytest.raises(ParameterError):
        key_person_risk(g, partition, people=["nobody"])
