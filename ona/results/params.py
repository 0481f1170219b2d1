"""Analysis parameters: every knob of an analysis, declared once.

The CLI options and the API request model are built from (and tested against)
:class:`AnalysisParams`; a result carries its parameters so it can be
reproduced exactly.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class AnalysisParams(BaseModel):
    """Parameters of one analysis (all have sensible defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    group_by: str = Field(
        "department",
        description="people column (or extra attribute) whose values are the groups",
    )
    since: datetime | None = Field(
        None, description="only events at or after this instant (ISO 8601; UTC if no offset)"
    )
    until: datetime | None = Field(
        None, description="only events strictly before this instant (ISO 8601; UTC if no offset)"
    )
    email_weight: float = Field(1.0, ge=0, description="coefficient of the email channel")
    meeting_weight: float = Field(1.0, ge=0, description="coefficient of the meeting channel (per hour)")
    ticket_weight: float = Field(1.0, ge=0, description="coefficient of the ticket-handoff channel")
    chat_weight: float = Field(1.0, ge=0, description="coefficient of the chat channel")
    ties_weight: float = Field(
        1.0, ge=0, description="coefficient of the ties channel (the weights of a ties table: Viva p2p, Gephi)"
    )
    chat_channel_posts: bool = Field(
        False,
        description="count chat posts in channels (kind 'channel', not thread replies) with the 1/k rule "
        "over the channel's members; off by default: a channel post is an announcement to many",
    )
    broadcast_limit: int = Field(
        50,
        ge=1,
        le=1_000,
        description="emails with more distinct recipients than this, and chat messages (not replies) in "
        "conversations with more other members, are skipped as broadcasts "
        "(at most 1,000: a message to more people is an announcement, not collaboration)",
    )
    large_meeting_limit: int = Field(
        25,
        ge=2,
        le=500,
        description="meetings with more distinct attendees than this are skipped (at most 500: "
        "a meeting of n people adds n(n-1)/2 pairs)",
    )
    min_weight: float = Field(
        0.0, ge=0, description="a pair is a tie only if its weight exceeds 0 and is at least this"
    )
    min_group_size: int = Field(
        5, ge=1, description="groups smaller than this are suppressed in viewer outputs; a link between two "
        "of them is never fragile"
    )
    resolution: float = Field(
        1.0, gt=0, le=100, description="Leiden modularity resolution (at most 100; above 1, smaller communities)"
    )
    seed: int = Field(0, ge=0, description="seed of every random step (Leiden, permutations, sampling)")
    permutations: int = Field(
        1000,
        ge=10,
        le=100_000,
        description="label shuffles of the silo and link significance tests, the same shuffles for both "
        "(10 to 100,000; the time grows with it)",
    )
    alpha: float = Field(
        0.05, gt=0, lt=1, description="significance level (after Benjamini-Hochberg) of the silo and link tests"
    )
    silo_ei_margin: float = Field(
        0.2,
        ge=0,
        le=2,
        description="a silo's E-I index is at least this much below the median of the other groups",
    )
    silo_max_ei: float = Field(
        0.0,
        ge=-1,
        le=1,
        description="a silo's E-I index is at most this (0: at least half its weight stays inside)",
    )
    weak_ratio: float = Field(
        0.25,
        ge=0,
        description="a link is under-connected when its observed/expected ratio is below this "
        "fraction of the median ratio of all group pairs",
    )
    dependency_min_handoffs: int = Field(
        10,
        ge=1,
        description="ticket handoffs between two groups that show they depend on each other",
    )
    dependency_ratio: float = Field(
        0.5,
        ge=0,
        description="a dependent pair lacks a relationship when its email+meeting+chat ratio is below "
        "this fraction of the median ratio of all group pairs",
    )
    no_owner_groups: int = Field(
        3,
        ge=3,
        le=100,
        description="a ticket has no owner when its visits cover at least this many distinct groups "
        "(a count of groups, 3 to 100: two groups is any ticket that crossed groups)",
    )
    fragile_carriers: int = Field(
        2,
        ge=1,
        description="a link that matters (weight at least the median of linked pairs) is fragile "
        "when this many people or fewer carry most of it",
    )
    fragile_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="share of a link's weight that the top fragile_carriers people must hold for it to be fragile",
    )
    min_link_ties: int = Field(
        3,
        ge=0,
        le=1_000,
        description="a link is judged (under-connected, fragile, dependency) only when it has this many ties, "
        "or a typical pair of groups of these sizes would have had them: below that any figure is noise "
        "(0 judges every pair)",
    )
    all_pairs_limit: int = Field(
        60,
        ge=0,
        le=1_000,
        description="every pair of groups is listed among the links, absent ones included, when there are at most "
        "this many groups (a count of groups, at most 1,000); above, only the pairs joined by a tie or a handoff "
        "and the flagged ones",
    )
    stability_resamples: int = Field(
        200,
        ge=0,
        le=5_000,
        description="block-bootstrap resamples of weeks that give every flag its stability and every E-I "
        "index and ratio its interval (0: no stability step; at most 5,000)",
    )
    stability_block_weeks: int | None = Field(
        None,
        ge=1,
        le=520,
        description="length in weeks of the runs of consecutive weeks that a stability resample is built of "
        "(default: half the weeks with events, rounded up, so that a flag living in one half of the period "
        "only is tentative)",
    )
    stability_interval: float = Field(
        0.9, gt=0, lt=1, description="coverage of the bootstrap intervals of E-I indexes and link ratios"
    )
    stable_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="a flag that holds in fewer than this share of the resamples is shown as tentative",
    )
    betweenness_exact_limit: int = Field(
        2000,
        ge=2,
        le=10_000,
        description="exact betweenness up to this many active people, sampled above (at most 10,000: "
        "exact betweenness costs one shortest-path search per person)",
    )
    betweenness_samples: int = Field(
        100,
        ge=10,
        le=10_000,
        description="source vertices sampled first for betweenness on larger graphs, multiplied by 1.5 until "
        "the top brokers are stable (at most 10,000)",
    )
    betweenness_top: int = Field(
        50,
        ge=1,
        le=10_000,
        description="sampled betweenness: how many top brokers the ranking is made stable for",
    )
    betweenness_tolerance: float = Field(
        0.05,
        ge=0,
        le=1,
        description="sampled betweenness: sources are added until the estimated share of the top brokers ranked "
        "wrongly (half the share on which random halves of the sources disagree, less as the sources near "
        "every person) is at most this",
    )
    betweenness_max_samples: int = Field(
        4000,
        ge=10,
        le=10_000,
        description="sampled betweenness: the most source vertices used (never fewer than betweenness_samples)",
    )
    betweenness_max_work: int = Field(
        3_000_000_000,
        ge=1_000_000,
        description="sampled betweenness: the most work, in tie visits (sources times the ties that can lie on a "
        "shortest path); on the largest graphs fewer sources than betweenness_max_samples are used and "
        "summary.betweenness_method states the ranking error reached (never fewer than betweenness_samples)",
    )

    resident_below: float = Field(
        0.25,
        ge=0,
        le=1,
        description="a person is a resident (works mostly inside their group) when their external_share, "
        "the share of their collaboration weight spent outside their group (0 to 1), is below this",
    )
    wanderer_above: float = Field(
        0.6,
        ge=0,
        le=1,
        description="a person is a wanderer (works mostly for other groups) when their external_share "
        "(0 to 1) is above this; from resident_below to here, inclusive, a linker",
    )

    period: Literal["week", "month"] | None = Field(
        None, description="also compute every group and link metric per week or month (trends)"
    )
    split: datetime | None = Field(
        None,
        description="also compare the windows before and after this instant (e.g. a reorganization date)",
    )
    insular_ei_drop: float = Field(
        0.1,
        ge=0,
        le=2,
        description="before/after comparison: a group became more insular when its E-I index fell by at "
        "least this much (E-I units, 0 to 2), significantly and beyond chance after the split",
    )
    insular_delta_z: float = Field(
        1.96,
        ge=0,
        le=10,
        description="before/after comparison: the fall of a more insular group's E-I index has a z-score "
        "at or below minus this (1.96: two-sided 5%)",
    )
    weakened_ratio_drop: float = Field(
        0.25,
        gt=0,
        le=1,
        description="before/after comparison: a link weakened when its observed/expected ratio fell by at "
        "least this share of its value before (0 to 1), or it became weak",
    )
    fewer_carriers_drop: float = Field(
        0.25,
        gt=0,
        le=1,
        description="before/after comparison: a link rests on fewer carriers when their number fell by at "
        "least this share (0 to 1), or it became fragile",
    )
    key_people: int = Field(
        10, ge=0, le=100, description="how many top brokers the 'what if they leave' simulation removes (at most 100)"
    )
    broker_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="recommendations: the active people in this top share of betweenness (0 to 1) are "
        "overloaded brokers, never proposed as buddies and placed last as a second bridge",
    )
    buddy_pairs: int = Field(
        3, ge=1, le=50, description="recommendations: at most this many buddy pairs per silo or weak link (at most 50)"
    )
    shadow_pairs: int = Field(
        2,
        ge=1,
        le=50,
        description="recommendations: at most this many job-shadowing pairs per link with ticket handoffs "
        "(at most 50)",
    )
    boundary_spanners: int = Field(
        3,
        ge=1,
        le=50,
        description="recommendations: at most this many boundary spanners to recognize per silo or weak link "
        "(at most 50)",
    )

    @field_validator("since", "until", "split")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    @model_validator(mode="after")
    def _window(self) -> "AnalysisParams":
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")
        if self.split is not None and (
            (self.since is not None and self.split <= self.since)
            or (self.until is not None and self.split >= self.until)
        ):
            raise ValueError("split must fall inside the since/until window")
        if self.resident_below > self.wanderer_above:
            raise ValueError("resident_below must not exceed wanderer_above")
        return self
