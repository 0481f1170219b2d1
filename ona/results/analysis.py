"""The whole result document of an analysis, and its privacy note.

The keys of :class:`AnalysisResult` are a public contract (extend, never
rename).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ona.results.params import AnalysisParams
from ona.results._model import Model as _Model
from ona.results.layout import Layout
from ona.results.metrics import CommunitySummary, GroupMetrics, LinkMetrics, PersonMetrics, Summary
from ona.results.service import HandoffAnalytics, KeyPersonRisk, Recommendation, Trends, WindowComparison
from ona.results.validation import ValidationReport

if TYPE_CHECKING:
    from ona.tables import Frames


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
