"""Findings in plain sentences, for the report's executive summary and the leaders' pages.

Input: an :class:`~ona.results.AnalysisResult` (analyst's or viewer's).
Output: lists of plain-text sentences (no markup: the caller escapes them).
Every sentence is built from the result's numbers only and is written to be
true for any result: no silo, one, many; no weak link; no person-level data.
Part of :mod:`ona.report.words`, imported from there; its labels and numbers
are those of :mod:`~ona.report.words.labels` and :mod:`~ona.report.words.numbers`.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from ona.params import AnalysisParams
from ona.results import (
    AnalysisResult,
    GroupMetrics,
    HandoffSummary,
    LinkMetrics,
    Recommendation,
    RecommendationView,
)
from ona.report.words.labels import group_noun, kind_label, split_reason, weak_links_in_order
from ona.report.words.numbers import hours, in_ten, join, number, plural, share_of_chance, times

EVENT_WORDS = (
    ("emails", "emails"), ("meetings", "meetings"), ("handoffs", "ticket handoffs"), ("chats", "chat messages"),
    ("ties", "rows of tie lists"),
)
MAX_NAMED = 4  # silos named in one sentence before "and n more"
MAX_LINKS = 3  # weak links described in the summary


class Paragraph(NamedTuple):
    """Plain sentences, optionally followed by a list of items (plain text too; numbered if ``ordered``)."""

    text: str
    items: tuple[str, ...] = ()
    ordered: bool = False


def executive_summary(result: AnalysisResult) -> list[Paragraph]:
    """The report's opening: scope, silos, weak links, internal service, whether things are getting
    better or worse, bridges, communities, data quality, and last, three things to do next week.

    Examples
    --------
    A paragraph reads like "Finance and Legal work as silos: 9 in 10 of their
    collaboration (88%) stays inside their own department, where random
    mixing would keep 2 in 10."
    """
    intro, items = link_sentences(result)
    change = comparison_sentences(result) or trend_sentences(result)
    out = [
        Paragraph(scope(result)),
        Paragraph(" ".join(silo_sentences(result))),
        Paragraph(intro, tuple(items)),
        Paragraph(link_notes(result)),
        Paragraph(" ".join(service_facts(result)[:1] + (failing_sentence(result) if _crossed(result) else []))),
        Paragraph(" ".join(change)),
        Paragraph(" ".join(bridge_sentences(result))),
        Paragraph(" ".join(community_sentences(result))),
        Paragraph(" ".join(data_sentences(result))),
    ]
    if result.privacy.audience == "viewer" and result.privacy.note:
        out.append(Paragraph(result.privacy.note))
    out.append(next_week(result))
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
    shaky = [g for g in silos if g.tentative]
    if shaky:
        out.append(
            f"{join([f'{g.group} ({_held(g)})' for g in shaky])} {'is' if len(shaky) == 1 else 'are'} tentative: "
            "flagged in too few resamples of the weeks to act on yet."
        )
    explained = Counter(lk.explained_by.removeprefix("silo: ") for lk in result.links if lk.explained_by)
    if explained:
        n = sum(explained.values())
        detail = ", ".join(f"{name} {count}" for name, count in sorted(explained.items()))
        out.append(
            f"{plural(n, 'link')} between {many} {'is' if n == 1 else 'are'} low only because "
            f"{'a silo keeps to itself' if len(silos) == 1 else 'silos keep to themselves'} ({detail}): "
            f"{'it is' if n == 1 else 'they are'} counted under the silo, not as separate weak links."
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


def quiet_pair(lk: LinkMetrics, params: AnalysisParams) -> bool:
    """An under-connected link and nothing else, between groups with too few ticket handoffs to show
    that they need each other: a fact to know, not a problem to act on first."""
    return (lk.weak and lk.under_connected and not lk.fragile and not lk.dependency_without_relationship
            and lk.handoffs < params.dependency_min_handoffs)  # fmt: skip


def link_sentences(result: AnalysisResult) -> tuple[str, list[str]]:
    """The headline on links: the stable problems to act on, described (the worst first), then a count
    of the tentative ones and of the quiet pairs (under-connected, nothing showing they need each other).

    Silos' own links are counted under the silos (:func:`silo_sentences`).
    """
    many = group_noun(result.parameters.group_by)[1]
    weak = weak_links_in_order(result.links)
    if not weak:
        return f"No link between two {many} was flagged as weak or fragile.", []
    problems = problem_links(result)
    n = len(problems)
    if not n:
        return f"No link between two {many} calls for action now.", []
    head = (
        f"{plural(n, 'link')} between {many} {'calls' if n == 1 else 'call'} for action "
        f"(of {len(result.links)} pairs measured)"
    )
    if n == 1:
        head += ":"
    elif n <= MAX_LINKS:
        head += ", the most serious first:"
    else:
        head += f"; the {MAX_LINKS} most serious (all are in the weak links table):"
    return head, [describe_link(lk) for lk in problems[:MAX_LINKS]]


def problem_links(result: AnalysisResult) -> list[LinkMetrics]:
    """Weak links that are neither quiet pairs nor tentative, worst first."""
    return [lk for lk in weak_links_in_order(result.links) if not quiet_pair(lk, result.parameters) and not lk.tentative]


def link_notes(result: AnalysisResult) -> str:
    """After the headline: how many weak links are tentative, and how many are quiet pairs."""
    many = group_noun(result.parameters.group_by)[1]
    weak = weak_links_in_order(result.links)
    quiet = [lk for lk in weak if quiet_pair(lk, result.parameters)]
    tentative = [lk for lk in weak if lk.tentative and lk not in quiet]
    after = []
    if tentative:
        names = join([f"{lk.source} and {lk.target}" + (f" ({_held(lk)})" if lk.stability is not None else "")
                      for lk in tentative[:MAX_LINKS]] + ([f"{len(tentative) - MAX_LINKS} more"]
                                                          if len(tentative) > MAX_LINKS else []))  # fmt: skip
        after.append(f"{plural(len(tentative), 'more link')} {'is' if len(tentative) == 1 else 'are'} tentative, "
                     f"flagged in too few resamples of the weeks to act on yet: {names}.")  # fmt: skip
    if quiet:
        after.append(
            f"{plural(len(quiet), 'pair')} of {many} rarely work{'s' if len(quiet) == 1 else ''} together, "
            f"with too few ticket handoffs to show {'it needs' if len(quiet) == 1 else 'they need'} to "
            "(under-connected; all are in the weak links table)."
        )
    return " ".join(after)


def _held(flagged: LinkMetrics | GroupMetrics) -> str:
    return f"holds in {100 * (flagged.stability or 0.0):.0f}% of resamples"


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
    if lk.dependency_without_relationship:
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


# --------------------------------------------------------------------------
# Internal service


class ServicePair(NamedTuple):
    """Two groups and the tickets they hand each other (both directions)."""

    a: str
    b: str
    handoffs: int
    bounces: int
    no_owner: int
    dependency: bool


def service_pairs(result: AnalysisResult) -> list[ServicePair]:
    """Unordered pairs of groups with the tickets they hand each other, summed over both directions.

    Handoffs, bounces and "no owner" tickets come from ``result.handoffs.pairs``
    (a ticket counted in both directions counts twice as "no owner": an upper
    bound, shown as such); ``dependency`` is the link's
    ``dependency_without_relationship`` flag. Order: dependencies without a
    relationship first (in the order of the weak links), then most bounces,
    then most handoffs, then names.
    """
    if result.handoffs is None:
        return []
    acc: dict[tuple[str, str], list[int]] = {}
    for p in result.handoffs.pairs:
        key = (min(p.from_group, p.to_group), max(p.from_group, p.to_group))
        row = acc.setdefault(key, [0, 0, 0])
        row[0] += p.handoffs
        row[1] += p.bounces
        row[2] += p.no_owner_tickets
    dependent = [(lk.source, lk.target) for lk in weak_links_in_order(result.links)
                 if lk.dependency_without_relationship and not lk.tentative]
    rank = {key: i for i, key in enumerate(dependent)}
    for key in dependent:  # a dependency always shows, even if the handoff table left the pair out
        acc.setdefault(key, [next(lk.handoffs for lk in result.links if (lk.source, lk.target) == key), 0, 0])
    pairs = [ServicePair(a, b, h, bo, no, (a, b) in rank) for (a, b), (h, bo, no) in acc.items()]
    return sorted(pairs, key=lambda p: (rank.get((p.a, p.b), len(rank)), -p.bounces, -p.handoffs, p.a, p.b))


def failing_pairs(result: AnalysisResult, limit: int = MAX_LINKS) -> list[ServicePair]:
    """The pairs of groups that fail each other most in daily work: dependencies without a
    relationship, then the pairs whose tickets bounce back the most (at least one bounce)."""
    return [p for p in service_pairs(result) if p.dependency or p.bounces][:limit]


def service_sentences(result: AnalysisResult) -> list[str]:
    """How tickets travel between groups (:func:`service_facts`), then which groups fail each
    other in daily work (:func:`failing_sentence`). Empty without ticket history."""
    facts = service_facts(result)
    if result.handoffs is None or not crossed(result.handoffs.summary):
        return facts
    return facts + failing_sentence(result)


def service_facts(result: AnalysisResult) -> list[str]:
    """Tickets that crossed group lines, bounced or had no owner; the median stay; the slowest service.

    Empty without ticket history (``result.handoffs`` is None).
    """
    h = result.handoffs
    if h is None:
        return []
    one, many = group_noun(result.parameters.group_by)
    s = h.summary
    if s.tickets is None or s.tickets_cross_group is None:
        # a viewer's result: ticket counts would include groups it does not show (ona.privacy)
        if not s.cross_group_handoffs:
            return []
        return [f"Between the {many} shown, {plural(s.cross_group_handoffs, 'ticket handoff')} went from one {one} "
                "to another."]
    if not s.tickets:
        return ["The ticket history holds no ticket in this window."]
    if not s.tickets_cross_group:
        return [(f"None of the {plural(s.tickets, 'ticket')} went from one {one} to another, so internal service "
                 f"between {many} cannot be judged from tickets.")]  # fmt: skip
    crossed = s.tickets_cross_group / s.tickets
    out = [
        (
            f"Of {plural(s.tickets, 'ticket')}, {s.tickets_cross_group:,} ({100 * crossed:.0f}%) went from one {one} "
            f"to another: {s.tickets_bounced:,} of those bounced back to a {one} that had already handled them, and "
            f"{s.tickets_no_owner:,} passed through three {many} or more without one owning them."
        )
    ]
    if s.median_hours is not None:
        out.append(f"A ticket handed to another {one} stays there a median of {hours(s.median_hours)}.")
    slow = [g for g in h.groups if g.median_hours is not None and (g.tickets_received or 0) >= 5]
    if len(slow) >= 2:
        g = max(slow, key=lambda g: (g.median_hours, g.group))
        p90 = f" (1 in 10 waits over {hours(g.p90_hours)})" if g.p90_hours is not None else ""
        out.append(
            f"{g.group} gives the slowest internal service: a ticket it receives from another {one} waits a "
            f"median of {hours(g.median_hours or 0.0)}{p90} before it is passed on or resolved."
        )
    return out


def failing_sentence(result: AnalysisResult) -> list[str]:
    """One sentence naming the groups that fail each other in daily work, dependencies first."""
    many = group_noun(result.parameters.group_by)[1]
    pairs = failing_pairs(result)
    if not pairs:
        return [(f"No two {many} send tickets back and forth, and no pair depends on the other without working "
                 "with it.")]  # fmt: skip
    parts = []
    for p in pairs:
        bounced = f" ({p.bounces:,} bounced back)" if p.bounces else ""
        if p.dependency:
            parts.append(f"{p.a} and {p.b}, which hand each other {plural(p.handoffs, 'ticket')}{bounced} yet "
                         "barely work together otherwise")  # fmt: skip
        else:
            parts.append(f"{p.a} and {p.b}, which hand each other {plural(p.handoffs, 'ticket')}{bounced}")
    # independent, stable dependencies only: a silo's own and tentative ones are counted elsewhere
    more = (sum(1 for lk in result.links if lk.weak and lk.dependency_without_relationship and not lk.tentative)
            - sum(p.dependency for p in pairs))
    tail = f" ({plural(more, 'other pair depends', 'other pairs depend')} on each other the same way)" if more > 0 else ""
    listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    return [f"The {many} that fail each other most in daily work are {listed}{tail}."]


def _crossed(result: AnalysisResult) -> bool:
    return result.handoffs is not None and crossed(result.handoffs.summary)


def crossed(s: HandoffSummary) -> bool:
    """Whether tickets crossed group lines (a viewer's result may not count tickets: then its handoffs)."""
    return bool(s.tickets_cross_group if s.tickets_cross_group is not None else s.cross_group_handoffs)


# --------------------------------------------------------------------------
# Better or worse


def comparison_sentences(result: AnalysisResult) -> list[str]:
    """Whether things got better or worse after ``result.comparison``'s split date.

    Worse: groups that became more insular (a significant fall of the E-I
    index, see :mod:`ona.analysis.trends`) or became a silo; links that
    weakened or rest on fewer people. Better, the mirror rules: groups no
    longer a silo, or whose E-I index rose by at least ``insular_ei_drop`` with
    ``delta_z >= insular_delta_z``; links no longer weak, or whose ratio rose by at
    least ``weakened_ratio_drop`` of its value before, and that did not weaken.
    Groups decide the verdict ("getting worse"); when they are even, links
    do, and the verdict says "slightly" (links carry no significance test).
    """
    p = result.parameters

    cmp = result.comparison
    if cmp is None:
        return []
    one, many = group_noun(result.parameters.group_by)
    worse_groups = [g for g in cmp.groups if g.more_insular or g.became_silo]
    better_groups = [
        g for g in cmp.groups
        if not (g.more_insular or g.became_silo)
        and ((g.silo_before and not g.silo_after)
             or (g.delta_ei_index is not None and g.delta_ei_index >= p.insular_ei_drop
                 and g.delta_z is not None and g.delta_z >= p.insular_delta_z))
    ]  # fmt: skip
    worse_links = [lk for lk in cmp.links if lk.weakened or lk.fewer_carriers]
    better_links = [
        lk for lk in cmp.links
        if not (lk.weakened or lk.fewer_carriers)
        and ((lk.weak_before and not lk.weak_after)
             or (lk.ratio_before and lk.delta_ratio is not None and lk.delta_ratio >= p.weakened_ratio_drop * lk.ratio_before))
    ]  # fmt: skip
    score = len(worse_groups) - len(better_groups)
    slightly = "" if score else "slightly "
    score = score or (len(worse_links) - len(better_links))
    verdict = f"getting {slightly}worse" if score > 0 else (f"getting {slightly}better" if score < 0 else "about the same")
    head = (
        f"Compared with the {cmp.before.days:.0f} days before {cmp.split:%Y-%m-%d}, collaboration between "
        f"{many} in the {cmp.after.days:.0f} days after is {verdict}"
    )
    groups = []
    for g in worse_groups:
        what = "became a silo" if g.became_silo else "became more insular"
        groups.append(f"{g.group} {what} (E-I index {number(g.ei_index_before)} before, "
                      f"{number(g.ei_index_after)} after)")  # fmt: skip
    for g in better_groups:
        what = "is no longer a silo" if g.silo_before and not g.silo_after else "opened up"
        groups.append(f"{g.group} {what} (E-I index {number(g.ei_index_before)} before, "
                      f"{number(g.ei_index_after)} after)")  # fmt: skip
    if not groups:
        groups.append(f"no {one} became significantly more or less insular")
    weakened = sum(lk.weakened for lk in cmp.links)
    fewer = sum(lk.fewer_carriers for lk in cmp.links)
    links = (
        f"{plural(weakened, 'link')} between {many} weakened and {plural(fewer, 'link')} "
        f"{'rests' if fewer == 1 else 'rest'} on fewer people than before, while "
        f"{f'{len(better_links):,}' if better_links else 'none'} grew stronger"
    )
    return [f"{head}: {join(groups)}; {links}."]


def trend_sentences(result: AnalysisResult) -> list[str]:
    """How the groups moved from the first period of ``result.trends`` to the last.

    A group moved inward (outward) when its E-I index fell (rose) by at least
    ``insular_ei_drop`` between its first and last period with ties; periods carry no
    significance test, so this is a description, not a verdict on chance.
    Getting worse: more groups moved inward than outward, or as many and
    more links are weak in the last period than in the first. When the
    result also compares two windows, that comparison (tested for
    significance) gives the verdict and this sentence only describes.
    """
    drop = result.parameters.insular_ei_drop

    t = result.trends
    if t is None or len(t.periods) < 2:
        return []
    one, many = group_noun(result.parameters.group_by)
    first, last = t.periods[0].label, t.periods[-1].label
    inward, outward = [], []
    for g in t.groups:
        values = [v for v in g.ei_index if v is not None]
        if len(values) >= 2 and values[-1] - values[0] <= -drop:
            inward.append(g.group)
        elif len(values) >= 2 and values[-1] - values[0] >= drop:
            outward.append(g.group)
    weak_first = sum(lk.weak[0] for lk in t.links)
    weak_last = sum(lk.weak[-1] for lk in t.links)
    score = (len(inward) - len(outward)) or (weak_last - weak_first)
    verdict = "getting worse" if score > 0 else ("getting better" if score < 0 else "stable")
    moved = []
    if inward:
        moved.append(f"{join(inward)} turned inward")
    if outward:
        moved.append(f"{join(outward)} opened up")
    if not moved:
        moved.append(f"no {one}'s E-I index moved by {drop:g} or more")
    look = f", things are {verdict}" if result.comparison is None else ""
    return [
        (
            f"{t.period.capitalize()} by {t.period} from {first} to {last}{look}: {join(moved)}, and "
            f"{plural(weak_first, 'link')} between {many} {'was' if weak_first == 1 else 'were'} weak in {first} "
            f"against {weak_last:,} in {last}."
        )
    ]


# --------------------------------------------------------------------------
# What to do

NEXT_WEEK = 3


def action(rec: Recommendation | RecommendationView) -> str:
    """A recommendation as one imperative sentence in plain words, naming no person.

    Works on the analyst's :class:`Recommendation` and the viewer's forms
    (counts come from ``figures`` and ``roles``, which both keep).
    """
    a = rec.groups[0] if rec.groups else "the group"
    b = rec.groups[1] if len(rec.groups) > 1 else "the others"
    n_roles = len(rec.roles) if isinstance(rec.roles, list) else sum(rec.roles.values())
    if rec.kind == "buddy_pairs":
        n = int(rec.figures.get("pairs", n_roles // 2))
        if not n:
            return f"Look for people in {a} and {b} who could work together: nobody is free to pair yet"
        return (f"Pair {n} {a} {'member' if n == 1 else 'members'} with {n} in {b} who share contacts but "
                "have never worked together")  # fmt: skip
    if rec.kind == "job_shadowing":
        n = int(rec.figures.get("pairs", n_roles // 2))
        who = "pair" if n == 1 else f"{n} pairs"
        return (f"Let the {who} of {a} and {b} colleagues who hand each other the most tickets "
                "spend a day in each other's team")  # fmt: skip
    if rec.kind == "second_bridge":
        c = int(rec.figures.get("current_bridges", 1))
        return (f"Build a second bridge between {a} and {b}, whose link rests on {plural(c, 'person', 'people')}: "
                "bring in the best-placed other member on each side")  # fmt: skip
    if rec.kind == "recognize_boundary_spanners":
        if rec.target == "silo":
            if n_roles == 1:
                return f"Recognize the {a} member who holds most of its outside collaboration as its link to the others"
            return f"Recognize the {n_roles} {a} members who hold most of its outside collaboration as its links to the others"
        who = "the person who carries" if n_roles == 1 else f"the {n_roles} people who carry"
        return f"Recognize {who} most of the {a}–{b} collaboration, and give them time for it"
    return rec.reason


def next_week(result: AnalysisResult, limit: int = NEXT_WEEK) -> Paragraph:
    """The last paragraph of the summary: up to ``limit`` recommendations.

    The first recommendation of each target (a silo or a link), in priority
    order, so that three actions address three problems; when there are
    fewer targets, the next recommendations fill in.
    """
    ranked = sorted(result.recommendations, key=lambda r: r.priority)
    seen: set[tuple[str, ...]] = set()
    firsts = []
    for rec in ranked:
        key = (rec.target, *rec.groups)
        if key not in seen:
            seen.add(key)
            firsts.append(rec)
    chosen = firsts[:limit]
    chosen += [r for r in ranked if r not in chosen][: limit - len(chosen)]
    recs = sorted(chosen, key=lambda r: r.priority)
    if not recs:
        if any(g.silo for g in result.groups) or any(lk.weak for lk in result.links):
            return Paragraph("This result holds no recommendation, so it lists nothing to do next week.")
        return Paragraph("Nothing calls for an intervention next week: no silo or weak link needs one.")
    counts = {1: "One concrete thing", 2: "Two concrete things", 3: "Three concrete things"}
    head = f"{counts.get(len(recs), f'{len(recs)} concrete things')} to do next week:"
    items = (f"{action(r)} ({kind_label(r.kind).lower()}, #{r.priority} under What to do)." for r in recs)
    return Paragraph(head, tuple(items), ordered=True)
