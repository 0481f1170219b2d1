"""The silo report as PDF: the HTML report printed by headless Chromium, offline.

Input: the report's HTML (a file or a string from :func:`ona.report.render_report`).
Output: an A4 or Letter PDF file and a :class:`PdfReport` describing it.

How it prints (Playwright's sync API driving Chromium: Debian's
``/usr/bin/chromium`` when present, else Playwright's own browser):

- every request other than ``file:`` / ``data:`` / ``blob:`` / ``about:`` is
  aborted and recorded (:attr:`PdfReport.blocked`): a report needs no network;
- the page is laid out for print (print media, the paper's printable width),
  and once every Plotly figure has drawn, each is replaced by a PNG of itself
  (``Plotly.toImage``), so WebGL maps are not blank on paper;
- each major section starts a page; every page carries a header with the
  client's name (or the title) and a footer "Page N of M";
- the table of contents gets its page numbers in two passes: a first print
  with a PDF outline (bookmarks), whose entries give the page each section
  title is on (read back with pypdf); the numbers are written into the
  contents and the page printed again, until the numbers hold.
"""

from __future__ import annotations

import html as html_lib
import io
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ona.errors import OnaError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-extensions",
]  # fmt: skip
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}  # width, height in mm
MARGIN_MM = {"top": 20.0, "bottom": 16.0, "left": 12.0, "right": 12.0}
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
MAX_PASSES = 4
TIMEOUT_MS = 120_000

# Every figure drawn: the Plotly divs the report's script made, each holding its SVG.
FIGURES_DRAWN = """() => {
  const named = Array.from(document.querySelectorAll('script[type="application/json"][data-figure]'))
    .map(s => document.getElementById('fig-' + s.getAttribute('data-figure'))).filter(Boolean);
  return named.every(d => d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg'));
}"""
# Each figure as a PNG of itself at twice the resolution, in place of the live plot.
FIGURES_TO_IMAGES = """async () => {
  const divs = Array.from(document.querySelectorAll('.js-plotly-plot'));
  for (const div of divs) {
    const width = Math.max(div.clientWidth, 100), height = Math.max(div.clientHeight, 100);
    const url = await Plotly.toImage(div, {format: 'png', width: width, height: height, scale: 2});
    const img = document.createElement('img');
    img.src = url;
    img.alt = div.getAttribute('aria-label') || 'figure';
    img.className = 'figure-print';
    img.style.width = width + 'px';
    img.style.height = height + 'px';
    img.style.display = 'block';
    await img.decode();
    Plotly.purge(div);
    div.replaceChildren(img);
  }
  return divs.length;
}"""
TOC_ENTRIES = """() => Array.from(document.querySelectorAll('[data-toc-page]')).map(el => {
  const id = el.getAttribute('data-toc-page');
  const h = document.querySelector('#' + CSS.escape(id) + ' h2');
  return [id, h ? h.textContent.trim() : ''];
})"""
TOC_FILL = """(pages) => { for (const [id, page] of Object.entries(pages)) {
  const el = document.querySelector('[data-toc-page="' + id + '"]'); if (el) { el.textContent = String(page); } } }"""


@dataclass
class PdfReport:
    """A printed report: where it is, its page count, the page each section starts on, and what was blocked."""

    path: Path
    pages: int
    sections: dict[str, int] = field(default_factory=dict)  # section id -> first page (1-based)
    figures: int = 0  # Plotly figures rendered and printed as images
    blocked: list[str] = field(default_factory=list)  # URLs the page tried to fetch (none for a report)
    passes: int = 1


class PdfError(OnaError):
    """The report could not be printed (no browser, bad paper size, a page that would not render)."""


def write_pdf(
    html: str | Path,
    pdf_path: str | Path,
    *,
    paper: str = "A4",
    client: str | None = None,
    title: str | None = None,
    executable: str | Path | None = None,
) -> PdfReport:
    """Print an HTML report to PDF with headless Chromium, making no network request.

    Parameters
    ----------
    html : str or Path
        The report's HTML text, or (a ``Path``) the HTML file.
    pdf_path : str or Path
        Where to write the PDF (parent folders are created).
    paper : {"A4", "Letter"}
        The paper size.
    client : str, optional
        Shown (escaped) in every page's header; without it, the title is.
    title : str, optional
        Shown at the right of every page's header (default: the HTML's <title>).
    executable : str or Path, optional
        The Chromium to drive; default ``/usr/bin/chromium`` when present,
        else the browser Playwright installed.

    Returns
    -------
    PdfReport
        The page count, each section's first page (as the contents shows it),
        the number of figures printed and any blocked request.

    Raises
    ------
    PdfError
        Unknown paper size, Playwright or Chromium missing (naming what to
        install), or a figure that did not render.
    """
    if paper not in PAPERS:
        raise PdfError(f"paper size '{paper}' is not one of {', '.join(PAPERS)}")
    pdf_path = Path(pdf_path)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("printing to PDF needs Playwright: pip install playwright") from None

    with tempfile.TemporaryDirectory(prefix="ona-pdf-") as tmp:
        if isinstance(html, Path):
            source = html.resolve()
            if not source.is_file():
                raise PdfError(f"{html}: no such HTML file")
        else:
            source = Path(tmp) / "report.html"
            source.write_text(html, encoding="utf-8")

        def run() -> PdfReport:
            with sync_playwright() as p:
                browser = _launch(p, executable, PlaywrightError)
                try:
                    return _print(browser, source, pdf_path, paper=paper, client=client, title=title,
                                  error=PlaywrightError)  # fmt: skip
                finally:
                    browser.close()

        # a thread of its own: Playwright's sync API refuses a thread whose asyncio loop runs (a
        # Jupyter notebook, or a caller already driving a browser with sync Playwright)
        with ThreadPoolExecutor(1, thread_name_prefix="ona-pdf") as pool:
            return pool.submit(run).result()


