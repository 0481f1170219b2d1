"""Links between groups by hand, against networkx and against brute-force fragility."""

from __future__ import annotations

import doctest
import random
from collections import defaultdict
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ona.analysis.links as links_module
from ona.analysis.links import link_metrics
from ona.params import AnalysisParams
from ona.results import LinkMetrics
from tests.analysis.graphs_groups import (
    Org,
    Tie,
    dependency_without_relationship,
    hand_example,
    org,
    single_bridge,
)
from tests.analysis.strategies import orgs

PARAMS = AnalysisParams()


def links_of(o: Org, params: AnalysisParams = PARAMS) -> list[LinkMetrics]:
    g, part = o.graph()
    return link_metrics(g, part, params=params)


def oracle(o: Org) -> dict[tuple[str, str], dict]:
    """Per pair of groups, from networkx's edges: weight, ties, expected, channels, handoffs,
    the a-b weight each person holds, and the a-b ties themselves."""
    G = o.to_networkx()
    group = {p: G.nodes[p]["group"] for p in G}
    names = sorted(set(group.values()))
    W = sum(w for _, _, w in G.edges(data="weight") if w > 0)
    vol: dict[str, float] = defaultdict(float)
    pairs: dict[tuple[str, str], dict] = {}
    blank = lambda: {"weight": 0.0, "ties": 0, "channels": defaultdict(float), "handoffs": 0,  # noqa: E731
                     "held": defaultdict(float), "edges": []}
    if len(names) <= 60:
        pairs = {(a, b): blank() for a, b in combinations(names, 2)}
    for x, y, d in G.edges(data=True):
        if d["weight"] > 0:
            vol[group[x]] += d["weight"]
            vol[group[y]] += d["weight"]
        if group[x] == group[y]:
            continue
        link = pairs.setdefault(tuple(sorted((group[x], group[y]))), blank())
        for c in ("email", "meeting", "ticket"):
            link["channels"][c] += d[c]
        link["handoffs"] += d["handoffs"]
        if d["weight"] > 0:
            link["weight"] += d["weight"]
            link["ties"] += 1
            link["held"][x] += d["weight"]
            link["held"][y] += d["weight"]
            link["edges"].append((x, y, d["weight"]))
    for (a, b), link in pairs.items():
        link["expected"] = vol[a] * vol[b] / (2 * W) if W > 0 else 0.0
        link["group"] = group
    return pairs


def fewest_cut(link: dict, params: AnalysisParams) -> int | None:
    """Brute force: the fewest carriers (up to fragile_carriers) cutting >= fragile_share."""
    need = params.fragile_share * link["weight"] * (1 - 1e-9)
    for size in range(1, params.fragile_carriers + 1):
        for chosen in combinations(link["held"], size):
            cut = sum(w for x, y, w in link["edges"] if x in chosen or y in chosen)
            if cut >= need and cut > 0:
                return size
    return None


def test_hand_example() -> None:
    # vol(Ops) = 11, vol(Fin) = 12, vol(Law) = 1, 2W = 24
    law_ops, fin_ops, fin_law = links_of(hand_example())
    # Fin-Ops: o1-f1 2 + o3-f1 1 = 3; expected 12 * 11 / 24 = 5.5
    assert (fin_ops.source, fin_ops.target, fin_ops.weight, fin_ops.ties) == ("Fin", "Ops", 3.0, 2)
    assert fin_ops.expected == pytest.approx(5.5) and fin_ops.ratio == pytest.approx(3 / 5.5)
    assert fin_ops.channels == {"email": 3.0, "meeting": 0.0, "ticket": 0.0}
    assert fin_ops.carriers == ["f1", "o1", "o3"]  # f1 holds 3, o1 2, o3 1
    assert (fin_ops.source_carriers, fin_ops.target_carriers) == (1, 2)
    assert fin_ops.bridge_people == ["f1", "o1", "o3"]
    assert fin_ops.bridge_shares == pytest.approx([1.0, 2 / 3, 1 / 3])
    assert fin_ops.fragile and not fin_ops.under_connected  # without f1 nothing is left
    assert fin_ops.weak_reasons == ["fragile: removing 1 person (f1) would cut 100% of the link's weight 3.0"]
    # Fin-Law: f2-l1 1, expected 12 * 1 / 24 = 0.5, ratio 2; f2 and l1 hold 1 each: id order
    assert (fin_law.ratio, fin_law.carriers, fin_law.bridge_shares) == (2.0, ["f2", "l1"], [1.0, 1.0])
    # Law-Ops: nothing, expected 1 * 11 / 24: ratio 0 < 0.25, under-connected, listed first
    assert (law_ops.weight, law_ops.ties, law_ops.ratio, law_ops.carriers) == (0.0, 0, 0.0, [])
    assert law_ops.expected == pytest.approx(11 / 24)
    assert law_ops.under_connected and not law_ops.fragile and law_ops.weak
    assert law_ops.weak_reasons == [
        "under_connected: weight 0.0 vs 0.5 expected from the groups' collaboration volumes"
        " (ratio 0.00, below 0.25)"
    ]


