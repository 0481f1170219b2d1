"""An analysis result's parts as pandas DataFrames, one per table of :mod:`ona.tables.schema`.

Input: an :class:`~ona.results.AnalysisResult` (full or a viewer's, as
:func:`ona.privacy.for_viewer` made it). Output: :class:`Frames`, one
DataFrame per table with exactly the declared columns, in their order and
dtypes, even when the part is empty or absent (a result without trends has
empty trend tables). No figure is computed here: every cell is a value of
the result, reshaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from ona.tables.schema import LINES_SEP, LIST_SEP, TABLES, Column

if TYPE_CHECKING:
    from ona.results import AnalysisResult
    from ona.results import Trends


@dataclass(frozen=True)
class Frames:
    """The tables of one result, one DataFrame per part (see :data:`ona.tables.schema.TABLES`)."""

    groups: pd.DataFrame
    links: pd.DataFrame
    people: pd.DataFrame
    communities: pd.DataFrame
    handoffs: pd.DataFrame
    handoff_groups: pd.DataFrame
    recommendations: pd.DataFrame
    key_people: pd.DataFrame
    trends: pd.DataFrame
    trend_links: pd.DataFrame
    trend_periods: pd.DataFrame
    validation: pd.DataFrame
    rejected: pd.DataFrame

    def as_dict(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in the order of :data:`~ona.tables.schema.TABLES`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _cell(value: Any, column: Column) -> Any:
    """The cell of ``column`` for the field value ``value`` (already picked by key)."""
    kind = column.kind
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind in ("list", "lines"):
        if not value:
            return None
        return (LIST_SEP if kind == "list" else LINES_SEP).join(str(v) for v in value)
    return value


def _pick(row: Mapping[str, Any], column: Column) -> Any:
    value = row[column.source]
    if column.key is None:
        return value
    if isinstance(value, Mapping):
        return value.get(column.key)
    if isinstance(column.key, int):  # an interval [low, high], or null
        return value[column.key] if value else None
    raise TypeError(f"column {column.name}: field {column.source} is neither a mapping nor an interval")


def frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A DataFrame of ``table``'s columns from rows of field values (model dumps).

    Raises
    ------
    KeyError
        A row lacks a field a column reads (the schema and the models disagree).
    """
    columns = TABLES[table]
    data = [[_cell(_pick(r, c), c) for c in columns] for r in rows]
    df = pd.DataFrame(data, columns=[c.name for c in columns], dtype=object)
    return df.astype({c.name: c.dtype for c in columns})


def _dump(models: Iterable[Any]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="python") for m in models]


def rows_frame(table: str, models: Iterable[Any]) -> pd.DataFrame:
    """A DataFrame of ``table``'s columns from rows of the result's models (one page of a part, say).

    ``table`` is one whose rows are one model each: groups, links, people,
    communities, handoffs (:class:`~ona.results.HandoffPair`),
    handoff_groups (:class:`~ona.results.GroupService`),
    recommendations, key_people, validation
    (:class:`~ona.results.FileReport`) or rejected.
    """
    rows = _dump(models)
    if table == "recommendations":
        # a viewer's recommendation names nobody but keeps the roles of the people it concerns
        rows = [{**r, "people": len(set(r["person_ids"])) if r["person_ids"] else len(r["roles"])} for r in rows]
    return frame(table, rows)


def trend_frames(trends: Trends | None) -> dict[str, pd.DataFrame]:
    """The trends, trend_links and trend_periods tables of ``trends`` (empty without trends)."""
    if trends is None:
        return {name: frame(name, []) for name in ("trends", "trend_links", "trend_periods")}
    periods = [{"period": p.label, **p.model_dump(mode="python", exclude={"label"})} for p in trends.periods]
    at = [{k: p[k] for k in ("period", "start", "end")} for p in periods]
    groups = [
        {**at[i], "group": g.group, "ei_index": g.ei_index[i], "insularity": g.insularity[i],
         "internal_weight": g.internal_weight[i], "external_weight": g.external_weight[i], "active": g.active[i]}
        for g in trends.groups for i in range(len(at))
    ]  # fmt: skip
    links = [
        {**at[i], "source": lk.source, "target": lk.target, "weight": lk.weight[i], "ratio": lk.ratio[i],
         "carriers": lk.carriers[i], "handoffs": lk.handoffs[i], "weak": lk.weak[i]}
        for lk in trends.links for i in range(len(at))
    ]  # fmt: skip
    return {"trends": frame("trends", groups), "trend_links": frame("trend_links", links),
            "trend_periods": frame("trend_periods", periods)}  # fmt: skip


def result_frames(result: AnalysisResult) -> Frames:
    """Each part of ``result`` as a DataFrame with the documented columns.

    Parameters
    ----------
    result : AnalysisResult
        A full result, or a viewer's (:func:`ona.privacy.for_viewer`): the
        frames hold what the result holds and nothing else, so a viewer's have
        no people, key people, carriers or bridge people.

    Returns
    -------
    Frames
        One DataFrame per table of :data:`ona.tables.schema.TABLES`, in the
        result's own row order; parts the result lacks (no trends, no
        handoffs) are empty frames with the same columns.

    Examples
    --------
    A part is reshaped, not recomputed; a rejected row, as the
    ``rejected`` table holds it:

    >>> df = frame("rejected", [{"file": "emails.csv", "line": 17, "reason": "bad timestamp"}])
    >>> df.to_dict("records")
    [{'file': 'emails.csv', 'line': 17, 'reason': 'bad timestamp'}]
    >>> str(df["line"].dtype)
    'int64'
    """
    h = result.handoffs
    return Frames(
        groups=rows_frame("groups", result.groups),
        links=rows_frame("links", result.links),
        people=rows_frame("people", result.people),
        communities=rows_frame("communities", result.communities),
        handoffs=rows_frame("handoffs", h.pairs if h else []),
        handoff_groups=rows_frame("handoff_groups", h.groups if h else []),
        recommendations=rows_frame("recommendations", result.recommendations),
        key_people=rows_frame("key_people", result.key_people),
        **trend_frames(result.trends),
        validation=rows_frame("validation", result.validation.files.values()),
        rejected=rows_frame("rejected", result.validation.rejected),
    )


def viewer_result(result: AnalysisResult, min_group_size: int | None = None) -> AnalysisResult:
    """The viewer's (leader's) version of ``result``, by :func:`ona.privacy.for_viewer`.

    K is the larger of ``min_group_size`` and the result's own
    ``parameters.min_group_size`` (never lower than the analysis asked). A
    result that already is a viewer's is returned as it is when its K is at
    least that; otherwise it cannot be reduced further (its people are gone).

    Raises
    ------
    ValueError
        ``result`` is a viewer's result made with a smaller K than asked.
    """
    from ona.privacy import for_viewer

    k = max(result.parameters.min_group_size, min_group_size or 0)
    if result.privacy.audience == "viewer":
        if result.privacy.min_group_size < k:
            raise ValueError(
                f"this result is already a viewer's version with minimum group size "
                f"{result.privacy.min_group_size}; a larger minimum ({k}) needs the full result"
            )
        return result
    return for_viewer(result, k)
