"""Checks that a viewer's figures give back nothing about fewer than K people.

Three kinds of check, each on JSON (the ``for_viewer`` result dumped, an
API answer, a report's data), so that every face is held to the same rule:

- :func:`check_names`: no group under K is named anywhere;
- :func:`identities`: every total a viewer receives equals the sum of the
  parts it receives (``summary.people`` and the headcounts, ``2
  total_weight`` and the volumes, a group's ``external_weight`` and its
  links, handoff totals and pairs, a period's total and its groups and
  links, a community and its groups...), so that subtracting the parts
  shown from a total leaves 0, never a hidden figure;
- :func:`check_arithmetic`: brute force over every viewer figure ``x`` and
  pair of figures ``x, y``: neither ``x``, ``x - y`` nor ``x + y`` equals a
  *secret*, a figure of the full result about fewer than K people
  (:func:`secrets`: a group under K, or a set of them under K together,
  with its weights, ties, links and handoffs per window and per period; a
  link carried by fewer than K people).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import combinations
from typing import Any

import numpy as np

from ona.results import AnalysisResult

TOL = 1e-9


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


# --------------------------------------------------------------------------
# secrets: figures of the full result about fewer than K people


def secrets(full: AnalysisResult, k: int) -> list[tuple[str, float]]:
    """(what, value) of every figure about fewer than ``k`` people that the full result holds.

    When the groups under ``k`` are not pooled, for every set S of them
    (holding fewer than ``k`` people together): its headcount, active
    members, internal and external weight and ties, volume, weight and ties
    to each other group, handoffs each way, and the same per period of the
    trends and per window of the comparison. When they are pooled, the
    pool's figures are sums over its groups and what separates one pooled
    group from another is not a figure of the viewer's (names and rows are
    gone): the pool is held by :func:`identities` and by
    ``test_pooled_groups_are_interchangeable``; here, its links to a group
    when carried by fewer than ``k`` people. For every link between shown
    groups carried by fewer than ``k`` people (in the whole window, a
    period or a window): its weight, ties and handoffs.
    """
    sizes = {g.group: g.headcount for g in full.groups}
    hidden = sorted(g for g, n in sizes.items() if n < k)
    pooled = len(hidden) >= 2 and sum(sizes[g] for g in hidden) >= k
    out: list[tuple[str, float]] = []

    def add(what: str, value: float, _: None = None) -> None:
        if value:
            out.append((what, float(value)))

    if not pooled:
        for r in range(1, len(hidden) + 1):
            for subset in combinations(hidden, r):
                for what, value in _set_figures(full, set(subset)).items():
                    add(f"{'+'.join(subset)} {what}", value, None)
    else:
        for x in sizes:
            if x in hidden:
                continue
            mine = [lk for lk in full.links if {lk.source, lk.target} & {x} and {lk.source, lk.target} & set(hidden)]
            carriers = {pid for lk in mine for pid in lk.carriers}
            weight = sum(lk.weight for lk in mine)
            if weight > 0 and len(carriers) < k:
                add(f"pool link with {x} weight", weight, None)

    shown = set(sizes) - set(hidden)
    for lk in full.links:
        if {lk.source, lk.target} <= shown and lk.weight > 0 and lk.source_carriers + lk.target_carriers < k:
            for what in ("weight", "ties", "handoffs"):
                add(f"thin link {lk.source}-{lk.target} {what}", getattr(lk, what), None)
    # A shown link's split by channel (channels, handoffs) is shown as it is: the result holds no
    # carriers per channel, so a channel's part minus a window or period can isolate a thin period
    # (a known limit, README "Viewer privacy"). Thin periods and windows are tried on one-channel links.
    parts = {(lk.source, lk.target): _channel_parts(lk, full) for lk in full.links}
    if full.trends is not None:
        for lk in full.trends.links:
            for i, (w, n) in enumerate(zip(lk.weight, lk.carriers)):
                if {lk.source, lk.target} <= shown and w > 0 and n < k and len(parts[(lk.source, lk.target)]) < 2:
                    add(f"thin link {lk.source}-{lk.target} period {i} weight", w, None)
    if full.comparison is not None:
        for lc in full.comparison.links:
            for side in ("before", "after"):
                w, n = getattr(lc, f"weight_{side}"), getattr(lc, f"carriers_{side}")
                if {lc.source, lc.target} <= shown and w > 0 and n < k and len(parts[(lc.source, lc.target)]) < 2:
                    add(f"thin link {lc.source}-{lc.target} {side} weight", w, None)
    return out


def _channel_parts(lk: Any, full: AnalysisResult) -> list[float]:
    """The link's non-zero weights per channel."""
    return [w for w in lk.channels.values() if w]


