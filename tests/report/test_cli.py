"""`ona report --pdf --title --client --logo --notes`: the command end to end, and its one-line errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ona.cli import app
from tests.report.conftest import png

FAST = ["--permutations", "50", "--seed", "1"]


@pytest.fixture(scope="module")
def synth_org(tmp_path_factory):
    from ona.synth import synthesize

    folder = tmp_path_factory.mktemp("synth") / "org"
    synthesize(folder, people=60, seed=3, emails_per_person=20, meetings_per_person=4, ticket_events_per_person=2)
    return folder


def test_report_to_pdf_with_the_consultants_words(printer, synth_org, tmp_path):
    from pypdf import PdfReader

    logo = tmp_path / "logo.png"
    logo.write_bytes(png(9, 3))
    notes = tmp_path / "notes.md"
    notes.write_text("## Summary\nA first look, before the workshop.\n", encoding="utf-8")
    out = tmp_path / "reports" / "acme.pdf"
    res = CliRunner().invoke(app, [
        "report", str(synth_org), "--out", str(out), *FAST, "--title", "Acme review", "--client", "Acme <Ltd>",
        "--logo", str(logo), "--notes", str(notes), "--paper", "Letter",
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "A first look, before the workshop." in html and "Acme &lt;Ltd&gt;" in html
    reader = PdfReader(out)
    assert f"PDF written to {out} ({len(reader.pages)} pages, Letter)" in " ".join(res.output.split())
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Acme review" in first and "Prepared for Acme <Ltd>" in first
    assert all("Acme <Ltd>" in page.extract_text() for page in reader.pages)
    assert round(float(reader.pages[0].mediabox.width)) == 612


def test_a_notes_heading_the_report_lacks_fails_in_one_line(synth_org, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("## Summary\nok\n\n## Link 999\nnot there\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(synth_org), "--out", str(tmp_path / "r.html"), *FAST, "--notes", str(notes)])
    assert res.exit_code == 1
    assert f"{notes} line 4: '## Link 999' names no finding of this report" in " ".join(res.output.split())
    assert "Traceback" not in res.output and not (tmp_path / "r.html").exists()


def test_a_bad_logo_fails_before_the_analysis(synth_org, tmp_path):
    logo = tmp_path / "logo.gif"
    logo.write_bytes(b"GIF89a....")
    res = CliRunner().invoke(app, ["report", str(synth_org), "--out", str(tmp_path / "r.html"), "--logo", str(logo)])
    assert res.exit_code == 1
    assert "the logo must be a PNG, JPEG or SVG image" in res.output and "Traceback" not in res.output
