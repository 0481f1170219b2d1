"""Figures at 320 teams stay legible: the most relevant groups first, every group on request; flags say how sure they are."""

from __future__ import annotations


import plotly.graph_objects as go
import pytest

from ona.viz import community_sankey, department_map, interaction_heatmap, silo_ranking
from ona.viz.common import FIGURE_TOP, MAP_LINKS
from ona.viz.style import flag_notes, top_groups
from tests.viz.fine import SILOS, TEAMS, fine_grouping
from tests.viz.results import two_silos


@pytest.fixture(scope="module")
def fine():
    return fine_grouping()


def trace(fig: go.Figure, meta: str):
    (t,) = [t for t in fig.data if t.meta == meta]
    return t


def test_top_groups_put_silos_first_then_the_groups_of_most_weak_links(fine):
    result, _ = fine
    top = top_groups(result, 10)
    silos = [g.group for g in result.groups if g.silo]
    # stable silos before tentative ones
    stable = [g.group for g in result.groups if g.silo and not g.tentative]
    assert set(top[:SILOS]) == set(silos) and set(top[: len(stable)]) == set(stable)
    weak = {}
    for lk in result.links:
        if lk.weak:
            weak[lk.source] = weak.get(lk.source, 0) + 1
            weak[lk.target] = weak.get(lk.target, 0) + 1
    rest = [weak.get(name, 0) for name in top[SILOS:]]
    assert rest == sorted(rest, reverse=True) and rest[0] == max(weak.get(g.group, 0) for g in result.groups if not g.silo)


def test_heatmap_shows_the_most_relevant_groups_and_all_on_request(fine):
    result, _ = fine
    fig = interaction_heatmap(result)
    heat = trace(fig, "ratio")
    assert len(heat.x) == len(heat.y) == FIGURE_TOP
    assert {g.group for g in result.groups if g.silo} <= set(heat.x)
    assert f"the {FIGURE_TOP} most relevant of {TEAMS} teams" in fig.layout.title.subtitle.text
    assert len(fig.to_json()) < 200_000

    every = interaction_heatmap(result, max_groups=None)
    heat = trace(every, "ratio")
    assert len(heat.x) == TEAMS and len(heat.z) == TEAMS
    # compact: the ratio as hover text, names on the rows only, thin rows
    assert heat.customdata is None and heat.text[0][0] is not None
    assert every.layout.xaxis.showticklabels is False and every.layout.yaxis.tickfont.size == 9
    assert every.layout.height <= 200 + 12 * TEAMS
    assert len(every.to_json()) < 3_000_000
    # the same cell in both: the first two shown groups' ratio
    assert interaction_heatmap(result, max_groups=0).to_json() == every.to_json()


def test_a_few_groups_are_all_shown_as_before():
    result, layout = two_silos()
    fig = interaction_heatmap(result)
    assert len(trace(fig, "ratio").x) == len(result.groups)
    assert "most relevant" not in fig.layout.title.subtitle.text
    assert all(t for t in trace(department_map(result, layout), "groups").text)


def test_silo_ranking_shows_the_most_inward_and_every_silo(fine):
    result, _ = fine
    bars = trace(silo_ranking(result), "ranking")
    assert len(bars.y) == FIGURE_TOP
    assert {g.group for g in result.groups if g.silo} <= set(bars.customdata)
    ei = {g.group: g.ei_index for g in result.groups}
    shown = [ei[name] for name in bars.customdata]
    assert max(shown) <= sorted(ei.values())[FIGURE_TOP]
    assert len(trace(silo_ranking(result, max_groups=None), "ranking").y) == TEAMS
    # a tentative silo is pale and says so
    text = dict(zip(bars.customdata, bars.text))
    colours = dict(zip(bars.customdata, bars.marker.color))
    tentative = [g.group for g in result.groups if g.silo and g.tentative]
    stable = [g.group for g in result.groups if g.silo and not g.tentative]
    assert all(text[name].endswith("tentative") for name in tentative)
    assert all("tentative" not in text[name] for name in stable)
    assert {colours[name] for name in tentative}.isdisjoint({colours[name] for name in stable})


