"""Person metrics against networkx (the independent oracle) and by hand."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from ona.analysis.burt import constraint, effective_size
from ona.analysis.people import betweenness, person_metrics, roles
from ona.graph.model import Partition
from ona.params import AnalysisParams
from tests.analysis.graphs_people import graph_from_edges, random_org, to_networkx

PARAMS = AnalysisParams()


def _nx_betweenness_of_active(G: nx.Graph) -> dict[str, float]:
    """networkx on the graph of active people (n = active people, by design)."""
    active = G.subgraph([x for x in G if G.degree(x) > 0])
    return nx.betweenness_centrality(active, weight="distance", normalized=True)


@pytest.mark.parametrize("seed", range(8))
def test_exact_betweenness_matches_networkx(seed: int) -> None:
    g, _ = random_org(30, 0.12 + 0.03 * seed, seed, isolates=seed % 3)
    G = to_networkx(g)
    expected = _nx_betweenness_of_active(G)
    result = betweenness(g, exact_limit=1000, samples=10, seed=0)
    assert result.exact and result.method.startswith("exact")
    for i, pid in enumerate(g.ids):
        assert result.values[i] == pytest.approx(expected.get(pid, 0.0), abs=1e-9), pid
    assert result.values.min() >= 0 and result.values.max() <= 1


def test_betweenness_uses_inverse_weight_as_length() -> None:
    # a-b-c with strong ties (length 1/10 each) beats the weak direct tie a-c (length 1)
    g = graph_from_edges([("a", "b", 10.0), ("b", "c", 10.0), ("a", "c", 1.0)], ["a", "b", "c"])
    result = betweenness(g, exact_limit=10, samples=10, seed=0)
    # n = 3 active: one pair {a, c} without b, all through b -> 1.0
    assert result.values.tolist() == pytest.approx([0.0, 1.0, 0.0])


@pytest.fixture(scope="module")
def mid_graph() -> tuple:
    g, part = random_org(300, 0.03, 11, groups=5, isolates=4)
    exact = betweenness(g, exact_limit=10_000, samples=10, seed=0)
    return g, part, exact


def test_sampled_betweenness_close_to_exact(mid_graph: tuple) -> None:
    g, _, exact = mid_graph
    sampled = betweenness(g, exact_limit=50, samples=120, seed=5, max_samples=120)  # a fixed number
    assert not sampled.exact and sampled.sources == 120
    assert sampled.method.startswith(f"sampled (120 of {exact.active} sources")
    assert "standard error" in sampled.method
    assert sampled.standard_error is not None and sampled.max_standard_error is not None
    err = np.abs(sampled.values - exact.values)
    se = sampled.standard_error
    # the stated error is honest on the whole (errors of source sampling are
    # skewed: a person whose betweenness rests on a few unsampled sources can
    # be off by more than 4 of its estimated standard errors)
    assert np.sqrt(np.mean(err**2)) <= 2 * np.sqrt(np.mean(se**2))
    assert np.mean(err <= 4 * se + 1e-4) > 0.9
    assert sampled.max_standard_error < 0.05 and err.max() < 0.05
    assert np.corrcoef(sampled.values, exact.values)[0, 1] > 0.95
    top_exact = set(np.argsort(-exact.values)[:10].tolist())
    top_sampled = set(np.argsort(-sampled.values)[:10].tolist())
    assert len(top_exact & top_sampled) >= 6


def test_sampled_betweenness_is_seeded(mid_graph: tuple) -> None:
    g, _, _ = mid_graph
    one = betweenness(g, exact_limit=50, samples=60, seed=3)
    two = betweenness(g, exact_limit=50, samples=60, seed=3)
    other = betweenness(g, exact_limit=50, samples=60, seed=4)
    assert np.array_equal(one.values, two.values) and one.method == two.method
    assert not np.array_equal(one.values, other.values)


def test_enough_samples_means_exact(mid_graph: tuple) -> None:
    g, _, exact = mid_graph
    result = betweenness(g, exact_limit=50, samples=exact.active, seed=1)
    assert result.exact
    np.testing.assert_allclose(result.values, exact.values)


@pytest.mark.parametrize("seed", range(6))
def test_burt_measures_match_networkx(seed: int) -> None:
    g, _ = random_org(25, 0.15 + 0.05 * seed, seed, isolates=1)
    G = to_networkx(g)
    c_nx = nx.constraint(G, weight="weight")
    # nodes=list(G): networkx's per-node definition. Its all-nodes sparse path
    # divides by the wrong axis's maximum on weighted graphs (networkx PR #8906).
    e_nx = nx.effective_size(G, nodes=list(G), weight="weight")
    c, e = constraint(g), effective_size(g)
    for i, pid in enumerate(g.ids):
        if math.isnan(c_nx[pid]):
            assert math.isnan(c[i]) and math.isnan(e[i])
        else:
            assert c[i] == pytest.approx(c_nx[pid], rel=1e-9)
            assert e[i] == pytest.approx(e_nx[pid], rel=1e-9)


def test_burt_measures_in_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # the compiled pass cut into many row blocks gives the same answer
    g, _ = random_org(40, 0.3, 7)
    whole = effective_size(g), constraint(g)
    monkeypatch.setattr("ona.analysis.ego.BLOCKS_PER_THREAD", 1000)
    np.testing.assert_allclose(effective_size(g), whole[0], rtol=1e-12)
    np.testing.assert_allclose(constraint(g), whole[1], rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_person_metrics_match_networkx(seed: int) -> None:
    g, part = random_org(30, 0.08 + 0.02 * seed, seed, groups=3, isolates=2, shuffle_ids=True)
    G = to_networkx(g, part)
    members = np.arange(g.n) % 4
    people = person_metrics(g, part, params=PARAMS, communities=members)
    assert [p.person_id for p in people] == sorted(g.ids)
    by_id = {p.person_id: p for p in people}
    cut_vertices = set(nx.articulation_points(G))
    bridges = list(nx.bridges(G))
    between = _nx_betweenness_of_active(G)
    for i, pid in enumerate(g.ids):
        p = by_id[pid]
        assert p.group == G.nodes[pid]["group"]
        assert p.community == int(members[i])
        assert p.degree == G.degree(pid)
        assert p.strength == pytest.approx(G.degree(pid, weight="weight"))
        assert p.articulation_point == (pid in cut_vertices)
        assert p.bridge_edges == sum(pid in e for e in bridges)
        assert p.betweenness == pytest.approx(between.get(pid, 0.0), abs=1e-9)
        if G.degree(pid) == 0:
            assert not p.active and p.role == "inactive"
            assert p.external_share is None and p.constraint is None and p.effective_size is None
            assert p.brokerage.model_dump() == dict.fromkeys(p.brokerage.model_dump(), 0)
        else:
            outside = sum(d["weight"] for _, x, d in G.edges(pid, data=True) if G.nodes[x]["group"] != p.group)
            assert p.external_share == pytest.approx(outside / G.degree(pid, weight="weight"))
            assert p.constraint == pytest.approx(nx.constraint(G, [pid], weight="weight")[pid])
            assert p.depended_on_by == []


def test_roles_and_nulls_by_hand() -> None:
    # sales: ann, bob; ops: cat, dan, eve (eve has no tie)
    # ann-bob 3, bob-cat 1, cat-dan 2, ann-dan 0.5
    g = graph_from_edges(
        [("ann", "bob", 3.0), ("bob", "cat", 1.0), ("cat", "dan", 2.0), ("ann", "dan", 0.5)],
        ["ann", "bob", "cat", "dan", "eve"],
    )
    part = Partition.from_labels(["sales", "sales", "ops", "ops", "ops"])
    people = {p.person_id: p for p in person_metrics(g, part, params=PARAMS)}
    # ann: 0.5 of 3.5 outside = 0.1429 -> resident; bob: 1 of 4 = 0.25 -> linker
    # cat: 1 of 3 -> linker; dan: 0.5 of 2.5 = 0.2 -> resident
    assert people["ann"].external_share == pytest.approx(0.5 / 3.5)
    assert [people[x].role for x in ("ann", "bob", "cat", "dan", "eve")] == [
        "resident", "linker", "linker", "resident", "inactive"
    ]  # fmt: skip
    assert people["eve"].community is None and people["eve"].betweenness == 0.0
    assert people["eve"].external_share is None and people["eve"].constraint is None
    # a 4-cycle has neither cut vertices nor bridges
    assert not any(p.articulation_point or p.bridge_edges for p in people.values())
    assert all(p.model_dump_json() for p in people.values())


def test_role_thresholds() -> None:
    shares = np.array([0.0, 0.2499, 0.25, 0.6, 0.6001, 1.0, np.nan])
    defaults = AnalysisParams()
    got = roles(shares, resident_below=defaults.resident_below, wanderer_above=defaults.wanderer_above)
    assert got.tolist() == ["resident", "resident", "linker", "linker", "wanderer", "wanderer", "inactive"]


def test_role_thresholds_are_parameters() -> None:
    """resident_below and wanderer_above move people between roles; the defaults are 0.25 and 0.6."""
    # external shares: ann 0.5/3.5 = 0.143, bob 1/4 = 0.25, cat 1/3, dan 0.5/2.5 = 0.2; eve inactive
    g = graph_from_edges(
        [("ann", "bob", 3.0), ("bob", "cat", 1.0), ("cat", "dan", 2.0), ("ann", "dan", 0.5)],
        ["ann", "bob", "cat", "dan", "eve"],
    )
    part = Partition.from_labels(["sales", "sales", "ops", "ops", "ops"])

    def role_of(**changes: float) -> list[str]:
        people = {p.person_id: p for p in person_metrics(g, part, params=AnalysisParams(**changes))}
        return [people[x].role for x in ("ann", "bob", "cat", "dan", "eve")]

    assert (AnalysisParams().resident_below, AnalysisParams().wanderer_above) == (0.25, 0.6)
    assert role_of() == role_of(resident_below=0.25, wanderer_above=0.6) == [
        "resident", "linker", "linker", "resident", "inactive"
    ]  # fmt: skip
    # a lower resident bar: fewer residents; a higher one: more
    assert role_of(resident_below=0.1) == ["linker", "linker", "linker", "linker", "inactive"]
    assert role_of(resident_below=0.3) == ["resident", "resident", "linker", "resident", "inactive"]
    # a lower wanderer bar: more wanderers (cat, 1/3 outside, now works mostly for others)
    assert role_of(wanderer_above=0.3) == ["resident", "linker", "wanderer", "resident", "inactive"]
    assert role_of(resident_below=0.0, wanderer_above=0.0) == ["wanderer"] * 4 + ["inactive"]
    with pytest.raises(ValueError, match="resident_below"):
        AnalysisParams(resident_below=0.7)


def test_given_betweenness_is_reused(mid_graph: tuple) -> None:
    g, part, exact = mid_graph
    fake = type(exact)(np.full(g.n, 0.5), "given", True, exact.active, exact.active)
    people = person_metrics(g, part, params=PARAMS, betweenness_result=fake)
    assert {p.betweenness for p in people} == {0.5}


def test_graph_without_ties() -> None:
    g = graph_from_edges([], ["a", "b", "c"])
    people = person_metrics(g, Partition.from_labels(["x", "x", "y"]), params=PARAMS)
    assert [p.role for p in people] == ["inactive"] * 3
    assert all(p.betweenness == 0.0 and p.bridge_edges == 0 for p in people)
