"""The silo report: self-contained, complete, escaped, pseudonymized, and its sentences true."""

from __future__ import annotations

import json
import re

import pytest
from plotly.offline import get_plotlyjs

from ona.report import words
from ona.params import AnalysisParams
from ona.privacy import for_viewer
from ona.report import render_report, script_json, write_report
from ona.report.html import pseudonyms
from ona.report.words import in_ten
from tests.viz.results import SCRIPT, hostile_names, ids_of, no_findings, two_silos

SECTIONS = ("summary", "map", "silos", "links", "bridges", "communities", "quality", "method")
FIGURES = ("department_map", "silo_ranking", "interaction_heatmap", "community_sankey", "people_map")
JSON_SCRIPT = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="module")
def org():
    return two_silos()


@pytest.fixture(scope="module")
def html(org):
    result, layout = org
    return render_report(result, layout)


def without_plotlyjs(text: str) -> str:
    js = get_plotlyjs()
    assert js in text
    return text.replace(js, "")


def embedded_figures(text: str) -> dict[str, dict]:
    out = {}
    for match in re.finditer(r'<script type="application/json" data-figure="([a-z_]+)">(.*?)</script>', text, re.DOTALL):
        out[match.group(1)] = json.loads(match.group(2))
    return out


def test_plotlyjs_is_inlined_and_nothing_is_fetched(html):
    assert html.count(get_plotlyjs()) == 1
    rest = without_plotlyjs(html)
    assert "http://" not in rest and "https://" not in rest
    # (plotly.js itself holds URL strings, e.g. its logo link, disabled by displaylogo=False)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", rest, re.IGNORECASE)
    assert "<link" not in rest and "@import" not in rest and "<iframe" not in rest
    assert not re.search(r"<script[^>]*\ssrc=", rest)


def test_every_section_and_figure_is_present(html):
    for section in SECTIONS:
        assert f'<section id="{section}"' in html
    figures = embedded_figures(html)
    assert set(figures) == set(FIGURES)
    for name in FIGURES:
        assert f'id="fig-{name}"' in html
        assert figures[name]["data"] and figures[name]["layout"]["title"]["text"]
    assert "Plotly.newPlot" in html


def test_sections_have_their_content(org, html):
    result, _ = org
    text = without_plotlyjs(html)
    assert "Executive summary" in text and "Finance and Legal work as silos" in text
    for g in result.groups:
        assert f"<td>{g.group}" in text
    assert "dependency without relationship" in text
    assert "Person A (" in text
    assert "people.csv" in text and "emails.csv" in text
    for name in AnalysisParams.model_fields:
        assert f"<code>{name}</code>" in text
    assert "Krackhardt" in text and "Benjamini" in text
    assert "@media print" in text and "@page" in text
    assert "__pydantic" not in text and "``" not in text  # definitions are plain text


def test_weak_links_list_dependency_without_relationship_first(org):
    result, layout = org
    # put the fragile link first in the result: the report must still lead with the dependency
    reordered = result.model_copy(update={"links": sorted(result.links, key=lambda lk: not lk.fragile)})
    text = without_plotlyjs(render_report(reordered, layout))
    section = text[text.index('<section id="links"') :]
    assert section.index("Finance &ndash; IT") < section.index("HR &ndash; Sales")


def test_hostile_names_show_as_text_and_never_as_tags():
    result, layout = hostile_names()
    html = render_report(result, layout)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "R&amp;D" in html
    for body in JSON_SCRIPT.findall(html):
        assert "</" not in body and "<!--" not in body and "<" not in body
        json.loads(body)
    figures = embedded_figures(html)
    nodes = next(t for t in figures["department_map"]["data"] if t.get("meta") == "groups")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in nodes["text"]


def test_script_json_is_equal_json_without_markup():
    data = {"name": "</script><!-- & \u2028"}
    safe = script_json(json.dumps(data))
    assert "<" not in safe and ">" not in safe and "&" not in safe
    assert json.loads(str(safe)) == data


