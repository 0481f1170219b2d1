"""Typed results of the internal-service analyses (handoffs, trends, advice, risk).

Plain, JSON-serializable pydantic models, like the rest of :mod:`ona.results`: no
igraph objects, no numpy scalars, nulls instead of NaN. Field names are the
words of DESIGN.md and of issue 5 (handoffs, tickets, bounce, ping-pong,
no owner, carriers, ...). Durations are in hours.

Models by producer:

- :mod:`ona.analysis.handoffs`: :class:`HandoffAnalytics` (summary,
  ordered group pairs, per-group service);
- :mod:`ona.analysis.trends`: :class:`Trends` (metrics per week or month)
  and :class:`WindowComparison` (before / after a date);
- :mod:`ona.analysis.recommend`: :class:`Recommendation` (analyst) and
  :class:`RecommendationView` (viewer: counts and roles, no person_id);
- :mod:`ona.analysis.keyperson`: :class:`KeyPersonRisk` (analyst only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ona.results._model import Model as _Model


# --------------------------------------------------------------------------
# Handoffs


class HandoffPair(_Model):
    """Cross-group ticket handoffs from one group to another (an ordered pair)."""

    from_group: str
    to_group: str
    handoffs: int = Field(description="handoffs from a member of from_group to a member of to_group")
    tickets: int = Field(description="distinct tickets with at least one such handoff")
    median_hours: float | None = Field(
        description="median time a ticket stays with to_group after the handoff (closed stays only)"
    )
    p90_hours: float | None = Field(description="90th percentile of the same stays")
    closed: int = Field(description="stays ended by a handoff onwards or by a resolution")
    open: int = Field(description="stays still open: last holder, no resolved status")
    bounces: int = Field(description="handoffs that bring a ticket back to to_group, which held it before")
    bounce_rate: float = Field(description="bounces / handoffs, in [0, 1]")
    ping_pongs: int = Field(description="handoffs that send a ticket straight back: to_group -> from_group -> to_group")
    ping_pong_rate: float = Field(description="ping_pongs / handoffs, in [0, 1]")
    no_owner_tickets: int = Field(description="of the tickets, those passing through three or more groups")
    group_handoffs: int = Field(
        0,
        description="of the handoffs, those only an assignment-group change records (no person-to-person "
        "handoff from from_group to to_group goes with them)",
    )


class GroupService(_Model):
    """The internal service one group gives (tickets received) and receives (tickets handed out).

    Fields typed ``| None`` are null only in a viewer's result, where they would
    count people the viewer does not see (:mod:`ona.privacy`).
    """

    group: str
    received: int = Field(description="handoffs received from members of other groups")
    tickets_received: int | None = Field(description="distinct tickets received from other groups")
    median_hours: float | None = Field(
        description="median time to pass a received ticket on or resolve it (closed stays only)"
    )
    p90_hours: float | None = Field(description="90th percentile of the same stays")
    passed_on: int | None = Field(description="received stays ended by a handoff to someone outside the group")
    resolved: int | None = Field(description="received stays ended by a resolved status")
    open: int | None = Field(description="received stays not ended yet")
    bounces_received: int | None = Field(description="received handoffs that brought back a ticket the group held before")
    handed_out: int = Field(description="handoffs to members of other groups (service received)")
    tickets_handed_out: int | None = Field(description="distinct tickets handed to other groups")
    within_group_handoffs: int = Field(description="handoffs between two members of the group")
    opened: int = Field(description="tickets whose first assignee is in the group")
    external_received: int = Field(description="handoffs received from external assignees")
    external_handed_out: int = Field(description="handoffs to external assignees")


class HandoffSummary(_Model):
    """Ticket and handoff counts of the whole organization in the time window.

    Fields typed ``| None`` are null only in a viewer's result, where they would
    count people the viewer does not see (:mod:`ona.privacy`).
    """

    tickets: int | None = Field(description="tickets with at least one row in the window")
    tickets_single_assignee: int | None = Field(description="tickets that never changed assignee")
    tickets_cross_group: int | None = Field(description="tickets with a handoff between two groups")
    tickets_bounced: int | None = Field(description="tickets that came back to a group that held them before")
    tickets_ping_pong: int | None = Field(description="tickets sent A -> B -> A between two groups")
    tickets_no_owner: int | None = Field(description="tickets passing through three or more groups")
    tickets_resolved: int | None = Field(description="tickets whose last holder set a resolved status")
    tickets_external: int | None = Field(description="tickets held by an external assignee at some point")
    handoffs: int = Field(description="every change of assignee in the window")
    within_group_handoffs: int = Field(description="between two members of the same group")
    cross_group_handoffs: int = Field(description="between members of two different groups")
    external_handoffs: int = Field(description="to or from an external assignee (kept out of group pairs)")
    median_hours: float | None = Field(description="median stay with the receiving group, over cross-group handoffs")
    bounce_rate: float | None = Field(description="tickets_bounced / tickets_cross_group")
    no_owner_rate: float | None = Field(description="tickets_no_owner / tickets_cross_group")
    group_handoffs: int = Field(
        0, description="of the cross-group handoffs, those only an assignment-group change records "
        "(the sum of the pairs' group_handoffs)",
    )
    group_handoffs_unmatched: int = Field(
        0, description="group handoffs in the window with a name matching no group of the analysis "
        "(or both naming the same one): kept out of the pairs",
    )
    unknown_groups: list[str] = Field(
        default_factory=list, description="the export's group names in the window matching no group of the analysis"
    )


class HandoffAnalytics(_Model):
    """Ticket handoff analytics: the internal service between groups."""

    group_by: str
    since: datetime | None = None
    until: datetime | None = None
    summary: HandoffSummary
    pairs: list[HandoffPair] = Field(description="ordered group pairs, most handoffs first")
    groups: list[GroupService] = Field(description="every group with ticket activity, by name")


# --------------------------------------------------------------------------
# Trends


class TrendPeriod(_Model):
    """One period of a trend: [start, end).

    Fields typed ``| None`` are null only in a viewer's result, where they would
    count people the viewer does not see (:mod:`ona.privacy`).
    """

    label: str = Field(description="'2024-03' (month) or '2024-W09' (ISO week)")
    start: datetime
    end: datetime
    ties: int | None
    total_weight: float
    active_people: int
    handoffs: int | None = Field(description="internal ticket handoffs in the period")


class GroupTrend(_Model):
    """Group metrics per period (lists aligned with :attr:`Trends.periods`; null: no tie)."""

    group: str
    ei_index: list[float | None]
    insularity: list[float | None]
    internal_weight: list[float]
    external_weight: list[float]
    active: list[int]


class LinkTrend(_Model):
    """Link metrics per period (lists aligned with :attr:`Trends.periods`)."""

    source: str
    target: str
    weight: list[float]
    ratio: list[float | None]
    carriers: list[int] = Field(description="number of distinct people holding the a-b ties")
    handoffs: list[int]
    weak: list[bool]


class Trends(_Model):
    """Every group and link metric per week or month."""

    period: Literal["week", "month"]
    group_by: str
    periods: list[TrendPeriod]
    groups: list[GroupTrend]
    links: list[LinkTrend]


class WindowInfo(_Model):
    """One side of a before / after comparison: [since, until).

    Fields typed ``| None`` are null only in a viewer's result, where they would
    count people the viewer does not see (:mod:`ona.privacy`).
    """

    since: datetime
    until: datetime
    days: float
    ties: int | None
    total_weight: float | None
    active_people: int | None


class GroupChange(_Model):
    """How a group's inwardness changed between the two windows."""

    group: str
    ei_index_before: float | None
    ei_index_after: float | None
    delta_ei_index: float | None = Field(description="after - before; negative: more inward")
    delta_z: float | None = Field(
        description="z-score of the change: delta / sqrt(se_before^2 + se_after^2), se from resampling ties"
    )
    insularity_before: float | None
    insularity_after: float | None
    delta_insularity: float | None
    z_before: float | None = Field(description="permutation z-score of I_d in the window before")
    z_after: float | None
    p_value_before: float | None = Field(description="adjusted permutation p-value in the window before")
    p_value_after: float | None
    silo_before: bool
    silo_after: bool
    more_insular: bool = Field(
        description="E-I index fell by the threshold, the fall is significant, and inward beyond chance after"
    )
    became_silo: bool
    reasons: list[str] = Field(default_factory=list)


