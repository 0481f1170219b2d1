"""Figure builders: the right traces, node counts, colours tied to metrics, no identities for viewers."""

from __future__ import annotations

import json
import math

import plotly.graph_objects as go
import pytest

from ona.privacy import for_viewer
from ona.viz import (
    ANALYSTS_ONLY,
    community_sankey,
    department_map,
    group_order,
    interaction_heatmap,
    people_map,
    silo_ranking,
)
from ona.viz.style import DIVERGING, WEAK, esc
from tests.viz.results import SCRIPT, hostile_names, ids_of, no_findings, two_silos


@pytest.fixture(scope="module")
def org():
    return two_silos()


def traces(fig: go.Figure, meta: str) -> list:
    return [t for t in fig.data if t.meta == meta]


def figure_text(fig: go.Figure) -> str:
    return fig.to_json()


def all_figures(result, layout) -> dict[str, go.Figure]:
    return {
        "department_map": department_map(result, layout),
        "department_map_insularity": department_map(result, layout, color_by="insularity"),
        "people_map": people_map(result, layout),
        "people_map_community": people_map(result, layout, color_by="community"),
        "interaction_heatmap": interaction_heatmap(result, layout),
        "silo_ranking": silo_ranking(result, layout),
        "silo_ranking_insularity": silo_ranking(result, layout, metric="insularity"),
        "community_sankey": community_sankey(result, layout),
    }


# -- department map ---------------------------------------------------------


def test_department_map_has_one_node_per_group_sized_by_headcount(org):
    result, layout = org
    fig = department_map(result, layout)
    nodes = traces(fig, "groups")
    names = [name for t in nodes for name in t.customdata]
    assert sorted(names) == sorted(g.group for g in result.groups)
    sizes = {name: s for t in nodes for name, s in zip(t.customdata, t.marker.size)}
    headcount = {g.group: g.headcount for g in result.groups}
    ranked = sorted(headcount, key=headcount.get)
    assert [sizes[n] for n in ranked] == sorted(sizes.values())
    # positions are the stored layout's
    for t in nodes:
        for name, x, y in zip(t.customdata, t.x, t.y):
            assert (x, y) == layout.groups[name]


def test_department_map_colour_is_the_ei_index_on_a_fixed_diverging_scale(org):
    result, layout = org
    (nodes,) = traces(department_map(result, layout), "groups")
    ei = {g.group: g.ei_index for g in result.groups}
    assert list(nodes.marker.color) == [ei[n] for n in nodes.customdata]
    assert (nodes.marker.cmin, nodes.marker.cmax) == (-1.0, 1.0)
    assert nodes.marker.showscale and nodes.marker.colorbar.title.text == "E-I index"
    # the most inward group takes the low end of the scale, which is red
    lowest = min(ei, key=ei.get)
    colours = dict(zip(nodes.customdata, nodes.marker.color))
    assert colours[lowest] == min(colours.values())
    low_end = nodes.marker.colorscale[0][1]
    assert low_end == DIVERGING[0][1] and low_end.startswith("rgb(103,0,31")


def test_department_map_insularity_colour_is_log2_centred_on_chance(org):
    result, layout = org
    (nodes,) = traces(department_map(result, layout, color_by="insularity"), "groups")
    ins = {g.group: g.insularity for g in result.groups}
    for name, value in zip(nodes.customdata, nodes.marker.color):
        assert value == pytest.approx(math.log2(ins[name]), abs=1e-4)
    assert nodes.marker.cmin == -nodes.marker.cmax
    # high insularity is red: the scale is reversed
    assert nodes.marker.colorscale[-1][1] == DIVERGING[0][1]
    with pytest.raises(ValueError, match="^color_by must be 'ei_index' or 'insularity', not 'headcount'$"):
        department_map(result, layout, color_by="headcount")


