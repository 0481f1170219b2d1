"""Hand-checked viewer results of two tiny organizations (K = 5).

Both have Alpha (a0-a4) and Beta (b0-b4); meetings give the weights
(hours, two people each):

- inside Alpha: a0-a1 2, a2-a3 1, a3-a4 1 (I = 4); inside Beta: b0-b1 3,
  b2-b3 1 (I = 4);
- Alpha-Beta: a0-b0 1, a1-b1 1, a2-b2 0.5 (W = 2.5, 3 + 3 carriers).
"""

from __future__ import annotations

import pytest

from ona.privacy import for_viewer
from tests.privacy.checks import check_identities, check_names, check_rules
from tests.privacy.orgs import explicit

BASE = [("a0", "a1", 2.0), ("a2", "a3", 1.0), ("a3", "a4", 1.0), ("b0", "b1", 3.0), ("b2", "b3", 1.0),
        ("a0", "b0", 1.0), ("a1", "b1", 1.0), ("a2", "b2", 0.5)]


def check_all(doc: dict, full: object) -> None:
    # not check_arithmetic: hand-picked weights (1, 0.5, 0.25...) are differences of each other by chance
    check_names(doc, full, 5)  # type: ignore[arg-type]
    check_rules(doc, 5)
    check_identities(doc)


def people(**hidden: list[str]) -> dict[str, str]:
    out = {f"a{i}": "Alpha" for i in range(5)} | {f"b{i}": "Beta" for i in range(5)}
    for group, ids in hidden.items():
        out |= dict.fromkeys(ids, group)
    return out


def test_one_group_under_k_leaves_the_viewers_figures() -> None:
    """Hidden (2 people): h0-h1 0.75 inside, a4-h0 1.5 with Alpha.

    Full: Alpha's E = 2.5 + 1.5 = 4, 12 people, W = 4 + 4 + 0.75 + 2.5 + 1.5 = 12.75.
    Viewer: Hidden and its 2.25 of weight are gone: Alpha's E = 2.5, vol = 2 * 4 + 2.5 = 10.5 (Beta too),
    W = 10.5, 10 people; E-I index of Alpha = (2.5 - 4) / 6.5; the Alpha-Beta link expects
    10.5 * 10.5 / 21 = 5.25, ratio 2.5 / 5.25.
    """
    full = explicit(people(Hidden=["h0", "h1"]), [*BASE, ("h0", "h1", 0.75), ("a4", "h0", 1.5)])
    assert full.summary.people == 12 and full.summary.total_weight == pytest.approx(12.75)
    v = for_viewer(full, 5)
    alpha, beta = v.groups
    assert (alpha.group, beta.group) == ("Alpha", "Beta")
    assert v.summary.people == 10 and v.summary.total_weight == pytest.approx(10.5)
    assert alpha.external_weight == pytest.approx(2.5) and alpha.volume == pytest.approx(10.5)
    assert alpha.ei_index == pytest.approx(-1.5 / 6.5)
    assert alpha.active == 5  # a4 met only Hidden: still one of Alpha's active members
    (link,) = v.links
    assert link.expected == pytest.approx(5.25) and link.ratio == pytest.approx(2.5 / 5.25)
    assert v.privacy.suppressed_groups == 1 and v.privacy.people_left_out and v.privacy.pool is None
    assert "Hidden" not in v.to_json()
    assert v.summary.formal_modularity == pytest.approx(8 / 10.5 - 2 * 0.5**2)
    check_all(v.model_dump(mode="json"), full)


def test_two_groups_under_k_with_k_people_are_pooled() -> None:
    """Hx (h0, h1) and Hy (y0-y2), 5 people together: pooled as "other (2 groups under 5)".

    Inside: h0-h1 1, y0-y1 0.5; between them h0-y0 0.25, so the pool's I = 1.75.
    Beta-Hy: b2-y0, b3-y1, b4-y2, 1 each (3 + 3 carriers: shown, W = 3).
    Alpha-Hx: a4-h0 1.5, carried by 2 people: withheld, its weight in no figure.
    Viewer: Alpha E = 2.5; Beta E = 2.5 + 3 = 5.5; pool E = 3, vol = 2 * 1.75 + 3 = 6.5;
    W = 4 + 4 + 1.75 + 2.5 + 3 = 15.25 and 10.5 + 13.5 + 6.5 = 30.5 = 2W.
    """
    meetings = [*BASE, ("h0", "h1", 1.0), ("y0", "y1", 0.5), ("h0", "y0", 0.25),
                ("b2", "y0", 1.0), ("b3", "y1", 1.0), ("b4", "y2", 1.0), ("a4", "h0", 1.5)]
    full = explicit(people(Hx=["h0", "h1"], Hy=["y0", "y1", "y2"]), meetings)
    v = for_viewer(full, 5)
    pool = "other (2 groups under 5)"
    assert [g.group for g in v.groups] == ["Alpha", "Beta", pool]
    alpha, beta, other = v.groups
    assert other.headcount == 5 and other.internal_weight == pytest.approx(1.75) and other.z is None
    assert other.external_weight == pytest.approx(3.0) and other.volume == pytest.approx(6.5)
    assert alpha.external_weight == pytest.approx(2.5) and beta.external_weight == pytest.approx(5.5)
    assert v.summary.total_weight == pytest.approx(15.25) and v.summary.people == 15
    links = {(lk.source, lk.target): lk for lk in v.links}
    withheld = links[("Alpha", pool)]
    assert (withheld.weight, withheld.ties, withheld.ratio) == (0.0, 0, None)
    assert withheld.source_carriers + withheld.target_carriers == 2
    assert links[("Beta", pool)].weight == pytest.approx(3.0)
    assert v.privacy.withheld_links == [f"Alpha | {pool}"] and not v.privacy.people_left_out
    assert "Hx" not in v.to_json() and "Hy" not in v.to_json()
    assert sum(c.groups.get(pool, 0) for c in v.communities) == 5
    check_all(v.model_dump(mode="json"), full)


def test_pooled_groups_are_interchangeable() -> None:
    """Swapping which pooled group each hidden person belongs to (sizes kept under K) changes no
    additive figure a viewer receives: nothing separates one pooled group from another."""
    meetings = [*BASE, ("h0", "h1", 1.0), ("h2", "h3", 0.5), ("h0", "h2", 0.25), ("b2", "h2", 1.0),
                ("b3", "h3", 1.0), ("b4", "h4", 1.0), ("a4", "h0", 1.5)]
    base = people()
    one = base | {"h0": "Hx", "h1": "Hx", "h2": "Hy", "h3": "Hy", "h4": "Hy"}
    two = base | {"h0": "Hy", "h1": "Hx", "h2": "Hx", "h3": "Hy", "h4": "Hy"}

    def additive(p: dict[str, str]) -> dict:
        v = for_viewer(explicit(p, meetings), 5).model_dump(mode="json")
        keep = ("group", "headcount", "active", "internal_weight", "external_weight", "internal_ties",
                "external_ties", "volume", "external_reach", "external_carriers")
        return {
            "summary": {k: v["summary"][k] for k in ("people", "active_people", "ties", "total_weight")},
            "groups": [{k: g[k] for k in keep} for g in v["groups"]],
            "links": [{k: lk[k] for k in ("source", "target", "weight", "ties", "source_carriers",
                                          "target_carriers")} for lk in v["links"]],
            "withheld": v["privacy"]["withheld_links"],
        }

    assert additive(one) == additive(two)
