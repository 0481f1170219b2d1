"""Fixtures of the report's PDF and consultant tests: a result with every section, a consultant's
notes, title page and logo, and that report printed once by headless Chromium.

The printing tests need Playwright and Debian's chromium: without them they
skip with the reason, and fail in CI (``ONA_REQUIRE_BROWSER=1``), as the
browser tests do (tests/browser/conftest.py).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from ona.report import render_report
from ona.report.notes import Cover, parse_notes
from ona.results import AnalysisResult
from ona.viz import Layout
from tests.browser.conftest import CHROMIUM, XSS, _unavailable

CLIENT = f"Acme & Sons {XSS}"
TITLE = "Collaboration review 2024"
LOGO_SIZE = (7, 5)  # a size no figure has, to find the logo among the PDF's images
NOTES = f"""# Notes for the Acme review

## Summary
We met the **leadership team** on 3 March. {XSS}

## Silo 1: Finance
Finance says its month-end close needs the isolation.

## Link 2
The IT and Sales managers have not met since the reorganization.

## Recommendation 3: a buddy programme
Start in **April**, after the audit. [docs](javascript:alert(1)) ![x](http://192.0.2.1/x.png)
"""


def png(width: int, height: int) -> bytes:
    """A small RGB PNG with a gradient (every pixel differs from its neighbours), from the standard library."""
    rows = b"".join(
        b"\x00" + b"".join(bytes([(40 * x) % 256, (60 * y) % 256, 128]) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def printer() -> None:
    """Playwright and chromium are there (skip without them; fail when ONA_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")


@pytest.fixture(scope="session")
def service_org() -> tuple[AnalysisResult, Layout]:
    """39 people, 5 departments: two silos (Finance, Legal), three weak links, five recommendations,
    trends, a before / after comparison and key people (tests/viz/results_service.py)."""
    from tests.viz.results_service import with_service

    return with_service()


@pytest.fixture(scope="session")
def logo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logo") / "acme.png"
    path.write_bytes(png(*LOGO_SIZE))
    return path


@pytest.fixture(scope="session")
def consultant_html(service_org, logo_file) -> str:
    """The report with the consultant's title, client, logo and notes."""
    from ona.report.notes import logo_data_uri

    result, layout = service_org
    cover = Cover(title=TITLE, client=CLIENT, logo=logo_data_uri(logo_file))
    return render_report(result, layout, cover=cover, notes=parse_notes(NOTES, file="notes.md"))


@dataclass
class Printed:
    """The consultant's report printed to A4: the HTML, what write_pdf said, the PDF read back by pypdf."""

    html: str
    report: object  # ona.report.pdf.PdfReport
    pdf: object  # pypdf.PdfReader
    seconds: float

    def text(self, page: int) -> str:
        """The text of a 1-based page."""
        return self.pdf.pages[page - 1].extract_text()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def printed(printer, consultant_html, tmp_path_factory) -> Printed:
    import time

    from pypdf import PdfReader

    from ona.report.pdf import write_pdf

    path = tmp_path_factory.mktemp("pdf") / "acme.pdf"
    started = time.perf_counter()
    report = write_pdf(consultant_html, path, paper="A4", client=CLIENT, title=TITLE)
    return Printed(consultant_html, report, PdfReader(path), time.perf_counter() - started)
