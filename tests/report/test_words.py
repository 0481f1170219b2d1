"""ona.report.words: one vocabulary (labels, numbers, durations) and nothing of the figures; the method section."""

from __future__ import annotations

import re
import subprocess
import sys
import typing

import pytest

from ona.params import AnalysisParams
from ona.report import render_report
from ona.report.method import method_parts
from ona.report.words import KIND_WORDS, hours, kind_label, link_kinds, role_counts, weak_links_in_order
from ona.results import RecommendationKind


@pytest.mark.parametrize(
    ("h", "text"),
    [(0.0, "under an hour"), (0.99, "under an hour"), (1.0, "1 hour"), (1.4, "1 hour"), (21.3, "21 hours"),
     (47.4, "47 hours"), (48.0, "2.0 days"), (93.0, "3.9 days"), (None, "—")],
)  # fmt: skip
def test_hours_in_words(h, text):
    assert hours(h) == text


def test_every_recommendation_kind_has_one_title():
    kinds = typing.get_args(RecommendationKind)
    assert set(KIND_WORDS) == set(kinds)
    assert {kind_label(k) for k in kinds} == {"Second bridge", "Buddy pairs", "Job shadowing",
                                              "Recognize the boundary spanners"}  # fmt: skip


def test_role_counts_largest_first_from_either_form():
    assert role_counts(["buddy in A", "buddy in B", "buddy in A"]) == ["2 × buddy in A", "1 × buddy in B"]
    assert role_counts({"liaison": 1, "bridge": 3}) == ["3 × bridge", "1 × liaison"]
    assert role_counts([]) == []


def test_link_kinds_and_order(service_org):
    result, _ = service_org
    weak = weak_links_in_order(result.links)
    assert weak == sorted((lk for lk in result.links if lk.weak), key=lambda lk: not lk.dependency_without_relationship)
    for lk in weak:
        expected = [w for w, on in (("dependency without relationship", lk.dependency_without_relationship),
                                    ("under-connected", lk.under_connected), ("fragile", lk.fragile)) if on]  # fmt: skip
        assert link_kinds(lk) == expected


@pytest.mark.parametrize("module", ["ona.report.words", "ona.report.words.sentences", "ona.report.method"])
def test_words_import_no_figure_code(module):
    """The words and sentences are importable without plotly and the figures (issue 14)."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith(('ona.viz', 'plotly', 'ona.analysis'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_report_uses_the_words_of_every_face(service_org):
    """Recommendation titles, link flags and durations in the report are the words module's."""
    result, layout = service_org
    html = render_report(result, layout)
    titles = re.findall(r"<li value=\"\d+\"><strong>([^<]+)\.</strong>", html)
    assert titles and set(titles) <= set(KIND_WORDS.values())
    assert len(titles) == len(result.recommendations)
    kpi = re.search(r'<div class="kpi"><b>([^<]+)</b><span>median stay', html)
    assert kpi and kpi.group(1) == hours(result.handoffs.summary.median_hours)
    service = section(html, "service")
    assert " h<" not in service and "Median h" not in service


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start)]


def test_method_is_written_for_clients_with_the_parameters_used(service_org):
    result, layout = service_org
    params = result.parameters.model_copy(update={"alpha": 0.01, "weak_ratio": 0.3, "permutations": 2000})
    text = section(render_report(result.model_copy(update={"parameters": params}), layout), "method")
    # every part, always (none silently dropped)
    titles = re.findall(r"<h3>([^<]+)</h3>", text)
    assert titles[: len(method_parts(params))] == [part.title.replace("'", "&#39;") for part in method_parts(params)]
    assert "How a silo is decided (0.01 significance level)" in text
    assert "below 0.3 times the median ratio" in text and "2,000 times" in text
    # no developer markup or code names
    for markup in ("``", ":func:", ":mod:", ":class:", "->", "numpy", "SQL", "igraph", "AnalysisParams"):
        assert markup not in text.split("<h3>Parameters</h3>")[0], markup


def test_method_parts_follow_the_parameters():
    parts = {p.title: p for p in method_parts(AnalysisParams(silo_max_ei=-0.1, resident_below=0.3), "team", "teams")}
    silo = parts["How a silo is decided (0.05 significance level)"]
    assert any("at most -0.1" in point for point in silo.points)
    assert any("less than 30% of their collaboration goes outside their team" in point for point in parts["People"].points)


def test_figures_hovers_print_numbers_in_the_words_of_every_face():
    """A group's hover on the maps prints its figures with the words' number, pct and pval (the report's
    "—" for a missing value, thousands separated), not a formatter of its own."""
    from ona.report.words import number, pct, pval
    from ona.viz.common import group_hover
    from tests.viz.results import build

    result, _ = build()
    g = result.groups[0].model_copy(update={"z": None, "p_value": None, "internal_share": None,
                                            "ei_index": -0.123456})  # fmt: skip
    hover = group_hover(g, "department")
    assert f"E-I index {number(-0.123456)} " in hover and "E-I index -0.12 " in hover
    assert f"z {number(None, 1)}, adjusted p {pval(None)}" in hover and "z —, adjusted p —" in hover
    assert f"share of collaboration inside: {pct(None)} " in hover
    assert "n/a" not in hover