def _set_figures(full: AnalysisResult, s: set[str]) -> dict[str, float]:
    """The figures of a set of groups taken together."""
    f: dict[str, float] = {}
    rows = [g for g in full.groups if g.group in s]
    f["headcount"] = sum(g.headcount for g in rows)
    f["active"] = sum(g.active for g in rows)
    inside = [lk for lk in full.links if lk.source in s and lk.target in s]
    out = [lk for lk in full.links if (lk.source in s) != (lk.target in s)]
    f["internal_weight"] = sum(g.internal_weight for g in rows) + sum(lk.weight for lk in inside)
    f["internal_ties"] = sum(g.internal_ties for g in rows) + sum(lk.ties for lk in inside)
    f["external_weight"] = sum(lk.weight for lk in out)
    f["external_ties"] = sum(lk.ties for lk in out)
    f["volume"] = 2 * f["internal_weight"] + f["external_weight"]
    for lk in out:
        other = lk.target if lk.source in s else lk.source
        f[f"weight to {other}"] = f.get(f"weight to {other}", 0.0) + lk.weight
        f[f"ties to {other}"] = f.get(f"ties to {other}", 0) + lk.ties
        f[f"handoffs with {other}"] = f.get(f"handoffs with {other}", 0) + lk.handoffs
    if full.handoffs is not None:
        for p in full.handoffs.pairs:
            if (p.from_group in s) != (p.to_group in s):
                key = f"handoffs {'to' if p.from_group in s else 'from'} {p.to_group if p.from_group in s else p.from_group}"
                f[key] = f.get(key, 0) + p.handoffs
        for g in full.handoffs.groups:
            if g.group in s:
                for what in ("received", "handed_out", "within_group_handoffs", "opened"):
                    f[f"service {what}"] = f.get(f"service {what}", 0) + getattr(g, what)
    if full.trends is not None:
        t = full.trends
        for i in range(len(t.periods)):
            f[f"period {i} internal_weight"] = sum(g.internal_weight[i] for g in t.groups if g.group in s) + sum(
                lk.weight[i] for lk in t.links if lk.source in s and lk.target in s)
            f[f"period {i} external_weight"] = sum(
                lk.weight[i] for lk in t.links if (lk.source in s) != (lk.target in s))
            f[f"period {i} active"] = sum(g.active[i] for g in t.groups if g.group in s)
            for lk in t.links:
                if (lk.source in s) != (lk.target in s):
                    other = lk.target if lk.source in s else lk.source
                    key = f"period {i} weight to {other}"
                    f[key] = f.get(key, 0.0) + lk.weight[i]
    if full.comparison is not None:
        for lc in full.comparison.links:
            if (lc.source in s) != (lc.target in s):
                other = lc.target if lc.source in s else lc.source
                for side in ("before", "after"):
                    key = f"{side} weight to {other}"
                    f[key] = f.get(key, 0.0) + getattr(lc, f"weight_{side}")
    return f


# --------------------------------------------------------------------------
# the checks


