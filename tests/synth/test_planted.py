"""The planted problems are visible in the raw data, read independently with pandas;
the well-mixed organization shows none of them."""

from __future__ import annotations

import pandas as pd
import pytest

from . import rawdata
from .conftest import Generated

SUPPORT, LOGISTICS = "Customer Support", "Logistics"


def _between(frame: pd.DataFrame, a: str, b: str, x: str, y: str) -> pd.Series:
    """Rows whose columns ``a``/``b`` hold departments ``x`` and ``y`` (either way round)."""
    return ((frame[a] == x) & (frame[b] == y)) | ((frame[a] == y) & (frame[b] == x))


def _emails(g: Generated) -> pd.DataFrame:
    edges = rawdata.email_edges(g.data)
    return edges.assign(sd=edges["src"].map(g.dept), dd=edges["dst"].map(g.dept))


def _handoffs(g: Generated) -> pd.DataFrame:
    h = rawdata.handoffs(g.data)
    return h.assign(da=h["a"].map(g.dept), db=h["b"].map(g.dept))


def _own_share(g: Generated) -> pd.Series:
    """Per department, the share of its email recipients (weighted 1/k) in the department."""
    e = _emails(g)
    return e["w"].where(e["sd"] == e["dd"], 0.0).groupby(e["sd"]).sum() / e.groupby("sd")["w"].sum()


def test_manifest_names_the_plants(planted: Generated) -> None:
    p = planted.manifest.planted
    assert p is not None
    people = planted.data["people"].set_index("person_id")
    assert p.silos.departments == ["Legal", "Finance"]
    assert p.dependency_pair.departments == [SUPPORT, LOGISTICS]
    assert people.loc[p.fragile_link.bridge_person_id, "department"] == "Security"
    team = people.loc[p.cut_off_team.member_ids]
    assert set(team["team"]) == {p.cut_off_team.team} and set(team["department"]) == {"Engineering"}
    assert len(team) == (people["team"] == p.cut_off_team.team).sum()


def test_silos_keep_collaboration_inside(planted: Generated) -> None:
    ei = rawdata.ei_index(rawdata.collaboration(planted.data), planted.dept)
    silos, others = ei[["Legal", "Finance"]], ei.drop(["Legal", "Finance"])
    assert silos.max() < -0.6
    assert silos.max() < others.min() - 0.25
    # Nothing else looks like a silo: every other department is near their median.
    assert others.min() > others.median() - 0.2
    own = _own_share(planted)
    assert own[["Legal", "Finance"]].min() > 0.9 > own.drop(["Legal", "Finance"]).max()
    # Not isolated entirely: both still exchange some email with other departments.
    e = _emails(planted)
    for silo in ("Legal", "Finance"):
        assert ((e["sd"] == silo) != (e["dd"] == silo)).sum() > 5


def test_dependency_pair_hands_tickets_but_barely_talks(planted: Generated) -> None:
    h, e = _handoffs(planted), _emails(planted)
    pair_handoffs = int(_between(h, "da", "db", SUPPORT, LOGISTICS).sum())
    pair_messages = e.loc[_between(e, "sd", "dd", SUPPORT, LOGISTICS), "message_id"].nunique()
    assert pair_handoffs > 0.15 * len(h)
    assert pair_handoffs > 5 * max(pair_messages, 1)
    assert planted.manifest.planted.dependency_pair.ticket_handoffs == pair_handoffs
    # Their email is far below what their sizes and activity predict (ratio W_ab / expected).
    assert _email_ratio(e, SUPPORT, LOGISTICS) < 0.1
    assert _email_ratio(e, SUPPORT, "Sales") > 0.5


def _email_ratio(e: pd.DataFrame, a: str, b: str) -> float:
    vol = pd.concat([e.groupby("sd")["w"].sum(), e.groupby("dd")["w"].sum()]).groupby(level=0).sum()
    total = e["w"].sum()
    weight = e.loc[_between(e, "sd", "dd", a, b), "w"].sum()
    return float(weight / (vol[a] * vol[b] / (2 * total)))


def test_fragile_link_rests_on_the_bridge(planted: Generated) -> None:
    bridge = planted.manifest.planted.fragile_link.bridge_person_id
    e = _emails(planted)
    cross = e[_between(e, "sd", "dd", "Engineering", "Security")]
    assert cross["message_id"].nunique() > 30
    via_bridge = (cross["src"] == bridge) | (cross["dst"] == bridge)
    assert via_bridge.mean() > 0.9
    m = rawdata.meeting_pairs(planted.data)
    m = m[
        _between(
            m.assign(da=m["a"].map(planted.dept), db=m["b"].map(planted.dept)),
            "da",
            "db",
            "Engineering",
            "Security",
        )
    ]
    assert ((m["a"] == bridge) | (m["b"] == bridge)).mean() > 0.9
    # Without the bridge, the link is nearly gone; other Security people talk to others.
    security = {p for p, d in planted.dept.items() if d == "Security"} - {bridge}
    assert (
        cross[cross["src"].isin(security) | cross["dst"].isin(security)]["w"].sum() < 0.1 * cross["w"].sum()
    )


def test_cut_off_team_has_a_single_outside_tie(planted: Generated) -> None:
    plant = planted.manifest.planted.cut_off_team
    members = set(plant.member_ids)
    pairs = rawdata.collaboration(planted.data)
    inside = pairs["a"].isin(members) & pairs["b"].isin(members)
    outside = pairs[pairs["a"].isin(members) != pairs["b"].isin(members)]
    assert len(outside) == 1
    assert set(outside[["a", "b"]].iloc[0]) == set(plant.single_tie)
    assert inside.sum() >= len(members) - 1


def test_well_mixed_shows_no_inward_bias(mixed: Generated) -> None:
    assert mixed.manifest.planted is None
    people = mixed.data["people"]
    size_share = people["department"].value_counts(normalize=True)
    own = _own_share(mixed).reindex(size_share.index, fill_value=0.0)
    big = people["department"].value_counts() >= 10
    assert (own[big] - size_share[big]).abs().max() < 0.07
    ei = rawdata.ei_index(rawdata.collaboration(mixed.data), mixed.dept)
    assert ei.min() > 0.5  # outward, as chance mixing gives for groups of < 25% of the people


def test_well_mixed_plants_nothing(mixed: Generated, planted: Generated) -> None:
    h, e = _handoffs(mixed), _emails(mixed)
    pair_handoffs = int(_between(h, "da", "db", SUPPORT, LOGISTICS).sum())
    pair_messages = e.loc[_between(e, "sd", "dd", SUPPORT, LOGISTICS), "message_id"].nunique()
    assert pair_messages > pair_handoffs
    assert _email_ratio(e, SUPPORT, LOGISTICS) == pytest.approx(1.0, abs=0.35)
    cross = e[_between(e, "sd", "dd", "Engineering", "Security")]
    bridge = planted.manifest.planted.fragile_link.bridge_person_id
    assert ((cross["src"] == bridge) | (cross["dst"] == bridge)).mean() < 0.6


def test_same_people_and_volumes_when_well_mixed(mixed: Generated, planted: Generated) -> None:
    assert (mixed.folder / "people.csv").read_bytes() == (planted.folder / "people.csv").read_bytes()
    for key in ("emails", "meetings", "tickets"):
        assert mixed.manifest.counts[key] == pytest.approx(planted.manifest.counts[key], rel=0.05)
