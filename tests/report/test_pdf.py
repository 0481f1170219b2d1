"""The report as PDF, read back with pypdf: pages, contents, headers, figures, logo, notes, no network."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ona.report.html import section_titles
from ona.report.pdf import PdfError, header_template, printable_width_px, write_pdf
from tests.report.conftest import CLIENT, LOGO_SIZE, TITLE

MM = 72 / 25.4  # PDF points per millimetre
SECTION_IDS = [s["id"] for s in section_titles()]
TITLES = {s["id"]: s["title"] for s in section_titles()}


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def contents(printed) -> list[tuple[str, int]]:
    """The printed table of contents (page 2): (title, page) per line "Title N"."""
    text = printed.text(2)
    assert lines(text)[0] == "Contents"
    rows = []
    for line in lines(text):
        m = re.fullmatch(r"(.+?) (\d+)", line)
        if m and m.group(1) in TITLES.values():
            rows.append((m.group(1), int(m.group(2))))
    return rows


def heading_page(printed, title: str, after: int) -> int:
    """The first page from ``after`` whose body starts with ``title`` as a line of its own (independent of
    the PDF outline the printer used)."""
    for number in range(after, len(printed.pdf.pages) + 1):
        if title in lines(printed.text(number))[:3]:
            return number
    raise AssertionError(f"no page starts with {title!r}")


def figure_sections(html: str) -> dict[str, str]:
    """Figure name -> id of the section whose HTML holds its div."""
    marks = [(m.start(), "section", m.group(1)) for m in re.finditer(r'<section id="([\w-]+)"', html)]
    marks += [(m.start(), "figure", m.group(1)) for m in re.finditer(r'<div class="figure" id="fig-(\w+)"', html)]
    out, current = {}, None
    for _, kind, name in sorted(marks):
        if kind == "section":
            current = name
        else:
            out[name] = current
    return out


def images(page) -> list[tuple[int, int, bytes]]:
    """(width, height, decoded samples) of every image XObject drawn on a page."""
    out = []
    xobjects = page["/Resources"].get("/XObject") or {}
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            out.append((int(obj["/Width"]), int(obj["/Height"]), obj.get_data()))
    return out


def header_text(page) -> str:
    """The text drawn in the top margin (above the 20 mm the printer leaves for the header)."""
    top = float(page.mediabox.top)
    parts: list[str] = []

    def visit(text, cm, tm, font, size):
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and y > top - 20 * MM:
            parts.append(text)

    page.extract_text(visitor_text=visit)
    return "".join(parts)


def test_page_count_and_contents_page_numbers(printed, service_org):
    pages = len(printed.pdf.pages)
    assert printed.report.pages == pages
    # a title page, the contents, then every section from a new page: at least one page each, and a short report
    assert len(SECTION_IDS) + 2 <= pages <= 60
    toc = contents(printed)
    assert [title for title, _ in toc] == [TITLES[s] for s in SECTION_IDS]
    numbers = [n for _, n in toc]
    assert numbers == sorted(numbers) and numbers[0] == 3
    # each number is the page the section's heading is printed on, found again from the page texts
    at = 3
    for title, number in toc:
        at = heading_page(printed, title, at)
        assert at == number, title
    # the last section runs to the last page: its last line (the last reference) is there, and nothing follows
    assert numbers[-1] <= pages
    assert "Fruchterman" in printed.text(pages)
    assert printed.report.sections == {s: n for s, (_, n) in zip(SECTION_IDS, toc)}
    assert printed.report.passes == 2  # the numbers were written once, and held


def test_section_titles_in_order(printed):
    body = "\n".join(printed.text(n) for n in range(3, len(printed.pdf.pages) + 1))
    heads = lines(body)
    positions = [heads.index(TITLES[s]) for s in SECTION_IDS]
    assert positions == sorted(positions)


def test_client_and_title_on_every_page_header(printed):
    assert TITLE in printed.text(1) and f"Prepared for {CLIENT}" in printed.text(1).replace("\n", " ")
    for number, page in enumerate(printed.pdf.pages, start=1):
        head = header_text(page)
        assert CLIENT in head and TITLE in head, number  # escaped: the script tag is printed as text
        assert f"Page {number} of {len(printed.pdf.pages)}" in " ".join(page.extract_text().split())


def test_every_figure_is_printed_on_its_section_pages_and_not_blank(printed):
    placed = figure_sections(printed.html)
    assert set(placed) >= {"department_map", "silo_ranking", "interaction_heatmap", "community_sankey", "people_map",
                           "trend_lines", "before_after_map"}  # fmt: skip
    starts = printed.report.sections
    order = sorted(starts.values())
    found: list[tuple[int, int, int]] = []
    for number, page in enumerate(printed.pdf.pages, start=1):
        for width, height, data in images(page):
            if (width, height) != LOGO_SIZE:
                found.append((number, width, height))
                assert len(data) == width * height * 3  # RGB samples
                # below the title (the top quarter), the plot itself: many colours, and not all background
                plot = data[width * 3 * (height // 4) :]
                pixels = [plot[i : i + 3] for i in range(0, len(plot) - 2, 3 * 7)]  # every 7th pixel
                counts = Counter(pixels)
                assert len(counts) > 50, f"a blank figure on page {number}"
                assert counts.most_common(1)[0][1] < 0.995 * len(pixels), f"a blank figure on page {number}"
    assert len(found) == len(placed) == printed.report.figures
    # every figure spans the printable width (Plotly.toImage at scale 2)
    assert {w for _, w, _ in found} == {2 * printable_width_px("A4")}
    # each on a page of its own section
    pages_of = {}
    for section in set(placed.values()):
        start = starts[section]
        later = [n for n in order if n > start]
        pages_of[section] = range(start, (later[0] if later else len(printed.pdf.pages) + 1))
    expected = Counter(sec for sec in placed.values())
    got = Counter()
    for number, _, _ in found:
        got[next(sec for sec, span in pages_of.items() if number in span)] += 1
    assert got == expected


def test_logo_is_embedded_on_the_title_page(printed):
    assert 'class="logo" src="data:image/png;base64,' in printed.html
    assert [(w, h) for w, h, _ in images(printed.pdf.pages[0])] == [LOGO_SIZE]


def test_notes_are_printed_beside_their_findings(printed):
    starts = printed.report.sections
    summary = printed.text(starts["summary"])
    assert "We met the leadership team on 3 March. <script>alert(1)</script>" in " ".join(summary.split())
    silos = " ".join(printed.text(n) for n in range(starts["silos"], starts["links"]))
    flat = " ".join(silos.split())
    assert flat.index("Silo 1") < flat.index("Finance says its month-end close needs the isolation.") < flat.index("Silo 2")
    links = " ".join(" ".join(printed.text(n) for n in range(starts["links"], starts["service"])).split())
    assert links.index("Link 2") < links.index("have not met since the reorganization") < links.index("Link 3")
    advice = " ".join(" ".join(printed.text(n) for n in range(starts["advice"], starts["bridges"])).split())
    assert "Start in April, after the audit." in advice


def test_no_network_request_while_printing(printed, printer, tmp_path):
    assert printed.report.blocked == []
    # the guard records what a page tries: an image, a stylesheet and a fetch to other hosts
    hostile = (
        '<html><head><link rel="stylesheet" href="https://example.com/x.css"></head><body><h2>Page</h2>'
        '<img src="http://192.0.2.1/pixel.png"><script>fetch("https://example.org/beacon").catch(() => 0)</script>'
        "</body></html>"
    )
    report = write_pdf(hostile, tmp_path / "hostile.pdf", client="X")
    assert {"https://example.com/x.css", "http://192.0.2.1/pixel.png"} <= set(report.blocked)
    assert report.pages == 1 and (tmp_path / "hostile.pdf").read_bytes().startswith(b"%PDF")


def test_letter_paper(printer, consultant_html, tmp_path):
    from pypdf import PdfReader

    report = write_pdf(consultant_html, tmp_path / "letter.pdf", paper="Letter", client=CLIENT)
    box = PdfReader(tmp_path / "letter.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    assert report.blocked == [] and report.pages >= len(SECTION_IDS) + 2


def test_bad_paper_and_missing_browser_are_clear_errors(tmp_path):
    with pytest.raises(PdfError, match="paper size 'A3' is not one of A4, Letter"):
        write_pdf("<p>x</p>", tmp_path / "x.pdf", paper="A3")
    pytest.importorskip("playwright.sync_api")
    with pytest.raises(PdfError, match="no-such-chromium: no such browser executable"):
        write_pdf("<p>x</p>", tmp_path / "x.pdf", executable=tmp_path / "no-such-chromium")


def test_header_escapes_the_client():
    head = header_template("<b>Acme</b> & Co", "Report")
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in head and "<b>" not in head


def test_a_row_with_a_note_is_shown_past_the_first_rows(printer, service_org, monkeypatch, tmp_path):
    """Long tables show their first rows (TOP_N, here 1): a row the consultant wrote about is shown too,
    in the HTML as written and after the page's script has run, in the PDF."""
    from pypdf import PdfReader

    import ona.report.html
    from ona.report import render_report
    from ona.report.notes import parse_notes

    monkeypatch.setattr(ona.report.html, "TOP_N", 1)
    result, layout = service_org
    html = render_report(result, layout, notes=parse_notes("## Link 2\nWorth a workshop.\n"))
    rows = re.findall(r'<tr class="weak" data-search="[^"]*"( hidden)?>\s*<td>[^<]*<br><span class="finding-no">(Link \d)',
                      html)  # fmt: skip
    assert rows == [("", "Link 1"), ("", "Link 2"), (" hidden", "Link 3")]
    write_pdf(html, tmp_path / "top.pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(tmp_path / "top.pdf").pages).split())
    assert "Link 1" in text and "Link 2" in text and "Worth a workshop." in text and "Link 3" not in text


def test_without_debians_chromium_playwrights_own_is_used_or_named(printer, monkeypatch, tmp_path):
    """No /usr/bin/chromium: Playwright's own browser prints; when it is not installed either, the error says
    what to install (both are answers; which one depends on the machine)."""
    import ona.report.pdf

    monkeypatch.setattr(ona.report.pdf, "CHROMIUM", tmp_path / "no-chromium")
    try:
        report = write_pdf("<h2>Page</h2>", tmp_path / "own.pdf")
    except PdfError as exc:
        assert "apt-get install chromium" in str(exc) and "python -m playwright install chromium" in str(exc)
    else:
        assert report.pages == 1


def test_prints_from_inside_a_running_event_loop(printer, tmp_path):
    """A notebook runs an asyncio loop in the caller's thread (and a sync Playwright session leaves one
    behind): Playwright's sync API refuses such a thread, so write_pdf prints from a thread of its own."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def notebook_cell():
        return write_pdf("<h1>Silo report</h1><p>one page</p>", tmp_path / "cell.pdf")

    # the cell's loop in a fresh thread: the suite's own thread may run a loop already
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(asyncio.run, notebook_cell()).result()
    assert report.pages == 1 and report.blocked == []
    assert (tmp_path / "cell.pdf").read_bytes().startswith(b"%PDF")
