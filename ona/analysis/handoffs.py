"""Internal service from ticket handoffs, and the dependency-without-relationship rule.

Input: a stored dataset and :class:`~ona.params.AnalysisParams` (``group_by``,
``since``, ``until``). Output: :class:`HandoffAnalytics`; and, given the
links of :func:`ona.analysis.links.link_metrics`, those links re-flagged
by :func:`flag_dependencies`.

Every figure is computed in DuckDB by :mod:`ona.store.handoffs`, whose
docstring defines handoffs, visits, stays, bounces, ping-pongs and
"no owner" tickets; this module adds the rates and the typed models:

- per ordered pair (from_group -> to_group): ``bounce_rate = bounces /
  handoffs``, ``ping_pong_rate = ping_pongs / handoffs``;
- summary: ``bounce_rate = tickets_bounced / tickets_cross_group``,
  ``no_owner_rate = tickets_no_owner / tickets_cross_group`` (null when no
  ticket crossed groups).

Dependency without relationship (:func:`flag_dependencies`): the single
place that decides this reason. A pair of groups {a, b} *depends* on each
other when its cross-group handoffs (both directions, in the window),
``H_ab``, are heavy: ``H_ab >= max(min_handoffs, median of H over the
pairs with at least one handoff)`` (default ``min_handoffs`` =
:data:`DEPENDENCY_MIN_HANDOFFS` = 10). It has *no relationship* when its
collaboration is below what random mixing gives: ``under_connected``, or
``ratio < 1``, or no expected weight at all (ratio null). Such a link
gets ``weak = True`` and the reason ``dependency_without_relationship:
...`` first; the links that carry it come first (most handoffs first),
the others keep their order.
"""

from __future__ import annotations

import numpy as np

from ona.analysis.service_models import GroupService, HandoffAnalytics, HandoffPair, HandoffSummary
from ona.params import AnalysisParams
from ona.results import LinkMetrics
from ona.store import Store
from ona.store.handoffs import handoff_tables

__all__ = ["DEPENDENCY", "DEPENDENCY_MIN_HANDOFFS", "flag_dependencies", "handoff_analytics"]

DEPENDENCY = "dependency_without_relationship"
#: A pair needs at least this many handoffs (both directions) to count as a dependency.
DEPENDENCY_MIN_HANDOFFS = 10