def test_people_are_pseudonymized_by_default(org, html):
    result, _ = org
    text = without_plotlyjs(html)
    leaked = [p for p in ids_of(result) if re.search(rf"\b{p}\b", text)]
    assert not leaked
    labels = pseudonyms(result)
    assert labels and all(re.fullmatch(r"Person [A-Z]+ \(\w+\)", label) for label in labels.values())
    assert len(set(labels.values())) == len(labels)


def test_show_names_shows_names_or_ids(org):
    result, layout = org
    bridge = max(result.people, key=lambda p: (p.betweenness, p.person_id))
    text = without_plotlyjs(render_report(result, layout, show_names=True))
    assert re.search(rf"\b{bridge.person_id}\b", text)
    assert "Person A (" not in text
    named = without_plotlyjs(render_report(result, layout, show_names=True, names={bridge.person_id: "Ada Lovelace"}))
    assert "Ada Lovelace" in named


def test_rejected_rows_are_masked_unless_show_names(org, html):
    result, layout = org
    text = without_plotlyjs(html)
    assert "timestamp &#39;…&#39; is not ISO 8601" in text
    assert "2024-13-01" not in text
    shown = without_plotlyjs(render_report(result, layout, show_names=True))
    assert "2024-13-01" in shown


def test_viewer_report_holds_no_person_data(org):
    result, layout = org
    viewer = for_viewer(result)
    html = render_report(viewer, layout)
    text = without_plotlyjs(html)
    assert not [p for p in ids_of(result) if re.search(rf"\b{p}\b", text)]
    assert "Person A" not in text
    assert "for analysts only" in text
    assert "people_map" not in embedded_figures(html)
    assert "viewer version" in text


def test_report_hides_ids_quoted_in_reasons(org):
    """Reasons name no person today; should one quote a person_id, the report shows the pseudonym."""
    result, layout = org
    pid = max(result.people, key=lambda p: p.betweenness).person_id
    links = [
        lk.model_copy(update={"weak_reasons": [*lk.weak_reasons, f"fragile: removing 1 person ({pid}) would cut it"]})
        if lk.weak else lk
        for lk in result.links
    ]  # fmt: skip
    text = without_plotlyjs(render_report(result.model_copy(update={"links": links}), layout))
    assert not re.search(rf"\b{pid}\b", text)
    assert re.search(r"removing 1 person \(Person [A-Z]+ \(\w+\)\) would cut it", text)


def test_report_is_deterministic(org, html):
    result, layout = org
    assert render_report(result, layout) == html


def test_report_without_layout(org):
    result, _ = org
    html = render_report(result, None)
    assert "people_map" not in embedded_figures(html)
    assert "department_map" in embedded_figures(html)


def test_write_report(tmp_path, org):
    result, layout = org
    path = write_report(result, layout, tmp_path / "out" / "report.html")
    assert path.exists() and path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- sentences ---------------------------------------------------------------


def summary_text(result) -> str:
    return " ".join(p.text + " " + " ".join(p.items) for p in words.executive_summary(result))


def test_sentences_without_findings():
    result, layout = no_findings()
    text = summary_text(result)
    assert "No department was flagged as a silo" in text
    assert "No link between two departments was flagged as weak or fragile." in text
    html = without_plotlyjs(render_report(result, layout))
    assert "No department is flagged as a silo" in html


def test_sentence_for_one_silo(org):
    result, _ = org
    groups = [g.model_copy(update={"silo": g.group == "Finance"}) for g in result.groups]
    text = summary_text(result.model_copy(update={"groups": groups}))
    assert "Finance works as a silo: nearly all of its members' collaboration (99%) stays inside the department" in text


def test_sentence_for_many_silos(org):
    result, _ = org
    groups = [g.model_copy(update={"silo": True}) for g in result.groups]
    text = summary_text(result.model_copy(update={"groups": groups}))
    assert "5 departments work as silos, most inward first: Finance, Legal, IT, Sales and 1 more." in text
    assert "most open" not in text


def test_sentences_name_weak_links_dependency_first(org):
    result, _ = org
    intro, items = words.link_sentences(result)
    assert intro.startswith("3 links between departments call for action")
    assert items[0].startswith(
        "Finance and IT depend on each other (20 ticket handoffs) yet collaborate at 2% of the level random mixing"
    )
    assert "rests on very few people" in items[1]


