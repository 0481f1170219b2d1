"""The links' permutation test and the links a silo explains.

Oracles: a brute-force loop over the same shuffles, scipy's
Benjamini-Hochberg, and organizations with a planted answer
(tests/orgs.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import false_discovery_control

import ona
from ona.analysis.link_significance import link_test
from ona.analysis.links import link_metrics
from ona.analysis.significance import benjamini_hochberg, label_shuffles
from ona.params import AnalysisParams
from tests import orgs
from tests.analysis.graphs_groups import planted_blocks


def _brute_force(org, permutations: int, seed: int, statistic: str = "weight") -> tuple[np.ndarray, np.ndarray]:
    """z and p_raw of W_ab (or of the relationship: all but tickets) by a plain loop over shuffles and edges."""
    g, part = org.graph()
    k, membership = part.k, np.asarray(part.membership)
    u, v, w = g.edges()
    value = w if statistic == "weight" else w - g.edge_attr("ticket")
    edges = list(zip(u.tolist(), v.tolist(), value.tolist()))

    def pair_weights(labels: np.ndarray) -> np.ndarray:
        m = np.zeros((k, k))
        for a, b, w in edges:
            if w > 0 and labels[a] != labels[b]:
                m[labels[a], labels[b]] += w
                m[labels[b], labels[a]] += w
        return m

    observed = pair_weights(membership)
    rng = np.random.default_rng(seed)
    null = np.array([pair_weights(membership[rng.permutation(g.n)]) for _ in range(permutations)])
    sd = null.std(axis=0, ddof=1)
    z = (observed - null.mean(axis=0)) / np.where(sd > 0, sd, np.nan)
    p = (1 + (null <= observed + 1e-9).sum(axis=0)) / (permutations + 1)
    return z, p


def _with_tickets(org, seed: int):
    """The same org with a ticket part on a third of its ties (so the relationship differs from the weight)."""
    from tests.analysis.graphs_groups import Org, Tie

    rng = np.random.default_rng(seed)
    ties = []
    for t in org.ties:
        ticket = float(rng.integers(1, 4)) if rng.random() < 1 / 3 else 0.0
        ties.append(Tie(t.a, t.b, t.weight + ticket, email=t.email, ticket=ticket, handoffs=int(ticket)))
    return Org(org.people, org.groups, ties)


# sparse: the edge-by-edge path; dense (more edges than people x groups): the person-by-group path
@pytest.mark.parametrize(("groups", "size", "p_in", "p_out"), [(3, 5, 0.6, 0.15), (2, 6, 0.95, 0.6)])
def test_vectorized_null_equals_a_brute_force_loop(groups: int, size: int, p_in: float, p_out: float) -> None:
    org = _with_tickets(planted_blocks(groups, size, p_in=p_in, p_out=p_out, seed=4), seed=1)
    g, part = org.graph()
    assert (g.n * part.k < g.graph.ecount()) == (p_out > 0.5)  # each case takes the path it names
    test = link_test(g, part, params=AnalysisParams(permutations=200, seed=5))
    off = ~np.eye(groups, dtype=bool)
    for statistic, got in (("weight", test.weight), ("relationship", test.relationship)):
        z, p = _brute_force(org, 200, 5, statistic)
        np.testing.assert_allclose(got.z[off], z[off], rtol=0, atol=1e-9)
        np.testing.assert_allclose(got.p_raw[off], p[off], rtol=0, atol=1e-12)


def test_same_seed_same_shuffles_as_the_group_test() -> None:
    a = np.concatenate(list(label_shuffles(7, 10, seed=3, batch=3)))
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(a, np.stack([rng.permutation(7) for _ in range(10)]))
    g, part = planted_blocks(3, 4, p_in=0.7, p_out=0.2, seed=1).graph()
    x = link_test(g, part, params=AnalysisParams(permutations=50, seed=2))
    y = link_test(g, part, params=AnalysisParams(permutations=50, seed=2))
    np.testing.assert_array_equal(x.weight.p_raw, y.weight.p_raw)


def test_benjamini_hochberg_matches_scipy() -> None:
    p = np.random.default_rng(0).uniform(0, 0.2, 40)
    np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p, method="bh"), atol=1e-12)


def test_links_carry_bh_adjusted_p_values() -> None:
    g, part = planted_blocks(4, 6, p_in=0.6, p_out=0.1, seed=2).graph()
    params = AnalysisParams(permutations=100, seed=0, min_link_ties=0)
    test = link_test(g, part, params=params)
    links = link_metrics(g, part, params=params, test=test)
    index = {name: i for i, name in enumerate(part.names)}
    raw = np.array([test.weight.p_raw[index[lk.source], index[lk.target]] for lk in links])
    np.testing.assert_allclose([lk.p_value for lk in links], false_discovery_control(raw, method="bh"), atol=1e-12)
    assert all(lk.p_value < params.alpha for lk in links if lk.under_connected)


@pytest.fixture(scope="module")
def two_silos(tmp_path_factory: pytest.TempPathFactory) -> ona.AnalysisResult:
    return ona.analyze(orgs.two_silos(tmp_path_factory.mktemp("two_silos")), AnalysisParams(permutations=300))


def test_planted_silos_explain_their_links(two_silos: ona.AnalysisResult) -> None:
    silos = {g.group for g in two_silos.groups if g.silo}
    assert silos == {"Audit", "Board"}
    silo_links = [lk for lk in two_silos.links if {lk.source, lk.target} & silos]
    explained = [lk for lk in silo_links if lk.explained_by]
    assert explained  # the silos' links are under-connected, and the silos say why
    for lk in explained:
        assert lk.under_connected and not lk.weak
        assert lk.explained_by in {f"silo: {s}" for s in silos & {lk.source, lk.target}}
        assert lk.weak_reasons[-1].startswith("explained_by_silo:")
    assert not any(lk.weak and lk.under_connected for lk in silo_links)
    assert two_silos.summary.weak_links == sum(lk.weak for lk in two_silos.links)
    assert two_silos.summary.weak_links < len(silo_links)


def test_well_mixed_control_has_no_weak_link(tmp_path: Path) -> None:
    result = ona.analyze(orgs.well_mixed(tmp_path / "mixed"), AnalysisParams(permutations=300))
    assert result.summary.weak_links == 0
    assert not any(lk.under_connected or lk.dependency_without_relationship for lk in result.links)
    assert all(lk.z is not None and lk.p_value is not None for lk in result.links)


def test_never_fragile_between_two_groups_under_the_minimum_size() -> None:
    from tests.analysis.graphs_groups import org

    # A and B of 3 people each: one cross tie a1-b1 carries the whole link
    ties = [("a1", "a2", 5.0), ("a2", "a3", 5.0), ("b1", "b2", 5.0), ("b2", "b3", 5.0), ("a1", "b1", 4.0)]
    g, part = org({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}, ties).graph()
    (small,) = link_metrics(g, part, params=AnalysisParams(min_group_size=5, min_link_ties=0))
    (judged,) = link_metrics(g, part, params=AnalysisParams(min_group_size=3, min_link_ties=0))
    assert judged.fragile and not small.fragile
    assert not small.weak and not any(r.startswith("fragile:") for r in small.weak_reasons)


def test_the_narrative_counts_explained_links_under_their_silos(two_silos: ona.AnalysisResult) -> None:
    from ona.report.words import silo_sentences

    n = sum(lk.explained_by is not None for lk in two_silos.links)
    (sentence,) = [s for s in silo_sentences(two_silos) if "counted under the silo" in s]
    assert sentence.startswith(f"{n} link")
