"""Recommendations: buddy pairs, job shadowing, boundary spanners, second bridges."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ona.analysis.groups import group_metrics
from ona.analysis.links import link_metrics
from ona.analysis.people import person_metrics
from ona.analysis.recommend import overloaded_brokers, recommend, recommendations_for_viewer
from ona.results import GroupMetrics, LinkMetrics, PersonMetrics, Recommendation
from ona.params import AnalysisParams
from tests.orgs import bridges

PARAMS = AnalysisParams()

#: The flags of orgs.bridges' links (its docstring's premises), set by hand: recommend()
#: reads them, the link rules are tested in tests/analysis (with min_link_ties, a
#: link between groups of 6 to 8 people with no tie is too small to judge).
JUDGED: dict[tuple[str, str], dict[str, object]] = {
    ("A", "B"): {"weak": True, "fragile": True, "dependency_without_relationship": True,
                 "weak_reasons": ["dependency_without_relationship: 12 handoffs", "fragile: 2 people"]},
    ("A", "C"): {"weak": True, "fragile": True, "weak_reasons": ["fragile: 1 person"]},
    ("B", "C"): {"weak": True, "under_connected": True, "weak_reasons": ["under_connected: no tie"]},
    ("C", "D"): {"weak": True, "under_connected": True, "weak_reasons": ["under_connected: no tie"]},
}  # fmt: skip


class Case:
    def __init__(self) -> None:
        self.g, self.partition = bridges()
        unflagged = {"weak": False, "fragile": False, "under_connected": False,
                     "dependency_without_relationship": False, "weak_reasons": []}  # fmt: skip
        self.links: list[LinkMetrics] = [
            lk.model_copy(update={**unflagged, **JUDGED.get((lk.source, lk.target), {})})
            for lk in link_metrics(self.g, self.partition, params=PARAMS)
        ]
        self.people: list[PersonMetrics] = person_metrics(self.g, self.partition, params=PARAMS)
        # C marked a silo by hand: recommend() reads the flag, the silo rule is tested elsewhere
        self.groups: list[GroupMetrics] = [
            gm.model_copy(update={"silo": gm.group == "C"}) for gm in group_metrics(self.g, self.partition)
        ]
        self.recs: list[Recommendation] = recommend(
            self.g, self.partition, self.groups, self.links, self.people, params=PARAMS
        )

    def group(self, pid: str) -> str:
        return self.partition.group_of(self.g.index[pid])

    def tied(self, a: str, b: str) -> bool:
        return self.g.graph.get_eid(self.g.index[a], self.g.index[b], error=False) >= 0

    def brokers(self) -> set[str]:
        between = np.array([p.betweenness for p in self.people])
        active = np.array([p.active for p in self.people])
        mask = overloaded_brokers(between, active, AnalysisParams().broker_share)
        return {p.person_id for p, m in zip(self.people, mask, strict=True) if m}


@pytest.fixture(scope="module")
def case() -> Case:
    return Case()


def test_the_organization(case: Case) -> None:
    """The premises (see orgs.bridges and JUDGED)."""
    by_pair = {(lk.source, lk.target): lk for lk in case.links}
    assert {p for p, lk in by_pair.items() if lk.fragile} == {("A", "B"), ("A", "C")}
    assert {p for p, lk in by_pair.items() if lk.under_connected} == {("B", "C"), ("C", "D")}
    assert by_pair[("A", "B")].weak_reasons[0].startswith("dependency_without_relationship")
    # what link_metrics computes and recommend() reads besides the flags
    assert by_pair[("A", "B")].bridge_people[:2] == ["a1", "b1"] and by_pair[("A", "C")].bridge_people == ["a3", "c0"]
    assert by_pair[("A", "B")].handoffs == 12
    assert case.brokers() and case.brokers() <= {"a0", "a1", "a3", "b0", "b1", "c0"}


def test_buddy_pairs_cross_the_groups_untied_and_avoid_brokers(case: Case) -> None:
    buddies = [r for r in case.recs if r.kind == "buddy_pairs"]
    # the dependency A-B, the silo C with its partner B (also the under-connected
    # B-C link) and the under-connected C-D; A-C is only fragile: a second bridge instead
    assert {tuple(sorted(r.groups)) for r in buddies} == {("A", "B"), ("B", "C"), ("C", "D")}
    brokers = case.brokers()
    bridges = {p for lk in case.links if lk.fragile for p in lk.bridge_people[: PARAMS.fragile_carriers]}
    assert bridges == {"a1", "b1", "a3", "c0"}
    for rec in buddies:
        assert rec.pairs, rec
        a, b = rec.groups
        people = [pid for pair in rec.pairs for pid in pair]
        assert len(people) == len(set(people))  # disjoint pairs
        for x, y in rec.pairs:
            assert (case.group(x), case.group(y)) == (a, b)
            assert not case.tied(x, y)
            assert not {x, y} & (brokers | bridges)
        assert rec.person_ids == people and len(rec.roles) == len(people)
    # the A-B pairs share contacts (through the current bridges): best first
    ab = next(r for r in buddies if r.groups == ["A", "B"])
    assert ab.figures["common_contacts_1"] >= 1


def test_every_fragile_link_gets_a_second_bridge(case: Case) -> None:
    fragile = [lk for lk in case.links if lk.fragile]
    assert fragile
    for lk in fragile:
        (rec,) = [r for r in case.recs if r.kind == "second_bridge" and r.groups == [lk.source, lk.target]]
        current = set(lk.bridge_people[: PARAMS.fragile_carriers])
        assert rec.person_ids and not set(rec.person_ids) & current
        assert {case.group(p) for p in rec.person_ids} == {lk.source, lk.target}
    ac = next(r for r in case.recs if r.kind == "second_bridge" and r.groups == ["A", "C"])
    # a3 - c0 is the only A-C tie; the best placed are their colleagues with a two-step path across
    assert ac.figures["current_bridges"] == 2 and ac.figures["top_bridge_share"] == 1.0
    assert all(case.tied(p, bridge) for p, bridge in zip(ac.person_ids, ("a3", "c0"), strict=True))
    # A-B rests on a1 and b1: a0 and b0, who hold the rest of it, are the best placed
    ab = next(r for r in case.recs if r.kind == "second_bridge" and r.groups == ["A", "B"])
    assert ab.pairs == [["a0", "b0"]]


def test_job_shadowing_follows_the_handoffs(case: Case) -> None:
    (rec,) = [r for r in case.recs if r.kind == "job_shadowing"]
    assert rec.groups == ["A", "B"] and rec.figures["handoffs"] == 12
    assert rec.pairs == [["a1", "b1"], ["a0", "b0"]]  # 8 handoffs, then 4


def test_silo_gets_buddies_and_spanners(case: Case) -> None:
    silo = [r for r in case.recs if r.target == "silo"]
    kinds = {r.kind for r in silo}
    assert "recognize_boundary_spanners" in kinds
    spanners = next(r for r in silo if r.kind == "recognize_boundary_spanners")
    assert spanners.groups == ["C"] and spanners.person_ids == ["c0"]  # C's only tie outside
    # C's partner: no handoffs, so the largest shortfall (expected - weight): B (weight 0)
    buddies = next(r for r in silo if r.kind == "buddy_pairs")
    assert buddies.groups == ["C", "B"] and buddies.figures["common_contacts_1"] == 0
    assert "no common contact yet" in buddies.reason


def test_priorities_and_one_of_a_kind_per_pair(case: Case) -> None:
    assert [r.priority for r in case.recs] == list(range(1, len(case.recs) + 1))
    keys = [(r.kind, tuple(sorted(r.groups))) for r in case.recs]
    assert len(keys) == len(set(keys))
    assert case.recs[0].kind == "second_bridge"  # the worst link's most urgent fix comes first


def test_viewer_form_has_no_person(case: Case) -> None:
    views = recommendations_for_viewer(case.recs)
    text = json.dumps([v.model_dump() for v in views])
    assert not any(f'"{pid}"' in text or f" {pid} " in text for pid in case.g.ids)
    for rec in case.recs:  # reasons name groups and figures only, for analysts too
        assert not any(pid in rec.reason.split() for pid in case.g.ids)
    buddy = next(v for v in views if v.kind == "buddy_pairs")
    assert buddy.people == 6 and buddy.roles == {f"buddy in {buddy.groups[0]}": 3, f"buddy in {buddy.groups[1]}": 3}
    small = recommendations_for_viewer(case.recs, headcount={"A": 8, "B": 8, "C": 4}, min_group_size=5)
    assert small and all("C" not in v.groups for v in small)
    assert [v.priority for v in small] == list(range(1, len(small) + 1))


def test_nothing_to_do_in_a_healthy_org() -> None:
    g, partition = bridges()
    groups = group_metrics(g, partition)
    assert recommend(g, partition, groups, [], person_metrics(g, partition, params=PARAMS), params=PARAMS) == []


# --------------------------------------------------------------------------
# broker_share, buddy_pairs, shadow_pairs and boundary_spanners are parameters




def _recommend(case: Case, **changes: object) -> list[Recommendation]:
    return recommend(case.g, case.partition, case.groups, case.links, case.people, params=AnalysisParams(**changes))


def _by_kind(recs: list[Recommendation], kind: str) -> dict[tuple[str, ...], Recommendation]:
    return {tuple(r.groups): r for r in recs if r.kind == kind}


def test_default_counts_are_todays(case: Case) -> None:
    """The defaults reproduce the constants they replaced: 3 buddy pairs, 2 shadowing pairs, 3 spanners."""
    buddies = _by_kind(case.recs, "buddy_pairs")
    assert {g: len(r.pairs) for g, r in buddies.items()} == {("A", "B"): 3, ("C", "B"): 3, ("C", "D"): 3}
    assert buddies[("A", "B")].pairs == [["a0", "b2"], ["a2", "b0"], ["a4", "b3"]]
    assert _by_kind(case.recs, "job_shadowing")[("A", "B")].pairs == [["a1", "b1"], ["a0", "b0"]]
    spanners = _by_kind(case.recs, "recognize_boundary_spanners")
    assert spanners[("A", "B")].person_ids == ["a1", "b1", "a0"] and spanners[("C",)].person_ids == ["c0"]
    assert _recommend(case, broker_share=0.1, buddy_pairs=3, shadow_pairs=2, boundary_spanners=3) == case.recs


def test_buddy_pairs_parameter(case: Case) -> None:
    one = _by_kind(_recommend(case, buddy_pairs=1), "buddy_pairs")
    five = _by_kind(_recommend(case, buddy_pairs=5), "buddy_pairs")
    default = _by_kind(case.recs, "buddy_pairs")
    for key, rec in default.items():
        assert one[key].pairs == rec.pairs[:1]  # the best pair first, whatever the count
        assert five[key].pairs[:3] == rec.pairs and len(five[key].pairs) == 5


def test_shadow_pairs_parameter(case: Case) -> None:
    (rec,) = _by_kind(_recommend(case, shadow_pairs=1), "job_shadowing").values()
    assert rec.pairs == [["a1", "b1"]] and rec.figures["pairs"] == 1 and rec.figures["handoffs"] == 12


def test_boundary_spanners_parameter(case: Case) -> None:
    spanners = _by_kind(_recommend(case, boundary_spanners=1), "recognize_boundary_spanners")
    assert spanners[("A", "B")].person_ids == ["a1"] and spanners[("A", "C")].person_ids == ["a3"]
    assert spanners[("C",)].person_ids == ["c0"]


def test_broker_share_parameter(case: Case) -> None:
    between = np.array([p.betweenness for p in case.people])
    active = np.array([p.active for p in case.people])
    masks = [overloaded_brokers(between, active, share) for share in (0.1, 0.5, 1.0)]
    assert masks[0].sum() < masks[1].sum() < masks[2].sum()  # a larger share: more overloaded brokers
    assert not (masks[0] & ~masks[1]).any() and not (masks[1] & ~masks[2]).any()
    busy = {p.person_id for p, m in zip(case.people, masks[1], strict=True) if m}
    buddies = _by_kind(_recommend(case, broker_share=0.5), "buddy_pairs")
    chosen = {pid for rec in buddies.values() for pid in rec.person_ids}
    assert chosen and not chosen & busy
    assert chosen != {pid for rec in _by_kind(case.recs, "buddy_pairs").values() for pid in rec.person_ids}
    # every active person has some betweenness here: with a share of 1 nobody is left to pair
    assert all(not rec.pairs for rec in _by_kind(_recommend(case, broker_share=1.0), "buddy_pairs").values())
