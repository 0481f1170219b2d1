"""The report's method section, written for the client: what each finding means and how it was decided.

Input: the analysis' :class:`~ona.params.AnalysisParams` (every threshold that
decides a finding is one of its fields, so the text quotes the values this
analysis used) and the words for its groups ("department", "departments").
Output: :class:`MethodPart` items of plain text (the template escapes them).
The text is written here, for readers who are not statisticians; it is not
taken from the code's documentation, and every part is always present.
"""

from __future__ import annotations

from typing import NamedTuple

from ona.params import AnalysisParams


class MethodPart(NamedTuple):
    """One heading of the method section: paragraphs, then an optional list of points."""

    title: str
    paragraphs: tuple[str, ...]
    points: tuple[str, ...] = ()


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def method_parts(params: AnalysisParams, one: str = "department", many: str = "departments") -> list[MethodPart]:
    """The method section's parts, in the order of the report: silos, collaboration weight, links,
    significance, stability, communities, people, internal service, over time, what to do, if key people left.

    >>> parts = method_parts(AnalysisParams(alpha=0.01))
    >>> parts[0].title
    'How a silo is decided (0.01 significance level)'
    """
    p = params
    return [
        MethodPart(
            f"How a silo is decided ({p.alpha:g} significance level)",
            (
                f"A {one} is a silo when its collaboration stays inside it far more than chance would explain "
                f"and far more than in the other {many}. Three conditions must all hold:",
            ),
            (
                f"inward beyond chance: the {one} keeps more collaboration inside than when people are shuffled at "
                f"random between {many} (the permutation test below), at the {p.alpha:g} level after correcting for "
                f"testing every {one};",
                f"mostly inward: its E-I index is at most {p.silo_max_ei:g}. The E-I index runs from -1 (all its "
                "collaboration stays inside) to +1 (all of it goes outside); 0 means half and half;",
                f"more inward than the others: its E-I index is at least {p.silo_ei_margin:g} below the median of the "
                f"other {many}.",
            ),
        ),
        MethodPart(
            "Collaboration weight",
            (
                "Every pair of people gets one collaboration weight, the sum of their channels: an email to k "
                "recipients counts 1/k for each recipient; a meeting of h hours with n attendees counts h/(n-1) for "
                "each pair of attendees; each ticket handed from one person to another counts 1; a chat message "
                "to a conversation with k other members counts 1/k for each. Only metadata is read, never content.",
                f"The channels' coefficients are email {p.email_weight:g}, meetings {p.meeting_weight:g}, tickets "
                f"{p.ticket_weight:g}, chat {p.chat_weight:g} and tie lists {p.ties_weight:g}. Emails to more than "
                f"{p.broadcast_limit:,} recipients and meetings of more than {p.large_meeting_limit:,} people are left "
                "out as broadcasts. Weights have no unit: they compare pairs and groups within one analysis.",
            ),
        ),
        MethodPart(
            "Weak and fragile links",
            (
                f"Every pair of {many} is compared with chance: its expected weight is what it would get if everyone "
                "kept their own amount of collaboration but chose partners at random; the ratio observed / expected "
                "is 1 at chance, 0.5 at half of it. Most pairs of a real organization sit well below 1, so a link is "
                "judged against this organization's typical pair (the median ratio). A link is judged only when it "
                f"has at least {p.min_link_ties} working relationships, or would have at the typical level.",
            ),
            (
                f"under-connected: its ratio is below {p.weak_ratio:g} times the median ratio, and the link "
                "permutation test says so too;",
                f"dependency without relationship: the two {many} hand each other at least "
                f"{p.dependency_min_handoffs:,} tickets, yet their email, meeting and chat collaboration is below "
                f"{p.dependency_ratio:g} times the median ratio: they depend on each other without working together;",
                f"fragile: a link that matters (at least the median weight of linked pairs) of which "
                f"{p.fragile_carriers} people or fewer carry {_pct(p.fragile_share)} or more: it would break if they left.",
            ),
        ),
        MethodPart(
            "Each flag is tested",
            (
                f"Each of these flags also needs its own test to be significant at the {p.alpha:g} level (below), so "
                "that a pair of small groups is not flagged for a handful of missing emails. A link that is low only "
                "because a silo keeps to itself is counted under the silo, not as a separate weak link.",
            ),
        ),
        MethodPart(
            "Significance tests",
            (
                f"The permutation test shuffles the {one} labels over all people {p.permutations:,} times, keeping "
                f"every {one}'s headcount and every working relationship as it is. A {one}'s z-score says how many "
                "standard deviations its inside collaboration lies above the shuffles' average; its p-value is the "
                "share of shuffles that keep as much inside. The same shuffles test every link for being weaker than "
                "chance. p-values are adjusted for the number of groups or links tested (Benjamini-Hochberg), so that "
                f"about {_pct(p.alpha)} of the flags at most would be chance findings.",
            ),
        ),
        MethodPart(
            "How sure each flag is",
            (
                f"The weeks of the data are resampled {p.stability_resamples:,} times, in runs of consecutive weeks, "
                "and the whole decision is made again on each resample. A flag's stability is the share of resamples "
                f"in which it holds; below {_pct(p.stable_share)} it is shown as tentative, not yet to act on. The "
                f"ranges shown beside E-I indexes and ratios cover {_pct(p.stability_interval)} of the resamples.",
            ),
        ),
        MethodPart(
            "Communities",
            (
                "Communities are groups of people who work more with each other than with the rest, found from the "
                f"collaboration alone (the Leiden algorithm, resolution {p.resolution:g}, seed {p.seed}), whatever "
                f"their {one}. Modularity (up to 1) says how clearly the network splits into them; NMI (0 to 1) says "
                f"how closely they follow the {many}: 1 means the communities are the {many}.",
            ),
        ),
        MethodPart(
            "People",
            (
                "People are shown by pseudonym unless names are asked for; viewers' reports hold no person. "
                "Betweenness (0 to 1) is the share of shortest paths between colleagues that go through a person: "
                "the organization's brokers. An articulation point is a person whose departure would cut part of the "
                "network off. Constraint (Burt) is low for people whose contacts do not know each other.",
            ),
            (
                f"resident: less than {_pct(p.resident_below)} of their collaboration goes outside their {one};",
                f"linker: from {_pct(p.resident_below)} to {_pct(p.wanderer_above)};",
                f"wanderer: above {_pct(p.wanderer_above)}, working mostly for other {many}.",
            ),
        ),
        MethodPart(
            "Internal service",
            (
                f"A ticket's history is followed from holder to holder. A stay is how long a ticket remains with a "
                f"{one} before it is passed on or resolved; tickets still open have no length and are counted apart. "
                f"A bounce is a ticket that comes back to a {one} that already had it; a ticket has no owner when it "
                f"passes through {p.no_owner_groups} {many} or more.",
            ),
        ),
        MethodPart(
            "Over time",
            (
                "With a period (week or month), every group and link figure is computed again for each period; these "
                f"are descriptions, not tests. With a split date, the windows before and after are analysed in full. "
                f"A {one} became more insular when its E-I index fell by at least {p.insular_ei_drop:g} with a "
                f"z-score of the change at or below -{p.insular_delta_z:g}; a link weakened when its ratio fell by "
                f"{_pct(p.weakened_ratio_drop)} or more of its value before, and rests on fewer people when the "
                f"number of people carrying it fell by {_pct(p.fewer_carriers_drop)} or more.",
            ),
        ),
        MethodPart(
            "What to do",
            (
                "Every silo and weak link gets concrete interventions, most urgent first: dependencies without a "
                "relationship, then silos, then fragile links, then under-connected ones. The people proposed are "
                f"chosen from the data; the busiest brokers (the top {_pct(p.broker_share)} by betweenness) are "
                "never asked to do more.",
            ),
            (
                "Second bridge: for a fragile link, the best-placed other person on each side, to carry it too;",
                f"Buddy pairs: up to {p.buddy_pairs} pairs across the two {many} with colleagues in common but no "
                "working relationship yet;",
                f"Job shadowing: up to {p.shadow_pairs} pairs who hand each other the most tickets spend a day in "
                "each other's team;",
                f"Recognize the boundary spanners: up to {p.boundary_spanners} people who already carry the link, "
                "to be given time for it.",
            ),
        ),
        MethodPart(
            "If key people left",
            (
                f"For each of the {p.key_people} top brokers, the analysis removes the person and their working "
                f"relationships and counts the pairs of {many} that would lose every path between them, every direct "
                "tie, or would rest on a single person.",
            ),
        ),
    ]


def parameter_rows(params: AnalysisParams) -> list[tuple[str, str, str]]:
    """(name, value, meaning) of every parameter of the analysis, in the order of AnalysisParams."""
    values = params.model_dump(mode="json")
    return [
        (name, "—" if values[name] is None else str(values[name]), field.description or "")
        for name, field in AnalysisParams.model_fields.items()
    ]