def test_silos_are_outlined(org):
    result, layout = org
    (nodes,) = traces(department_map(result, layout), "groups")
    silo = {g.group: g.silo for g in result.groups}
    widths = dict(zip(nodes.customdata, nodes.marker.line.width))
    assert {n for n, w in widths.items() if w == max(widths.values())} == {n for n, s in silo.items() if s}


def test_weak_links_are_red_and_dashed_and_normal_links_are_not(org):
    result, layout = org
    fig = department_map(result, layout)
    weak = traces(fig, "weak-links")
    normal = traces(fig, "links")
    assert weak and normal
    assert all(t.line.dash == "dash" and t.line.color == WEAK for t in weak)
    assert all(t.line.dash == "solid" and t.line.color != WEAK for t in normal)
    # one segment (3 points: a, b, gap) per weak link
    assert sum(len(t.x) for t in weak) == 3 * sum(lk.weak for lk in result.links)


def test_only_the_most_serious_weak_links_are_emphasized(org):
    result, layout = org
    fig = department_map(result, layout, max_weak=1)
    (serious,) = traces(fig, "weak-links")
    minor = traces(fig, "weak-links-minor")
    assert len(serious.x) == 3 and sum(len(t.x) for t in minor) == 3 * (sum(lk.weak for lk in result.links) - 1)
    # the dependency without relationship (Finance - IT) is the one emphasized
    assert {tuple(serious.x[:2])} == {(layout.groups["Finance"][0], layout.groups["IT"][0])}
    assert all(t.line.dash == "dot" for t in minor)


def test_hover_shows_figures_and_reasons(org):
    result, layout = org
    fig = department_map(result, layout)
    (nodes,) = traces(fig, "groups")
    hover = dict(zip(nodes.customdata, nodes.hovertext))
    for g in result.groups:
        assert f"headcount {g.headcount}" in hover[g.group]
        for reason in g.silo_reasons:
            assert esc(reason.split(": ", 1)[-1]) in hover[g.group]
    (mid,) = traces(fig, "link-hover")
    text = "\n".join(mid.hovertext)
    for lk in result.links:
        for reason in lk.weak_reasons:
            assert esc(reason.split(": ", 1)[1]) in text


def test_department_map_without_layout_uses_a_circle(org):
    result, _ = org
    (nodes,) = traces(department_map(result, None), "groups")
    radii = {round(math.hypot(x, y), 3) for x, y in zip(nodes.x, nodes.y)}
    assert radii == {0.8}


# -- people map --------------------------------------------------------------


def test_people_map_uses_webgl_and_places_everyone(org):
    result, layout = org
    fig = people_map(result, layout)
    people = traces(fig, "people")
    assert people and all(isinstance(t, go.Scattergl) for t in people)
    assert sum(len(t.x) for t in people) == len(result.people)
    assert {t.name for t in people} == {g.group for g in result.groups}
    ties = traces(fig, "ties")
    assert all(isinstance(t, go.Scattergl) for t in ties)
    assert sum(len(t.x) for t in ties) == 3 * len(layout.edges)


def test_people_map_marks_brokers_and_articulation_points(org):
    result, layout = org
    fig = people_map(result, layout, brokers=3)
    (brokers,) = traces(fig, "brokers")
    top = sorted(result.people, key=lambda p: (-p.betweenness, p.person_id))[:3]
    assert [c[0] for c in brokers.customdata] == [p.person_id for p in top]
    (cut,) = traces(fig, "articulation-points")
    assert [c[0] for c in cut.customdata] == [p.person_id for p in result.people if p.articulation_point]


def test_people_map_colours_by_community(org):
    result, layout = org
    fig = people_map(result, layout, color_by="community")
    assert {t.name for t in traces(fig, "people")} == {"community 0", "community 1"}
    with pytest.raises(ValueError, match="^color_by must be 'group' or 'community', not 'title'$"):
        people_map(result, layout, color_by="title")