def numbers(doc: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a JSON document (booleans are not numbers), with its path."""
    if isinstance(doc, bool) or doc is None:
        return
    if isinstance(doc, (int, float)):
        yield path, float(doc)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            yield from numbers(value, f"{path}.{key}")
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from numbers(value, f"{path}[{i}]")
    elif isinstance(doc, str) and doc[:1] in "{[":
        try:  # embedded JSON (a figure's Plotly JSON)
            inner = json.loads(doc)
        except ValueError:
            return
        yield from numbers(inner, path + "<json>")


def _pool_parts(v: dict[str, Any], pool: str) -> list[Any]:
    """The parts of a viewer's result that are about the pool (its row, links and trends)."""
    mine = [g for g in v.get("groups", []) if g.get("group") == pool]
    mine += [lk for lk in v.get("links", []) if pool in (lk.get("source"), lk.get("target"))]
    t = v.get("trends") or {}
    mine += [g for g in t.get("groups", []) if g.get("group") == pool]
    mine += [lk for lk in t.get("links", []) if pool in (lk.get("source"), lk.get("target"))]
    return mine


def check_names(doc: Any, full: AnalysisResult, k: int) -> None:
    """No group under ``k`` is named in ``doc``."""
    text = doc if isinstance(doc, str) else json.dumps(doc)
    for g in full.groups:
        if g.headcount < k:
            assert not re.search(rf"\b{re.escape(g.group)}\b", text), f"hidden group {g.group} is named"


def check_arithmetic(doc: Any, full: AnalysisResult, k: int, *, label: str = "viewer",
                     pool: str | None = None) -> None:
    """No figure of ``doc``, and no difference or sum of two, equals a secret of ``full``.

    Only secrets that are not whole numbers are tried (weights are sums of
    random durations): a count such as 3 is a difference of many unrelated
    counts, which :func:`identities` holds to their totals instead. A secret
    equal to one of the pool's own figures (the other pooled groups add
    nothing to it) is what pooling allows: the viewer cannot tell which
    pooled group it comes from.
    """
    values = np.unique(np.array([v for _, v in numbers(doc) if abs(v - round(v)) > 1e-6], dtype=float))
    if not len(values):
        return
    pooled = [v for _, v in numbers(_pool_parts(doc, pool))] if pool and isinstance(doc, dict) else []
    for what, s in secrets(full, k):
        if abs(s - round(s)) <= 1e-6 or any(close(s, p) for p in pooled):
            continue
        tol = TOL * max(1.0, abs(s))
        for candidate, how in ((values - s, "x - y"), (s - values, "x + y"), (values + s, "y - x")):
            i = np.clip(np.searchsorted(values, candidate), 1, len(values) - 1)
            near = np.minimum(np.abs(values[i] - candidate), np.abs(values[i - 1] - candidate))
            hit = np.flatnonzero(near <= tol)
            assert not len(hit), f"{label}: {how} = {what} = {s!r} with x = {values[hit[0]]!r}"
        assert not np.any(np.abs(values - s) <= tol), f"{label}: a figure equals {what} = {s!r}"


def identities(v: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(identity, total shown, sum of the parts shown) for a viewer's whole result as JSON."""
    out: list[tuple[str, float, float]] = []
    s, groups, links = v["summary"], v["groups"], v["links"]

    def add(name: str, total: float | None, parts: float) -> None:
        if total is not None:
            out.append((name, float(total), float(parts)))

    add("summary.people = sum headcount", s["people"], sum(g["headcount"] for g in groups))
    add("summary.active_people = sum active", s["active_people"], sum(g["active"] for g in groups))
    add("summary.groups = groups shown", s["groups"], len(groups))
    add("summary.isolates = sum (headcount - active)", s["isolates"], sum(g["headcount"] - g["active"] for g in groups))
    add("summary.silos = silos shown", s["silos"], sum(g["silo"] for g in groups))
    add("summary.weak_links = weak links shown", s["weak_links"], sum(lk["weak"] for lk in links))
    add("summary.communities = communities shown", s["communities"], len(v["communities"]))
    add("summary.ties = internal + link ties", s["ties"],
        sum(g["internal_ties"] for g in groups) + sum(lk["ties"] for lk in links))
    add("summary.total_weight = internal + link weights", s["total_weight"],
        sum(g["internal_weight"] for g in groups) + sum(lk["weight"] for lk in links))
    add("2 summary.total_weight = sum volume", 2 * s["total_weight"], sum(g["volume"] for g in groups))
    for g in groups:
        mine = [lk for lk in links if g["group"] in (lk["source"], lk["target"])]
        add(f"{g['group']}.external_weight = its links", g["external_weight"], sum(lk["weight"] for lk in mine))
        add(f"{g['group']}.external_ties = its links", g["external_ties"], sum(lk["ties"] for lk in mine))
        add(f"{g['group']}.volume = 2 I + E", g["volume"], 2 * g["internal_weight"] + g["external_weight"])
        add(f"{g['group']}.external_reach = its links with ties", g["external_reach"], sum(lk["ties"] > 0 for lk in mine))
        add(f"{g['group']}.headcount = its community counts", g["headcount"],
            sum(c["groups"].get(g["group"], 0) for c in v["communities"]))
    for c in v["communities"]:
        add(f"community {c['community']}.size = its groups", c["size"], sum(c["groups"].values()))
    for name in v["privacy"]["withheld_links"]:
        a, b = name.split(" | ")
        lk = next(x for x in links if (x["source"], x["target"]) == (a, b))
        add(f"withheld {name}: weight", lk["weight"], 0.0)
        add(f"withheld {name}: ties", lk["ties"], 0.0)
        add(f"withheld {name}: handoffs", lk["handoffs"], 0.0)
    out += handoff_identities(v.get("handoffs"), links)
    out += trend_identities(v.get("trends"))
    out += comparison_identities(v.get("comparison"))
    return out


def handoff_identities(h: dict[str, Any] | None, links: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    out: list[tuple[str, float, float]] = []
    if h is None:
        return out
    s, pairs, groups = h["summary"], h["pairs"], h["groups"]
    out.append(("handoffs: cross = sum pairs", s["cross_group_handoffs"], sum(p["handoffs"] for p in pairs)))
    out.append(("handoffs: within = sum groups", s["within_group_handoffs"],
                sum(g["within_group_handoffs"] for g in groups)))
    out.append(("handoffs = within + cross + external", s["handoffs"],
                s["within_group_handoffs"] + s["cross_group_handoffs"] + s["external_handoffs"]))
    out.append(("handoffs: external = sum groups", s["external_handoffs"],
                sum(g["external_received"] + g["external_handed_out"] for g in groups)))
    for g in groups:
        name = g["group"]
        out.append((f"{name}.received = pairs to it", g["received"], sum(p["handoffs"] for p in pairs if p["to_group"] == name)))
        out.append((f"{name}.handed_out = pairs from it", g["handed_out"],
                    sum(p["handoffs"] for p in pairs if p["from_group"] == name)))
        if g["passed_on"] is not None:
            out.append((f"{name}: passed on + resolved + open = received", g["received"],
                        g["passed_on"] + g["resolved"] + g["open"]))
    grouped = {g["group"] for g in groups}
    for lk in links:
        if lk["source"] in grouped and lk["target"] in grouped:
            both = sum(p["handoffs"] for p in pairs if {p["from_group"], p["to_group"]} == {lk["source"], lk["target"]})
            out.append((f"link {lk['source']}-{lk['target']}.handoffs = its pairs", lk["handoffs"], both))
    return out


def trend_identities(t: dict[str, Any] | None) -> list[tuple[str, float, float]]:
    out: list[tuple[str, float, float]] = []
    if t is None:
        return out
    for i, p in enumerate(t["periods"]):
        out.append((f"period {i}: total = internal + links", p["total_weight"],
                    sum(g["internal_weight"][i] for g in t["groups"]) + sum(lk["weight"][i] for lk in t["links"])))
        out.append((f"period {i}: active = sum active", p["active_people"], sum(g["active"][i] for g in t["groups"])))
        for g in t["groups"]:
            out.append((f"period {i}: {g['group']} external = its links", g["external_weight"][i],
                        sum(lk["weight"][i] for lk in t["links"] if g["group"] in (lk["source"], lk["target"]))))
    return out


def comparison_identities(c: dict[str, Any] | None) -> list[tuple[str, float, float]]:
    if c is None:
        return []
    return [
        ("comparison: groups more insular", c["groups_more_insular"], sum(g["more_insular"] for g in c["groups"])),
        ("comparison: links weakened", c["links_weakened"], sum(lk["weakened"] for lk in c["links"])),
        ("comparison: links fewer carriers", c["links_fewer_carriers"], sum(lk["fewer_carriers"] for lk in c["links"])),
    ]


def check_identities(v: dict[str, Any]) -> None:
    """Every identity of :func:`identities` holds exactly (relative 1e-9)."""
    broken = [(name, total, parts) for name, total, parts in identities(v) if not close(total, parts)]
    assert not broken, "totals that are not the sum of what is shown: " + "; ".join(
        f"{name}: {total!r} vs {parts!r} (remainder {total - parts!r})" for name, total, parts in broken[:5])


def check_rules(v: dict[str, Any], k: int) -> None:
    """No weight on a link carried by fewer than ``k`` people; no person; reasons without figures."""
    assert v["people"] == [] and v["key_people"] == []
    for lk in v["links"]:
        assert lk["carriers"] == [] and lk["bridge_people"] == [] and lk["bridge_shares"] == []
        if lk["weight"] > 0:
            assert lk["source_carriers"] + lk["target_carriers"] >= k, lk
    if v.get("trends"):
        for lk in v["trends"]["links"]:
            for w, n in zip(lk["weight"], lk["carriers"]):
                assert w == 0 or n >= k, lk
    if v.get("comparison"):
        for lc in v["comparison"]["links"]:
            for side in ("before", "after"):
                assert lc[f"weight_{side}"] == 0 or lc[f"carriers_{side}"] >= k, lc
    pool = v["privacy"]["pool"]
    for g in v["groups"]:
        assert g["headcount"] >= k, g["group"]
        assert g["external_top2_share"] is None
        if g["group"] == pool:
            assert g["z"] is None and not g["silo"]
    reasons = [r for g in v["groups"] for r in g["silo_reasons"]] + [r for lk in v["links"] for r in lk["weak_reasons"]]
    reasons += [r["reason"] for r in v["recommendations"]]
    if v.get("comparison"):
        reasons += [r for x in v["comparison"]["groups"] + v["comparison"]["links"] for r in x["reasons"]]
    for text in reasons:
        assert not re.search(r"\d", text), text
    for r in v["recommendations"]:
        assert r["person_ids"] == [] and r["pairs"] == []
        assert set(r["figures"]) <= {"weight", "expected", "ratio", "handoffs", "carriers", "ei_index",
                                     "internal_weight", "external_weight", "headcount", "pairs", "current_bridges"}


def check_viewer(v: dict[str, Any], full: AnalysisResult, k: int, *, label: str = "viewer") -> None:
    """Every check of this module on a viewer's whole result as JSON."""
    check_names(v, full, k)
    check_rules(v, k)
    check_identities(v)
    check_arithmetic(v, full, k, label=label, pool=v["privacy"]["pool"])
