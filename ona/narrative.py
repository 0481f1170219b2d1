"""Findings in plain sentences, for the report's executive summary and the leaders' pages.

Input: an :class:`~ona.results.AnalysisResult` (analyst's or viewer's).
Output: lists of plain-text sentences (no markup: the caller escapes them).
Every sentence is built from the result's numbers only and is written to be
true for any result: no silo, one, many; no weak link; no person-level data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ona.results import AnalysisResult, GroupMetrics, LinkMetrics
from ona.viz.groups import DEPENDENCY
from ona.viz.groups import weak_links_in_order as _weak_in_order
from ona.viz.style import group_noun, split_reason

EVENT_WORDS = (("emails", "emails"), ("meetings", "meetings"), ("handoffs", "ticket handoffs"))
MAX_NAMED = 4  # silos named in one sentence before "and n more"
MAX_LINKS = 3  # weak links described in the summary


def join(names: Sequence[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def in_ten(share: float) -> str:
    """A share as an executive reads it: 0.88 -> ``"9 in 10"``."""
    if share >= 0.95:
        return "nearly all"
    if share < 0.05:
        return "almost none" if share < 0.01 else "fewer than 1 in 20"
    return f"{max(1, round(share * 10))} in 10"


def times(x: float) -> str:
    """A ratio in words: 0.18 -> ``"0.18 times"``, 3.04 -> ``"3.0 times"``."""
    return f"{x:.2f} times" if x < 1 else f"{x:.1f} times"


def share_of_chance(ratio: float) -> str:
    """An observed / expected ratio below 1 in words: 0.034 -> ``"3% of"``, 0.004 -> ``"less than 1% of"``."""
    pct = 100 * ratio
    return "less than 1% of" if pct < 1 else f"{pct:.0f}% of"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def weak_links_in_order(result: AnalysisResult) -> list[LinkMetrics]:
    """Weak links, those where ticket handoffs show a dependency without a relationship first.

    Otherwise the result's own order (worst first) is kept.
    """
    return _weak_in_order(result.links)


def has_reason(reasons: Sequence[str], code: str) -> bool:
    return any(split_reason(r)[0] == code for r in reasons)


class Paragraph(NamedTuple):
    """Plain sentences, optionally followed by a list of items (plain text too)."""

    text: str
    items: tuple[str, ...] = ()


def executive_summary(result: AnalysisResult) -> list[Paragraph]:
    """The report's opening: scope, silos, weak links, bridges, communities, data quality.

    Examples
    --------
    A paragraph reads like "Finance and Legal work as silos: 9 in 10 of their
    collaboration (88%) stays inside their own department, where random
    mixing would keep 2 in 10."
    """
    intro, items = link_sentences(result)
    out = [
        Paragraph(scope(result)),
        Paragraph(" ".join(silo_sentences(result))),
        Paragraph(intro, tuple(items)),
        Paragraph(" ".join(bridge_sentences(result))),
        Paragraph(" ".join(community_sentences(result))),
        Paragraph(" ".join(data_sentences(result))),
    ]
    if result.privacy.audience == "viewer" and result.privacy.note:
        out.append(Paragraph(result.privacy.note))
    return [p for p in out if p.text]


def scope(result: AnalysisResult) -> str:
    s = result.summary
    one, many = group_noun(result.parameters.group_by)
    p = result.parameters
    window = ""
    if p.since and p.until:
        window = f" between {p.since:%Y-%m-%d} and {p.until:%Y-%m-%d}"
    elif p.since:
        window = f" from {p.since:%Y-%m-%d}"
    elif p.until:
        window = f" before {p.until:%Y-%m-%d}"
    events = [f"{s.events[key]:,} {word}" for key, word in EVENT_WORDS if s.events.get(key)]
    source = f" from {join(events)}" if events else ""
    return (
        f"This analysis covers {plural(s.people, 'person', 'people')} in {plural(s.groups, one, many)}"
        f"{window}: {s.active_people:,} of them collaborated with at least one colleague, "
        f"forming {s.ties:,} working relationship{'' if s.ties == 1 else 's'}{source}."
    )


def silo_sentences(result: AnalysisResult) -> list[str]:
    one, many = group_noun(result.parameters.group_by)
    silos = sorted((g for g in result.groups if g.silo), key=lambda g: (_ei(g), g.group))
    out: list[str] = []
    if not silos:
        out.append(
            f"No {one} was flagged as a silo: none keeps its collaboration inside abnormally "
            "both against chance and against the rest of the organization."
        )
    else:
        vol = sum(g.volume for g in silos)
        share = sum(2 * g.internal_weight for g in silos) / vol if vol else 0.0
        chance = sum(g.volume * (g.expected_internal_share or 0.0) for g in silos) / vol if vol else 0.0
        where = f"where random mixing would keep {in_ten(chance)}" if chance else ""
        if len(silos) == 1:
            g = silos[0]
            x = f", {times(g.insularity)} what random mixing would give" if g.insularity else ""
            out.append(
                f"{g.group} works as a silo: {in_ten(share)} of its members' collaboration "
                f"({100 * share:.0f}%) stays inside the {one}{x}."
            )
        else:
            names = [g.group for g in silos]
            if len(names) > MAX_NAMED:
                named = join([*names[:MAX_NAMED], f"{len(names) - MAX_NAMED} more"])
                head = f"{len(names)} {many} work as silos, most inward first: {named}."
                out.append(head + f" Together, {in_ten(share)} of their collaboration ({100 * share:.0f}%) "
                           f"stays inside their own {one}" + (f", {where}." if where else "."))  # fmt: skip
            else:
                out.append(
                    f"{join(names)} work as silos: {in_ten(share)} of their collaboration "
                    f"({100 * share:.0f}%) stays inside their own {one}" + (f", {where}." if where else ".")
                )
    open_ = [g for g in result.groups if not g.silo and g.internal_share is not None]
    if len(result.groups) >= 3 and open_:
        g = min(open_, key=lambda g: (g.internal_share, g.group))
        outside = 1 - (g.internal_share or 0.0)
        out.append(
            f"At the other end, {g.group} is the most open {one}: {in_ten(outside)} of its "
            f"collaboration ({100 * outside:.0f}%) crosses {one} lines."
        )
    return out


def link_sentences(result: AnalysisResult) -> tuple[str, list[str]]:
    """An opening sentence on weak links and one sentence per link described (the worst first)."""
    many = group_noun(result.parameters.group_by)[1]
    weak = weak_links_in_order(result)
    if not weak:
        return f"No link between two {many} was flagged as weak or fragile.", []
    n = len(weak)
    head = (
        f"{plural(n, 'link')} between {many} {'is' if n == 1 else 'are'} weak or fragile "
        f"(of {len(result.links)} pairs measured)"
    )
    if n == 1:
        head += ":"
    elif n <= MAX_LINKS:
        head += ", the most serious first:"
    else:
        head += f"; the {MAX_LINKS} most serious (all are in the weak links table):"
    return head, [describe_link(lk) for lk in weak[:MAX_LINKS]]


def describe_link(lk: LinkMetrics) -> str:
    """One sentence on why a weak link is weak (no person is named)."""
    pair = f"{lk.source} and {lk.target}"
    parts: list[str] = []
    if lk.ratio is None:
        ratio = "a level that cannot be compared with chance"
    elif lk.ratio < 1:
        ratio = f"{share_of_chance(lk.ratio)} the level random mixing would give"
    else:
        ratio = f"{times(lk.ratio)} the level random mixing would give"
    if has_reason(lk.weak_reasons, DEPENDENCY) or (lk.under_connected and lk.handoffs):
        parts.append(f"{pair} depend on each other ({plural(lk.handoffs, 'ticket handoff')}) "
                     f"yet collaborate at {ratio}")  # fmt: skip
    elif lk.under_connected:
        parts.append(f"{pair} collaborate at {ratio}")
    if lk.fragile:
        share = f": {100 * lk.bridge_shares[0]:.0f}% of it would be lost if its main carrier left" if lk.bridge_shares else ""
        parts.append(("the link" if parts else f"The link between {pair}") + f" rests on very few people{share}")
    if not parts:
        texts = [split_reason(r)[1] for r in lk.weak_reasons]
        return f"{pair}: " + ("; ".join(texts) if texts else "flagged as weak") + "."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def bridge_sentences(result: AnalysisResult) -> list[str]:
    if not result.people:
        return []
    cut = sum(p.articulation_point for p in result.people)
    relied = sum(bool(p.depended_on_by) for p in result.people)
    out = []
    if cut:
        out.append(
            f"{plural(cut, 'person is an articulation point', 'people are articulation points')}: "
            f"if {'this person' if cut == 1 else 'any one of them'} left, part of the network would be cut off."
        )
    if relied:
        out.append(f"{plural(relied, 'person carries', 'people carry')} a link between {group_noun(result.parameters.group_by)[1]} "
                   "almost alone (see key bridges).")  # fmt: skip
    if not cut and not relied:
        out.append("No single person holds the network together: nobody's departure would cut it, "
                   "and no link between groups rests on one or two people.")  # fmt: skip
    return out


def community_sentences(result: AnalysisResult) -> list[str]:
    s = result.summary
    many = group_noun(result.parameters.group_by)[1]
    if not s.communities:
        return []
    sized = [c for c in result.communities if c.size >= 5]
    head = f"Collaboration forms {plural(s.communities, 'community', 'communities')}"
    if s.modularity is not None:
        head += f" (modularity {s.modularity:.2f})"
    if s.nmi is not None:
        how = "largely follow" if s.nmi >= 0.7 else ("partly follow" if s.nmi >= 0.4 else "cut across")
        head += f"; they {how} the {many} (NMI {s.nmi:.2f})"
    head += "."
    mixed = [c for c in sized if c.main_group_share is not None and c.main_group_share < 0.5]
    out = [head]
    if mixed:
        out.append(
            f"{plural(len(mixed), 'community', 'communities')} of 5 people or more "
            f"{'mixes' if len(mixed) == 1 else 'mix'} several {many} with none holding half the members: "
            "informal teams that cut across the organization chart."
        )
    return out


def data_sentences(result: AnalysisResult) -> list[str]:
    files = result.validation.files.values()
    read = sum(f.rows_read for f in files)
    rejected = sum(f.rejected for f in files)
    if not read:
        return []
    if not rejected:
        return [f"All {read:,} rows read were loaded."]
    worst = max(files, key=lambda f: (f.rejected, f.file))
    pct = 100 * rejected / read
    share = "less than 0.1" if pct < 0.1 else f"{pct:.1f}"
    sentence = (
        f"{rejected:,} of {read:,} rows ({share}%) were rejected and left out, most of them in "
        f"{worst.file} ({worst.rejected:,}); the reasons are listed under data quality."
    )
    return [sentence]


def _ei(g: GroupMetrics) -> float:
    return 2.0 if g.ei_index is None else g.ei_index