def test_people_map_labels_hide_ids(org):
    result, layout = org
    pid = result.people[0].person_id
    fig = people_map(result, layout, labels={pid: "Person A (Finance)"})
    text = figure_text(fig)
    assert "Person A (Finance)" in text
    assert not [p for p in ids_of(result) if f'"{p}"' in text]


def test_people_map_needs_a_layout(org):
    result, _ = org
    with pytest.raises(ValueError, match="Layout"):
        people_map(result, None)


def test_viewer_people_map_is_a_message_without_data(org):
    result, layout = org
    fig = people_map(for_viewer(result), layout)
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == esc(ANALYSTS_ONLY)


def test_viewer_figures_hold_no_person_id(org):
    result, layout = org
    viewer = for_viewer(result)
    for name, fig in all_figures(viewer, layout).items():
        text = figure_text(fig)
        leaked = [p for p in ids_of(result) if p in text]
        assert not leaked, f"{name} shows {leaked[:3]}"


def test_labels_replace_ids_quoted_in_reasons(org):
    """Reasons name no person today; should one quote person_ids, labels still hide them."""
    result, layout = org
    pid = result.people[0].person_id
    links = [
        lk.model_copy(update={"weak_reasons": [*lk.weak_reasons, f"fragile: removing 1 person ({pid}) would cut it"]})
        if lk.weak else lk
        for lk in result.links
    ]  # fmt: skip
    quoting = result.model_copy(update={"links": links})
    assert pid in figure_text(department_map(quoting, layout))
    labels = {p.person_id: f"Person {i}" for i, p in enumerate(result.people)}
    text = figure_text(department_map(quoting, layout, labels=labels))
    assert not [p for p in ids_of(result) if p in text]
    assert "removing 1 person (Person 0) would cut it" in text


def test_viewer_figures_drop_suppressed_groups(org):
    result, layout = org
    viewer = for_viewer(result)  # HR has 3 people, under min_group_size 5
    (nodes,) = traces(department_map(viewer, layout), "groups")
    assert "HR" not in nodes.customdata
    heat = interaction_heatmap(viewer)
    assert "HR" not in heat.data[0].x


# -- heatmap -----------------------------------------------------------------


def test_heatmap_values_are_observed_over_expected(org):
    result, _ = org
    fig = interaction_heatmap(result)
    (heat,) = traces(fig, "ratio")
    labels = list(heat.x)
    assert labels == list(heat.y) == group_order(result)
    assert len(labels) == len(result.groups)
    for lk in result.links:
        i, j = labels.index(lk.source), labels.index(lk.target)
        ratio = lk.weight / lk.expected
        for a, b in ((i, j), (j, i)):
            assert heat.customdata[a][b][0] == pytest.approx(ratio, rel=1e-4)  # the result rounds to 6 decimals
            assert heat.z[a][b] == pytest.approx(max(-6, min(6, math.log2(ratio))), abs=1e-4)
    for g in result.groups:
        i = labels.index(g.group)
        assert heat.customdata[i][i][0] == pytest.approx(g.insularity)
        # diagonal: observed I_d against vol(d)^2 / 4W
        expected = g.volume**2 / (4 * result.summary.total_weight)
        assert heat.customdata[i][i][2] == pytest.approx(expected, rel=1e-4)
    assert heat.zmid == 0 and heat.zmin == -heat.zmax


def test_heatmap_marks_weak_links_both_ways(org):
    result, _ = org
    (weak,) = traces(interaction_heatmap(result), "weak-links")
    assert len(weak.x) == 2 * sum(lk.weak for lk in result.links)


def test_heatmap_order_puts_each_community_block_together(org):
    result, _ = org
    order = group_order(result)
    home = {g.group: max(g.community_split, key=g.community_split.get) for g in result.groups}
    blocks = [home[name] for name in order]
    # each community's groups are contiguous
    assert blocks == sorted(blocks, key=lambda c: blocks.index(c))
    within = [n for n in order if home[n] == blocks[0]]
    ei = {g.group: g.ei_index for g in result.groups}
    assert within == sorted(within, key=lambda n: ei[n])


