"""Request and answer models of the service that the library does not already have.

Library models (``DatasetInfo``, ``AnalysisInfo``, ``GroupMetrics``,
``AnalysisResult``, ...) are returned as they are; the models here only
wrap them in pages or pair them, and the analysis request reuses
:class:`ona.params.AnalysisParams` whole.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.paging import Page, ResultPage
from ona.io.imports.folder import ImportReport
from ona.params import AnalysisParams
from ona.results import (
    CommunitySummary,
    FileReport,
    GroupMetrics,
    LinkMetrics,
    PersonMetrics,
    PrivacyNote,
    Reject,
    Summary,
    ValidationReport,
)
from ona.store import AnalysisInfo, DatasetInfo

#: The store's ids are short hex strings; the pattern keeps junk out of the store's queries.
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


class Health(BaseModel):
    status: str = "ok"
    version: str


class ValidationPage(BaseModel):
    """A dataset's validation report, its rejected rows paginated."""

    files: dict[str, FileReport] = Field(description="rows read, accepted and rejected per file")
    external: dict[str, int] = Field(default_factory=dict, description="external parties per channel")
    rejected: list[Reject] = Field(description="this page of rejected rows, in (file, line) order")
    rejected_total: int = Field(description="rejected rows in all")
    offset: int
    limit: int

    @classmethod
    def of(cls, report: ValidationReport, *, offset: int, limit: int) -> ValidationPage:
        return cls(
            files=report.files,
            external=report.external,
            rejected=report.rejected,
            rejected_total=report.rejected_count,
            offset=offset,
            limit=limit,
        )


class DatasetUpload(BaseModel):
    """The answer to an upload: the stored dataset and its validation report."""

    dataset: DatasetInfo
    validation: ValidationPage
    import_report: ImportReport | None = Field(
        default=None, description="with a `kind`: what the import read, wrote and dropped per file"
    )


class AnalysisRequest(BaseModel):
    """Start an analysis of a stored dataset."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(pattern=ID_PATTERN, description="the dataset to analyze")
    parameters: AnalysisParams = Field(
        default_factory=AnalysisParams,  # type: ignore[arg-type]
        description="analysis parameters (every one has a default)"
    )


class ResultSummary(BaseModel):
    """A result without its lists: summary, parameters and privacy note."""

    analysis_id: str
    dataset: str
    ona_version: str
    summary: Summary
    parameters: AnalysisParams
    privacy: PrivacyNote


class DatasetPage(Page[DatasetInfo]):
    """A page of datasets."""


class AnalysisPage(Page[AnalysisInfo]):
    """A page of analyses."""


class GroupPage(ResultPage[GroupMetrics]):
    """A page of group metrics."""


class LinkPage(ResultPage[LinkMetrics]):
    """A page of group-pair links."""


class PersonPage(ResultPage[PersonMetrics]):
    """A page of person metrics (analyst only)."""


class CommunityPage(ResultPage[CommunitySummary]):
    """A page of Leiden communities."""
