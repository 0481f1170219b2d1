"""The committed sample organization: ona finds what was planted in it.

The truth is sample_data/manifest.json, written by the generator
independently of any analysis code.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import ona
from ona.params import AnalysisParams
from ona.privacy import for_viewer

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PLANTED = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))["planted"]


@pytest.fixture(scope="module")
def result() -> ona.AnalysisResult:
    return ona.analyze(SAMPLE, AnalysisParams(period="month", split="2024-02-15T00:00:00Z"))


def _link(result: ona.AnalysisResult, pair: list[str]):
    return next(lk for lk in result.links if {lk.source, lk.target} == set(pair))


def test_planted_silos_and_only_them(result: ona.AnalysisResult) -> None:
    assert {g.group for g in result.groups if g.silo} == set(PLANTED["silos"]["departments"])


def test_dependency_without_relationship_leads_the_weak_links(result: ona.AnalysisResult) -> None:
    pair = PLANTED["dependency_pair"]["departments"]
    first = result.links[0]
    assert {first.source, first.target} == set(pair)
    assert first.dependency_without_relationship and first.weak
    assert first.weak_reasons[0].startswith("dependency_without_relationship:")
    assert first.handoffs >= PLANTED["dependency_pair"]["ticket_handoffs"]
    # and the first recommendation addresses it
    assert set(result.recommendations[0].groups) == set(pair)


def test_fragile_link_names_its_single_bridge(result: ona.AnalysisResult) -> None:
    planted = PLANTED["fragile_link"]
    link = _link(result, planted["departments"])
    assert link.fragile
    assert link.bridge_people[0] == planted["bridge_person_id"]
    bridge = next(p for p in result.people if p.person_id == planted["bridge_person_id"])
    assert " | ".join(sorted(planted["departments"])) in bridge.depended_on_by
    second = [r for r in result.recommendations if r.kind == "second_bridge" and set(r.groups) == set(planted["departments"])]
    assert second and planted["bridge_person_id"] not in second[0].person_ids


def test_cut_off_team_is_its_own_community(result: ona.AnalysisResult) -> None:
    members = set(PLANTED["cut_off_team"]["member_ids"])
    community = {p.person_id: p.community for p in result.people}
    team_communities = Counter(community[m] for m in members)
    (main, count), = team_communities.most_common(1)
    assert count == len(members)  # the whole team together
    others = [p for p in result.people if p.community == main and p.person_id not in members]
    assert len(others) <= 1  # ... and (almost) nobody else
    engineering = result.groups[[g.group for g in result.groups].index(PLANTED["cut_off_team"]["department"])]
    assert str(main) in engineering.community_split


def test_bad_rows_are_reported(result: ona.AnalysisResult) -> None:
    assert result.validation.rejected_count == len(result.validation.rejected) > 0
    assert all(r.line > 1 and r.reason for r in result.validation.rejected)


def test_viewer_sees_no_person(result: ona.AnalysisResult) -> None:
    viewer = for_viewer(result)
    text = viewer.to_json()
    assert viewer.people == [] and viewer.key_people == []
    assert all(not r.person_ids and not r.pairs for r in viewer.recommendations)
    assert viewer.layout is not None and viewer.layout.people == {}
    for person in result.people:
        assert f'"{person.person_id}"' not in text


def test_trends_and_comparison_are_there(result: ona.AnalysisResult) -> None:
    assert result.trends is not None and [p.label for p in result.trends.periods] == ["2024-01", "2024-02", "2024-03"]
    assert result.comparison is not None
    # nothing was reorganized in the sample: no group became a silo at the split
    assert not any(g.became_silo for g in result.comparison.groups)


def test_the_headline_shows_only_the_planted_problems(result: ona.AnalysisResult) -> None:
    from ona.report import words

    planted = [set(PLANTED["dependency_pair"]["departments"]), set(PLANTED["fragile_link"]["departments"])]
    head, items = words.link_sentences(result)
    assert head.startswith(f"{len(planted)} links between departments call for action")
    problems = words.problem_links(result)
    assert [{lk.source, lk.target} for lk in problems] == planted
    assert all(lk.stability is not None and lk.stability >= 0.95 and not lk.tentative for lk in problems)
    silos = [g for g in result.groups if g.silo]
    assert all(g.stability is not None and g.stability >= 0.95 for g in silos)
    # every other weak link is a quiet pair (under-connected, no dependency shown), counted after the headline
    rest = [lk for lk in result.links if lk.weak and lk not in problems]
    assert all(words.quiet_pair(lk, result.parameters) for lk in rest)
    # the silos' links, their dependencies too, are counted under the silos
    silo_names = {g.group for g in silos}
    assert all(lk.explained_by and not lk.weak for lk in result.links
               if lk.dependency_without_relationship and {lk.source, lk.target} & silo_names)


def test_the_planted_dependency_rests_on_tickets(result: ona.AnalysisResult) -> None:
    link = _link(result, PLANTED["dependency_pair"]["departments"])
    assert link.supported_by == ["ticket"]
    assert link.holds_without == {"email": True, "meeting": True, "ticket": False}
