"""Group metrics by hand and against an independent networkx computation."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ona.analysis.groups import group_metrics
from ona.graph.model import Partition
from ona.results import GroupMetrics
from tests.analysis.graphs_groups import Org, Tie, hand_example, org
from tests.analysis.strategies import orgs


def oracle(o: Org) -> dict[str, dict[str, float | int | None]]:
    """Every group metric of DESIGN.md, computed by iterating networkx's edges."""
    G = o.to_networkx()
    group = {p: G.nodes[p]["group"] for p in G}
    names = sorted(set(group.values()))
    I, E = defaultdict(float), defaultdict(float)
    i, e = defaultdict(int), defaultdict(int)
    out_weight: dict[str, float] = defaultdict(float)
    partners: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    active: set[str] = set()
    W = 0.0
    for x, y, data in G.edges(data=True):
        w = data["weight"]
        if w <= 0:  # a tie is a pair with w > 0
            continue
        W += w
        active |= {x, y}
        gx, gy = group[x], group[y]
        if gx == gy:
            I[gx] += w
            i[gx] += 1
        else:
            for a, b, p in ((gx, gy, x), (gy, gx, y)):
                E[a] += w
                e[a] += 1
                out_weight[p] += w
                partners[a][b] += w
    result = {}
    for d in names:
        members = [p for p in G if group[p] == d]
        vol = 2 * I[d] + E[d]
        has = i[d] + e[d] > 0
        share = 2 * I[d] / vol if has else None
        expected = vol / (2 * W) if has else None
        rest = sum(2 * I[h] + E[h] for h in names if h != d)  # 2W - vol(d)
        top2 = sorted((out_weight[p] for p in members), reverse=True)[:2]
        result[d] = {
            "headcount": len(members),
            "active": sum(p in active for p in members),
            "internal_weight": I[d],
            "external_weight": E[d],
            "internal_ties": i[d],
            "external_ties": e[d],
            "ei_index": (E[d] - I[d]) / (E[d] + I[d]) if has else None,
            "ei_index_ties": (e[d] - i[d]) / (e[d] + i[d]) if has else None,
            "volume": vol,
            "internal_share": share,
            "expected_internal_share": expected,
            "insularity": share / expected if has else None,
            "conductance": E[d] / min(vol, rest) if has and min(vol, rest) > 0 else None,
            "external_reach": sum(1 for w in partners[d].values() if w > 0),
            "effective_partners": E[d] ** 2 / sum(w * w for w in partners[d].values()) if e[d] else None,
            "external_carriers": sum(out_weight[p] > 0 for p in members),
            "external_top2_share": sum(top2) / E[d] if e[d] else None,
        }
    return result


def assert_matches(got: list[GroupMetrics], want: dict[str, dict[str, float | int | None]]) -> None:
    assert [gm.group for gm in got] == sorted(want)
    for gm in got:
        for name, value in want[gm.group].items():
            actual = getattr(gm, name)
            if value is None:
                assert actual is None, (gm.group, name, actual)
            else:
                assert actual == pytest.approx(value, rel=1e-9, abs=1e-12), (gm.group, name, actual, value)


def metrics(o: Org) -> list[GroupMetrics]:
    return group_metrics(*o.graph())


def test_hand_example() -> None:
    o = hand_example()  # ties: o1-o2 3, o2-o3 1, o1-f1 2, o3-f1 1, f1-f2 4, f2-l1 1; W = 12
    fin, law, ops = metrics(o)
    # Ops: I = 3 + 1 = 4 (2 ties), E = 2 + 1 = 3 (2 ties), vol = 2*4 + 3 = 11
    assert (ops.internal_weight, ops.external_weight, ops.internal_ties, ops.external_ties) == (4, 3, 2, 2)
    assert ops.ei_index == pytest.approx(-1 / 7)  # (3 - 4) / 7
    assert ops.ei_index_ties == 0  # (2 - 2) / 4
    assert ops.internal_share == pytest.approx(8 / 11)
    assert ops.expected_internal_share == pytest.approx(11 / 24)
    assert ops.insularity == pytest.approx(192 / 121)  # (8/11) / (11/24)
    assert ops.conductance == pytest.approx(3 / 11)  # 3 / min(11, 24 - 11)
    assert (ops.external_reach, ops.effective_partners, ops.external_carriers) == (1, 1.0, 2)
    assert ops.external_top2_share == 1.0  # o1 holds 2, o3 holds 1, of E = 3
    # Fin: I = 4 (f1-f2), E = 2 + 1 (Ops) + 1 (Law) = 4 on 3 ties, vol = 12
    assert fin.ei_index == 0 and fin.ei_index_ties == pytest.approx(0.5)  # (3 - 1) / 4
    assert fin.insularity == pytest.approx(4 / 3)  # (8/12) / (12/24)
    assert fin.conductance == pytest.approx(1 / 3)  # 4 / min(12, 12)
    assert fin.external_reach == 2
    assert fin.effective_partners == pytest.approx(1.6)  # 4^2 / (3^2 + 1^2)
    assert fin.external_top2_share == 1.0  # f1 3 + f2 1 = all of E
    # Law (one person): only the f2-l1 tie, E-I index +1, nothing inside
    assert (law.headcount, law.active, law.ei_index, law.internal_share, law.insularity) == (1, 1, 1.0, 0.0, 0.0)
    assert law.conductance == 1.0  # 1 / min(1, 23)
    assert_matches([fin, law, ops], oracle(o))


