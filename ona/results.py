"""Typed, JSON-serializable results of ona.

Field names are the words of DESIGN.md; the keys of
:class:`AnalysisResult` are a public contract (extend, never rename).
Every model here is plain data: no igraph objects, no numpy scalars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ona.graph.layout import Layout  # plain data; loads neither plotly nor igraph
from ona.params import AnalysisParams
from ona.results_service import (
    HandoffAnalytics,
    KeyPersonRisk,
    Recommendation,
    Trends,
    WindowComparison,
)

if TYPE_CHECKING:
    from ona.tables import Frames


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------
# Validation

#: Rejected rows an analysis result lists in its ``validation`` (the first
#: ones); the dataset's own report pages through all that were kept.
RESULT_REJECTS = 100


class Reject(_Model):
    """One input row that was not loaded, and why."""

    file: str
    line: int = Field(description="1-based line in the file (the header is line 1); row number for Parquet")
    reason: str


class FileReport(_Model):
    """What was read from one dataset file.

    ``rejected`` counts every rejected row; only the first ``rejects_kept``
    of them (in line order) are listed with their line and reason, at most
    the reader's ``max_rejects_per_file`` (10,000 by default).
    """

    file: str
    format: Literal["csv", "parquet", "jsonl"]
    rows_read: int
    accepted: int
    rejected: int = Field(description="rows rejected, all of them counted")
    rejects_kept: int = Field(
        description="rejected rows listed with line and reason (the first ones); "
        "fewer than rejected when the list was capped"
    )
    duplicates: int = Field(0, description="rows dropped as duplicates (same message_id), counted once")

    @model_validator(mode="before")
    @classmethod
    def _all_kept(cls, data: Any) -> Any:
        # reports stored before rejects were capped listed every rejected row
        if isinstance(data, dict) and "rejects_kept" not in data and "rejected" in data:
            data = {**data, "rejects_kept": data["rejected"]}
        return data

    @property
    def rejects_truncated(self) -> bool:
        """Whether rejected rows beyond the listed ones were only counted."""
        return self.rejects_kept < self.rejected


class ValidationReport(_Model):
    """Rows read, accepted and rejected per file, and the first rejected rows.

    ``files`` counts every row. ``rejected`` lists rejected rows by file and
    line: in a dataset's own report, the first ``max_rejects_per_file`` of
    each file (10,000 by default); in an analysis result, only the first
    :data:`RESULT_REJECTS` overall, with ``rejected_omitted`` and ``note``
    saying how many more there are and where to page through them.
    """

    files: dict[str, FileReport] = Field(default_factory=dict)
    rejected: list[Reject] = Field(default_factory=list)
    rejected_omitted: int = Field(
        0, ge=0, description="rejected rows counted in files but not listed in rejected"
    )
    note: str = Field("", description="where the rejected rows not listed here can be read")
    external: dict[str, int] = Field(
        default_factory=dict,
        description="external parties: distinct addresses and references per channel",
    )

    @property
    def rejected_count(self) -> int:
        return sum(f.rejected for f in self.files.values())

    def capped(self, limit: int, *, where: str) -> ValidationReport:
        """This report with at most ``limit`` rejected rows listed, and a note of the rest.

        Parameters
        ----------
        limit : int
            Rejected rows to keep (the first ones, in the order listed).
        where : str
            Where the full list can be read, for the note.

        Examples
        --------
        >>> f = FileReport(file="e.csv", format="csv", rows_read=9, accepted=6, rejected=3)
        >>> r = ValidationReport(files={"e.csv": f},
        ...                      rejected=[Reject(file="e.csv", line=n, reason="x") for n in (2, 5, 7)])
        >>> c = r.capped(1, where="`ona validate`")
        >>> len(c.rejected), c.rejected_omitted
        (1, 2)
        >>> c.note
        '3 rows were rejected; the first 1 is listed here, the others with `ona validate`.'
        """
        listed = self.rejected[:limit]
        total = self.rejected_count
        omitted = max(total - len(listed), 0)
        note = ""
        if omitted:
            stored = sum(f.rejects_kept for f in self.files.values())
            first = f"the first {len(listed):,} {'is' if len(listed) == 1 else 'are'} listed here"
            note = f"{total:,} row{'s were' if total != 1 else ' was'} rejected; {first}, the others with {where}."
            if stored < total:
                note = note[:-1] + f" (the first {stored:,} with their line and reason; the rest are only counted)."
        return self.model_copy(update={"rejected": listed, "rejected_omitted": omitted, "note": note})


# --------------------------------------------------------------------------
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


class PrivacyNote(_Model):
    """Who the result is for and, for a viewer, what was pooled, left out or withheld (:mod:`ona.privacy`)."""

    audience: Literal["analyst", "viewer"] = "analyst"
    min_group_size: int = 5
    suppressed_groups: int = Field(0, description="groups with fewer than min_group_size people (not named)")
    pool: str | None = Field(None, description="the group row pooling them, when they are pooled")
    people_left_out: bool = Field(
        False, description="they were not pooled: their people and ties are in no figure"
    )
    withheld_links: list[str] = Field(
        default_factory=list,
        description="links 'A | B' carried by fewer than min_group_size people: no weight shown, none counted",
    )
    withheld: list[str] = Field(
        default_factory=list, description="figures not shown because they would count what was left out"
    )
    note: str = ""


class AnalysisResult(_Model):
    """The whole result document of ``ona analyze`` (a public contract)."""

    ona_version: str
    dataset: str = ""
    summary: Summary
    parameters: AnalysisParams
    groups: list[GroupMetrics]
    links: list[LinkMetrics]
    people: list[PersonMetrics]
    communities: list[CommunitySummary]
    validation: ValidationReport
    handoffs: HandoffAnalytics | None = Field(None, description="internal service from ticket handoffs")
    recommendations: list[Recommendation] = Field(
        default_factory=list, description="what to do, for every silo and weak link, in priority order"
    )
    key_people: list[KeyPersonRisk] = Field(
        default_factory=list, description="'what if they leave' for the top brokers (analyst only)"
    )
    trends: Trends | None = Field(None, description="metrics per period, when parameters.period is set")
    comparison: WindowComparison | None = Field(
        None, description="before / after parameters.split, when it is set"
    )
    privacy: PrivacyNote = Field(default_factory=PrivacyNote)
    layout: Layout | None = Field(None, description="map positions and backbone, computed once per analysis")

    def to_json(self) -> str:
        """Deterministic JSON text (same result, same bytes)."""
        return self.model_dump_json(indent=2) + "\n"

    @property
    def frames(self) -> Frames:
        """Each part as a pandas DataFrame with the columns of the tables (:func:`ona.tables.result_frames`).

        Computed on each access from what the result holds now (so a viewer's
        copy never shows frames of the full result): keep ``f = result.frames``
        to read several tables. pandas is imported here, not with this module.
        """
        from ona.tables import result_frames

        return result_frames(self)