class LinkChange(_Model):
    """How the link between two groups changed between the two windows."""

    source: str
    target: str
    weight_before: float
    weight_after: float
    ratio_before: float | None
    ratio_after: float | None
    delta_ratio: float | None
    carriers_before: int
    carriers_after: int
    weak_before: bool
    weak_after: bool
    fragile_before: bool
    fragile_after: bool
    weakened: bool = Field(description="ratio fell by the threshold share, or the link became weak")
    fewer_carriers: bool = Field(description="carriers fell by the threshold share, or the link became fragile")
    reasons: list[str] = Field(default_factory=list)


class WindowComparison(_Model):
    """Before / after a date (a reorganization): groups and links that changed."""

    split: datetime
    group_by: str
    before: WindowInfo
    after: WindowInfo
    groups: list[GroupChange] = Field(description="most inward shift first")
    links: list[LinkChange] = Field(description="weakened or thinner links first")
    groups_more_insular: int
    links_weakened: int
    links_fewer_carriers: int
    permutations: int
    seed: int


# --------------------------------------------------------------------------
# Recommendations

RecommendationKind = Literal["second_bridge", "buddy_pairs", "job_shadowing", "recognize_boundary_spanners"]


class Recommendation(_Model):
    """One concrete intervention, with its reason and the figures behind it (analyst view)."""

    priority: int = Field(description="1 = do first")
    kind: RecommendationKind
    target: Literal["silo", "weak_link"] = Field(description="what it addresses")
    groups: list[str] = Field(description="the silo, or the two groups of the link")
    reason: str = Field(description="a sentence with the figures; it names no person")
    figures: dict[str, float | int] = Field(default_factory=dict)
    person_ids: list[str] = Field(default_factory=list, description="the people concerned (analyst only)")
    roles: list[str] = Field(default_factory=list, description="the role of each person, aligned with person_ids")
    pairs: list[list[str]] = Field(
        default_factory=list, description="person_id pairs to introduce or pair up (analyst only)"
    )


