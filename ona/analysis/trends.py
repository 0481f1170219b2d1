"""Metrics over time: per week or month, and before / after a date.

Input: the graphs of the periods or of the two windows, with their group
partitions, and :class:`~ona.params.AnalysisParams`. Output:
:class:`Trends` (:func:`trend_series`) and :class:`WindowComparison`
(:func:`compare_sides`). :func:`ona.analysis.pipeline.trend` and
:func:`ona.analysis.pipeline.compare_windows` fetch the windows from a
stored dataset and compose these.

A trend cuts the analysis window into calendar periods (:func:`periods`:
ISO weeks starting Monday 00:00 UTC, or calendar months, UTC) from the
period of the first event to the period of the last one, clipped to
``since`` / ``until``, and for each period re-runs the store's pair weights
with that window, then :func:`~ona.analysis.groups.group_metrics` and
:func:`~ona.analysis.links.link_metrics` (:func:`period_metrics`: no
permutation test per period). A period without ties gives null ratios and
E-I indexes, zero weights.

Group membership per window: each period, and each side of the
comparison, takes its groups as of that window
(:meth:`~ona.store.Store.group_labels` with the window): with a
``people_history`` table, a person belongs to the group of the history row
that covers most of the window, so a reorganization that moves people
between departments shows as a change of structure (their collaboration
counts for their old department before and for the new one after), not as
noise. Without history, every window uses the people table (as before).
A group that exists in some windows only (a department created by the
reorganization) has null metrics and zero weights in the trend's other
periods; the comparison lists the groups present on both sides.
Ties of a ties table count in the window containing their
``period_start``; undated ties count in every window
(:mod:`ona.store.weights`).

The comparison analyzes ``[since, split)`` and ``[split, until)``
(since / until default to the first event and just after the last one)
with the full group analysis (:mod:`ona.analysis.window`), including the permutation test
(:func:`~ona.analysis.significance.insularity_test` with the parameters'
``permutations`` and ``seed``, run on each window: its z and adjusted p are
reported for both) and the silo flags; its links are judged as the whole
analysis judges them (the link permutation test,
:func:`~ona.analysis.link_significance.link_test`, on each window, and the
links a window's silos explain are not weak). The change of the E-I index gets
its own z-score, ``delta_z = delta / sqrt(se_before^2 + se_after^2)``,
where ``se`` is the standard error of a window's E-I index when its ties
are resampled (the delta method for a ratio of sums over the group's ties:
``se^2 = ((1 + ei)^2 sum_internal w^2 + (1 - ei)^2 sum_external w^2) /
(I + E)^2``). Rules (thresholds are parameters of
:class:`~ona.params.AnalysisParams`, so a result's ``parameters`` reproduce
them; their defaults in parentheses):

- a group became **more insular** when ``ei_index`` fell by at least
  ``insular_ei_drop`` (0.1), the fall is significant (``delta_z <=
  -insular_delta_z``, default -1.96, two-sided 5%) *and* the group is
  inward beyond chance after the split (adjusted ``p < alpha``,
  ``z > 0``); ``became_silo`` when the silo rule of
  :mod:`ona.analysis.silos` flags it after and not before;
- a link **weakened** when its ratio fell by at least
  ``weakened_ratio_drop`` (25%) of its value before, or it became weak
  (under-connected or fragile) after;
- a link **rests on fewer carriers** when its number of carriers fell by at
  least ``fewer_carriers_drop`` (25%), or it became fragile after. Carriers
  are counts of people, so they grow with the length of the window:
  compare windows of similar length.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

import numpy as np

from ona.analysis.groups import group_edges, group_metrics
from ona.analysis.links import link_metrics
from ona.analysis.window import num
from ona.results import (
    GroupChange,
    GroupMetrics,
    GroupTrend,
    LinkChange,
    LinkMetrics,
    LinkTrend,
    TrendPeriod,
    Trends,
    WindowComparison,
    WindowInfo,
)
from ona.errors import ParameterError
from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams

__all__ = [
    "MAX_PERIODS", "PeriodMetrics", "WindowSide", "compare_sides", "ei_standard_errors", "period_metrics",
    "periods", "trend_series", "window_side",
]

#: At most this many periods in one trend (ten years of weeks).
MAX_PERIODS = 520


def periods(since: datetime, until: datetime, period: Literal["week", "month"]) -> list[tuple[datetime, datetime, str]]:
    """Calendar periods ``[start, end)`` covering ``[since, until)``, clipped to it.

    >>> from datetime import datetime, timezone
    >>> utc = timezone.utc
    >>> [p[2] for p in periods(datetime(2024, 1, 20, tzinfo=utc), datetime(2024, 3, 2, tzinfo=utc), "month")]
    ['2024-01', '2024-02', '2024-03']
    >>> periods(datetime(2024, 3, 6, tzinfo=utc), datetime(2024, 3, 12, tzinfo=utc), "week")[1][0].isoformat()
    '2024-03-11T00:00:00+00:00'
    """
    if period not in ("week", "month"):
        raise ParameterError("period", f"must be 'week' or 'month', not '{period}'")
    since, until = since.astimezone(timezone.utc), until.astimezone(timezone.utc)
    day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        step: Callable[[datetime], datetime] = lambda t: t + timedelta(days=7)  # noqa: E731
        label: Callable[[datetime], str] = lambda t: "{}-W{:02d}".format(*t.isocalendar()[:2])  # noqa: E731
    else:
        start = day.replace(day=1)
        step = lambda t: (t.replace(day=28) + timedelta(days=4)).replace(day=1)  # noqa: E731
        label = lambda t: f"{t.year}-{t.month:02d}"  # noqa: E731
    out = []
    while start < until:
        end = step(start)
        out.append((max(start, since), min(end, until), label(start)))
        if len(out) > MAX_PERIODS:
            raise ParameterError("period", f"the window spans more than {MAX_PERIODS} {period}s")
        start = end
    return out


@dataclass(frozen=True)
class PeriodMetrics:
    """One period of a trend: its figures, its groups' and its links' metrics."""

    period: TrendPeriod
    groups: list[GroupMetrics]
    links: list[LinkMetrics]


def period_metrics(g: CollabGraph, partition: Partition, params: AnalysisParams, *, start: datetime,
                   end: datetime, label: str, handoffs: int = 0) -> PeriodMetrics:
    """The metrics of one trend period ``[start, end)`` from its graph (no permutation test per period).

    ``params`` are the period's (``since`` / ``until`` set to it);
    ``handoffs`` the period's ticket handoffs (the pair weights' event count).
    """
    period = TrendPeriod(label=label, start=start, end=end, ties=g.graph.ecount(),
                         total_weight=round(g.total_weight, 6), active_people=_active(g), handoffs=handoffs)
    return PeriodMetrics(period, group_metrics(g, partition), link_metrics(g, partition, params=params))


def trend_series(period: Literal["week", "month"], group_by: str, rows: list[PeriodMetrics],
                 names: Collection[str]) -> Trends:
    """The series of a trend from its periods' metrics (see the module docstring).

    Parameters
    ----------
    period : {"week", "month"}
    group_by : str
    rows : list of PeriodMetrics
        One per period, in order (:func:`period_metrics`).
    names : collection of str
        Every group of some period (of the people table when there is no
        period): one series each.

    Returns
    -------
    Trends
        Series aligned with ``periods``: one per group (sorted by name) and
        one per link (every pair of groups that ``link_metrics`` lists in
        some period, by name).
    """
    by_period = [_by_group(r.groups) for r in rows]
    link_rows = [{(lk.source, lk.target): lk for lk in r.links} for r in rows]
    groups = [
        GroupTrend(
            group=name,
            ei_index=[num(by[name].ei_index) if name in by else None for by in by_period],
            insularity=[num(by[name].insularity) if name in by else None for by in by_period],
            internal_weight=[by[name].internal_weight if name in by else 0.0 for by in by_period],
            external_weight=[by[name].external_weight if name in by else 0.0 for by in by_period],
            active=[by[name].active if name in by else 0 for by in by_period],
        )
        for name in sorted(names)
    ]
    keys = sorted({key for by in link_rows for key in by})
    links = [
        LinkTrend(
            source=a,
            target=b,
            weight=[by[(a, b)].weight if (a, b) in by else 0.0 for by in link_rows],
            ratio=[num(by[(a, b)].ratio) if (a, b) in by else None for by in link_rows],
            carriers=[len(by[(a, b)].carriers) if (a, b) in by else 0 for by in link_rows],
            handoffs=[by[(a, b)].handoffs if (a, b) in by else 0 for by in link_rows],
            weak=[by[(a, b)].weak if (a, b) in by else False for by in link_rows],
        )
        for a, b in keys
    ]
    return Trends(period=period, group_by=group_by, periods=[r.period for r in rows], groups=groups, links=links)


@dataclass(frozen=True)
class WindowSide:
    """One side of the before / after comparison: the window, its judged groups and links, E-I errors."""

    info: WindowInfo
    groups: list[GroupMetrics]
    links: list[LinkMetrics]
    ei_se: dict[str, float | None]


def window_side(g: CollabGraph, partition: Partition, groups: list[GroupMetrics], links: list[LinkMetrics],
                *, since: datetime, until: datetime) -> WindowSide:
    """A side of the comparison from its graph and its judged groups and links
    (:func:`ona.analysis.window.judged_groups`, :func:`ona.analysis.window.judged_links`)."""
    info = WindowInfo(since=since, until=until, days=round((until - since).total_seconds() / 86400, 6),
                      ties=g.graph.ecount(), total_weight=round(g.total_weight, 6), active_people=_active(g))
    return WindowSide(info, groups, links, ei_standard_errors(g, partition))


def compare_sides(before: WindowSide, after: WindowSide, params: AnalysisParams, *, split: datetime
                  ) -> WindowComparison:
    """Before / after ``split``: which groups turned inward, which links weakened (see the module docstring).

    ``params``: ``insular_ei_drop``, ``insular_delta_z``,
    ``weakened_ratio_drop``, ``fewer_carriers_drop`` and ``alpha`` judge the
    changes; ``group_by``, ``permutations`` and ``seed`` are reported.

    Returns
    -------
    WindowComparison
        Groups by ``delta_ei_index`` (most inward shift first; null last),
        links changed first (weakened or fewer carriers), then by
        ``delta_ratio``.
    """
    prior = {gm.group: gm for gm in before.groups}
    group_changes = [_group_change(prior[gm.group], gm, before.ei_se[gm.group], after.ei_se[gm.group], params)
                     for gm in after.groups if gm.group in prior]
    group_changes.sort(key=lambda c: (c.delta_ei_index is None, c.delta_ei_index or 0.0, c.group))
    lb = {(lk.source, lk.target): lk for lk in before.links}
    la = {(lk.source, lk.target): lk for lk in after.links}
    link_changes = [_link_change(a, b, lb.get((a, b)), la.get((a, b)), params)
                    for a, b in sorted(set(lb) | set(la))]
    link_changes.sort(key=lambda c: (not (c.weakened or c.fewer_carriers), c.delta_ratio is None,
                                     c.delta_ratio or 0.0, c.source, c.target))
    return WindowComparison(
        split=split, group_by=params.group_by, before=before.info, after=after.info,
        groups=group_changes, links=link_changes,
        groups_more_insular=sum(c.more_insular for c in group_changes),
        links_weakened=sum(c.weakened for c in link_changes),
        links_fewer_carriers=sum(c.fewer_carriers for c in link_changes),
        permutations=params.permutations, seed=params.seed,
    )


# --------------------------------------------------------------------------


def ei_standard_errors(g: CollabGraph, partition: Partition) -> dict[str, float | None]:
    """Standard error of every group's E-I index when its ties are resampled (delta method).

    ``se^2 = ((1 + ei)^2 sum_internal w^2 + (1 - ei)^2 sum_external w^2) / (I + E)^2``;
    None for a group without ties.

    >>> import igraph as ig
    >>> gr = ig.Graph(n=3, edges=[(0, 1), (1, 2)]); gr.es["weight"] = [1.0, 1.0]
    >>> part = Partition.from_labels(["A", "A", "B"])
    >>> ei_standard_errors(CollabGraph(gr, ("a1", "a2", "b1")), part)  # ei(A) = 0: sqrt(1 + 1) / 2
    {'A': 0.7071067811865476, 'B': 0.0}
    """
    e = group_edges(g, partition)
    k = partition.k
    w, gu, gv = e.w[e.tie], e.gu[e.tie], e.gv[e.tie]
    inside = gu == gv
    internal = np.bincount(gu[inside], weights=w[inside], minlength=k)
    internal_sq = np.bincount(gu[inside], weights=w[inside] ** 2, minlength=k)
    ow = w[~inside]
    external = np.bincount(gu[~inside], weights=ow, minlength=k) + np.bincount(gv[~inside], weights=ow, minlength=k)
    external_sq = (np.bincount(gu[~inside], weights=ow ** 2, minlength=k)
                   + np.bincount(gv[~inside], weights=ow ** 2, minlength=k))
    total = internal + external
    out: dict[str, float | None] = {}
    for d, name in enumerate(partition.names):
        if total[d] <= 0:
            out[name] = None
            continue
        ei = (external[d] - internal[d]) / total[d]
        var = ((1 + ei) ** 2 * internal_sq[d] + (1 - ei) ** 2 * external_sq[d]) / total[d] ** 2
        out[name] = float(np.sqrt(var))
    return out


def _group_change(b: GroupMetrics, a: GroupMetrics, se_b: float | None, se_a: float | None,
                  params: AnalysisParams) -> GroupChange:
    delta = _delta(a.ei_index, b.ei_index)
    se = np.hypot(se_b, se_a) if se_b is not None and se_a is not None else None
    delta_z = num(delta / se) if delta is not None and se else None
    significant = a.p_value is not None and a.z is not None and a.p_value < params.alpha and a.z > 0
    more = (delta is not None and delta <= -params.insular_ei_drop and delta_z is not None
            and delta_z <= -params.insular_delta_z and significant)
    reasons = []
    if more:
        reasons.append(
            f"more_insular: E-I index went from {b.ei_index:.2f} to {a.ei_index:.2f} ({delta:+.2f}, "
            f"z of the change {delta_z:.1f}); "
            f"after the split its internal weight is beyond chance (z = {a.z:.1f}, adjusted p = {a.p_value:.2g}"
            + (f"; before: z = {b.z:.1f}, adjusted p = {b.p_value:.2g})" if b.z is not None and b.p_value is not None
               else ")")
        )
    if a.silo and not b.silo:
        reasons.append("became_silo: flagged silo after the split, not before")
    return GroupChange(
        group=a.group,
        ei_index_before=num(b.ei_index), ei_index_after=num(a.ei_index), delta_ei_index=delta,
        delta_z=delta_z,
        insularity_before=num(b.insularity), insularity_after=num(a.insularity),
        delta_insularity=_delta(a.insularity, b.insularity),
        z_before=b.z, z_after=a.z, p_value_before=b.p_value, p_value_after=a.p_value,
        silo_before=b.silo, silo_after=a.silo, more_insular=more, became_silo=a.silo and not b.silo,
        reasons=reasons,
    )


def _link_change(source: str, target: str, b: LinkMetrics | None, a: LinkMetrics | None,
                 params: AnalysisParams) -> LinkChange:
    rb, ra = (num(x.ratio) if x is not None else None for x in (b, a))
    cb, ca = (len(x.carriers) if x is not None else 0 for x in (b, a))
    weak_b, weak_a = (x is not None and x.weak for x in (b, a))
    frag_b, frag_a = (x is not None and x.fragile for x in (b, a))
    reasons = []
    ratio_fell = False
    if rb is not None and ra is not None and rb > 0 and ra <= (1 - params.weakened_ratio_drop) * rb:
        ratio_fell = True
        reasons.append(f"weakened: ratio went from {rb:.2f} to {ra:.2f} ({(ra - rb) / rb:+.0%})")
    if weak_a and not weak_b:
        reasons.append("became_weak: " + "; ".join(a.weak_reasons if a is not None else []))
    thinner = cb > 0 and ca <= (1 - params.fewer_carriers_drop) * cb
    if thinner:
        reasons.append(f"fewer_carriers: {cb} people carried the link before, {ca} after")
    if frag_a and not frag_b:
        reasons.append("became_fragile: the link now rests on one or two people")
    return LinkChange(
        source=source, target=target,
        weight_before=b.weight if b is not None else 0.0, weight_after=a.weight if a is not None else 0.0,
        ratio_before=rb, ratio_after=ra, delta_ratio=_delta(ra, rb),
        carriers_before=cb, carriers_after=ca, weak_before=weak_b, weak_after=weak_a,
        fragile_before=frag_b, fragile_after=frag_a,
        weakened=ratio_fell or (weak_a and not weak_b),
        fewer_carriers=thinner or (frag_a and not frag_b),
        reasons=reasons,
    )


def _by_group(groups: list[GroupMetrics]) -> dict[str, GroupMetrics]:
    return {gm.group: gm for gm in groups}


def _active(g: CollabGraph) -> int:
    return int((np.asarray(g.graph.degree()) > 0).sum()) if g.n else 0


def _delta(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return num(after - before)