def handoff_analytics(store: Store, dataset_id: str, params: AnalysisParams) -> HandoffAnalytics:
    """Ticket handoff analytics of a stored dataset (see :mod:`ona.store.handoffs`).

    Parameters
    ----------
    store : Store
    dataset_id : str
    params : AnalysisParams
        ``group_by``, ``since`` and ``until`` are used.

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
    labels = store.group_labels(dataset_id, params.group_by)
    tables = handoff_tables(store, dataset_id, labels, since=params.since, until=params.until)
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
        bounce_rate=s["tickets_bounced"] / crossed if crossed else None,
        no_owner_rate=s["tickets_no_owner"] / crossed if crossed else None,
    )
    return HandoffAnalytics(
        group_by=params.group_by, since=params.since, until=params.until,
        summary=summary, pairs=pairs, groups=groups,
    )


def dependency_threshold(pairs: list[HandoffPair], *, min_handoffs: int = DEPENDENCY_MIN_HANDOFFS) -> float:
    """Handoffs (both directions) from which a pair of groups counts as dependent.

    ``max(min_handoffs, median of H_ab over unordered pairs with H_ab > 0)``.

    >>> p = lambda a, b, h: HandoffPair(from_group=a, to_group=b, handoffs=h, tickets=h,
    ...     median_hours=None, p90_hours=None, closed=0, open=h, bounces=0, bounce_rate=0.0,
    ...     ping_pongs=0, ping_pong_rate=0.0, no_owner_tickets=0)
    >>> dependency_threshold([p("A", "B", 30), p("B", "A", 10), p("A", "C", 12), p("C", "D", 2)])
    12.0
    """
    totals = _unordered(pairs)
    if not totals:
        return float(min_handoffs)
    return max(float(min_handoffs), float(np.median(np.fromiter(totals.values(), dtype=np.float64))))


def flag_dependencies(
    links: list[LinkMetrics],
    pairs: list[HandoffPair],
    *,
    min_handoffs: int = DEPENDENCY_MIN_HANDOFFS,
) -> list[LinkMetrics]:
    """Mark the links where groups depend on each other without a relationship.

    A link {a, b} is flagged when ``H_ab >= dependency_threshold(pairs)``
    and its collaboration is below chance (``under_connected``, or ``ratio
    < 1``, or ratio null). Flagged links get ``weak = True`` and the reason
    ``dependency_without_relationship: <figures>`` first. Any reason with
    that code already present (from :func:`ona.analysis.links.link_metrics`)
    is removed first, so this function alone decides it.

    Parameters
    ----------
    links : list of LinkMetrics
        The links, in their order (weak first).
    pairs : list of HandoffPair
        Ordered-pair handoffs of :func:`handoff_analytics`.
    min_handoffs : int
        The floor of the threshold.

    Returns
    -------
    list of LinkMetrics
        Copies: flagged links first (most handoffs, then lowest ratio),
        then the others in their given order.

    Examples
    --------
    Two pairs with handoffs: A-B (30 + 10 = 40 handoffs, ratio 0.4) and
    C-D (12, ratio 2.5). The median of (40, 12) is 26, so only A-B is heavy,
    and it collaborates below chance:

    >>> def link(a, b, ratio):
    ...     return LinkMetrics(source=a, target=b, weight=1.0, ties=1, expected=1.0, ratio=ratio)
    >>> p = lambda a, b, h: HandoffPair(from_group=a, to_group=b, handoffs=h, tickets=h,
    ...     median_hours=None, p90_hours=None, closed=0, open=h, bounces=0, bounce_rate=0.0,
    ...     ping_pongs=0, ping_pong_rate=0.0, no_owner_tickets=0)
    >>> out = flag_dependencies([link("C", "D", 2.5), link("A", "B", 0.4)],
    ...                         [p("A", "B", 30), p("B", "A", 10), p("C", "D", 12)])
    >>> [(x.source, x.target, x.weak) for x in out]
    [('A', 'B', True), ('C', 'D', False)]
    >>> print(out[0].weak_reasons[0])  # doctest: +NORMALIZE_WHITESPACE
    dependency_without_relationship: 40 ticket handoffs between A and B (30 from A, 10 from B;
    at least 26 makes a pair dependent), yet they collaborate at 0.40 times the level random
    mixing would give
    """
    threshold = dependency_threshold(pairs, min_handoffs=min_handoffs)
    totals = _unordered(pairs)
    directed = {(p.from_group, p.to_group): p.handoffs for p in pairs}
    flagged: list[tuple[int, float, int, LinkMetrics]] = []
    others: list[LinkMetrics] = []
    for position, link in enumerate(links):
        reasons = [r for r in link.weak_reasons if not r.startswith(DEPENDENCY + ":")]
        h = totals.get((link.source, link.target), 0)
        low = link.under_connected or link.ratio is None or link.ratio < 1
        if h > 0 and h >= threshold and low:
            level = ("no collaboration expected from their volumes" if link.ratio is None
                     else f"{link.ratio:.2f} times the level random mixing would give")
            reason = (
                f"{DEPENDENCY}: {h} ticket handoffs between {link.source} and {link.target} "
                f"({directed.get((link.source, link.target), 0)} from {link.source}, "
                f"{directed.get((link.target, link.source), 0)} from {link.target}; "
                f"at least {threshold:g} makes a pair dependent), yet they collaborate at {level}"
            )
            copy = link.model_copy(update={"weak": True, "weak_reasons": [reason, *reasons]})
            flagged.append((-h, link.ratio if link.ratio is not None else -1.0, position, copy))
        else:
            others.append(link.model_copy(update={"weak_reasons": reasons}))
    flagged.sort(key=lambda item: item[:3])
    return [item[3] for item in flagged] + others


def _unordered(pairs: list[HandoffPair]) -> dict[tuple[str, str], int]:
    """Handoffs per unordered pair (a < b by name), both directions summed."""
    totals: dict[tuple[str, str], int] = {}
    for p in pairs:
        key = (p.from_group, p.to_group) if p.from_group < p.to_group else (p.to_group, p.from_group)
        totals[key] = totals.get(key, 0) + p.handoffs
    return totals
