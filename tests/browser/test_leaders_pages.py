"""The leaders' pages in a real browser: sign in, the department map, hover, filters, roles, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from tests.browser.conftest import XSS, Site, Visit

pytestmark = [pytest.mark.browser, pytest.mark.server]

NODES = """() => {
  const el = document.querySelector('#fig-department_map');
  return el.data.filter(t => t.meta === 'groups').flatMap(t => t.customdata);
}"""

# A point inside the group's node, as far as can be from the links' hover markers (which may overlap it).
NODE_XY = """(name) => {
  const el = document.querySelector('#fig-department_map');
  const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis, box = el.getBoundingClientRect();
  const px = (x, y) => [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
  const marks = el.data.filter(t => t.meta === 'link-hover').flatMap(t => t.x.map((x, i) => px(x, t.y[i])));
  for (const t of el.data) {
    const j = t.meta === 'groups' ? t.customdata.indexOf(name) : -1;
    if (j < 0) continue;
    const [cx, cy] = px(t.x[j], t.y[j]), r = 0.35 * t.marker.size[j];
    const tries = [[cx, cy]];
    for (let a = 0; a < 16; a++) tries.push([cx + r * Math.cos(a * Math.PI / 8), cy + r * Math.sin(a * Math.PI / 8)]);
    const room = ([x, y]) => Math.min(Infinity, ...marks.map(([mx, my]) => Math.hypot(mx - x, my - y)));
    return tries.reduce((best, p) => room(p) > room(best) ? p : best);
  }
  return null;
}"""

NODE_STYLE = """(name) => {
  const el = document.querySelector('#fig-department_map');
  for (const t of el.data) {
    const j = t.meta === 'groups' ? t.customdata.indexOf(name) : -1;
    if (j >= 0) return {opacity: t.marker.opacity, colour: t.marker.color};
  }
}"""


def open_analysis(visit: Visit, site: Site) -> None:
    page = visit.page
    page.goto(f"{site.url}/analyses/{site.analysis_id}")
    page.wait_for_selector("body[data-map-ready]", state="attached")


def api_get(site: Site, path: str, role: str) -> httpx.Response:
    return httpx.get(f"{site.url}/api/v1{path}", headers={"Authorization": f"Bearer {site.keys[role]}"}, timeout=30)


def groups_of(site: Site, role: str) -> list[str]:
    body = api_get(site, f"/analyses/{site.analysis_id}/groups?limit=1000", role).json()
    return [g["group"] for g in body["items"]]


def person_ids_in(text: str, site: Site) -> set[str]:
    ids = {p["person_id"] for p in site.people}
    return {m for m in re.findall(r"\bP\d{4}\b", text) if m in ids}


def test_sign_in(visit: Callable[..., Visit], site: Site) -> None:
    v = visit(None)
    page = v.page
    page.goto(f"{site.url}/analyses/{site.analysis_id}")
    assert "/?next=" in page.url  # not signed in: sent to the sign-in page
    v.shot("sign-in")
    page.fill("#key", "ona_not_a_key")
    page.click("button[type=submit]")
    assert "unknown, revoked or expired" in page.inner_text(".error")
    # the refused sign-in answers 401, which the browser logs: the only error expected here
    assert len(v.errors) == 1 and "401" in v.errors[0], v.errors
    v.errors.clear()
    page.fill("#key", site.keys["viewer"])
    page.click("button[type=submit]")
    page.wait_for_url(f"**/analyses/{site.analysis_id}")  # back where the visitor was going
    page.wait_for_selector("body[data-map-ready]", state="attached")
    page.goto(f"{site.url}/analyses")
    assert page.locator(f'a[href="/analyses/{site.analysis_id}"]').count() >= 1
    v.shot("analyses")
    page.click("text=Sign out")
    page.wait_for_url(f"{site.url}/")
    page.goto(f"{site.url}/analyses")
    assert "/?next=" in page.url
    assert not v.errors and not v.dialogs


def test_viewer_map_hover_and_filters(visit: Callable[..., Visit], site: Site) -> None:
    v = visit("viewer")
    page = v.page
    open_analysis(v, site)
    v.shot("analysis-viewer-top")

    # one node per group the viewer may see, including the script-named one, as text
    assert sorted(page.evaluate(NODES)) == sorted(groups_of(site, "viewer"))
    assert XSS in page.evaluate(NODES)
    labels = page.locator("#fig-department_map .textpoint text").all_text_contents()
    assert XSS in labels
    assert XSS in page.locator("#group-filter option").all_text_contents()

    # hovering a node shows its figures
    page.eval_on_selector("#fig-department_map", "el => el.scrollIntoView({block: 'center'})")
    x, y = page.evaluate(NODE_XY, XSS)
    page.mouse.move(x, y)
    # the label of the point under the mouse (not one passed on the way): it carries "headcount"
    page.wait_for_function(
        "(document.querySelector('#fig-department_map .hoverlayer .hovertext') || {}).textContent"
        "?.includes('headcount')"
    )
    text = page.text_content("#fig-department_map .hoverlayer .hovertext") or ""
    assert XSS in text and "E-I index" in text and "headcount" in text
    v.shot("analysis-viewer-hover")
    page.mouse.move(5, 5)

    # the group filter: the map, the ranking and the tables focus on the group
    before = page.evaluate(NODE_STYLE, XSS)
    page.select_option("#group-filter", XSS)
    page.wait_for_function("document.querySelector('#fig-department_map').data.some(t => t.meta === 'focus')")
    other = next(g for g in groups_of(site, "viewer") if g != XSS)
    assert page.evaluate(NODE_STYLE, XSS)["opacity"] != before["opacity"]
    assert page.evaluate(NODE_STYLE, other)["opacity"] is not None
    shown = page.locator("#silo-table tbody tr:not([hidden])")
    assert shown.count() == 1 and XSS in shown.inner_text()
    weak = page.locator("#weak-table tbody tr:not([hidden])").all_inner_texts()
    assert all(XSS in row for row in weak)
    assert "group=" in page.url
    v.shot("analysis-viewer-group-filter")
    page.select_option("#group-filter", "")
    page.wait_for_function("!document.querySelector('#fig-department_map').data.some(t => t.meta === 'focus')")
    assert page.locator("#silo-table tbody tr:not([hidden])").count() == len(groups_of(site, "viewer"))

    # the time window: the map takes the month's colours, the month's tables appear
    whole = page.evaluate(NODE_STYLE, XSS)["colour"]
    page.select_option("#period-filter", "2024-02")
    page.wait_for_selector("#map-caption:not([hidden])")
    assert page.evaluate(NODE_STYLE, XSS)["colour"] != whole
    assert page.locator("#period-groups tbody tr").count() == len(groups_of(site, "viewer"))
    assert "2024-02" in page.inner_text("#period-title")
    page.locator("#trends").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('#fig-trend_lines').data !== undefined")
    v.shot("analysis-viewer-period", full_page=True)

    assert not v.errors, v.errors
    assert not v.dialogs, v.dialogs  # the script-named department never ran


def test_viewer_cannot_reach_the_people_map(visit: Callable[..., Visit], site: Site) -> None:
    v = visit("viewer")
    page = v.page
    open_analysis(v, site)
    assert page.locator("#fig-people_map").count() == 0
    assert "analysts only" in page.inner_text("#people")
    page.mouse.wheel(0, 20_000)  # draw every lazy figure, then look at the whole page
    page.wait_for_timeout(500)
    assert not person_ids_in(page.content(), site)
    fig = page.evaluate(
        "url => fetch(url, {credentials: 'same-origin'}).then(r => r.json())",
        f"/analyses/{site.analysis_id}/figures/people_map.json",
    )
    assert all(not t.get("x") for t in fig["data"]) and not person_ids_in(str(fig), site)
    r = api_get(site, f"/analyses/{site.analysis_id}/figures/people_map", "viewer")
    assert r.status_code == 200 and all(not t.get("x") for t in r.json()["data"])
    assert not person_ids_in(r.text, site)
    assert not v.errors, v.errors


def test_analyst_sees_the_people_map(visit: Callable[..., Visit], site: Site) -> None:
    v = visit("analyst")
    page = v.page
    open_analysis(v, site)
    page.locator("#people").scroll_into_view_if_needed()
    page.wait_for_function(
        "(document.querySelector('#fig-people_map').data || []).some(t => t.meta === 'people' && t.x.length)"
    )
    drawn = page.evaluate(
        "() => document.querySelector('#fig-people_map').data.filter(t => t.meta === 'people')"
        ".reduce((n, t) => n + t.x.length, 0)"
    )
    assert drawn == len(site.people)
    assert "WebGL" not in page.inner_text("#fig-people_map")  # drawn, not replaced by plotly's WebGL notice
    assert page.locator("#key-people tbody tr").count() > 0
    v.shot("analysis-analyst-people")
    page.select_option("#people-color", "community")
    page.wait_for_function(
        "document.querySelector('#fig-people_map').data.some(t => t.meta === 'people' && t.name.startsWith('community'))"
    )
    assert not v.errors, v.errors


def test_readable_on_a_tablet(visit: Callable[..., Visit], site: Site) -> None:
    v = visit("viewer", width=820, height=1180)
    page = v.page
    open_analysis(v, site)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    width = page.evaluate("document.querySelector('#fig-department_map .main-svg').getBoundingClientRect().width")
    assert 700 <= width <= 820
    v.shot("analysis-viewer-tablet")
    assert not v.errors, v.errors
