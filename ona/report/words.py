"""The words every face uses: labels of findings and actions, numbers and durations as readers see them.

Input: values of an :class:`~ona.results.AnalysisResult` (numbers, reason
texts, recommendation kinds, links). Output: plain strings (no markup: the
caller escapes them). The report (:mod:`ona.report.html`), its sentences
(:mod:`ona.report.narrative`), the leaders' pages (``api/routers/pages.py``)
and the figures' hovers (:mod:`ona.viz`) all take their words from here, so a
finding or an action is called the same on every face.

This module imports nothing of ona but the result types: no figure, no
template, no analysis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ona.results import LinkMetrics

# --------------------------------------------------------------------------
# Names of groups, findings and actions

#: A recommendation's kind as a title ("Second bridge"; the sentence saying what to do is
#: :func:`ona.report.narrative.action`).
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


# --------------------------------------------------------------------------
# Numbers and durations


def number(x: float | None, digits: int = 2) -> str:
    """A figure as the report and the pages print it: thousands separated, no "-0.00", "—" for none.

    >>> number(12345), number(-0.001), number(None), number(3.14159, 1)
    ('12,345', '0.00', '—', '3.1')
    """
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    text = f"{x:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def pct(x: float | None) -> str:
    """A share as a whole percentage: 0.884 -> ``"88%"``; none -> ``"—"``."""
    return "—" if x is None else f"{100 * x:.0f}%"


def pval(p: float | None) -> str:
    """An (adjusted) p-value: three decimals, ``"< 0.001"`` below that, ``"—"`` for none."""
    return "—" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def hours(h: float | None) -> str:
    """A duration given in hours, for readers (every face prints durations with this one function).

    >>> [hours(x) for x in (0.4, 1.0, 21.3, 47.9, 60.0, None)]
    ['under an hour', '1 hour', '21 hours', '48 hours', '2.5 days', '—']
    """
    if h is None:
        return "—"
    if h < 1:
        return "under an hour"
    if h < 48:
        return plural(round(h), "hour")
    return f"{h / 24:.1f} days"


def plural(n: int, one: str, many: str | None = None) -> str:
    """A count and its noun: ``plural(1, "link")`` -> ``"1 link"``, ``plural(1200, "person", "people")``
    -> ``"1,200 people"``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join(names: Sequence[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``.

    >>> join(["Finance", "Legal", "Sales"]), join(["Finance"]), join([])
    ('Finance, Legal and Sales', 'Finance', '')
    """
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def in_ten(share: float) -> str:
    """A share as an executive reads it.

    >>> [in_ten(x) for x in (0.97, 0.88, 0.2, 0.03, 0.004)]
    ['nearly all', '9 in 10', '2 in 10', 'fewer than 1 in 20', 'almost none']
    """
    if share >= 0.95:
        return "nearly all"
    if share < 0.05:
        return "almost none" if share < 0.01 else "fewer than 1 in 20"
    return f"{max(1, round(share * 10))} in 10"


def times(x: float) -> str:
    """A ratio in words.

    >>> times(0.18), times(3.04)
    ('0.18 times', '3.0 times')
    """
    return f"{x:.2f} times" if x < 1 else f"{x:.1f} times"


def share_of_chance(ratio: float) -> str:
    """An observed / expected ratio below 1 in words.

    >>> share_of_chance(0.034), share_of_chance(0.004)
    ('3% of', 'less than 1% of')
    """
    share = 100 * ratio
    return "less than 1% of" if share < 1 else f"{share:.0f}% of"
