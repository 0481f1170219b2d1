"""Planted link problems against ona's flags (issue 11: findings that hold up).

The truth comes from :func:`tests.synth.linkorgs.make_link_org`, which shares
no code with ona: three organizations of ~500 people in 14 departments over
13 weeks, each analyzed once (module fixtures):

- ``planted``: 2 silos, 3 fragile links, 3 under-connected links and 3
  dependencies without relationship, the first of them on tickets only;
- ``late_silo``: the same kind of organization whose second silo is one
  only from week 7 on (the second half); five of them (seeds 0-4, the
  first five, not chosen), since whether a bootstrap of weeks finds such a
  silo tentative varies from one organization to the next;
- ``control``: everyone picks partners regardless of department, nothing
  planted.

First the truth is checked on the raw CSVs (read with pandas, not ona), then
ona's findings are held to it: weak-link precision and recall, the control,
links explained by a silo, stability, and channel support.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ona
from ona import AnalysisParams
from ona.results import AnalysisResult, GroupMetrics, LinkMetrics
from tests.synth import rawdata
from tests.synth.linkorgs import LinkOrgTruth, make_link_org, pair

PERMUTATIONS = 200
MIN_PRECISION = MIN_RECALL = 0.9
LATE_FROM_WEEK = 7  # of 13: the second half


@dataclass(frozen=True)
class Analyzed:
    truth: LinkOrgTruth
    result: AnalysisResult

    @property
    def links(self) -> dict[tuple[str, str], LinkMetrics]:
        return {(lk.source, lk.target): lk for lk in self.result.links}

    @property
    def groups(self) -> dict[str, GroupMetrics]:
        return {gm.group: gm for gm in self.result.groups}


def _analyze(folder: Path, truth: LinkOrgTruth, **params: int) -> Analyzed:
    return Analyzed(truth, ona.analyze(folder, AnalysisParams(permutations=PERMUTATIONS, **params)))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Analyzed:
    folder = tmp_path_factory.mktemp("planted_links")
    truth = make_link_org(folder, seed=11, ticket_only_dependency=True)
    return _analyze(folder, truth)  # default stability_resamples (200)


@pytest.fixture(scope="module", params=range(5), ids=lambda seed: f"seed{seed}")
def late_silo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Analyzed:
    folder = tmp_path_factory.mktemp("late_silo")
    truth = make_link_org(folder, seed=request.param, silo_from_week=LATE_FROM_WEEK)
    return _analyze(folder, truth)


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Analyzed:
    folder = tmp_path_factory.mktemp("well_mixed")
    truth = make_link_org(folder, seed=13, well_mixed=True)
    return _analyze(folder, truth, stability_resamples=0)


def figures(lk: LinkMetrics) -> str:
    """A link's flags and the figures behind them, for failure messages."""
    return (
        f"{lk.source}|{lk.target}: weak={lk.weak} under_connected={lk.under_connected} fragile={lk.fragile} "
        f"dependency={lk.dependency_without_relationship} explained_by={lk.explained_by} judged={lk.judged}; "
        f"weight={lk.weight:.1f} expected={lk.expected:.1f} ratio={lk.ratio} ties={lk.ties} "
        f"handoffs={lk.handoffs} channels={ {c: round(w, 1) for c, w in lk.channels.items() if w} } "
        f"carriers={lk.source_carriers}+{lk.target_carriers} "
        f"bridge_shares={[round(s, 2) for s in lk.bridge_shares]} p_value={lk.p_value} z={lk.z} "
        f"dependency_p_value={lk.dependency_p_value} fragile_p_value={lk.fragile_p_value} "
        f"reasons={lk.weak_reasons}"
    )


# --------------------------------------------------------------------------
# The truth, on the raw files


