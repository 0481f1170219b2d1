"""Silo metrics of groups, links between groups, people, communities, and the summary.

Field names are the words of DESIGN.md. Produced by :mod:`ona.analysis`
(groups, links, people, communities) and the pipeline (summary).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ona.results._model import Model as _Model

# Analysis


class GroupMetrics(_Model):
    """Silo metrics of one group (a department unless group_by says otherwise)."""

    group: str
    headcount: int = Field(description="members in people, including inactive ones")
    active: int = Field(description="members with at least one tie")
    internal_weight: float = Field(description="I_d: weight of ties with both ends in d")
    external_weight: float = Field(description="E_d: weight of ties with exactly one end in d")
    internal_ties: int = Field(description="i_d")
    external_ties: int = Field(description="e_d")
    ei_index: float | None = Field(description="(E_d - I_d) / (E_d + I_d), in [-1, 1]; null without ties")
    ei_index_ties: float | None = Field(description="(e_d - i_d) / (e_d + i_d); null without ties")
    volume: float = Field(description="vol(d) = 2 I_d + E_d")
    internal_share: float | None = Field(description="2 I_d / vol(d)")
    expected_internal_share: float | None = Field(description="vol(d) / 2W under degree-preserving mixing")
    insularity: float | None = Field(description="internal_share / expected_internal_share")
    conductance: float | None = Field(description="E_d / min(vol(d), 2W - vol(d))")
    z: float | None = Field(description="permutation z-score of I_d (label shuffles, sizes kept)")
    p_value: float | None = Field(description="one-sided permutation p-value, Benjamini-Hochberg adjusted")
    p_value_raw: float | None = None
    external_reach: int = Field(0, description="other groups this group has at least one tie with")
    effective_partners: float | None = Field(
        None, description="inverse Simpson index of E_d over partner groups (effective number of partners)"
    )
    external_carriers: int = Field(0, description="members with at least one tie outside the group")
    external_top2_share: float | None = Field(
        None, description="share of E_d held by the group's two members with most outside weight"
    )
    community_split: dict[str, int] = Field(
        default_factory=dict, description="members per Leiden community (community id -> count)"
    )
    silo: bool = False
    silo_reasons: list[str] = Field(default_factory=list)
    ei_interval: list[float] | None = Field(
        None, description="bootstrap interval of ei_index over resampled weeks (stability_interval coverage)"
    )
    stability: float | None = Field(
        None, description="share of the week resamples in which the silo verdict (silo or not) is the same; "
        "null without a stability step",
    )
    tentative: bool = Field(False, description="a silo whose stability is below stable_share")
    holds_without: dict[str, bool] = Field(
        default_factory=dict, description="for a silo: whether it still holds with each channel left out"
    )
    supported_by: list[str] = Field(
        default_factory=list, description="for a silo: the channels on which alone it holds"
    )


class LinkMetrics(_Model):
    """Collaboration between an unordered pair of groups (source < target)."""

    source: str
    target: str
    weight: float = Field(description="W_ab: sum of cross weights")
    ties: int
    expected: float = Field(description="vol(a) vol(b) / 2W")
    ratio: float | None = Field(description="W_ab / expected; null when expected is 0")
    channels: dict[str, float] = Field(
        default_factory=dict, description="W_ab per channel before coefficients (email, meeting, ticket, chat, ties)"
    )
    handoffs: int = Field(0, description="ticket handoffs between the two groups (both directions)")
    carriers: list[str] = Field(
        default_factory=list, description="distinct people holding a-b ties, most weight first"
    )
    source_carriers: int = 0
    target_carriers: int = 0
    bridge_people: list[str] = Field(
        default_factory=list, description="people whose removal would most reduce W_ab (up to 3)"
    )
    bridge_shares: list[float] = Field(
        default_factory=list, description="share of W_ab lost if each bridge person left"
    )
    weak: bool = False
    under_connected: bool = False
    fragile: bool = False
    dependency_without_relationship: bool = False
    weak_reasons: list[str] = Field(default_factory=list)
    z: float | None = Field(
        None, description="permutation z-score of W_ab under shuffled group labels (negative: below chance)"
    )
    p_value: float | None = Field(
        None, description="one-sided (under-connection) permutation p-value of W_ab, Benjamini-Hochberg "
        "adjusted over the pairs with expected > 0; null when the test was not run",
    )
    dependency_p_value: float | None = Field(
        None, description="one-sided permutation p-value of the relationship weight (email, meeting, chat, "
        "ties), Benjamini-Hochberg adjusted over the pairs with enough handoffs; null otherwise",
    )
    explained_by: str | None = Field(
        None, description='"silo: <group>" when the link is under-connected only because that group is a '
        "silo: it is listed under the silo and not counted as a weak link",
    )
    judged: bool = Field(
        True, description="it has min_link_ties ties, or a typical pair of these groups would: only then "
        "can it be under-connected, fragile or a dependency without relationship",
    )
    fragile_p_value: float | None = Field(
        None, description="how often carriers drawn like the groups' other outside ties hold as much of the "
        "link as its top carriers do (Benjamini-Hochberg adjusted over the links tested); null when not tested",
    )
    ratio_interval: list[float] | None = Field(
        None, description="bootstrap interval of ratio over resampled weeks (stability_interval coverage)"
    )
    stability: float | None = Field(
        None, description="share of the week resamples in which the weak verdict (weak or not) is the same; "
        "null without a stability step",
    )
    flag_stability: dict[str, float] = Field(
        default_factory=dict, description="per flag that holds (under_connected, fragile, "
        "dependency_without_relationship): the share of the resamples in which it holds",
    )
    tentative: bool = Field(False, description="a weak link whose stability is below stable_share")
    holds_without: dict[str, bool] = Field(
        default_factory=dict, description="for a weak link: whether it is still weak with each channel left out"
    )
    supported_by: list[str] = Field(
        default_factory=list, description="for a weak link: the channels on which alone it is weak"
    )


class Brokerage(_Model):
    """Gould-Fernandez brokerage counts (open two-paths a - b - c through b)."""

    coordinator: int = 0
    gatekeeper: int = 0
    representative: int = 0
    consultant: int = 0
    liaison: int = 0


class PersonMetrics(_Model):
    """Network position of one person (analyst view only)."""

    person_id: str
    group: str
    community: int | None = None
    active: bool
    degree: int
    strength: float
    external_share: float | None = Field(description="share of strength on ties outside the own group")
    role: Literal["resident", "linker", "wanderer", "inactive"]
    betweenness: float = Field(description="normalized weighted betweenness in [0, 1]")
    constraint: float | None = Field(description="Burt's constraint; null for isolates")
    effective_size: float | None = Field(description="Burt's effective size; null for isolates")
    articulation_point: bool
    bridge_edges: int = Field(description="ties of this person whose removal disconnects the graph")
    brokerage: Brokerage = Field(default_factory=Brokerage)
    depended_on_by: list[str] = Field(
        default_factory=list, description="group pairs 'A | B' whose link rests on this person"
    )


class CommunitySummary(_Model):
    """One Leiden community and the groups it draws from."""

    community: int
    size: int
    groups: dict[str, int]
    main_group: str | None = None
    main_group_share: float | None = None


class Summary(_Model):
    people: int
    active_people: int
    groups: int
    ties: int
    total_weight: float
    modularity: float | None = Field(description="modularity Q of the Leiden partition")
    formal_modularity: float | None = Field(description="modularity Q of the group partition itself")
    assortativity: float | None = Field(description="weighted attribute assortativity of the groups")
    nmi: float | None
    ari: float | None
    communities: int
    silos: int
    weak_links: int
    tentative: int = Field(0, description="flags (silos and weak links) whose stability is below stable_share")
    isolates: int
    betweenness_method: str
    events: dict[str, int] = Field(default_factory=dict)
    external: dict[str, float] = Field(default_factory=dict)
