"""The leaders' page and the report of one analysis say the same thing in the same words (issue 14)."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from tests.api.conftest import Api
from tests.api.test_pages import sign_in

V1 = "/api/v1"
#: The titles of the recommendation kinds, written here independently of ona.report.words.
TITLES = {"second_bridge": "Second bridge", "buddy_pairs": "Buddy pairs", "job_shadowing": "Job shadowing",
          "recognize_boundary_spanners": "Recognize the boundary spanners"}  # fmt: skip


def duration(h: float) -> str:
    """A duration as both faces must print it (the README's examples: 'under an hour', '21 hours', '2.3 days')."""
    if h < 1:
        return "under an hour"
    if h < 48:
        n = round(h)
        return f"{n} hour" if n == 1 else f"{n} hours"
    return f"{h / 24:.1f} days"


def section(text: str, name: str) -> str:
    start = text.index(f'<section id="{name}"')
    return text[start : text.index("</section>", start)]


@pytest.fixture(scope="module")
def faces(done: tuple[Api, str, str]) -> dict[str, object]:
    api, _, analysis_id = done
    sign_in(api, "analyst")
    page = api.client.get(f"/analyses/{analysis_id}")
    report = api.client.get(f"/analyses/{analysis_id}/report")
    assert page.status_code == 200 and report.status_code == 200
    return {
        "page": page.text,
        "report": report.text,
        "recs": api.get(f"{V1}/analyses/{analysis_id}/recommendations").json(),
        "handoffs": api.get(f"{V1}/analyses/{analysis_id}/handoffs").json(),
        "links": api.get(f"{V1}/analyses/{analysis_id}/links", params={"weak": True, "limit": 1000}).json(),
    }


def test_recommendations_have_the_same_titles_on_both_faces(faces):
    recs = faces["recs"]
    items = recs["items"] if isinstance(recs, dict) else recs
    assert items, "the test organization should get recommendations"
    expected = Counter(TITLES[r["kind"]] for r in items)
    on_page = Counter(html.unescape(t) for t in re.findall(r"<h3>([^<:]+): ", section(faces["page"], "advice")))
    in_report = Counter(html.unescape(t) for t in re.findall(r"<li value=\"\d+\"><strong>([^<]+)\.</strong>",
                                                             section(faces["report"], "advice")))  # fmt: skip
    assert on_page == expected == in_report


def test_the_median_stay_reads_the_same_on_both_faces(faces):
    median = faces["handoffs"]["summary"]["median_hours"]
    assert median is not None
    words = duration(median)
    assert f"A ticket stays a median of {words} with" in faces["page"]
    assert re.search(rf'<div class="kpi"><b>{re.escape(words)}</b><span>median stay', faces["report"])


def test_weak_links_carry_the_same_flags_on_both_faces(faces):
    links = faces["links"]
    items = links["items"] if isinstance(links, dict) else links
    flags = Counter()
    for lk in items:
        if lk["weak"]:
            for field, words in (("dependency_without_relationship", "dependency without relationship"),
                                 ("under_connected", "under-connected"), ("fragile", "fragile")):  # fmt: skip
                flags[words] += bool(lk[field])
    assert Counter(first_cell_tags(faces["page"])) == +flags
    assert Counter(first_cell_tags(faces["report"])) == +flags


def first_cell_tags(text: str) -> list[str]:
    """The flags shown beside each weak link's name (the first cell of its row; the reasons come later)."""
    tags = r'<span class="tag(?: red)?">(dependency without relationship|under-connected|fragile)</span>'
    rows = re.findall(r'<tr class="weak"[^>]*>(.*?)</td>', section(text, "links"), flags=re.DOTALL)
    assert rows
    return [tag for row in rows for tag in re.findall(tags, row)]
