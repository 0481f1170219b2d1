"""The whole pipeline on the named organizations: contract and findings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import ona
from ona.params import AnalysisParams
from ona.privacy import for_viewer
from tests import orgs

# DESIGN.md "Outputs": the public keys of the result document.
TOP_KEYS = {"summary", "parameters", "groups", "links", "people", "communities", "validation"}
SUMMARY_KEYS = {"people", "active_people", "groups", "ties", "total_weight", "modularity", "nmi", "ari"}
GROUP_KEYS = {
    "group", "headcount", "active", "internal_weight", "external_weight", "ei_index", "ei_index_ties",
    "internal_share", "expected_internal_share", "insularity", "z", "p_value", "silo", "silo_reasons",
}  # fmt: skip
LINK_KEYS = {
    "source", "target", "weight", "ties", "expected", "ratio", "carriers", "bridge_people", "weak",
    "weak_reasons",
}  # fmt: skip
PERSON_KEYS = {"person_id", "group", "degree", "strength", "betweenness", "constraint", "articulation_point"}
COMMUNITY_KEYS = {"community", "size", "groups"}

PARAMS = AnalysisParams(seed=3, permutations=500)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ona.AnalysisResult]:
    base = tmp_path_factory.mktemp("orgs")
    return {name: ona.analyze(make(base / name), PARAMS) for name, make in orgs.NAMED.items()}


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


@pytest.mark.parametrize("name", sorted(orgs.NAMED))
def test_contract(results: dict[str, ona.AnalysisResult], name: str) -> None:
    result = results[name]
    doc = json.loads(result.to_json())
    assert TOP_KEYS <= doc.keys()
    assert SUMMARY_KEYS <= doc["summary"].keys()
    assert all(GROUP_KEYS <= g.keys() for g in doc["groups"])
    assert all(LINK_KEYS <= lk.keys() for lk in doc["links"])
    assert all(PERSON_KEYS <= p.keys() for p in doc["people"])
    assert all(COMMUNITY_KEYS <= c.keys() for c in doc["communities"])
    assert {"files", "rejected"} <= doc["validation"].keys()
    # nothing NaN or infinite anywhere (pydantic would quietly write null)
    assert all(math.isfinite(x) for x in _floats(result.model_dump()))
    # parameters round-trip
    assert AnalysisParams.model_validate(doc["parameters"]) == PARAMS
    # every person of people.csv is there, active or not
    assert doc["summary"]["people"] == len(doc["people"])
    assert sum(g["headcount"] for g in doc["groups"]) == doc["summary"]["people"]


def test_two_silos_are_flagged(results: dict[str, ona.AnalysisResult]) -> None:
    groups = {g.group: g for g in results["two_silos"].groups}
    assert {name for name, g in groups.items() if g.silo} == {"Audit", "Board"}
    codes = {r.split(":")[0] for r in groups["Audit"].silo_reasons}
    assert "inward_beyond_chance" in codes and "inward_vs_organization" in codes
    assert groups["Crew"].silo_reasons == []


def test_well_mixed_has_no_silo(results: dict[str, ona.AnalysisResult]) -> None:
    result = results["well_mixed"]
    assert not any(g.silo for g in result.groups)
    assert result.summary.silos == 0
    assert not any(lk.under_connected for lk in result.links)


def test_single_bridge_person_makes_link_fragile(results: dict[str, ona.AnalysisResult]) -> None:
    result = results["single_bridge_person"]
    link = next(lk for lk in result.links if {lk.source, lk.target} == {"Eng", "Sec"})
    assert link.fragile and link.weak
    assert link.bridge_people[0] == "p020"
    assert any(r.startswith("fragile") for r in link.weak_reasons)
    person = next(p for p in result.people if p.person_id == "p020")
    assert "Eng | Sec" in person.depended_on_by


def test_isolates_and_tiny_groups(results: dict[str, ona.AnalysisResult]) -> None:
    result = results["with_isolates"]
    s = result.summary
    assert (s.people, s.active_people, s.isolates) == (12, 11, 1)
    quiet = next(g for g in result.groups if g.group == "Quiet")
    assert (quiet.headcount, quiet.active) == (1, 0)
    assert quiet.ei_index is None and quiet.ei_index_ties is None and quiet.insularity is None
    loner = next(p for p in result.people if p.group == "Quiet")
    assert loner.role == "inactive" and loner.degree == 0 and loner.constraint is None


def test_viewer_version_hides_people_and_small_groups(results: dict[str, ona.AnalysisResult]) -> None:
    result = results["with_isolates"]
    viewer = for_viewer(result)
    text = viewer.to_json()
    assert viewer.people == []
    assert {g.group for g in viewer.groups} == {"Alpha", "Beta"}
    assert all("Solo" not in (lk.source, lk.target) for lk in viewer.links)
    assert viewer.privacy.audience == "viewer" and viewer.privacy.suppressed_groups == 2
    for person in result.people:
        assert f'"{person.person_id}"' not in text


def test_same_seed_gives_byte_identical_json(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    first = ona.analyze(folder, PARAMS).to_json()
    second = ona.analyze(folder, PARAMS).to_json()
    assert first == second


def test_empty_window_is_a_clear_error(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    params = AnalysisParams(since="2030-01-01T00:00:00Z")
    with pytest.raises(ona.EmptyGraphError, match="time window"):
        ona.analyze(folder, params)


def test_group_by_another_column(tmp_path: Path) -> None:
    folder = orgs.two_silos(tmp_path / "org")
    result = ona.analyze(folder, AnalysisParams(group_by="team", permutations=100))
    assert {g.group for g in result.groups} == {f"{d}-{i}" for d in ("Audit", "Board", "Crew", "Dock") for i in (0, 1)}
    with pytest.raises(ona.ParameterError, match="group_by"):
        ona.analyze(folder, AnalysisParams(group_by="shoe_size"))