def test_under_connected_is_strictly_below_weak_ratio() -> None:
    # Fin-Ops: ratio = 3 / 5.5 exactly
    fin_ops = {(lk.source, lk.target): lk for lk in links_of(hand_example(), AnalysisParams(weak_ratio=3 / 5.5))}
    assert not fin_ops[("Fin", "Ops")].under_connected
    above = {(lk.source, lk.target): lk for lk in links_of(hand_example(), AnalysisParams(weak_ratio=0.55))}
    assert above[("Fin", "Ops")].under_connected


def test_single_bridge_person_makes_the_link_fragile() -> None:
    (link,) = links_of(single_bridge())
    # s0 holds 2 + 2 + 1 = 5 = W_ab; e0 2, e1 2, e2 1
    assert link.carriers == ["s0", "e0", "e1", "e2"] and link.bridge_people == ["s0", "e0", "e1"]
    assert link.bridge_shares == pytest.approx([1.0, 0.4, 0.4])
    assert (link.source_carriers, link.target_carriers) == (3, 1)
    assert link.fragile and link.weak
    assert link.weak_reasons[-1] == "fragile: removing 1 person (s0) would cut 100% of the link's weight 5.0"


def test_fragile_pair_that_greedy_by_share_misses() -> None:
    # p-x 5, p-y 5, x-r 4.9, y-t 4.9 (W_ab = 19.8); by share p 10, x 9.9, y 9.9, r 4.9, t 4.9.
    # p and x together cut 14.9 (75%), but x and y together cut all 19.8
    o = Org(["p", "r", "t", "x", "y"], {"p": "A", "r": "A", "t": "A", "x": "B", "y": "B"},
            [Tie("p", "x", 5.0), Tie("p", "y", 5.0), Tie("r", "x", 4.9), Tie("t", "y", 4.9)])
    (link,) = links_of(o)
    assert link.bridge_people == ["p", "x", "y"]
    assert link.fragile
    assert link.weak_reasons[-1] == "fragile: removing 2 people (x, y) would cut 100% of the link's weight 19.8"
    # one person cuts at most 10 / 19.8 = 51%
    (strict,) = links_of(o, AnalysisParams(fragile_carriers=1))
    assert not strict.fragile


def test_fragile_with_more_than_eight_carriers_allowed() -> None:
    # nine disjoint a-b ties of weight 1: cutting all of them takes nine people, one per tie
    o = org({"A": [f"a{i}" for i in range(9)], "B": [f"b{i}" for i in range(9)]},
            [(f"a{i}", f"b{i}", 1.0) for i in range(9)])
    (nine,) = links_of(o, AnalysisParams(fragile_carriers=9, fragile_share=1.0))
    assert nine.fragile and nine.weak_reasons[-1].startswith("fragile: removing 9 people (a0, a1, ")
    (eight,) = links_of(o, AnalysisParams(fragile_carriers=8, fragile_share=1.0))
    assert not eight.fragile
    (most,) = links_of(o, AnalysisParams(fragile_carriers=8, fragile_share=0.8))  # 8/9 = 89% >= 80%
    assert most.fragile and most.weak_reasons[-1].startswith("fragile: removing 8 people")


def test_dependency_without_relationship_sorts_first() -> None:
    links = links_of(dependency_without_relationship())
    first = links[0]
    # vol(Fin) = vol(IT) = 2 * 12 + 16 + 0.5 = 40.5, 2W = 137: expected 40.5^2 / 137 = 11.97
    assert (first.source, first.target, first.handoffs) == ("Fin", "IT", 6)
    assert first.expected == pytest.approx(40.5**2 / 137)
    assert first.ratio == pytest.approx(0.5 / (40.5**2 / 137))
    assert first.channels == {"email": 0.0, "meeting": 0.0, "ticket": 0.5}
    codes = [r.split(": ")[0] for r in first.weak_reasons]
    assert codes == ["dependency_without_relationship", "under_connected", "fragile"]
    assert first.weak_reasons[0].startswith("dependency_without_relationship: 6 ticket handoffs")
    assert [lk.weak for lk in links] == [True, False, False]
    assert links[1].weight >= links[2].weight


def test_group_without_ties_and_isolates() -> None:
    base = hand_example()
    o = Org(base.people + ["q1"], {**base.groups, "q1": "Quiet"}, base.ties)
    quiet = [lk for lk in links_of(o) if "Quiet" in (lk.source, lk.target)]
    assert len(quiet) == 3  # 4 groups, every pair listed
    for lk in quiet:
        assert (lk.weight, lk.expected, lk.ratio, lk.carriers) == (0.0, 0.0, None, [])
        assert (lk.weak, lk.weak_reasons) == (False, [])