def test_inactive_members_and_group_without_ties_give_nulls() -> None:
    base = hand_example()
    o = Org(base.people + ["o4", "q1"], {**base.groups, "o4": "Ops", "q1": "Quiet"}, base.ties)
    by = {gm.group: gm for gm in metrics(o)}
    assert (by["Ops"].headcount, by["Ops"].active) == (4, 3)
    quiet = by["Quiet"]
    assert (quiet.headcount, quiet.active, quiet.volume) == (1, 0, 0)
    assert (quiet.external_reach, quiet.external_carriers) == (0, 0)
    for name in ("ei_index", "ei_index_ties", "internal_share", "expected_internal_share", "insularity",
                 "conductance", "effective_partners", "external_top2_share"):
        assert getattr(quiet, name) is None, name
    assert (quiet.z, quiet.p_value, quiet.silo, quiet.silo_reasons) == (None, None, False, [])


def test_one_group_holding_every_tie_has_no_conductance() -> None:
    o = org({"A": ["a1", "a2", "a3"]}, [("a1", "a2", 1.0), ("a2", "a3", 2.0)])
    (a,) = metrics(o)
    # vol = 2W = 6: nothing outside, 2W - vol = 0, so conductance is undefined
    assert (a.ei_index, a.internal_share, a.insularity, a.conductance) == (-1.0, 1.0, 1.0, None)
    assert (a.effective_partners, a.external_top2_share, a.external_reach) == (None, None, 0)


def test_graph_without_ties() -> None:
    o = org({"A": ["a1", "a2"], "B": ["b1"]}, [])
    for gm in metrics(o):
        assert gm.internal_weight == gm.external_weight == 0 and gm.active == 0
        assert gm.ei_index is None and gm.expected_internal_share is None


def test_zero_weight_row_is_not_a_tie() -> None:
    # a ticket handoff whose coefficient was 0: an edge of weight 0, not a tie
    o = Org(["a1", "b1"], {"a1": "A", "b1": "B"}, [Tie("a1", "b1", 0.0, ticket=1.0, handoffs=1)])
    for gm in metrics(o):
        assert (gm.active, gm.external_ties, gm.external_reach, gm.ei_index) == (0, 0, 0, None)


def test_partition_must_cover_the_graph() -> None:
    g, _ = hand_example().graph()
    with pytest.raises(ValueError, match="partition has 2 members"):
        group_metrics(g, Partition.from_labels(["A", "B"]))


@settings(max_examples=150, deadline=None)
@given(orgs())
def test_matches_networkx(o: Org) -> None:
    assert_matches(metrics(o), oracle(o))


@settings(max_examples=100, deadline=None)
@given(orgs())
def test_ei_index_in_range(o: Org) -> None:
    for gm in metrics(o):
        for value in (gm.ei_index, gm.ei_index_ties):
            assert value is None or -1 <= value <= 1
        assert gm.internal_share is None or 0 <= gm.internal_share <= 1
        assert gm.active <= gm.headcount and gm.external_carriers <= gm.active


@settings(max_examples=60, deadline=None)
@given(orgs(min_people=2), st.randoms(use_true_random=False))
def test_relabelling_people_changes_no_group_metric(o: Org, rnd: random.Random) -> None:
    shuffled = list(o.people)
    rnd.shuffle(shuffled)
    a = [gm.model_dump() for gm in metrics(o)]
    b = [gm.model_dump() for gm in metrics(Org(shuffled, o.groups, o.ties))]
    _assert_same(a, b)


def _assert_same(a: list[dict], b: list[dict]) -> None:
    # float sums may be added in another order: equal up to rounding
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], float):
                assert y[key] == pytest.approx(x[key], rel=1e-12, abs=1e-12), key
            else:
                assert x[key] == y[key], key