# -- ranking and sankey ------------------------------------------------------


def test_silo_ranking_sorts_inward_first_and_highlights_silos(org):
    result, _ = org
    fig = silo_ranking(result)
    (bars,) = traces(fig, "ranking")
    ei = [g.ei_index for g in sorted(result.groups, key=lambda g: g.ei_index)]
    assert list(bars.x) == ei
    silo = {g.group: g.silo for g in result.groups}
    colours = dict(zip(bars.customdata, bars.marker.color))
    assert len({colours[n] for n in silo if silo[n]}) == 1
    assert not {colours[n] for n in silo if silo[n]} & {colours[n] for n in silo if not silo[n]}
    # significance is starred (p 0.002 < alpha / 5)
    text = dict(zip(bars.customdata, bars.text))
    assert all(text[n].endswith("**") for n in silo if silo[n])
    assert not any("*" in text[n] for n in silo if not silo[n])


def test_silo_ranking_by_insularity_uses_a_log_axis(org):
    result, _ = org
    fig = silo_ranking(result, metric="insularity")
    (bars,) = traces(fig, "ranking")
    assert list(bars.x) == sorted(bars.x, reverse=True)
    assert fig.layout.xaxis.type == "log"


def test_sankey_flows_match_the_communities(org):
    result, _ = org
    (sankey,) = traces(community_sankey(result), "sankey")
    assert sum(sankey.link.value) == sum(c.size for c in result.communities)
    labels = list(sankey.node.label)
    assert {g.group for g in result.groups} <= set(labels)
    assert sum(1 for label in labels if label.startswith("community ")) == len(result.communities)


def test_sankey_pools_small_communities(org):
    result, _ = org
    (sankey,) = traces(community_sankey(result, max_communities=1), "sankey")
    assert any("smaller communities" in label for label in sankey.node.label)
    assert sum(sankey.link.value) == sum(c.size for c in result.communities)


# -- every figure ------------------------------------------------------------


def test_every_figure_serializes_and_embeds_no_url(org):
    result, layout = org
    for name, fig in all_figures(result, layout).items():
        text = fig.to_json()
        json.loads(text)
        assert "http://" not in text and "https://" not in text, name
        assert fig.layout.title.text, name


def test_names_with_markup_are_escaped_in_every_figure():
    result, layout = hostile_names()
    for name, fig in all_figures(result, layout).items():
        text = fig.to_json()
        assert SCRIPT not in text, name
        assert "<b>R&D" not in text
    (nodes,) = traces(department_map(result, layout), "groups")
    assert esc(SCRIPT) in nodes.text


def test_figures_are_correct_without_findings():
    result, layout = no_findings()
    fig = department_map(result, layout)
    assert not traces(fig, "weak-links")
    (nodes,) = traces(fig, "groups")
    assert set(nodes.marker.line.width) == {1.5}
    assert not traces(interaction_heatmap(result), "weak-links")


def test_figures_do_not_mutate_the_result(org):
    result, layout = org
    before = result.model_dump_json() + layout.model_dump_json()
    all_figures(result, layout)
    assert result.model_dump_json() + layout.model_dump_json() == before


def test_relabel_rewrites_only_lists_of_known_ids():
    from ona.viz.style import relabel

    known = {"17", "P1", "P2"}
    labels = {"17": "Person A (IT)"}
    text = "removing 1 person (17) would cut 17% of weight 1.0 (ratio 0.17, below 0.25)"
    assert relabel(text, labels, known) == (
        "removing 1 person (Person A (IT)) would cut 17% of weight 1.0 (ratio 0.17, below 0.25)"
    )
    assert relabel("removing 2 people (P1, P2)", labels, known) == "removing 2 people (a person, a person)"
    assert relabel("removing 2 people (P1, P2)", None, known) == "removing 2 people (P1, P2)"