def printable_width_px(paper: str) -> int:
    """The width of the paper inside the margins in CSS pixels (96 per inch), the width the page is laid out at."""
    width_mm = PAPERS[paper][0] - MARGIN_MM["left"] - MARGIN_MM["right"]
    return int(width_mm / 25.4 * 96)


def header_template(client: str | None, title: str) -> str:
    """Chromium's page header: the client (or the title) on the left, the title on the right, escaped."""
    left = html_lib.escape(client or title)
    right = html_lib.escape(title) if client else ""
    return (
        '<div style="font-size:8pt;font-family:Helvetica,Arial,sans-serif;color:#616e7c;width:100%;'
        f'margin:0 {MARGIN_MM["left"]:g}mm;display:flex;justify-content:space-between;gap:8mm">'
        f'<span class="ona-client" style="font-weight:600">{left}</span><span>{right}</span></div>'
    )


def footer_template() -> str:
    """Chromium's page footer: "Page N of M" on the right."""
    return (
        '<div style="font-size:8pt;font-family:Helvetica,Arial,sans-serif;color:#616e7c;width:100%;'
        f'margin:0 {MARGIN_MM["right"]:g}mm;text-align:right">'
        'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
    )


def outline_pages(pdf: bytes) -> list[tuple[str, int]]:
    """The PDF's outline (bookmarks) flattened in order: (title, 1-based page)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out: list[tuple[str, int]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            page = reader.get_destination_page_number(item)
            if page is not None and page >= 0:
                out.append((" ".join(str(item.title).split()), page + 1))

    walk(reader.outline)
    return out


def page_count(pdf: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def section_pages(pdf: bytes, entries: list[tuple[str, str]]) -> dict[str, int]:
    """The page each section starts on: its heading's bookmark, taken in document order.

    ``entries`` are (section id, heading) in the contents' order; a heading
    is matched to the first bookmark with its words after the previous
    section's, so a sub-heading with the same words later cannot take its place.
    """
    outline = outline_pages(pdf)
    pages: dict[str, int] = {}
    at = 0
    for sid, heading in entries:
        words = " ".join(heading.split())
        for k in range(at, len(outline)):
            if outline[k][0] == words:
                pages[sid] = outline[k][1]
                at = k + 1
                break
    return pages


def _launch(p: Any, executable: str | Path | None, error: type[Exception]) -> Any:
    path = Path(executable) if executable else (CHROMIUM if CHROMIUM.exists() else None)
    if path is not None and not path.exists():
        raise PdfError(f"{path}: no such browser executable")
    try:
        return p.chromium.launch(executable_path=str(path) if path else None, args=CHROMIUM_ARGS)
    except error as exc:
        if path is None and "Executable doesn't exist" in str(exc):
            raise PdfError(
                "printing to PDF needs Chromium: install Debian's (apt-get install chromium) "
                "or Playwright's (python -m playwright install chromium)"
            ) from None
        raise PdfError(f"Chromium would not start: {str(exc).splitlines()[0]}") from None


def _print(browser: Any, source: Path, pdf_path: Path, *, paper: str, client: str | None, title: str | None,
           error: type[Exception]) -> PdfReport:  # fmt: skip
    width = printable_width_px(paper)
    context = browser.new_context(viewport={"width": width, "height": 1100}, java_script_enabled=True)
    blocked: list[str] = []
    problems: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            blocked.append(url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_default_timeout(TIMEOUT_MS)
    page.emulate_media(media="print")
    try:
        page.goto(source.as_uri(), wait_until="load")
        page.wait_for_function(FIGURES_DRAWN, timeout=TIMEOUT_MS)
        figures = page.evaluate(FIGURES_TO_IMAGES) if page.evaluate("typeof Plotly !== 'undefined'") else 0
    except error as exc:
        detail = f" ({problems[0]})" if problems else ""
        raise PdfError(f"the report's figures did not render{detail}: {str(exc).splitlines()[0]}") from None
    heading = title or page.title() or "Report"
    options = {
        "format": paper,
        "print_background": True,
        "display_header_footer": True,
        "header_template": header_template(client, heading),
        "footer_template": footer_template(),
        "margin": {side: f"{mm:g}mm" for side, mm in MARGIN_MM.items()},
        "outline": True,
        "tagged": True,
        "prefer_css_page_size": False,
    }
    entries = [(sid, words) for sid, words in page.evaluate(TOC_ENTRIES) if words]
    pdf = page.pdf(**options)
    pages = section_pages(pdf, entries)
    passes = 1
    written: dict[str, int] = {}
    # the contents shows page numbers: write them, print again, until the pages they name hold
    while entries and pages != written and passes < MAX_PASSES:
        page.evaluate(TOC_FILL, pages)
        written = dict(pages)
        pdf = page.pdf(**options)
        pages = section_pages(pdf, entries)
        passes += 1
    context.close()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(pdf)
    return PdfReport(pdf_path, page_count(pdf), pages, figures, blocked, passes)
