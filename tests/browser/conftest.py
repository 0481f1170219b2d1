"""Browser fixtures: a real `ona serve` over an analyzed synthetic organization, and Debian's chromium.

Playwright drives /usr/bin/chromium (no browser download). Without it, or
without the playwright package, the browser tests skip with the reason;
in CI (``ONA_REQUIRE_BROWSER=1``) they fail instead.

The organization (120 people, no bad rows) has one department renamed to a
script tag, so every browser test also checks that names show as text.
"""

from __future__ import annotations

import csv
import os
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ona.store import Store
from ona.store.keys import create_key
from tests.api.server import Server, ona_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
XSS = "<script>alert(1)</script>"
SPLIT = "2024-02-15"


def _unavailable(reason: str) -> None:
    if os.environ.get("ONA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (ONA_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium driven by Playwright (skips, or fails in CI, when there is none)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """The served organization: the server, its keys, the analysis and what the test knows of it."""

    server: Server
    keys: dict[str, str]
    analysis_id: str
    renamed: str  # the department now called XSS
    people: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


def synthetic_org(folder: Path, people: int = 120) -> str:
    """Write the organization; rename its largest department to :data:`XSS`; the old name."""
    from ona.synth import synthesize

    synthesize(folder, people=people, seed=3, bad_rows=False)
    path = folder / "people.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    largest = Counter(r["department"] for r in rows).most_common(1)[0][0]
    for r in rows:
        if r["department"] == largest:
            r["department"] = XSS
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return largest


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`ona serve` on a free port over a store holding the organization's analysis (per month, split)."""
    root = tmp_path_factory.mktemp("browser")
    org = root / "org"
    renamed = synthetic_org(org)
    store = root / "ona.duckdb"
    subprocess.run(
        [*ona_command(), "analyze", str(org), "--store", str(store), "--out", str(root / "result.json"),
         "--period", "month", "--split", SPLIT, "--permutations", "200", "--quiet"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    with Store(store) as db:
        keys = {role: create_key(db, role=role, name=f"browser {role}")[1] for role in ("analyst", "viewer")}
        analysis_id = db.list_analyses()[0].analysis_id
    with (org / "people.csv").open(encoding="utf-8", newline="") as f:
        people = list(csv.DictReader(f))
    with Server(store, root / "server.log") as server:
        yield Site(server, keys, analysis_id, renamed, people)


@dataclass
class Visit:
    """A signed-in browser page and what went wrong on it (console errors, page errors, dialogs)."""

    page: Any
    errors: list[str]
    dialogs: list[str]

    def shot(self, name: str, **kw: Any) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), **kw)
        return path


@pytest.fixture
def visit(chromium: Any, site: Site) -> Iterator[Callable[..., Visit]]:
    """``visit(role)``: a new browser context signed in with that role's key (``None``: not signed in)."""
    contexts: list[Any] = []

    def open_(role: str | None, *, width: int = 1280, height: int = 900) -> Visit:
        context = chromium.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        if role is not None:
            page.goto(f"{site.url}/")
            page.fill("#key", site.keys[role])
            page.click("button[type=submit]")
            page.wait_for_url("**/analyses")
        return Visit(page, errors, dialogs)

    yield open_
    for context in contexts:
        context.close()
