"""The consultant's words: notes attached to the report's numbered findings, title page, logo, escaping."""

from __future__ import annotations

import base64
import re

import pytest
from plotly.offline import get_plotlyjs

from ona.report import words
from ona.report import render_report
from ona.report.notes import Cover, NotesError, logo_data_uri, parse_notes, read_notes, render_markdown
from ona.viz.style import groups_in_order
from tests.browser.conftest import XSS
from tests.report.conftest import CLIENT, NOTES, TITLE, png


def without_plotlyjs(html: str) -> str:
    return html.replace(get_plotlyjs(), "")


def row_of(html: str, search: str) -> str:
    """The table row whose data-search is ``search``."""
    m = re.search(rf'<tr[^>]*data-search="{re.escape(search)}"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert m, search
    return m.group(1)


def test_sections_are_split_by_level_two_headings():
    notes = parse_notes("# Title\n\n## Summary\nall fine\n\n## Silo 2: Legal\nx\n```\n## Silo 9\n```\n## link 1\ny\n")
    assert [(s.kind, s.number, s.name, s.line) for s in notes.sections] == [
        ("summary", None, "", 3), ("silo", 2, "Legal", 6), ("link", 1, "", 11),
    ]  # fmt: skip
    assert notes.sections[1].markdown == "x\n```\n## Silo 9\n```"  # a heading inside a code block is text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("## Silo 1\nok\n## Team spirit\nx\n", 3, "'## Team spirit' is not a finding of the report"),
        ("## Silo\nx\n", 1, "'## Silo' is not a finding"),
        ("## Summary 2\nx\n", 1, "'## Summary 2' is not a finding"),
        ("Hello\n## Silo 1\n", 1, "text before the first section"),
        ("### Silo 1\nx\n", 1, "'### Silo 1': sections are '## ' headings"),
    ],
)
def test_malformed_notes_name_the_file_line_and_heading(text, line, message):
    with pytest.raises(NotesError) as err:
        parse_notes(text, file="acme-notes.md")
    assert str(err.value).startswith(f"acme-notes.md line {line}: ")
    assert message in str(err.value)


def test_a_finding_the_report_does_not_have_is_an_error(service_org):
    result, layout = service_org
    silos = sum(g.silo for g in result.groups)
    cases = [
        ("## Summary\nok\n\n## Silo 3\nthird silo?\n", 4, f"'## Silo 3' names no finding of this report: it shows {silos} silos (1 to {silos})"),
        ("## Link 4\nx\n", 1, "'## Link 4' names no finding of this report: it shows 3 weak links (1 to 3)"),
        ("## Recommendation 6\nx\n", 1, "it shows 5 recommendations"),
        ("## Silo 1: Legal\nx\n", 1, "'## Silo 1: Legal': silo 1 of this report is 'Finance', not 'Legal'"),
        ("## Link 1: HR - Sales\nx\n", 1, "link 1 of this report is 'Finance – IT', not 'HR - Sales'"),
        ("## Silo 1\nx\n## silo 1\ny\n", 3, "'## silo 1' is given twice"),
    ]  # fmt: skip
    for text, line, message in cases:
        with pytest.raises(NotesError) as err:
            render_report(result, layout, notes=parse_notes(text, file="n.md"))
        assert str(err.value).startswith(f"n.md line {line}: "), text
        assert message in str(err.value), text


def test_names_after_the_number_may_use_any_dash_and_order(service_org):
    result, layout = service_org
    html = render_report(result, layout, notes=parse_notes("## Link 1: IT - Finance\nok\n## Silo 1: finance\nok\n"))
    assert html.count('class="consultant-note"') == 2


def test_numbering_is_the_reports(service_org, consultant_html):
    """Silo N and Link N are the report's N-th silo and weak link, in its tables' order; a recommendation's
    number is its priority, as "What to do" prints it."""
    result, _ = service_org
    html = without_plotlyjs(consultant_html)
    silos = [g.group for g in groups_in_order(result.groups) if g.silo]
    assert silos[0] == "Finance"
    for n, group in enumerate(silos, start=1):
        assert f'<span class="finding-no">Silo {n}</span>' in row_of(html, group.lower())
    for n, lk in enumerate(words.weak_links_in_order(result.links), start=1):
        assert f'<span class="finding-no">Link {n}</span>' in row_of(html, f"{lk.source} {lk.target}".lower())
    assert len(re.findall(r'<li value="\d+">', html)) == len(result.recommendations)