def test_all_pairs_up_to_60_groups_then_only_linked_pairs() -> None:
    for k, listed in ((60, 60 * 59 // 2), (61, 60)):
        people = [f"p{i:02d}" for i in range(k)]
        chain = [(people[i], people[i + 1], 1.0) for i in range(k - 1)]
        o = org({f"G{i:02d}": [p] for i, p in enumerate(people)}, chain)
        links = links_of(o)
        assert len(links) == listed
        assert sum(lk.ties for lk in links) == k - 1


def test_graph_without_ties() -> None:
    links = links_of(org({"A": ["a1"], "B": ["b1"]}, []))
    assert [(lk.weight, lk.expected, lk.ratio, lk.weak) for lk in links] == [(0.0, 0.0, None, False)]


_params = st.builds(
    AnalysisParams,
    weak_ratio=st.sampled_from([0.25, 0.8, 1.5]),
    fragile_carriers=st.integers(1, 3),
    fragile_share=st.sampled_from([0.5, 0.8, 1.0]),
)


@settings(max_examples=150, deadline=None)
@given(orgs(), _params)
def test_matches_networkx(o: Org, params: AnalysisParams) -> None:
    want = oracle(o)
    links = links_of(o, params)
    assert sorted((lk.source, lk.target) for lk in links) == sorted(want)
    for lk in links:
        ref = want[(lk.source, lk.target)]
        assert lk.weight == pytest.approx(ref["weight"], abs=1e-12) and lk.ties == ref["ties"]
        assert lk.expected == pytest.approx(ref["expected"], abs=1e-12)
        assert lk.ratio == (pytest.approx(ref["weight"] / ref["expected"]) if ref["expected"] > 0 else None)
        assert lk.channels == pytest.approx({c: ref["channels"][c] for c in ("email", "meeting", "ticket")})
        assert lk.handoffs == ref["handoffs"]
        held = ref["held"]
        assert sorted(lk.carriers) == sorted(held)
        # most a-b weight first, then person_id (weights equal up to float rounding count as equal)
        for x, y in zip(lk.carriers, lk.carriers[1:]):
            assert held[x] > held[y] - 1e-9 and (held[x] > held[y] + 1e-9 or x < y)
        assert lk.source_carriers == sum(ref["group"][p] == lk.source for p in held)
        assert lk.source_carriers + lk.target_carriers == len(held)
        assert lk.bridge_people == lk.carriers[:3]
        assert lk.bridge_shares == pytest.approx([held[p] / ref["weight"] for p in lk.bridge_people])
        under = ref["expected"] > 0 and ref["weight"] / ref["expected"] < params.weak_ratio
        assert lk.under_connected == under
        dependency = under and ref["handoffs"] > 0
        codes = [r.split(": ")[0] for r in lk.weak_reasons]
        expected_codes = ["dependency_without_relationship"] * dependency + ["under_connected"] * under
        assert codes == expected_codes + ["fragile"] * lk.fragile
        _check_fragile(lk, ref, params)
        assert lk.weak == (lk.under_connected or lk.fragile)
    _check_order(links)


@settings(max_examples=60, deadline=None)
@given(orgs(min_people=2), st.randoms(use_true_random=False))
def test_relabelling_people_changes_no_link(o: Org, rnd: random.Random) -> None:
    shuffled = list(o.people)
    rnd.shuffle(shuffled)
    a = [lk.model_dump() for lk in links_of(o)]
    b = [lk.model_dump() for lk in links_of(Org(shuffled, o.groups, o.ties))]
    assert len(a) == len(b)
    for x, y in zip(a, b):  # same links in the same order; floats equal up to summation order
        for key, value in x.items():
            if isinstance(value, float) or key in ("channels", "bridge_shares"):
                assert y[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
            else:
                assert y[key] == value, key


def _check_fragile(lk: LinkMetrics, ref: dict, params: AnalysisParams) -> None:
    truth = fewest_cut(ref, params)
    candidates = min(params.fragile_carriers + 3, 8)
    if len(ref["held"]) <= candidates:  # exact when every carrier is a candidate
        assert lk.fragile == (truth is not None)
    assert not lk.fragile or truth is not None  # never claims a cut that does not exist
    reasons = [r for r in lk.weak_reasons if r.startswith("fragile: ")]
    assert len(reasons) == lk.fragile
    if lk.fragile:
        named = reasons[0].split("(")[1].split(")")[0].split(", ")
        cut = sum(w for x, y, w in ref["edges"] if x in named or y in named)
        assert len(named) == truth and cut >= params.fragile_share * ref["weight"] * (1 - 1e-9)


def _check_order(links: list[LinkMetrics]) -> None:
    def key(lk: LinkMetrics) -> tuple:
        dependency = any(r.startswith("dependency") for r in lk.weak_reasons)
        return (not lk.weak, not dependency, lk.ratio if lk.weak else 0.0, -lk.weight)

    for x, y in zip(links, links[1:]):
        kx, ky = key(x), key(y)
        assert kx[:2] <= ky[:2]
        if kx[:2] == ky[:2]:
            assert kx[2:] <= (ky[2] + 1e-12, ky[3] + 1e-12)


def test_doctests() -> None:
    assert doctest.testmod(links_module).failed == 0
