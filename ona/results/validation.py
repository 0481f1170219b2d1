"""What was read from a dataset: rows read, accepted and rejected per file, and why.

Produced by the readers (:mod:`ona.io`) and the store; embedded in every
:class:`~ona.results.AnalysisResult` as its ``validation``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ona.results._model import Model as _Model

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
