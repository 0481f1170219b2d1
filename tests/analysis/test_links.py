"""Links between groups: by hand, against a networkx oracle and against brute-force fragility.

Sections: the oracle (exact arithmetic on the input rows), measures by hand,
under-connected, dependency without relationship, fragile, reasons and
order, which pairs are listed, properties.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from fractions import Fraction
from itertools import combinations, pairwise
from statistics import median

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from ona.analysis.links import link_metrics
from ona.params import AnalysisParams
from ona.results import LinkMetrics
from tests.analysis.graphs_groups import (
    Org,
    Tie,
    cliques,
    dependency_without_relationship,
    dependent_pair,
    hand_example,
    org,
    single_bridge,
)
from tests.analysis.strategies import orgs

# groups of 2-4 people judged as if large enough: the size rule of fragile links has its own test
PARAMS = AnalysisParams(min_group_size=1, min_link_ties=0)
DEPENDENCY, FRAGILE, UNDER = "dependency_without_relationship", "fragile", "under_connected"


def links_of(o: Org, params: AnalysisParams = PARAMS) -> list[LinkMetrics]:
    g, part = o.graph()
    return link_metrics(g, part, params=params)


def by_pair(links: list[LinkMetrics]) -> dict[tuple[str, str], LinkMetrics]:
    return {(lk.source, lk.target): lk for lk in links}


def codes(lk: LinkMetrics) -> list[str]:
    return [r.split(": ")[0] for r in lk.weak_reasons]


# --- the oracle: every figure from the input rows, in exact arithmetic -------------------------


def oracle(o: Org, params: AnalysisParams) -> dict[tuple[str, str], dict]:
    """Per pair of groups, from networkx's edges (the input rows) in exact fractions: weight W,
    ties, expected, ratio, channels, handoffs, relationship ratio, the a-b weight each person
    holds, the a-b ties, and the weak-link rules of the module docstring. A rule is ``None``
    when its two sides differ by less than 1e-9 relative (float rounding may decide it)."""
    G = o.to_networkx()
    group = {p: G.nodes[p]["group"] for p in G}
    names = sorted(set(group.values()))
    W = sum(Fraction(w) for _, _, w in G.edges(data="weight") if w > 0)
    vol: dict[str, Fraction] = defaultdict(Fraction)
    blank = lambda: {"W": Fraction(0), "ties": 0, "channels": defaultdict(Fraction),
                     "handoffs": 0, "held": defaultdict(Fraction), "edges": []}
    pairs = {(a, b): blank() for a, b in combinations(names, 2)} if len(names) <= 60 else {}
    for x, y, d in G.edges(data=True):
        if d["weight"] > 0:
            vol[group[x]] += Fraction(d["weight"])
            vol[group[y]] += Fraction(d["weight"])
        if group[x] == group[y]:
            continue
        link = pairs.setdefault(tuple(sorted((group[x], group[y]))), blank())
        for c in ("email", "meeting", "ticket", "chat"):
            link["channels"][c] += Fraction(d.get(c, 0.0))
        link["handoffs"] += d["handoffs"]
        if d["weight"] > 0:
            link["W"] += Fraction(d["weight"])
            link["ties"] += 1
            link["held"][x] += Fraction(d["weight"])
            link["held"][y] += Fraction(d["weight"])
            link["edges"].append((x, y, Fraction(d["weight"])))
    for (a, b), link in pairs.items():
        link["expected"] = vol[a] * vol[b] / (2 * W) if W > 0 else Fraction(0)
        link["ratio"] = link["W"] / link["expected"] if link["expected"] > 0 else None
        relationship = (Fraction(params.email_weight) * link["channels"]["email"]
                        + Fraction(params.meeting_weight) * link["channels"]["meeting"]
                        + Fraction(params.chat_weight) * link["channels"]["chat"])
        link["relationship_ratio"] = relationship / link["expected"] if link["expected"] > 0 else None
        link["group"] = group
    # judged: min_link_ties ties, or a typical pair of these tie volumes would have them
    tie_volume: Counter[str] = Counter()
    for x, y, d in G.edges(data=True):
        if d["weight"] > 0:
            tie_volume[group[x]] += 1
            tie_volume[group[y]] += 1
    all_ties = sum(tie_volume.values()) // 2
    for (a, b), link in pairs.items():
        link["expected_ties"] = Fraction(tie_volume[a] * tie_volume[b], 2 * all_ties) if all_ties else Fraction(0)
    levels = [Fraction(lk["ties"]) / lk["expected_ties"] for lk in pairs.values() if lk["expected_ties"] > 0]
    level = median(levels) if levels else Fraction(0)
    for link in pairs.values():
        typical_low = _below(link["expected_ties"] * level, Fraction(params.min_link_ties))
        link["judged"] = True if link["ties"] >= params.min_link_ties else (None if typical_low is None else not typical_low)
    ratios = [lk["ratio"] for lk in pairs.values() if lk["ratio"] is not None]
    weights = [lk["W"] for lk in pairs.values() if lk["ties"] > 0]
    median_ratio = median(ratios) if ratios else None
    median_weight = median(weights) if weights else None
    for link in pairs.values():
        link["median_ratio"] = median_ratio
        if link["ratio"] is None:  # expected 0: no rule can call the link low
            link["under"] = link["dependency"] = False
        else:
            link["under"] = _below(link["ratio"], Fraction(params.weak_ratio) * median_ratio)
            rel_low = _below(link["relationship_ratio"], Fraction(params.dependency_ratio) * median_ratio)
            link["dependency"] = rel_low if link["handoffs"] >= params.dependency_min_handoffs else False
        low = _below(link["W"], median_weight) if link["ties"] > 0 else True
        link["material"] = None if low is None else not low
        for rule in ("under", "dependency", "material"):  # only judged links can be flagged
            link[rule] = _and(link[rule], link["judged"])
    size = Counter(group.values())
    for (a, b), link in pairs.items():
        if size[a] < params.min_group_size and size[b] < params.min_group_size:
            link["material"] = False  # two groups under the minimum size are never judged fragile
    return pairs


def _and(x: bool | None, y: bool | None) -> bool | None:
    """Three-valued and: False when either is False, None when undecided."""
    if x is False or y is False:
        return False
    return None if x is None or y is None else True


def _below(x: Fraction, bound: Fraction) -> bool | None:
    """x < bound; None when they differ, but by less than float rounding could."""
    if x != bound and abs(x - bound) <= Fraction(1, 10**9) * max(abs(x), abs(bound)):
        return None
    return x < bound


def _cut(link: dict, chosen: tuple[str, ...]) -> Fraction:
    """The a-b weight gone when ``chosen`` leave: every a-b tie touching one of them, once."""
    return sum((w for x, y, w in link["edges"] if x in chosen or y in chosen), Fraction(0))


def fewest_cut(link: dict, params: AnalysisParams, people: list[str]) -> tuple[int, Fraction] | None:
    """Brute force: the fewest of ``people`` (up to fragile_carriers) whose leaving cuts at least
    fragile_share of W_ab, and the most such a set cuts; None when no set does."""
    need = Fraction(params.fragile_share) * link["W"] * (1 - Fraction(1, 10**9))
    for size in range(1, params.fragile_carriers + 1):
        best = max((_cut(link, chosen) for chosen in combinations(people, size)), default=Fraction(0))
        if best >= need and best > 0:
            return size, best
    return None


# --- measures by hand --------------------------------------------------------------------------


def test_hand_example() -> None:
    # vol(Ops) = 11, vol(Fin) = 12, vol(Law) = 1, 2W = 24
    fin_ops, law_ops, fin_law = links_of(hand_example())
    # Fin-Ops: o1-f1 2 + o3-f1 1 = 3; expected 12 * 11 / 24 = 5.5
    assert (fin_ops.source, fin_ops.target, fin_ops.weight, fin_ops.ties) == ("Fin", "Ops", 3.0, 2)
    assert fin_ops.expected == pytest.approx(5.5) and fin_ops.ratio == pytest.approx(3 / 5.5)
    assert fin_ops.channels == {"email": 3.0, "meeting": 0.0, "ticket": 0.0, "chat": 0.0, "ties": 0.0}
    assert fin_ops.carriers == ["f1", "o1", "o3"]  # f1 holds 3, o1 2, o3 1
    assert (fin_ops.source_carriers, fin_ops.target_carriers) == (1, 2)
    assert fin_ops.bridge_people == ["f1", "o1", "o3"]
    assert fin_ops.bridge_shares == pytest.approx([1.0, 2 / 3, 1 / 3])
    # Fin-Law: f2-l1 1, expected 12 * 1 / 24 = 0.5, ratio 2; f2 and l1 hold 1 each: id order
    assert (fin_law.ratio, fin_law.carriers, fin_law.bridge_shares) == (2.0, ["f2", "l1"], [1.0, 1.0])
    # Law-Ops: nothing, expected 1 * 11 / 24
    assert (law_ops.weight, law_ops.ties, law_ops.ratio, law_ops.carriers) == (0.0, 0, 0.0, [])
    assert law_ops.expected == pytest.approx(11 / 24)
    # median_ratio = median(0, 3/5.5, 2) = 3/5.5 = 0.545: only Law-Ops is below 0.25 x 0.545.
    # Weights of linked pairs 3 (Fin-Ops) and 1 (Fin-Law), median 2: Fin-Ops matters and f1 alone
    # carries it; f2 alone carries Fin-Law too, but at 1 it does not matter enough to be fragile.
    flags = [(lk.weak, lk.under_connected, lk.fragile, lk.dependency_without_relationship)
             for lk in (fin_ops, law_ops, fin_law)]
    assert flags == [(True, False, True, False), (True, True, False, False), (False, False, False, False)]
    assert fin_ops.weak_reasons == [
        "fragile: 1 person carries 100% of the link's weight 3.0; if they left, the link would all but disappear"
    ]
    assert law_ops.weak_reasons == [
        (
            "under_connected: weight 0.0 vs 0.5 expected from the groups' collaboration volumes"
            " (ratio 0.00, under 0.25 x the typical pair's 0.55)"
        ),
    ]
    assert fin_law.weak_reasons == []


# --- under-connected: below weak_ratio times the median ratio ----------------------------------


def test_under_connected_is_relative_to_the_median_ratio() -> None:
    # 4 triangles of inside weight 10; vol A 62.5, B 63, C 62.1, D 61.6, 2W = 249.2.
    # ratios: A-B 0.0633, A-C 0.0642, B-C 0.0637, B-D 0.0642, A-D 0.0324, C-D 0.0065;
    # median (0.0633 + 0.0637) / 2 = 0.0635. Every pair is far below random mixing (< 0.25)...
    o = cliques({("A", "B"): 1, ("A", "C"): 1, ("B", "C"): 1, ("B", "D"): 1, ("A", "D"): 0.5, ("C", "D"): 0.1})
    links = by_pair(links_of(o))
    vol = {"A": 62.5, "B": 63.0, "C": 62.1, "D": 61.6}
    for (a, b), lk in links.items():
        assert lk.ratio == pytest.approx(lk.weight * 249.2 / (vol[a] * vol[b]))
        assert lk.ratio < 0.25
    # ...but only C-D is below 0.25 x 0.0635 = 0.0159; A-D (0.0324) is half the typical pair
    assert {p for p, lk in links.items() if lk.under_connected} == {("C", "D")}
    assert links[("C", "D")].weak_reasons[-1].endswith("(ratio 0.01, under 0.25 x the typical pair's 0.06)")
    # 0.6 x 0.0635 = 0.0381 takes A-D in as well
    wider = by_pair(links_of(o, AnalysisParams(min_link_ties=0, weak_ratio=0.6)))
    assert {p for p, lk in wider.items() if lk.under_connected} == {("A", "D"), ("C", "D")}


def test_under_connected_is_strictly_below() -> None:
    # hand example: Fin-Ops is the median pair, ratio = median_ratio = 3 / 5.5 exactly
    at = by_pair(links_of(hand_example(), AnalysisParams(min_link_ties=0, weak_ratio=1.0)))
    assert not at[("Fin", "Ops")].under_connected and at[("Law", "Ops")].under_connected
    above = by_pair(links_of(hand_example(), AnalysisParams(min_link_ties=0, weak_ratio=1.01)))
    assert above[("Fin", "Ops")].under_connected and not above[("Fin", "Law")].under_connected
    # weak_ratio 0: not even an absent link (ratio 0) is below 0
    assert not any(lk.under_connected for lk in links_of(hand_example(), AnalysisParams(min_link_ties=0, weak_ratio=0.0)))


# --- dependency without relationship -----------------------------------------------------------


def test_dependency_without_relationship_sorts_first() -> None:
    links = links_of(dependency_without_relationship())
    first = links[0]
    # vol(Fin) = vol(IT) = 40.5, vol(Ops) = 56, 2W = 137: Fin-IT expects 40.5^2 / 137 = 11.97 and has
    # ratio 0.042; Fin-Ops and IT-Ops have 16 / (40.5 * 56 / 137) = 0.966, the median
    assert (first.source, first.target, first.handoffs) == ("Fin", "IT", 12)
    assert first.expected == pytest.approx(40.5**2 / 137)
    assert first.ratio == pytest.approx(0.5 / (40.5**2 / 137))
    assert first.channels == {"email": 0.0, "meeting": 0.0, "ticket": 0.5, "chat": 0.0, "ties": 0.0}
    assert (first.dependency_without_relationship, first.under_connected, first.fragile) == (True, True, False)
    assert first.weak_reasons == [
        (
            "dependency_without_relationship: 12 ticket handoffs show the groups depend on each other, yet "
            "their emails, meetings and chats reach only 0.00 times the expected level (a typical pair here: 0.97)"
        ),
        (
            "under_connected: weight 0.5 vs 12.0 expected from the groups' collaboration volumes"
            " (ratio 0.04, under 0.25 x the typical pair's 0.97)"
        ),
    ]
    assert [lk.weak for lk in links] == [True, False, False]
    assert links[1].weight >= links[2].weight


def test_too_few_handoffs_show_no_dependency() -> None:
    # 16 Fin-IT ties with 1 handoff each: 16 handoffs, email 0.45 of each tie's weight 1
    o = dependent_pair(email=0.45, handoffs=1)
    enough = by_pair(links_of(o, AnalysisParams(min_link_ties=0, dependency_min_handoffs=16)))[("Fin", "IT")]
    assert enough.handoffs == 16 and enough.dependency_without_relationship
    fewer = by_pair(links_of(o, AnalysisParams(min_link_ties=0, dependency_min_handoffs=17)))[("Fin", "IT")]
    assert not fewer.dependency_without_relationship and not fewer.weak and fewer.weak_reasons == []


def test_dependency_alone_makes_a_link_weak() -> None:
    # every pair has ratio 6/7 (the median): not under-connected, and nothing is fragile; but Fin-IT's
    # 16 handoffs come with email worth only 16 * 0.45 = 7.2: relationship ratio 7.2 / (56/3) = 0.386
    # < 0.5 x 6/7 = 0.429
    links = links_of(dependent_pair(email=0.45))
    first = links[0]
    assert (first.source, first.target, first.ratio) == ("Fin", "IT", pytest.approx(6 / 7))
    assert (first.weak, first.dependency_without_relationship, first.under_connected, first.fragile) == (
        True, True, False, False)
    assert first.weak_reasons == [
        (
            "dependency_without_relationship: 16 ticket handoffs show the groups depend on each other, yet "
            "their emails, meetings and chats reach only 0.39 times the expected level (a typical pair here: 0.86)"
        ),
    ]
    assert not any(lk.weak for lk in links[1:])


def test_strong_relationship_is_no_dependency_however_many_handoffs() -> None:
    # 16 x 5 = 80 handoffs, but email 16 * 0.55 = 8.8 >= 0.5 x 16: relationship ratio 0.471 >= 0.429
    links = links_of(dependent_pair(email=0.55, handoffs=5))
    fin_it = by_pair(links)[("Fin", "IT")]
    assert fin_it.handoffs == 80 and not fin_it.dependency_without_relationship
    assert not any(lk.weak for lk in links)
    # exactly at the bound (email 0.5: relationship ratio = 0.5 x median_ratio) is not below it
    at = by_pair(links_of(dependent_pair(email=0.5, handoffs=5)))[("Fin", "IT")]
    assert not at.dependency_without_relationship
    # a stricter dependency_ratio (0.6 x 16 = 9.6 > 8.8) calls it one
    strict = by_pair(links_of(dependent_pair(email=0.55, handoffs=5), AnalysisParams(min_link_ties=0, dependency_ratio=0.6)))
    assert strict[("Fin", "IT")].dependency_without_relationship


def test_relationship_is_email_and_meeting_with_their_coefficients() -> None:
    # flagged exactly when e_w * email + m_w * meeting < dependency_ratio (0.5), per unit of Fin-IT weight
    def flagged(email: float, meeting: float, **coefficients: float) -> bool:
        lk = by_pair(links_of(dependent_pair(email=email, meeting=meeting), AnalysisParams(**coefficients)))
        return lk[("Fin", "IT")].dependency_without_relationship

    assert flagged(0.45, 0.0)
    assert not flagged(0.45, 0.0, email_weight=2.0)  # 0.9
    assert not flagged(0.2, 0.35)  # meetings count: 0.55
    assert flagged(0.2, 0.35, meeting_weight=0.0)  # 0.2
    assert flagged(0.2, 0.35, email_weight=0.0)  # 0.35
    assert not flagged(0.2, 0.35, meeting_weight=2.0, email_weight=0.0)  # 0.7
    assert flagged(0.0, 0.0, ticket_weight=0.0)  # tickets are never relationship


def test_handoffs_without_expected_weight_show_no_dependency() -> None:
    # a handoff row whose ticket coefficient made it weight 0: no tie anywhere, expected 0
    o = Org(["a1", "b1"], {"a1": "A", "b1": "B"}, [Tie("a1", "b1", 0.0, ticket=1.0, handoffs=20)])
    (link,) = links_of(o, AnalysisParams(min_link_ties=0, dependency_min_handoffs=1))
    assert (link.handoffs, link.expected, link.ratio) == (20, 0.0, None)
    assert (link.weak, link.dependency_without_relationship, link.weak_reasons) == (False, False, [])


# --- fragile: a link that matters, carried by a few ----------------------------------------------


def test_single_bridge_person_makes_the_link_fragile() -> None:
    (link,) = links_of(single_bridge())
    # s0 holds 2 + 2 + 1 = 5 = W_ab; e0 2, e1 2, e2 1
    assert link.carriers == ["s0", "e0", "e1", "e2"] and link.bridge_people == ["s0", "e0", "e1"]
    assert link.bridge_shares == pytest.approx([1.0, 0.4, 0.4])
    assert (link.source_carriers, link.target_carriers) == (3, 1)
    # the only pair: it is the median in ratio (not under-connected) and in weight (it matters)
    assert (link.weak, link.fragile, link.under_connected) == (True, True, False)
    assert link.weak_reasons == [
        "fragile: 1 person carries 100% of the link's weight 5.0; if they left, the link would all but disappear"
    ]
    # a weak_ratio above 1 puts even the typical pair under; fragile is the worse reason
    (wide,) = links_of(single_bridge(), AnalysisParams(min_link_ties=0, weak_ratio=1.5))
    assert codes(wide) == [FRAGILE, UNDER]


def test_fragile_pair_that_greedy_by_share_misses() -> None:
    # p-x 5, p-y 5, x-r 4.9, y-t 4.9 (W_ab = 19.8); by share p 10, x 9.9, y 9.9, r 4.9, t 4.9.
    # p and x together cut 14.9 (75%), but x and y together cut all 19.8
    o = Org(["p", "r", "t", "x", "y"], {"p": "A", "r": "A", "t": "A", "x": "B", "y": "B"},
            [Tie("p", "x", 5.0), Tie("p", "y", 5.0), Tie("r", "x", 4.9), Tie("t", "y", 4.9)])
    (link,) = links_of(o)
    assert link.bridge_people == ["p", "x", "y"]
    assert link.fragile
    assert link.weak_reasons == [
        "fragile: 2 people carry 100% of the link's weight 19.8; if they left, the link would all but disappear"
    ]
    # one person cuts at most 10 / 19.8 = 51%
    (strict,) = links_of(o, AnalysisParams(min_link_ties=0, fragile_carriers=1))
    assert not strict.fragile


def test_fragile_with_more_than_eight_carriers_allowed() -> None:
    # nine disjoint a-b ties of weight 1: cutting all of them takes nine people, one per tie
    o = org({"A": [f"a{i}" for i in range(9)], "B": [f"b{i}" for i in range(9)]},
            [(f"a{i}", f"b{i}", 1.0) for i in range(9)])
    (nine,) = links_of(o, AnalysisParams(min_link_ties=0, fragile_carriers=9, fragile_share=1.0))
    assert nine.fragile and nine.weak_reasons[-1].startswith("fragile: 9 people carry 100% of")
    (eight,) = links_of(o, AnalysisParams(min_link_ties=0, fragile_carriers=8, fragile_share=1.0))
    assert not eight.fragile
    (most,) = links_of(o, AnalysisParams(min_link_ties=0, fragile_carriers=8, fragile_share=0.8))  # 8/9 = 89% >= 80%
    assert most.fragile and most.weak_reasons[-1].startswith("fragile: 8 people carry 89% of")


def test_a_link_below_the_median_weight_is_not_fragile() -> None:
    # one tie each: A-B 1, A-C 3, B-C 5, so one person carries every link. The linked pairs' median
    # weight is 3 (D's three absent pairs do not count; with them it would be 0.5)
    links = by_pair(links_of(cliques({("A", "B"): 1, ("A", "C"): 3, ("B", "C"): 5, ("C", "D"): 0})))
    assert {p for p, lk in links.items() if lk.fragile} == {("A", "C"), ("B", "C")}  # at least the median
    assert links[("A", "B")].bridge_shares == [1.0, 1.0]
    assert FRAGILE not in codes(links[("A", "B")])
    # a lower fragile_share does not make a small link matter
    o = cliques({("A", "B"): 1, ("A", "C"): 3, ("B", "C"): 5})
    looser = by_pair(links_of(o, AnalysisParams(min_link_ties=0, fragile_share=0.5, min_group_size=1)))
    assert not looser[("A", "B")].fragile and looser[("A", "C")].fragile


# --- reasons and order ---------------------------------------------------------------------------


def test_order_dependency_most_handoffs_first_then_fragile_then_lowest_ratio() -> None:
    # four triangles, inside weight 10 (C: 20); cross pairs:
    # A-B three disjoint ticket ties of 1 with 5 handoffs each (15, no email): dependency, not fragile;
    # C-D the same with 4 handoffs each (12); A-C three ties of 1 to c1 (c1 carries 100%): fragile;
    # B-C three disjoint email ties of 1, B-D three of 1.5; A-D nothing.
    # vol A 66, B 70.5, C 129, D 67.5, so ratio = w_ab * 2W / (vol_a vol_b) with w_ab / (vol_a vol_b):
    # A-B 3/4653, C-D 3/8707.5, A-C 3/8514, B-C 3/9094.5, B-D 4.5/4758.75, A-D 0; the median is
    # between C-D and A-C, and only A-D is below a quarter of it
    def triangle(n: str, w: float) -> list[Tie]:
        return [Tie(f"{n}{i}", f"{n}{j}", w, email=w) for i, j in ((1, 2), (1, 3), (2, 3))]

    ties = triangle("a", 10.0) + triangle("b", 10.0) + triangle("c", 20.0) + triangle("d", 10.0)
    ties += [Tie(f"a{i}", f"b{i}", 1.0, ticket=1.0, handoffs=5) for i in (1, 2, 3)]
    ties += [Tie(x, y, 1.0, ticket=1.0, handoffs=4) for x, y in (("c2", "d1"), ("c3", "d2"), ("c1", "d3"))]
    ties += [Tie(f"a{i}", "c1", 1.0, email=1.0) for i in (1, 2, 3)]
    ties += [Tie(x, y, 1.0, email=1.0) for x, y in (("b1", "c2"), ("b2", "c3"), ("b3", "c1"))]
    ties += [Tie(f"b{i}", f"d{i}", 1.5, email=1.5) for i in (1, 2, 3)]
    people = [f"{n}{i}" for n in "abcd" for i in (1, 2, 3)]
    links = links_of(Org(people, {p: p[0].upper() for p in people}, ties))
    # A-B before C-D though its ratio is higher: more handoffs; A-C (fragile) before A-D (lowest
    # ratio); then the links that are not weak, heaviest first
    assert [(lk.source, lk.target) for lk in links] == [
        ("A", "B"), ("C", "D"), ("A", "C"), ("A", "D"), ("B", "D"), ("B", "C")]
    assert [codes(lk) for lk in links] == [[DEPENDENCY], [DEPENDENCY], [FRAGILE], [UNDER], [], []]
    assert [lk.handoffs for lk in links[:2]] == [15, 12]
    assert links[0].ratio > links[1].ratio and links[2].ratio > links[3].ratio == 0.0
    assert [lk.weight for lk in links[4:]] == [4.5, 3.0]


def test_reasons_name_no_person() -> None:
    # hand-made links where a person decides every rule; the people are in bridge_people only
    for o, params in ((hand_example(), PARAMS), (single_bridge(), PARAMS),
                      (dependency_without_relationship(), PARAMS),
                      (dependent_pair(email=0.45), AnalysisParams(min_link_ties=0, fragile_share=0.5))):
        links = links_of(o, params)
        assert any(lk.weak_reasons for lk in links)
        for lk in links:
            for reason in lk.weak_reasons:
                assert not any(p in reason for p in o.people), reason


# --- which pairs are listed ----------------------------------------------------------------------


def test_group_without_ties_and_isolates() -> None:
    base = hand_example()
    o = Org(base.people + ["q1"], {**base.groups, "q1": "Quiet"}, base.ties)
    links = links_of(o)
    quiet = [lk for lk in links if "Quiet" in (lk.source, lk.target)]
    assert len(quiet) == 3  # 4 groups, every pair listed
    for lk in quiet:
        assert (lk.weight, lk.expected, lk.ratio, lk.carriers) == (0.0, 0.0, None, [])
        assert (lk.weak, lk.weak_reasons) == (False, [])
    # pairs with expected 0 are not in the median: the other links are as without Quiet
    assert [lk.model_dump() for lk in links if lk not in quiet] == [lk.model_dump() for lk in links_of(base)]


def test_all_pairs_up_to_60_groups_then_only_linked_pairs() -> None:
    for k, listed in ((60, 60 * 59 // 2), (61, 60)):
        people = [f"p{i:02d}" for i in range(k)]
        chain = [(people[i], people[i + 1], 1.0) for i in range(k - 1)]
        o = org({f"G{i:02d}": [p] for i, p in enumerate(people)}, chain)
        links = links_of(o)
        assert len(links) == listed
        assert sum(lk.ties for lk in links) == k - 1
        # 60 groups: 1711 of the 1770 listed pairs are absent, so the typical pair's ratio is 0 and
        # no absent pair is below a fraction of it; 61: only the chain (ratios 30 and 60) is listed
        assert not any(lk.under_connected for lk in links)


def test_all_pairs_limit_is_a_parameter() -> None:
    # the hand example's 3 groups plus a 4th without ties: its 3 absent links are listed only while
    # the number of groups (4) is at most all_pairs_limit; the other links never change
    base = hand_example()
    o = Org(base.people + ["q1"], {**base.groups, "q1": "Quiet"}, base.ties)
    counted = {}
    for limit in (3, 4, 60):
        links = links_of(o, PARAMS.model_copy(update={"all_pairs_limit": limit}))
        counted[limit] = sum("Quiet" in (lk.source, lk.target) for lk in links)
        assert [lk.model_dump() for lk in links if "Quiet" not in (lk.source, lk.target)] == [
            lk.model_dump() for lk in links_of(base)
        ]
    assert counted == {3: 0, 4: 3, 60: 3}
    assert AnalysisParams().all_pairs_limit == 60


def test_graph_without_ties() -> None:
    links = links_of(org({"A": ["a1"], "B": ["b1"]}, []))
    assert [(lk.weight, lk.expected, lk.ratio, lk.weak) for lk in links] == [(0.0, 0.0, None, False)]


# --- properties ----------------------------------------------------------------------------------

_params = st.builds(
    AnalysisParams,
    weak_ratio=st.sampled_from([0.0, 0.25, 0.8, 1.0, 1.5]),
    dependency_min_handoffs=st.sampled_from([1, 2, 4, 10]),
    dependency_ratio=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    email_weight=st.sampled_from([0.0, 1.0, 2.0]),
    meeting_weight=st.sampled_from([0.0, 0.5, 1.0]),
    fragile_carriers=st.integers(1, 3),
    fragile_share=st.sampled_from([0.5, 0.8, 1.0]),
    min_group_size=st.sampled_from([1, 2, 3, 5]),
    min_link_ties=st.sampled_from([0, 1, 3]),
)

_REASON = {
    DEPENDENCY: re.compile(
        r"dependency_without_relationship: (\d+) ticket handoffs show the groups depend on each other, yet "
        r"their emails, meetings and chats reach only ([\d.]+) times the expected level \(a typical pair here: ([\d.]+)\)"
    ),
    FRAGILE: re.compile(
        r"fragile: (?:1 person carries|(\d+) people carry) (\d+)% of the link's weight ([\d.]+); "
        r"if they left, the link would all but disappear"
    ),
    UNDER: re.compile(
        r"under_connected: weight ([\d.]+) vs ([\d.]+) expected from the groups' collaboration volumes "
        r"\(ratio ([\d.]+), under ([\d.e+-]+) x the typical pair's ([\d.]+)\)"
    ),
}


def _shown(text: str, value: Fraction | float, decimals: int) -> None:
    """``text`` is ``value`` printed with ``decimals`` decimals (either side of a rounding tie)."""
    assert abs(float(text) - float(value)) <= 0.5 * 10**-decimals + 1e-9, (text, float(value))


def _flag(got: bool, want: bool | None, what: str) -> None:
    assert want is None or got == want, what


@settings(max_examples=300, deadline=None)
@given(orgs(), _params)
def test_matches_networkx(o: Org, params: AnalysisParams) -> None:
    want = oracle(o, params)
    links = links_of(o, params)
    assert sorted((lk.source, lk.target) for lk in links) == sorted(want)
    for lk in links:
        ref = want[(lk.source, lk.target)]
        note(f"{lk.source}-{lk.target}: {lk.weak_reasons}")
        assert lk.weight == pytest.approx(float(ref["W"]), abs=1e-12) and lk.ties == ref["ties"]
        assert lk.expected == pytest.approx(float(ref["expected"]), abs=1e-12)
        assert lk.ratio == (None if ref["ratio"] is None else pytest.approx(float(ref["ratio"])))
        expected_channels = {c: float(ref["channels"][c]) for c in ("email", "meeting", "ticket", "chat")}
        assert lk.channels == pytest.approx(expected_channels | {"ties": 0.0})
        assert lk.handoffs == ref["handoffs"]
        held = ref["held"]
        assert sorted(lk.carriers) == sorted(held)
        # most a-b weight first, then person_id (weights equal up to float rounding count as equal)
        for x, y in zip(lk.carriers, lk.carriers[1:]):
            assert held[x] > held[y] - 1e-9 and (held[x] > held[y] + 1e-9 or x < y)
        assert lk.source_carriers == sum(ref["group"][p] == lk.source for p in held)
        assert lk.source_carriers + lk.target_carriers == len(held)
        assert lk.bridge_people == lk.carriers[:3]
        assert lk.bridge_shares == pytest.approx([float(held[p] / ref["W"]) for p in lk.bridge_people])

        _flag(lk.under_connected, ref["under"], "under_connected")
        _flag(lk.dependency_without_relationship, ref["dependency"], "dependency_without_relationship")
        _check_fragile(lk, ref, params)
        assert lk.weak == (lk.under_connected or lk.fragile or lk.dependency_without_relationship)
        _check_reasons(lk, ref, params, o.people)
    _check_order(links)


def _check_fragile(lk: LinkMetrics, ref: dict, params: AnalysisParams) -> None:
    """Fragile iff the link matters and the fewest carriers cutting fragile_share, searched among the
    top fragile_carriers + 3 (at most 8), are at most fragile_carriers; the reason states how many
    and the most that many cut."""
    if ref["ties"] == 0 or ref["material"] is False:
        assert not lk.fragile
    found = fewest_cut(ref, params, lk.carriers[:min(params.fragile_carriers + 3, 8)])
    if found is None:
        assert not lk.fragile
    elif ref["material"]:
        assert lk.fragile
    anywhere = fewest_cut(ref, params, list(ref["held"]))
    assert found is None or anywhere is not None and anywhere[0] <= found[0]
    if lk.fragile:
        size, cut = found
        (reason,) = [r for r in lk.weak_reasons if r.startswith("fragile: ")]
        count, percent, weight = _REASON[FRAGILE].fullmatch(reason).groups()
        assert int(count or 1) == size
        _shown(percent, 100 * cut / ref["W"], 0)
        _shown(weight, ref["W"], 1)


def _check_reasons(lk: LinkMetrics, ref: dict, params: AnalysisParams, people: list[str]) -> None:
    """One reason per rule, worst first, each stating the link's own figures and no person."""
    flags = (lk.dependency_without_relationship, lk.fragile, lk.under_connected)
    assert codes(lk) == [code for code, on in zip((DEPENDENCY, FRAGILE, UNDER), flags) if on]
    for reason in lk.weak_reasons:
        assert not any(p in reason for p in people), reason
    if lk.dependency_without_relationship:
        handoffs, relationship, typical = _REASON[DEPENDENCY].fullmatch(lk.weak_reasons[0]).groups()
        assert int(handoffs) == ref["handoffs"] >= params.dependency_min_handoffs
        _shown(relationship, ref["relationship_ratio"], 2)
        _shown(typical, ref["median_ratio"], 2)
    if lk.under_connected:
        weight, expected, ratio, fraction, typical = _REASON[UNDER].fullmatch(lk.weak_reasons[-1]).groups()
        _shown(weight, ref["W"], 1)
        _shown(expected, ref["expected"], 1)
        _shown(ratio, ref["ratio"], 2)
        assert float(fraction) == params.weak_ratio
        _shown(typical, ref["median_ratio"], 2)