def test_department_map_names_the_top_groups_and_draws_the_strongest_links(fine):
    result, layout = fine
    fig = department_map(result, layout)
    nodes = [t for t in fig.data if t.meta == "groups"]
    assert sum(len(t.customdata) for t in nodes) == TEAMS
    named = {name for t in nodes for name, label in zip(t.customdata, t.text) if label}
    assert named == set(top_groups(result, FIGURE_TOP))
    drawn = trace(fig, "link-hover")
    assert len(drawn.x) <= 12 + 2 * MAP_LINKS
    assert "not drawn" in fig.layout.title.subtitle.text
    assert max(s for t in nodes for s in t.marker.size) < 25  # nodes shrink with hundreds of groups
    assert len(fig.to_json()) < 600_000


def test_sankey_pools_the_other_groups(fine):
    result, _ = fine
    fig = community_sankey(result)
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    assert f"{TEAMS - FIGURE_TOP} other teams" in labels
    assert sum(sankey.link.value) == sum(c.size for c in result.communities)


def test_tentative_flags_are_labelled_in_the_hover_text(fine):
    result, layout = fine
    fig = department_map(result, layout)
    hovers = [h for t in fig.data if t.meta in ("groups", "link-hover") for h in t.hovertext]
    assert any("silo (tentative: holds in 64% of resamples)" in h and "seen in: tickets" in h for h in hovers)
    assert any("silo (holds in 95% of resamples)" in h and "seen in: emails, meetings" in h for h in hovers)
    link = [h for h in trace(fig, "link-hover").hovertext if "tentative" in h]
    assert link and "Weak link" in link[0] and "tentative: holds in 64% of resamples" in link[0]
    assert "seen in: tickets" in link[0] and "observed / expected over resamples: 0.10 to 0.30" in link[0]
    ranking = trace(silo_ranking(result), "ranking")
    assert any("tentative: holds in 64% of resamples" in h for h in ranking.hovertext)


def test_flag_notes_of_unflagged_or_unmeasured_items(fine):
    result, _ = fine
    plain = next(g for g in result.groups if not g.silo)
    assert flag_notes(plain) == {"stability": "", "seen_in": "", "interval": "", "tentative": ""}
    silo = result.groups[0].model_copy(update={"stability": None, "supported_by": [], "ei_interval": None})
    assert flag_notes(silo)["stability"] == "tentative" and flag_notes(silo)["seen_in"] == ""


def test_trend_lines_colour_the_top_groups_and_pool_the_others(fine):
    from ona.viz import trend_lines
    from tests.viz.fine import with_time

    result = with_time(fine[0])
    fig = trend_lines(result)
    lines = [t for t in fig.data if t.meta == "trend"]
    (others,) = [t for t in fig.data if t.meta == "trend-others"]
    assert len(lines) == FIGURE_TOP and others.name == f"{TEAMS - FIGURE_TOP} other teams"
    assert others.x.count(None) == TEAMS - FIGURE_TOP  # one segment per other team
    every = trend_lines(result, max_groups=None)
    assert len([t for t in every.data if t.meta == "trend"]) == TEAMS and every.layout.showlegend is False


def test_before_after_map_names_the_top_groups_and_draws_the_heaviest_links(fine):
    from ona.viz import before_after_map
    from tests.viz.fine import with_time

    result = with_time(fine[0])
    fig = before_after_map(result, fine[1])
    after = [t for t in fig.data if t.meta == "groups-after"]
    named = {c[0] for t in after for c, label in zip(t.customdata, t.text) if label}
    assert result.groups[0].group in named and len(named) <= FIGURE_TOP + 1
    hover = [t for t in fig.data if t.meta == "link-hover-after"][0]
    weak = sum(lk.weak_after for lk in result.comparison.links)
    assert len(hover.x) <= weak + MAP_LINKS
    assert len(fig.to_json()) < 1_500_000
