"""The silo report: self-contained, complete, escaped, pseudonymized, and its sentences true."""

from __future__ import annotations

import json
import re

import pytest
from plotly.offline import get_plotlyjs

from ona import narrative
from ona.params import AnalysisParams
from ona.privacy import for_viewer
from ona.report import pseudonyms, render_report, script_json, write_report
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
    return " ".join(p.text + " " + " ".join(p.items) for p in narrative.executive_summary(result))


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
    intro, items = narrative.link_sentences(result)
    assert intro.startswith("3 links between departments are weak or fragile")
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
    assert narrative.in_ten(share) == words


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
