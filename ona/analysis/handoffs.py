"""Internal service from ticket handoffs.

Input: a stored dataset and :class:`~ona.params.AnalysisParams` (``group_by``,
``since``, ``until``, ``no_owner_groups``). Output: :class:`HandoffAnalytics`.

Every figure is computed in SQL by :mod:`ona.store.handoffs` (in the store's DuckDB,
or on Spark with :class:`ona.store.spark.SparkEngine`), whose
docstring defines handoffs, visits, stays, bounces, ping-pongs and
"no owner" tickets; this module adds the rates and the typed models:

- per ordered pair (from_group -> to_group): ``bounce_rate = bounces /
  handoffs``, ``ping_pong_rate = ping_pongs / handoffs``;
- summary: ``bounce_rate = tickets_bounced / tickets_cross_group``,
  ``no_owner_rate = tickets_no_owner / tickets_cross_group`` (null when no
  ticket crossed groups).

The dependency-without-relationship rule that puts handoffs beside the
collaboration graph lives in :mod:`ona.analysis.links` (one place decides it).
"""

from __future__ import annotations

from datetime import timedelta

from ona.results import (
    GroupService,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
)
from ona.params import AnalysisParams
from ona.store import Store
from ona.store.engine import DuckDBEngine, EventEngine

__all__ = ["handoff_analytics", "window_group_labels"]

DEPENDENCY = "dependency_without_relationship"


def handoff_analytics(store: Store, dataset_id: str, params: AnalysisParams, *,
                      engine: EventEngine | None = None) -> HandoffAnalytics:
    """Ticket handoff analytics of a stored dataset (see :mod:`ona.store.handoffs`).

    Parameters
    ----------
    store : Store
    dataset_id : str
    params : AnalysisParams
        ``group_by``, ``since``, ``until`` and ``no_owner_groups`` are used.
    engine : EventEngine, optional
        Where the tables are computed: the store's DuckDB by default,
        :class:`ona.store.spark.SparkEngine` on Spark (the same tables).

    Returns
    -------
    HandoffAnalytics
        Summary, ordered group pairs (most handoffs first) and per-group
        service (by name). Durations in hours.

    Raises
    ------
    NotFoundError
        The dataset is not in the store.
    ParameterError
        ``group_by`` names no column of people.
    """
    labels = window_group_labels(store, dataset_id, params)
    tables = (engine or DuckDBEngine()).handoff_tables(store, dataset_id, labels, since=params.since,
                                                       until=params.until, no_owner_groups=params.no_owner_groups)
    pairs = [
        HandoffPair(
            **row,
            bounce_rate=row["bounces"] / row["handoffs"],
            ping_pong_rate=row["ping_pongs"] / row["handoffs"],
        )
        for row in tables.pairs.to_pylist()
    ]
    groups = [GroupService(**row) for row in tables.groups.to_pylist()]
    s = tables.summary
    crossed = s["tickets_cross_group"]
    summary = HandoffSummary(
        **s,
        group_handoffs=sum(p.group_handoffs for p in pairs),
        bounce_rate=s["tickets_bounced"] / crossed if crossed else None,
        no_owner_rate=s["tickets_no_owner"] / crossed if crossed else None,
    )
    return HandoffAnalytics(
        group_by=params.group_by, since=params.since, until=params.until,
        summary=summary, pairs=pairs, groups=groups,
    )


def window_group_labels(store: Store, dataset_id: str, params: AnalysisParams) -> dict[str, str]:
    """person_id -> group for an analysis: as of its time window when it has one.

    With ``since`` or ``until`` and a ``people_history`` table, each person's
    group is taken from their history row covering the largest part of the
    window (the rule of the trend periods and the before / after comparison:
    :meth:`Store.group_labels`); a window open on one side is closed by the
    dataset's first event (``since``) or just after its last (``until``).
    Without a window, or without history, it is the people table's value.

    Raises
    ------
    NotFoundError
        The dataset is not in the store.
    ParameterError
        ``group_by`` names no column of people.
    """
    if params.since is None and params.until is None:
        return store.group_labels(dataset_id, params.group_by)
    info = store.get_dataset(dataset_id)
    since = params.since or info.first_event
    until = params.until or (info.last_event + timedelta(microseconds=1) if info.last_event else None)
    if since is None or until is None or since >= until:
        return store.group_labels(dataset_id, params.group_by)
    return store.group_labels(dataset_id, params.group_by, since, until)
