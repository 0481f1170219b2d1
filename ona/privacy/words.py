"""Reasons a viewer reads: the analysis' codes with sentences that quote no figure.

Input: the ``"<code>: <sentence>"`` reasons of silos, weak links, changes
and recommendations. Output: the same codes with sentences that hold no
number. The analyst's sentences quote figures of the whole graph (an E-I
index, a link's weight, the share two people carry); next to the viewer's
recomputed figures they would give back what the viewer graph leaves out,
and some are about one or two people by definition. The viewer's figures
are in their fields.
"""

from __future__ import annotations

import re

#: Number-free sentences, by reason code.
SENTENCES = {
    "inward_beyond_chance": "its internal collaboration is far above what shuffled labels give (permutation test)",
    "inward_vs_organization": "its E-I index is well below the other groups' median",
    "insularity": "most of its collaboration stays inside, far more than random mixing would give",
    "dependency_without_relationship": (
        "ticket handoffs show the groups depend on each other, yet their emails, meetings and chats stay far below "
        "the expected level"
    ),
    "fragile": "one or two people carry most of the link; if they left, it would all but disappear",
    "under_connected": "the groups collaborate far less than their collaboration volumes would give",
    "explained_by_silo": (
        "one of the groups is a silo; given its own low outside collaboration, this link is not low: "
        "it is listed under that silo"
    ),
    "more_insular": "its E-I index fell markedly after the split, and its internal weight is beyond chance",
    "became_silo": "flagged silo after the split, not before",
    "weakened": "its observed / expected ratio fell markedly after the split",
    "became_weak": "flagged weak after the split, not before",
    "fewer_carriers": "markedly fewer people carry the link after the split",
    "became_fragile": "the link now rests on one or two people",
}

_DIGIT = re.compile(r"\d")


def plain_reason(reason: str) -> str:
    """A reason without figures: its code and a fixed sentence (or the code alone).

    >>> print(plain_reason("fragile: 2 people carry 85% of the link's weight 12.3; if they left, ..."))
    fragile: one or two people carry most of the link; if they left, it would all but disappear
    >>> plain_reason("became_silo: flagged silo after the split, not before")
    'became_silo: flagged silo after the split, not before'
    """
    code, sep, sentence = reason.partition(":")
    if code in SENTENCES:
        return f"{code}: {SENTENCES[code]}"
    if not sep:
        return "" if _DIGIT.search(reason) else reason
    return reason if not _DIGIT.search(sentence) else code


def plain_reasons(reasons: list[str]) -> list[str]:
    """:func:`plain_reason` of each reason, empty ones left out."""
    return [text for text in (plain_reason(r) for r in reasons) if text]


def recommendation_reason(kind: str, target: str, groups: list[str]) -> str:
    """The reason of a recommendation, in words only (the figures are in its ``figures``).

    >>> recommendation_reason("job_shadowing", "weak_link", ["HR", "IT"])
    "HR and IT pass each other tickets; the people who exchange the most should spend a day in each other's team."
    """
    a = groups[0] if groups else "the group"
    b = groups[1] if len(groups) > 1 else "its partner"
    if kind == "second_bridge":
        return f"The link between {a} and {b} rests on one or two people; find a second bridge on each side."
    if kind == "buddy_pairs" and target == "silo":
        return (f"{a} keeps most of its collaboration inside; pair some of its people with people of {b} "
                "who have no tie yet but share contacts.")
    if kind == "buddy_pairs":
        return (f"{a} and {b} work together far less than expected; pair people from each group who have "
                "no tie yet but share contacts.")
    if kind == "job_shadowing":
        return (f"{a} and {b} pass each other tickets; the people who exchange the most should spend a day "
                "in each other's team.")
    if target == "silo":
        return (f"A few members of {a} hold most of its collaboration outside; recognize the role and give "
                "it time.")
    return (f"A few people carry the collaboration between {a} and {b}; recognize the role and give it time, "
            "so it does not rest on goodwill.")
