"""Labels: groups, findings, actions and the figures of a recommendation, in words.

Input: values of an :class:`~ona.results.AnalysisResult` (reason texts,
recommendation kinds, links, figures). Output: plain strings (no markup: the
caller escapes them). Part of :mod:`ona.report.words`, imported from there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ona.results import LinkMetrics

#: A recommendation's kind as a title ("Second bridge"; the sentence saying what to do is
#: :func:`ona.report.words.action`).
KIND_WORDS = {
    "buddy_pairs": "Buddy pairs",
    "job_shadowing": "Job shadowing",
    "recognize_boundary_spanners": "Recognize the boundary spanners",
    "second_bridge": "Second bridge",
}

#: The flags of a weak link in words, in the order they are listed (the most serious first).
LINK_KIND_WORDS = (
    ("dependency_without_relationship", "dependency without relationship"),
    ("under_connected", "under-connected"),
    ("fragile", "fragile"),
)

_GROUP_NOUNS = {"department": "departments", "team": "teams", "location": "locations", "division": "divisions",
                "unit": "units", "office": "offices", "function": "functions", "site": "sites"}  # fmt: skip


def group_noun(group_by: str) -> tuple[str, str]:
    """Singular and plural word for the groups of an analysis ("department", "departments").

    >>> group_noun("Team"), group_noun("cost_center")
    (('team', 'teams'), ('group', 'groups'))
    """
    key = group_by.strip().lower()
    return (key, _GROUP_NOUNS[key]) if key in _GROUP_NOUNS else ("group", "groups")


def kind_label(kind: str) -> str:
    """A recommendation kind as its title: ``"second_bridge"`` -> ``"Second bridge"`` (an unknown
    kind in words, capitalized).

    >>> kind_label("second_bridge"), kind_label("mentoring_circle")
    ('Second bridge', 'Mentoring circle')
    """
    return KIND_WORDS.get(kind) or reason_label(kind).capitalize()


def link_kinds(lk: LinkMetrics) -> list[str]:
    """The flags a link carries, in words, the most serious first (empty for a link that is not weak)."""
    return [words for field, words in LINK_KIND_WORDS if getattr(lk, field)]


def split_reason(reason: str) -> tuple[str | None, str]:
    """``"code: sentence"`` -> ``("code", "sentence")``; a reason without a code -> ``(None, reason)``.

    >>> split_reason("under_connected: weight 0.9, 4% of chance")
    ('under_connected', 'weight 0.9, 4% of chance')
    >>> split_reason("Weight 0.9: low")
    (None, 'Weight 0.9: low')
    """
    head, sep, tail = reason.partition(":")
    if sep and head and head.replace("_", "").isalnum() and head == head.lower() and " " not in head:
        return head, tail.strip()
    return None, reason.strip()


def reason_label(code: str | None) -> str:
    """A reason code in words: ``"dependency_without_relationship"`` -> ``"dependency without relationship"``."""
    return "" if code is None else code.replace("_", " ")


def role_counts(roles: Iterable[str] | Mapping[str, int]) -> list[str]:
    """People by role, the largest role first: ``["bridge", "liaison", "bridge"]`` (or the viewer's
    counts ``{"bridge": 2, "liaison": 1}``) -> ``["2 × bridge", "1 × liaison"]``.

    >>> role_counts(["bridge", "liaison", "bridge"])
    ['2 × bridge', '1 × liaison']
    """
    counts = Counter(roles) if not isinstance(roles, Mapping) else Counter(dict(roles))
    return [f"{n} × {role}" for role, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def weak_links_in_order(links: Sequence[LinkMetrics]) -> list[LinkMetrics]:
    """Weak links, those flagged ``dependency_without_relationship`` first: the order the report
    numbers them in (Link 1, Link 2, ...), and the pages and the map list them in.

    Ticket handoffs show that the two groups depend on each other, yet they
    barely work together: the worst kind of weak link. Otherwise the given
    order (the result's: worst first) is kept.
    """
    weak = [lk for lk in links if lk.weak]
    return sorted(weak, key=lambda lk: not lk.dependency_without_relationship)


SHARE_FIGURES = ("share_", "top_bridge_share")  # figures that are shares of 1
#: A recommendation's figures in words (``figures`` keys; numbered series such as ``share_1`` share one row).
FIGURE_WORDS = {
    "weight": "collaboration weight",
    "expected": "expected weight",
    "ratio": "observed / expected",
    "handoffs": "ticket handoffs",
    "carriers": "people carrying the link",
    "pairs": "pairs",
    "current_bridges": "current bridges",
    "top_bridge_share": "held by the top bridge",
    "ei_index": "E-I index",
    "internal_weight": "weight inside",
    "external_weight": "weight outside",
    "headcount": "headcount",
    "common_contacts": "common contacts per pair",
    "pair_handoffs": "handoffs per pair",
    "share": "share held by each",
}


def figure_rows(figures: Mapping[str, float | int]) -> list[tuple[str, str]]:
    """A recommendation's figures as (words, value) pairs; numbered series ("share_1", "share_2")
    become one row ("share held by each", "8%, 7%")."""
    rows: dict[str, list[str]] = {}
    for name, value in figures.items():
        stem, _, index = name.rpartition("_")
        base = stem if index.isdigit() and stem else name
        text = figure_value(name, value)
        rows.setdefault(FIGURE_WORDS.get(base, base.replace("_", " ")), []).append(text)
    return [(words, ", ".join(values)) for words, values in rows.items()]


def figure_value(name: str, value: float) -> str:
    """One figure of a recommendation as text: shares as percentages, counts with thousands separators."""
    if name.startswith(SHARE_FIGURES):
        return f"{100 * value:.0f}%"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if float(value).is_integer() and name in ("pairs", "handoffs", "carriers", "headcount", "current_bridges"):
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.1f}"


def reason_words(reason: str) -> dict[str, str]:
    """A before / after reason: its leading codes in words, the sentence apart.

    >>> reason_words("became_weak: under_connected: weight 0.9, 4% of chance")
    {'code': 'became weak, under connected', 'text': 'weight 0.9, 4% of chance'}
    """
    codes = []
    code, text = split_reason(reason)
    while code:
        codes.append(code.replace("_", " "))
        code, text = split_reason(text)
    return {"code": ", ".join(codes), "text": text}