class RecommendationView(_Model):
    """A recommendation as a viewer (leader) sees it: counts and roles, no person."""

    priority: int
    kind: RecommendationKind
    target: Literal["silo", "weak_link"]
    groups: list[str]
    reason: str
    figures: dict[str, float | int] = Field(default_factory=dict)
    people: int = Field(description="number of people concerned")
    roles: dict[str, int] = Field(default_factory=dict, description="role -> number of people")


# --------------------------------------------------------------------------
# Key-person risk


class PairRisk(_Model):
    """What one pair of groups would lose if the person left."""

    source: str
    target: str
    weight: float = Field(description="W_ab before")
    weight_lost: float = Field(description="the a-b weight the person holds")
    share_lost: float = Field(description="weight_lost / W_ab, in [0, 1]")
    carriers_before: int
    carriers_after: int
    no_tie: bool = Field(description="the groups would have no direct tie left")
    no_path: bool = Field(description="no member of one group could reach a member of the other")
    single_carrier: bool = Field(description="what remains would rest on one person")


class KeyPersonRisk(_Model):
    """"What if they leave": the collaboration lost when one person is removed (analyst only)."""

    rank: int
    person_id: str
    group: str
    betweenness: float | None
    pairs_affected: int
    pairs_no_path: int
    pairs_no_tie: int
    pairs_single_carrier: int
    weight_lost: float = Field(description="cross-group weight the person holds")
    cross_weight_share: float = Field(description="weight_lost / all cross-group weight")
    reachable_pairs_lost: int = Field(description="pairs of other active people who could no longer reach each other")
    pairs: list[PairRisk] = Field(description="affected group pairs, worst first")
    reason: str
