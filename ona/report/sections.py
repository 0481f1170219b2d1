"""Rows of the report's tables, and the link and recommendation rows of the leaders' pages.

Input: an :class:`~ona.results.AnalysisResult` and the display label of
each person (pseudonyms unless names are shown; the pages pass person_ids,
or nothing for a viewer). Output: plain dicts and tuples that
``ona/report/templates/report.html.j2`` and ``api/templates/analysis.html`` lay out
(both escape every string). A weak link's row (:func:`link_row`) and a
recommendation's (:func:`recommendation_row`) are built here only, in the
words of :mod:`ona.report.words`. Nothing is computed that the result does
not hold: rows are the result's numbers, selected, ordered and labelled.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ona.report import words
from ona.report.words import figure_rows, kind_label, link_kinds, reason_label, reason_words, role_counts, split_reason
from ona.results import AnalysisResult, LinkMetrics, Recommendation, RecommendationView
from ona.viz.style import flag_notes, relabel

MAX_SERVICE_PAIRS = 15  # ordered pairs of groups in the internal service table
MAX_LINK_CHANGES = 20  # weakened links listed in the over-time section


def _pair(a: str, b: str) -> str:
    return f"{a} – {b}"


# --------------------------------------------------------------------------
# Internal service


def service_section(result: AnalysisResult) -> dict | None:
    """The internal service section, or None without ticket history."""
    h = result.handoffs
    if h is None:
        return None
    dependent = {(lk.source, lk.target) for lk in result.links if lk.dependency_without_relationship}
    pairs = []
    for p in h.pairs[:MAX_SERVICE_PAIRS]:
        key = (min(p.from_group, p.to_group), max(p.from_group, p.to_group))
        pairs.append({"p": p, "dependency": key in dependent})
    groups = sorted(h.groups, key=lambda g: (-g.received, g.group))
    return {
        "s": h.summary,
        "facts": words.service_facts(result),
        "failing": words.failing_sentence(result) if words.crossed(h.summary) else [],
        "pairs": pairs,
        "pairs_total": len(h.pairs),
        "groups": groups,
    }


# --------------------------------------------------------------------------
# What to do


def advice_section(result: AnalysisResult, who: Mapping[str, str]) -> list[dict]:
    """Recommendations in priority order, grouped by what they address (a silo or a weak link).

    A silo's recommendations name the silo first (a buddy pair with its
    partner group is about the silo); a weak link's name its two groups.
    Targets are ordered by their most urgent recommendation.
    """
    links = {(lk.source, lk.target): lk for lk in result.links}
    targets: dict[tuple, dict] = {}
    for rec in sorted(result.recommendations, key=lambda r: r.priority):
        if rec.target == "silo":
            key: tuple = ("silo", rec.groups[0] if rec.groups else "")
            title = f"Silo: {key[1]}"
            tags = ["silo"]
        else:
            a, b = sorted(rec.groups)[:2] if len(rec.groups) >= 2 else ((rec.groups or [""])[0], "")
            key = ("weak_link", a, b)
            title = f"Weak link: {_pair(a, b)}"
            lk = links.get((a, b))
            tags = [] if lk is None else link_kinds(lk)
        target = targets.setdefault(key, {"title": title, "tags": tags, "recs": [], "search": " ".join(key[1:]).lower()})
        target["recs"].append(recommendation_row(rec, who))
    return list(targets.values())


def recommendation_row(
    rec: Recommendation | RecommendationView, who: Mapping[str, str] | None, number: int | None = None
) -> dict[str, Any]:
    """One recommendation as the report and the pages show it.

    ``who``: the display label of each person (people missing from it are "a
    person"); None shows no person. ``number``: the number it is listed
    under (default: its priority). The row: ``r`` (the recommendation),
    ``priority``, ``kind`` (its title, :func:`~ona.report.words.kind_label`),
    ``action`` (what to do, :func:`~ona.report.words.action`), ``reason``,
    ``figures`` (:func:`figure_rows`), ``pairs`` and ``people`` (labels; a person
    in a pair is not repeated), ``headcount`` (people concerned) and ``roles``
    (``"2 × bridge"``, the largest role first).
    """
    person_ids = getattr(rec, "person_ids", None)  # None: the viewer's form, counts only

    def label(pid: str) -> str:
        return who.get(pid, "a person") if who is not None else pid

    pairs = list(getattr(rec, "pairs", []))
    paired = {pid for pair in pairs for pid in pair}
    shown = who is not None
    return {
        "r": rec,
        "priority": rec.priority if number is None else number,
        "kind": kind_label(rec.kind),
        "action": words.action(rec),
        "reason": rec.reason,
        "figures": figure_rows(rec.figures),
        "pairs": [" & ".join(label(pid) for pid in pair) for pair in pairs] if shown else [],
        "people": [label(pid) for pid in person_ids or [] if pid not in paired] if shown else [],
        "headcount": len(set(person_ids)) if person_ids is not None else getattr(rec, "people", 0),
        "roles": role_counts(rec.roles),
    }


def link_row(lk: LinkMetrics, who: Mapping[str, str] | None = None, known: Collection[str] = ()) -> dict[str, Any]:
    """One weak link as the report and the pages show it.

    ``who``: the display label of each person (people missing from it are "a
    person"); None shows no person. ``known``: the person_ids a reason may
    quote in parentheses, replaced by their labels (:func:`ona.viz.style.relabel`).
    The row: ``lk`` (the link), ``kinds`` (its flags in words, the most serious
    first), ``notes`` (how sure the flag is), ``search`` (the text the table's
    filter matches), ``reasons`` (:func:`reason_row`) and ``bridges`` (label and
    share of the link each bridge person carries; the share is None past the
    result's list).
    """
    shares = [*lk.bridge_shares, *[None] * len(lk.bridge_people)]
    return {
        "lk": lk,
        "kinds": link_kinds(lk),
        "notes": flag_notes(lk),
        "search": f"{lk.source} {lk.target}".lower(),
        "reasons": [reason_row(r, who, known) for r in lk.weak_reasons],
        "bridges": [] if who is None else [(who.get(pid, "a person"), share) for pid, share in zip(lk.bridge_people, shares)],
    }


def reason_row(text: str, who: Mapping[str, str] | None = None, known: Collection[str] = ()) -> dict[str, str]:
    """A flag's reason: ``code`` in words (empty without one) and ``text``, the sentence with the
    person_ids of ``known`` it quotes replaced by their labels in ``who``."""
    code, sentence = split_reason(text)
    return {"code": reason_label(code), "text": relabel(sentence, who, known)}


# --------------------------------------------------------------------------
# If key people left


def key_people_section(result: AnalysisResult, who: Mapping[str, str]) -> list[dict]:
    """One row per simulated departure, in the result's rank order (analyst results only)."""
    rows = []
    for k in sorted(result.key_people, key=lambda k: k.rank):
        # the simulation's sentence, about "this <group> member", names nobody
        rows.append({
            "k": k,
            "who": who.get(k.person_id, "a person"),
            "no_path": [_pair(p.source, p.target) for p in k.pairs if p.no_path],
            "no_tie": [_pair(p.source, p.target) for p in k.pairs if p.no_tie and not p.no_path],
            "single": [_pair(p.source, p.target) for p in k.pairs if p.single_carrier],
            "reason": k.reason,
        })  # fmt: skip
    return rows


# --------------------------------------------------------------------------
# Over time


def time_section(result: AnalysisResult) -> dict | None:
    """The over-time section, or None when the analysis has neither trends nor a comparison."""
    t, cmp = result.trends, result.comparison
    if t is None and cmp is None:
        return None
    periods = []
    if t is not None:
        for i, p in enumerate(t.periods):
            weak = sum(1 for lk in t.links if i < len(lk.weak) and lk.weak[i])
            periods.append({"p": p, "weak": weak})
    changes = []
    more = 0
    if cmp is not None:
        changed = [lk for lk in cmp.links if lk.weakened or lk.fewer_carriers]
        changes = [{"lk": lk, "reasons": [reason_words(r) for r in lk.reasons]} for lk in changed[:MAX_LINK_CHANGES]]
        more = len(changed) - len(changes)
    groups = [{"g": g, "reasons": [reason_words(r) for r in g.reasons]} for g in cmp.groups] if cmp else []
    return {
        "sentences": words.comparison_sentences(result) + words.trend_sentences(result),
        "trends": t,
        "periods": periods,
        "cmp": cmp,
        "group_changes": groups,
        "link_changes": changes,
        "link_changes_more": more,
    }