def _check_order(links: list[LinkMetrics]) -> None:
    """Weak first: dependency (most handoffs first), then fragile (heaviest first), then lowest ratio;
    then heaviest first."""
    def key(lk: LinkMetrics) -> tuple:
        dependency = lk.dependency_without_relationship
        return (not lk.weak, not dependency, -lk.handoffs if dependency else 0, not lk.fragile)

    for x, y in pairwise(links):
        assert key(x) <= key(y)
        if key(x) == key(y):
            if x.fragile and not x.dependency_without_relationship:
                assert x.weight >= y.weight - 1e-12
            elif x.weak:
                assert x.ratio <= y.ratio + 1e-12
            if not x.weak or abs(x.ratio - y.ratio) <= 1e-12:
                assert x.weight >= y.weight - 1e-12


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


@settings(max_examples=60, deadline=None)
@given(orgs(min_people=2), _params)
def test_renaming_people_changes_no_reason(o: Org, params: AnalysisParams) -> None:
    # new ids in reverse order: carriers may reorder among equals, but no flag or reason may change
    new = {p: f"x{99 - i:02d}" for i, p in enumerate(sorted(o.people))}
    renamed = Org([new[p] for p in o.people], {new[p]: g for p, g in o.groups.items()},
                  [Tie(new[t.a], new[t.b], t.weight, t.email, t.meeting, t.ticket, t.handoffs) for t in o.ties])
    flags = lambda lk: (lk.source, lk.target, lk.weak, lk.under_connected, lk.fragile,
                        lk.dependency_without_relationship, lk.weak_reasons)
    assert [flags(lk) for lk in links_of(renamed, params)] == [flags(lk) for lk in links_of(o, params)]