def test_notes_appear_beside_their_findings(service_org, consultant_html):
    result, _ = service_org
    html = without_plotlyjs(consultant_html)
    summary = html[html.index('<section id="summary"') : html.index('<section id="map"')]
    assert "<strong>leadership team</strong>" in summary
    assert "Finance says its month-end close" in row_of(html, "finance")
    assert "Finance says" not in row_of(html, "legal")
    link2 = words.weak_links_in_order(result.links)[1]
    assert "have not met since the reorganization" in row_of(html, f"{link2.source} {link2.target}".lower())
    rec3 = re.search(r'<li value="3">(.*?)</li>', html, re.DOTALL).group(1)
    assert "Start in <strong>April</strong>, after the audit." in rec3
    assert html.count('class="consultant-note"') == 4


def test_everything_the_consultant_writes_is_escaped(consultant_html):
    html = without_plotlyjs(consultant_html)
    assert XSS not in html  # client, notes
    assert "Prepared for <strong>Acme &amp; Sons &lt;script&gt;alert(1)&lt;/script&gt;</strong>" in html
    assert "3 March. &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[docs](javascript:alert(1))" in html and 'href="javascript:' not in html  # refused as a link
    # images off: a link to the picture, never an <img> that would fetch it
    assert '!<a href="http://192.0.2.1/x.png">x</a>' in html and not re.search(r"<img[^>]*192\.0\.2\.1", html)
    assert f"<h1>{TITLE}</h1>" in html
    assert CLIENT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html


def test_markdown_has_no_raw_html():
    html = str(render_markdown("*a* <b onclick=x>b</b>\n\n<div>c</div>\n\n- d"))
    assert "<em>a</em>" in html and "&lt;b onclick=x&gt;b&lt;/b&gt;" in html and "&lt;div&gt;c&lt;/div&gt;" in html
    assert "<li>d</li>" in html and "<b " not in html and "<div>" not in html


def test_title_page_defaults(service_org):
    result, layout = service_org
    html = without_plotlyjs(render_report(result, layout))
    assert f"<h1>Silo report: {result.dataset}</h1>" in html
    assert "Prepared for" not in html and 'class="logo"' not in html and 'class="consultant-note"' not in html


def test_logo_is_embedded_as_a_data_uri(tmp_path, service_org):
    result, layout = service_org
    path = tmp_path / "logo.png"
    path.write_bytes(png(3, 2))
    uri = logo_data_uri(path)
    assert uri.startswith("data:image/png;base64,") and base64.b64decode(uri.split(",", 1)[1]) == path.read_bytes()
    html = render_report(result, layout, cover=Cover(logo=uri))
    assert f'<img class="logo" src="{uri}"' in html
    jpeg = tmp_path / "logo.jpg"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 20)
    assert logo_data_uri(jpeg).startswith("data:image/jpeg;base64,")
    svg = tmp_path / "logo.svg"
    svg.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    assert logo_data_uri(svg).startswith("data:image/svg+xml;base64,")


def test_bad_logo_and_notes_files_are_clear_errors(tmp_path):
    with pytest.raises(NotesError, match=r"missing\.png: no such logo file"):
        logo_data_uri(tmp_path / "missing.png")
    text = tmp_path / "logo.png"
    text.write_text("not an image")
    with pytest.raises(NotesError, match=r"logo\.png: the logo must be a PNG, JPEG or SVG image"):
        logo_data_uri(text)
    big = tmp_path / "big.png"
    big.write_bytes(png(1, 1) + b"\0" * 2_000_001)
    with pytest.raises(NotesError, match="at most 2,000,000 are embedded"):
        logo_data_uri(big)
    with pytest.raises(NotesError, match=r"nope\.md: no such notes file"):
        read_notes(tmp_path / "nope.md")
    latin = tmp_path / "latin.md"
    latin.write_bytes("## Summary\ncaf\xe9".encode("latin-1"))
    with pytest.raises(NotesError, match=r"latin\.md: is not UTF-8 text"):
        read_notes(latin)


def test_read_notes_reads_the_file(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    notes = read_notes(path)
    assert notes.file == str(path)
    assert [(s.kind, s.number) for s in notes.sections] == [("summary", None), ("silo", 1), ("link", 2), ("recommendation", 3)]