def _raw_weights(folder: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per unordered pair of people and channel, the weight of DESIGN.md (read with pandas)."""
    data = rawdata.read(folder)
    data["emails"] = data["emails"].assign(cc="", bcc="")
    parts = [
        rawdata.undirected(rawdata.email_edges(data), "src", "dst").assign(channel="email"),
        rawdata.undirected(rawdata.meeting_pairs(data), "a", "b").assign(channel="meeting"),
        rawdata.undirected(rawdata.handoffs(data), "a", "b").assign(channel="ticket"),
    ]
    people = data["people"]
    dept = dict(zip(people["person_id"], people["department"], strict=True))
    w = pd.concat(parts, ignore_index=True)
    da, db = w["a"].map(dept), w["b"].map(dept)
    w["da"], w["db"] = np.where(da < db, da, db), np.where(da < db, db, da)
    return w, dept


def _per_head_pair(w: pd.DataFrame, truth: LinkOrgTruth) -> pd.Series:
    """Cross weight of every pair of departments over n_a * n_b (0 where there is none)."""
    names = sorted(truth.departments)
    full = pd.MultiIndex.from_tuples([(a, b) for i, a in enumerate(names) for b in names[i + 1:]])
    cross = w[w["da"] != w["db"]].groupby(["da", "db"])["w"].sum().reindex(full, fill_value=0.0)
    heads = np.array([truth.departments[a] * truth.departments[b] for a, b in full])
    return cross / heads


def test_the_truth_is_in_the_raw_files(planted: Analyzed) -> None:
    truth = planted.truth
    w, _ = _raw_weights(truth.folder)
    per_head = _per_head_pair(w, truth)
    silo_pairs = {p for p in per_head.index if set(p) & set(truth.silos)}
    ordinary = per_head.drop(list(truth.weak_pairs | silo_pairs))
    base = ordinary.median()
    # every ordinary pair collaborates at a similar level per head: none is naturally under-connected
    assert ordinary.between(0.4 * base, 2.5 * base).all(), ordinary[~ordinary.between(0.4 * base, 2.5 * base)]
    for p in truth.under_connected:
        assert per_head[p] < 0.1 * base, p
    cross = w[w["da"] != w["db"]]
    for p in truth.dependencies:
        rows = cross[(cross["da"] == p[0]) & (cross["db"] == p[1])]
        assert rows.loc[rows["channel"] == "ticket", "w"].sum() >= 100, p
        relationship = rows.loc[rows["channel"] != "ticket", "w"].sum()
        assert relationship / (truth.departments[p[0]] * truth.departments[p[1]]) < 0.1 * base, p
        if p in truth.ticket_only:
            assert relationship == 0, p
    for p in truth.fragile:
        rows = cross[(cross["da"] == p[0]) & (cross["db"] == p[1])]
        bridges = set(truth.bridges[p])
        assert (rows["a"].isin(bridges) | rows["b"].isin(bridges)).all(), p  # every exchange
        assert per_head[p] > 0.5 * base, p  # at the normal level
    for silo in truth.silos:
        assert (per_head[[q for q in silo_pairs if silo in q]] < 0.3 * base).all(), silo


def test_the_same_seed_writes_the_same_files(planted: Analyzed, tmp_path: Path) -> None:
    again = make_link_org(tmp_path, seed=11, ticket_only_dependency=True)
    assert again.weak_pairs == planted.truth.weak_pairs and again.silos == planted.truth.silos
    for name in ("people.csv", "emails.csv", "meetings.csv", "tickets.csv"):
        assert (tmp_path / name).read_bytes() == (planted.truth.folder / name).read_bytes(), name


def test_the_control_mixes_regardless_of_department(control: Analyzed) -> None:
    w, _ = _raw_weights(control.truth.folder)
    per_head = _per_head_pair(w, control.truth)
    inside = w[w["da"] == w["db"]].groupby("da")["w"].sum()
    sizes = pd.Series(control.truth.departments)
    inside_per_head = inside / (sizes * (sizes - 1) / 2)
    assert per_head.between(0.5 * per_head.median(), 2 * per_head.median()).all()
    # a pair inside a department is no likelier than a pair across
    assert inside_per_head.median() == pytest.approx(per_head.median(), rel=0.35)


# --------------------------------------------------------------------------
# Weak links: precision and recall


def _caught(truth: LinkOrgTruth, lk: LinkMetrics) -> bool:
    """The planted problem came out under its own flag."""
    p = (lk.source, lk.target)
    return (
        (p not in truth.fragile or lk.fragile)
        and (p not in truth.under_connected or (lk.under_connected and lk.weak))
        and (p not in truth.dependencies or lk.dependency_without_relationship)
    )


def test_weak_link_recall(planted: Analyzed) -> None:
    truth, links = planted.truth, planted.links
    missed = [figures(links[p]) for p in sorted(truth.weak_pairs) if not _caught(truth, links[p])]
    recall = 1 - len(missed) / len(truth.weak_pairs)
    assert recall >= MIN_RECALL, f"recall {recall:.2f}; missed:\n" + "\n".join(missed)


def test_weak_link_precision(planted: Analyzed) -> None:
    truth, links = planted.truth, planted.links
    weak = [p for p, lk in links.items() if lk.weak]
    wrong = [figures(links[p]) for p in sorted(weak) if p not in truth.weak_pairs]
    precision = 1 - len(wrong) / len(weak) if weak else 0.0
    assert precision >= MIN_PRECISION, f"precision {precision:.2f} over {len(weak)} weak links; not planted:\n" + (
        "\n".join(wrong)
    )


def test_planted_silos_are_the_silos(planted: Analyzed, late_silo: Analyzed) -> None:
    assert {g for g, gm in planted.groups.items() if gm.silo} == set(planted.truth.silos)
    assert set(late_silo.truth.stable_silos) <= {g for g, gm in late_silo.groups.items() if gm.silo}


def test_control_has_no_weak_link_and_no_silo(control: Analyzed) -> None:
    weak = [figures(lk) for lk in control.result.links if lk.weak]
    silos = [gm.group for gm in control.result.groups if gm.silo]
    assert not weak and not silos, f"silos {silos}; weak links:\n" + "\n".join(weak)
    assert control.result.summary.weak_links == 0 and control.result.summary.silos == 0


# --------------------------------------------------------------------------
# Links a silo explains


def test_under_connected_silo_links_are_explained_by_the_silo(planted: Analyzed) -> None:
    truth = planted.truth
    checked, wrong = 0, []
    for silo in truth.silos:
        for other in truth.departments:
            if other in truth.silos:
                continue  # two silos: the next test
            lk = planted.links[pair(silo, other)]
            if not lk.under_connected:
                continue
            checked += 1
            if lk.explained_by != f"silo: {silo}" or (
                lk.weak and not (lk.fragile or lk.dependency_without_relationship)
            ):
                wrong.append(figures(lk))
    assert checked >= len(truth.departments) // 2, "too few silo links under-connected to test"
    assert not wrong, "\n".join(wrong)


def test_link_between_two_silos_is_explained_by_a_silo(planted: Analyzed) -> None:
    """Two silos barely meet because each keeps to itself: not a problem of their own."""
    a, b = planted.truth.silos[:2]
    lk = planted.links[pair(a, b)]
    if lk.under_connected:
        assert lk.explained_by in {f"silo: {a}", f"silo: {b}"} and not lk.weak, figures(lk)


# --------------------------------------------------------------------------
# Stability (time-block bootstrap of weeks, default stability_resamples)


def test_a_silo_of_the_second_half_only_is_tentative_or_no_silo(late_silo: Analyzed) -> None:
    (late,) = late_silo.truth.silo_from_week
    gm = late_silo.groups[late]
    assert not gm.silo or (gm.tentative and gm.stability is not None and gm.stability < 0.8), (
        f"{late}: silo={gm.silo} stability={gm.stability} tentative={gm.tentative} ei_index={gm.ei_index:.2f} "
        f"ei_interval={gm.ei_interval}"
    )


def test_a_silo_throughout_is_stable(planted: Analyzed, late_silo: Analyzed) -> None:
    for org in (planted, late_silo):
        for silo in org.truth.stable_silos:
            gm = org.groups[silo]
            assert gm.silo and gm.stability is not None and gm.stability >= 0.95 and not gm.tentative, (
                f"{silo}: silo={gm.silo} stability={gm.stability} tentative={gm.tentative}"
            )


def test_planted_weak_links_are_stable(planted: Analyzed) -> None:
    """Link problems planted over the whole period hold in (nearly) every resample of its weeks."""
    truth = planted.truth
    shaky = [
        f"{figures(lk)} stability={lk.stability} flag_stability={lk.flag_stability} tentative={lk.tentative}"
        for p, lk in planted.links.items()
        if p in truth.weak_pairs and _caught(truth, lk)
        and (lk.stability is None or lk.stability < 0.95 or lk.tentative)
    ]
    assert not shaky, "\n".join(shaky)


# --------------------------------------------------------------------------
# Channel support


def test_a_ticket_only_dependency_rests_on_tickets(planted: Analyzed) -> None:
    (p,) = planted.truth.ticket_only
    lk = planted.links[p]
    assert lk.dependency_without_relationship, figures(lk)
    assert lk.supported_by == ["ticket"], (lk.supported_by, lk.holds_without)
    assert lk.holds_without.get("ticket") is False, lk.holds_without
    assert lk.holds_without.get("email") is True, lk.holds_without