def test_sentences_for_other_group_names(org):
    result, _ = org
    params = result.parameters.model_copy(update={"group_by": "cost_center"})
    text = summary_text(result.model_copy(update={"parameters": params}))
    assert "5 groups" in text and "department" not in text


@pytest.mark.parametrize(
    ("share", "words"),
    [(0.99, "nearly all"), (0.88, "9 in 10"), (0.5, "5 in 10"), (0.12, "1 in 10"), (0.03, "fewer than 1 in 20"), (0.0, "almost none")],
)
def test_in_ten(share, words):
    assert in_ten(share) == words


# -- the command -------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_org(tmp_path_factory):
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("synth") / "org"
    synthesize(folder, people=60, seed=3, emails_per_person=20, meetings_per_person=4, ticket_events_per_person=2)
    return folder


def test_ona_report_command_writes_a_pseudonymized_report(tmp_path, synth_org):
    from typer.testing import CliRunner

    from ona.cli import app

    out = tmp_path / "reports" / "org.html"
    res = CliRunner().invoke(app, ["report", str(synth_org), "--out", str(out), "--permutations", "50", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "Report written to" in res.output and "MB" in res.output
    html = out.read_text(encoding="utf-8")
    assert set(embedded_figures(html)) == set(FIGURES)
    people = (synth_org / "people.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = [row.split(",")[0] for row in people]
    names = [row.split(",")[1] for row in people]
    text = without_plotlyjs(html)
    assert not [p for p in ids if re.search(rf"\b{p}\b", text)]
    assert not [n for n in names if n in text]

    named = tmp_path / "named.html"
    res = CliRunner().invoke(app, ["report", str(synth_org), "--out", str(named), "--permutations", "50", "--show-names"])
    assert res.exit_code == 0, res.output
    assert [n for n in names if n in named.read_text(encoding="utf-8")]


def test_ona_report_command_viewer_version(tmp_path, synth_org):
    from typer.testing import CliRunner

    from ona.cli import app

    out = tmp_path / "viewer.html"
    res = CliRunner().invoke(app, ["report", str(synth_org), "--out", str(out), "--permutations", "50", "--viewer", "-q"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "people_map" not in embedded_figures(html) and "viewer version" in html


def test_every_parameter_is_a_report_option():
    import typer.main

    from ona.cli import app

    command = typer.main.get_command(app).commands["report"]  # type: ignore[attr-defined]
    options = {opt for p in command.params for opt in getattr(p, "opts", [])}
    for field in AnalysisParams.model_fields:
        assert f"--{field.replace('_', '-')}" in options, field


def test_ona_report_command_fails_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from ona.cli import app

    res = CliRunner().invoke(app, ["report", str(tmp_path / "missing"), "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 1
    assert "error" in res.output.lower() and "Traceback" not in res.output


# -- internal service, what to do, key people, over time ---------------------


@pytest.fixture(scope="module")
def service_org():
    from tests.viz.results_service import with_service

    return with_service()


@pytest.fixture(scope="module")
def service_html(service_org):
    result, layout = service_org
    return without_plotlyjs(render_report(result, layout))


def section(text: str, name: str) -> str:
    """The HTML of one section (up to the next one)."""
    start = text.index(f'<section id="{name}"')
    end = text.find("<section ", start + 1)
    return text[start : end if end > 0 else len(text)]


NEW_SECTIONS = ("service", "time", "advice", "key-people")


def test_new_sections_and_figures_are_present_when_the_data_exists(service_org):
    result, layout = service_org
    html = render_report(result, layout)
    for name in NEW_SECTIONS:
        assert f'<section id="{name}"' in html and f'href="#{name}"' in html
    figures = embedded_figures(html)
    assert {"trend_lines", "before_after_map"} <= set(figures)
    assert 'id="fig-trend_lines"' in html and 'id="fig-before_after_map"' in html
    # the embedded figures are the viz functions' own
    from ona.viz import before_after_map, trend_lines

    assert figures["trend_lines"] == json.loads(trend_lines(result, layout).to_json())
    assert figures["before_after_map"] == json.loads(before_after_map(result, layout).to_json())


def test_new_sections_explain_missing_data(org):
    result, layout = org  # no tickets, no period, no split, no recommendation, no simulation
    html = render_report(result, layout)
    text = without_plotlyjs(html)
    assert "No ticket history was part of this dataset" in section(text, "service")
    assert "neither split into periods nor compared" in section(text, "time")
    assert "No intervention is recommended" in section(text, "advice")
    assert "No &ldquo;what if they leave&rdquo; simulation" in section(text, "key-people")
    assert not {"trend_lines", "before_after_map"} & set(embedded_figures(html))
    assert "concrete things to do" not in text
    assert "This result holds no recommendation, so it lists nothing to do next week." in section(text, "summary")
    calm, calm_layout = no_findings()
    assert "Nothing calls for an intervention next week" in section(render_report(calm, calm_layout), "summary")


def test_internal_service_section(service_org, service_html):
    result, _ = service_org
    text = section(service_html, "service")
    # the pairs that hand each other the most tickets, with hours, rates, no owner; the dependency tagged
    rows = re.findall(r"<tr( class=\"weak\")?>\s*<td>(\w+)</td>\s*<td>(\w+)", text)
    assert [(a, b) for _, a, b in rows[:5]] == [(p.from_group, p.to_group) for p in result.handoffs.pairs]
    assert [bool(w) for w, *_ in rows[:5]] == [True, True, False, False, False]
    # durations in the words of every face (ona.report.words.hours): 31 h and 93 h
    assert '<td class="n">31 hours</td>' in text and '<td class="n">3.9 days</td>' in text  # median, p90
    assert '<td class="n">33%</td>' in text  # bounce rate 4 / 12
    assert "dependency without relationship" in text
    # per group, service given and received, every group with tickets
    for g in result.handoffs.groups:
        assert re.search(rf"<tr[^>]*><td>{re.escape(g.group)}</td>", text)
    # which departments fail each other: the dependency first
    failing = re.search(r"<strong>(The departments that fail each other most[^<]*)</strong>", text).group(1)
    assert failing.index("Finance and IT") < failing.index("HR and Sales")
    assert "20 tickets (6 bounced back) yet barely work together otherwise" in failing


def test_internal_service_without_cross_group_tickets(service_org):
    result, layout = service_org
    summary = result.handoffs.summary.model_copy(update={"tickets_cross_group": 0, "tickets_bounced": 0})
    quiet = result.handoffs.model_copy(update={"summary": summary, "pairs": []})
    text = without_plotlyjs(render_report(result.model_copy(update={"handoffs": quiet}), layout))
    assert "None of the 40 tickets went from one department to another" in section(text, "service")
    assert "fail each other" not in text


def test_three_things_come_from_the_top_recommendations_in_order(service_org):
    result, _ = service_org
    shuffled = result.model_copy(update={"recommendations": list(reversed(result.recommendations))})
    last = words.executive_summary(shuffled)[-1]
    assert last.text == "Three concrete things to do next week:" and last.ordered
    # one action per problem: the first recommendation of each target, in priority order
    ranked = sorted(result.recommendations, key=lambda r: r.priority)
    targets = list(dict.fromkeys((r.target, *r.groups) for r in ranked))[:3]
    top = [next(r for r in ranked if (r.target, *r.groups) == t) for t in targets]
    top += [r for r in ranked if r not in top][: 3 - len(top)]
    top.sort(key=lambda r: r.priority)
    assert [item.split(" (")[0] for item in last.items] == [words.action(r) for r in top]
    numbers = [re.search(r"#(\d+) under What to do", item).group(1) for item in last.items]
    assert numbers == [str(r.priority) for r in top]
    assert last.items[0].startswith("Pair 2 Finance members with 2 in IT")
    # fewer when there are fewer
    two = words.executive_summary(result.model_copy(update={"recommendations": result.recommendations[3:]}))[-1]
    assert two.text == "Two concrete things to do next week:" and len(two.items) == 2
    rest = sorted(result.recommendations[3:], key=lambda r: r.priority)
    assert [re.search(r"#(\d+) under", item).group(1) for item in two.items] == [str(r.priority) for r in rest]


def test_summary_ends_with_the_three_things(service_org, service_html):
    text = section(service_html, "summary")
    assert text.rindex("Three concrete things to do next week") > text.rindex("Collaboration forms")
    items = re.findall(r"<li>([^<]*under What to do\)\.)</li>", text)
    assert len(items) == 3 and '<ol class="findings next">' in text


def test_summary_says_whether_it_is_getting_better_or_worse(service_org):
    result, _ = service_org
    text = summary_text(result)
    assert "collaboration between departments in the 46 days after is getting worse: Finance became more insular" in text
    # the mirror: the third group opens up significantly, the silo no longer turns inward, links recover
    cmp = result.comparison
    groups = [
        g.model_copy(update={"more_insular": False, "delta_z": 2.5 if g.group == "IT" else 0.0})
        for g in cmp.groups
    ]
    links = [lk.model_copy(update={"weakened": False, "fewer_carriers": False, "delta_ratio": 0.3})
             for lk in cmp.links]  # fmt: skip
    better = result.model_copy(update={"comparison": cmp.model_copy(update={"groups": groups, "links": links})})
    assert "is getting better: IT opened up (E-I index 0.10 before, 0.25 after)" in summary_text(better)
    # only links changed: slightly
    links_only = result.model_copy(update={"comparison": cmp.model_copy(update={"groups": groups[1:3]})})
    assert "is getting slightly worse: no department became significantly more or less insular" in summary_text(
        links_only
    )
    # trends alone: described from the first period to the last
    trends_only = result.model_copy(update={"comparison": None})
    assert "Month by month from 2024-01 to 2024-03, things are getting worse: Finance turned inward" in summary_text(
        trends_only
    )
    assert "IT opened up" in summary_text(trends_only)
    # neither: nothing said about time
    neither = result.model_copy(update={"comparison": None, "trends": None})
    assert "getting" not in summary_text(neither) and "Month by month" not in summary_text(neither)


def test_what_to_do_is_grouped_by_target_in_priority_order(service_org, service_html):
    result, _ = service_org
    text = section(service_html, "advice")
    titles = re.findall(r"<h3>([^<]*)", text)
    assert [t.strip() for t in titles] == ["Weak link: Finance – IT", "Silo: Legal", "Weak link: HR – Sales", "Silo: Finance"]
    assert [int(v) for v in re.findall(r'<li value="(\d+)">', text)] == [1, 2, 3, 4, 5]
    kinds = re.findall(r"<strong>([^<]*)\.</strong>", text)
    assert kinds == ["Buddy pairs", "Job shadowing", "Recognize the boundary spanners", "Second bridge", "Buddy pairs"]
    for rec in result.recommendations:
        assert rec.reason.replace("'", "&#39;") in text
    assert "common contacts per pair: <b>3, 1</b>" in text and "share held by each: <b>60%, 40%</b>" in text
    assert "held by the top bridge: <b>75%</b>" in text


def test_what_to_do_names_people_by_pseudonym_unless_show_names(service_org, service_html):
    result, layout = service_org
    text = section(service_html, "advice")
    assert re.search(r"Pairs: Person [A-Z]+ \(Finance\) &amp; Person [A-Z]+ \(IT\); Person [A-Z]+ \(Finance\)", text)
    assert re.search(r"People: Person [A-Z]+ \(Legal\); Person [A-Z]+ \(Legal\)", text)
    mentioned = {pid for rec in result.recommendations for pid in rec.person_ids}
    assert not [p for p in mentioned if re.search(rf"\b{p}\b", service_html)]
    labels = pseudonyms(result)
    assert mentioned <= set(labels) and len(set(labels.values())) == len(labels)
    pid = result.recommendations[0].pairs[0][0]
    named = without_plotlyjs(render_report(result, layout, show_names=True, names={pid: "Grace Hopper"}))
    assert "Pairs: Grace Hopper (Finance) &amp;" in section(named, "advice")


def test_key_people_section(service_org, service_html):
    result, _ = service_org
    text = section(service_html, "key-people")
    rows = re.findall(r'<td class="n">(\d+)</td>\s*<td>(Person [A-Z]+ \(\w+\))</td>', text)
    labels = pseudonyms(result)
    assert rows == [(str(k.rank), labels[k.person_id]) for k in result.key_people]
    first = text.split("</tr>")[1]  # the header row ends first
    assert "HR – Sales" in first.split('class="pairs"')[1]  # no path left
    assert "IT – Sales" in first.split('class="pairs"')[3]  # left on a single person
    assert not [k for k in result.key_people if re.search(rf"\b{k.person_id}\b", text)]


def test_over_time_section(service_html):
    text = section(service_html, "time")
    assert "is getting worse: Finance became more insular" in text
    assert "Month by month from 2024-01 to 2024-03: Finance turned inward" in text  # no second verdict
    for label in ("2024-01", "2024-02", "2024-03"):
        assert f"<tr><td>{label}</td>" in text
    assert '<span class="tag red">more insular</span>' in text
    assert "Finance &ndash; IT" in text and '<span class="tag red">weakened</span>' in text
    assert '<span class="tag">fewer carriers</span>4 people carried the link before, 1 after' in text


def test_dependency_links_lead_by_the_field_not_the_reason(org):
    result, layout = org
    # the dependency flag without its reason still leads; a reason without the flag does not
    links = []
    for lk in result.links:
        if lk.dependency_without_relationship:
            lk = lk.model_copy(update={"weak_reasons": ["under_connected: few emails"]})
        elif lk.fragile and lk.source == "HR":
            lk = lk.model_copy(update={"weak_reasons": ["dependency_without_relationship: mentioned only"]})
        links.append(lk)
    fragile_first = sorted(links, key=lambda lk: not lk.fragile)
    changed = result.model_copy(update={"links": fragile_first})
    lead = words.weak_links_in_order(changed.links)[0]
    assert (lead.source, lead.target) == ("Finance", "IT")
    text = section(without_plotlyjs(render_report(changed, layout)), "links")
    assert text.index("Finance &ndash; IT") < min(text.index("HR &ndash; Sales"), text.index("IT &ndash; Sales"))
    _, items = words.link_sentences(changed)
    assert items[0].startswith("Finance and IT depend on each other (20 ticket handoffs)")
    assert not any("HR and Sales depend" in item for item in items)


def test_viewer_report_names_nobody(service_org):
    from tests.viz.results_service import with_service

    result, layout = service_org
    viewer = for_viewer(result)
    ids = ids_of(with_service()[0])
    for kwargs in ({}, {"show_names": True, "names": {pid: f"Name {pid}" for pid in ids}}):
        html = render_report(viewer, layout, **kwargs)
        text = without_plotlyjs(html)
        assert not [p for p in ids if re.search(rf"\b{p}\b", text)]  # text: the page and its figures' JSON
        assert "Person " not in text and "Name " not in text
        assert 'id="key-people"' not in text and 'href="#key-people"' not in text
        advice = section(text, "advice")
        assert "People are not named in this version" in advice
        assert "Roles: 2 × boundary spanner in Legal" in advice
        assert "Roles: 1 × buddy in Finance; 1 × buddy in IT" not in advice  # pairs are 2 and 2
        assert "Roles: 2 × buddy in Finance; 2 × buddy in IT" in advice
        assert "Three concrete things to do next week" in text


def test_viewer_report_leaves_suppressed_groups_out(service_org):
    result, layout = service_org
    viewer = for_viewer(result)  # HR has 3 people, under the minimum of 5
    html = render_report(viewer, layout)
    text = without_plotlyjs(html)
    for name in ("service", "time", "advice"):
        assert not re.search(r"\bHR\b", section(text, name)), name
    figures = embedded_figures(html)
    assert not re.search(r"\bHR\b", json.dumps(figures["trend_lines"]))
    assert not re.search(r"\bHR\b", json.dumps(figures["before_after_map"]))
    assert "#4 under" not in text  # the HR - Sales recommendation is gone


def test_hostile_names_in_the_new_sections():
    from tests.viz.results_service import hostile_with_service

    result, layout = hostile_with_service()
    html = render_report(result, layout)
    assert SCRIPT not in html
    text = without_plotlyjs(html)
    for name in ("service", "time", "advice", "summary"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section(text, name), name
    assert "R&amp;D" in section(text, "service")
    for body in JSON_SCRIPT.findall(html):
        assert "<" not in body
        json.loads(body)


def test_new_sections_are_deterministic(service_org, service_html):
    result, layout = service_org
    assert without_plotlyjs(render_report(result, layout)) == service_html


def test_sample_like_result_round_trips_through_json(service_org):
    """The report of a result read back from its JSON is the same (nothing depends on Python objects)."""
    from ona.results import AnalysisResult

    result, layout = service_org
    again = AnalysisResult.model_validate_json(result.to_json())
    assert render_report(again, layout) == render_report(result, layout)


# -- fine groupings: 320 teams, 15,000 linked pairs ---------------------------


@pytest.fixture(scope="module")
def fine_org():
    from tests.viz.fine import fine_grouping

    return fine_grouping()


@pytest.fixture(scope="module")
def fine_html(fine_org):
    result, layout = fine_org
    return render_report(result, layout)


def test_fine_grouping_tables_have_a_search_box_show_all_and_the_top_rows(fine_org, fine_html):
    from ona.viz.style import TOP_N

    result, _ = fine_org
    weak = sum(lk.weak for lk in result.links)
    for table, total in (("silo-table", len(result.groups)), ("weak-table", weak)):
        tools = re.search(rf'<div class="table-tools" data-table="{table}" data-top="{TOP_N}">(.*?)</div>', fine_html, re.S)
        assert tools, table
        assert '<input type="search"' in tools.group(1) and f"Show all {total:,}" in tools.group(1)
        body = re.search(rf'<table id="{table}" data-top="{TOP_N}">.*?<tbody>(.*?)</tbody>', fine_html, re.S).group(1)
        rows = re.findall(r"<tr[^>]*>", body)
        assert len(rows) == total  # every row is in the file ("show all")...
        assert sum(" hidden" in row for row in rows) == total - TOP_N  # ...the first 25 shown
        assert all("data-search=" in row for row in rows)
    # the script that applies them is inline (self-contained), as is plotly.js
    assert 'querySelectorAll(".table-tools")' in fine_html
    assert not re.search(r"<script[^>]*\ssrc=", without_plotlyjs(fine_html))


def test_fine_grouping_report_stays_a_sensible_size(fine_org, fine_html):
    # plotly.js is 4.8 MB of it; 320 teams, 770 weak links, every group's full heatmap and ranking one click away
    assert len(fine_html.encode()) < 9_000_000
    viewer = render_report(for_viewer(fine_org[0]), fine_org[1])
    assert len(viewer.encode()) < 9_000_000


def test_fine_grouping_figures_show_the_top_groups_and_embed_all(fine_org, fine_html):
    from ona.viz.common import FIGURE_TOP

    result, _ = fine_org
    figures = embedded_figures(fine_html)
    heat = next(t for t in figures["interaction_heatmap"]["data"] if t.get("meta") == "ratio")
    assert len(heat["x"]) == FIGURE_TOP
    full = re.search(r'<script type="application/json" data-figure-all="interaction_heatmap">(.*?)</script>', fine_html, re.S)
    heat_all = next(t for t in json.loads(full.group(1))["data"] if t.get("meta") == "ratio")
    assert len(heat_all["x"]) == len(result.groups)
    assert 'class="link figure-all" data-figure="interaction_heatmap"' in fine_html and f"Show all {len(result.groups)} teams" in fine_html


def test_tentative_flags_are_labelled_in_the_report(fine_html):
    silos = section(fine_html, "silos")
    assert "tentative: holds in 64% of resamples" in silos and "holds in 95% of resamples" in silos
    assert "seen in: tickets" in silos and "seen in: emails, meetings" in silos
    links = section(fine_html, "links")
    first = re.search(r'<tr class="weak"[^>]*>(.*?)</tr>', links, re.S).group(1)
    assert "tentative: holds in 64% of resamples" in first and "seen in: tickets" in first
    assert "holds in 90% of resamples" in links and "tentative" in links


def test_a_few_groups_need_no_search_box(html):
    assert '<div class="table-tools"' not in html and '<script type="application/json" data-figure-all' not in html
    assert " hidden>" not in section(html, "silos")
