"""Internal service from ticket handoffs: bounces, ping-pongs, "no owner" tickets, per group pair and per group.

Input: the handoff tables of a stored dataset (:class:`ona.store.handoffs.HandoffTables`:
every ticket's visits, its person handoffs counted by their two ends, the
tickets of the window; the store's SQL, in DuckDB or on Spark, defines
rows, handoffs, visits, stays and the window) and
:class:`~ona.params.AnalysisParams` (``group_by``, ``since``, ``until``,
``no_owner_groups``). Output: :class:`HandoffAnalytics` (:func:`handoff_metrics`;
:func:`ona.analysis.pipeline.handoff_analytics` fetches the tables of a
stored dataset and calls it).

Definitions (over the visits of a ticket, in order):

- **cross-group handoff**: a visit of an internal group after a visit of
  another (``from_grp``); counted for the ordered pair (from_group ->
  to_group) when the visit starts in the window.
- **bounce**: a visit of an internal group that held the ticket in an
  earlier visit. **Ping-pong**: an internal visit whose two previous
  visits were an internal group B and then the same group again (A -> B ->
  A, consecutive). **No owner**: a ticket whose visits cover
  ``no_owner_groups`` (a parameter, default 3) or more distinct internal
  groups.
- per pair: ``handoffs``, ``tickets``, the median and 90th percentile of
  the receiving stays (hours; linear interpolation, numpy's default,
  rounded to 6 decimals), ``closed`` / ``open`` stays, ``bounces``,
  ``ping_pongs``, ``no_owner_tickets``; ``group_handoffs`` are its handoffs
  less its person-to-person handoffs (at least 0): those only a group
  change records (the links add them to their ``handoffs``);
  ``bounce_rate = bounces / handoffs``, ``ping_pong_rate = ping_pongs /
  handoffs``.
- per group: cross-group visits received (stays, passed on, resolved,
  open, bounces received), handed out, tickets opened (first visits),
  within-group and external person handoffs.
- summary: tickets of the window (single assignee: no person handoff;
  crossed groups, bounced, ping-pong, no owner, resolved, external, each
  over the ticket's whole path); ``handoffs = within_group_handoffs +
  cross_group_handoffs + external_handoffs``; ``bounce_rate =
  tickets_bounced / tickets_cross_group``, ``no_owner_rate =
  tickets_no_owner / tickets_cross_group`` (null when no ticket crossed
  groups).

The dependency-without-relationship rule that puts handoffs beside the
collaboration graph lives in :mod:`ona.analysis.links` (one place decides it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ona.results import (
    GroupService,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
)
from ona.params import AnalysisParams
from ona.store.handoffs import HandoffTables

__all__ = ["handoff_metrics", "quantile"]

DEPENDENCY = "dependency_without_relationship"


def quantile(values: np.ndarray, q: float) -> float | None:
    """The ``q`` quantile of ``values`` with linear interpolation, rounded to 6 decimals (None if empty).

    ``lo + (hi - lo) * d`` between the two values around position ``q (n - 1)``
    of the sorted values (numpy's default method; DuckDB's ``quantile_cont``),
    rounded half away from zero.

    >>> quantile(np.array([4.0, 1.0, 2.0, 3.0]), 0.5), quantile(np.array([1.0, 2.0]), 0.9), quantile(np.array([]), 0.5)
    (2.5, 1.9, None)
    """
    if values.size == 0:
        return None
    v = np.sort(values)
    pos = q * (v.size - 1)
    lo = int(np.floor(pos))
    hi = int(np.ceil(pos))
    x = float(v[lo]) if lo == hi else float(v[lo] + (pos - lo) * (v[hi] - v[lo]))
    scaled = x * 1e6
    return float(np.copysign(np.floor(abs(scaled) + 0.5), scaled) / 1e6)


def _visit_flags(visits: pa.Table) -> dict[str, np.ndarray]:
    """The visits as arrays (group codes, -1: external) with their bounce and ping-pong flags."""
    names = sorted({g for col in ("grp", "from_grp") for g in visits.column(col).to_pylist() if g is not None})
    code = {g: i for i, g in enumerate(names)}
    grp = np.array([code.get(g, -1) if g is not None else -1 for g in visits.column("grp").to_pylist()], dtype=np.int64)
    src = np.array([code[g] if g is not None else -1 for g in visits.column("from_grp").to_pylist()], dtype=np.int64)
    ticket_ids = visits.column("ticket_id").to_pylist()
    visit_no = np.asarray(visits.column("visit_no").to_numpy(zero_copy_only=False), dtype=np.int64)
    uniq, ticket = np.unique(np.array(ticket_ids, dtype=object), return_inverse=True) if ticket_ids else (
        np.array([], dtype=object), np.zeros(0, dtype=np.int64))
    order = np.lexsort((visit_no, ticket))  # the tickets' visits in order, whatever the engine returned
    grp, src, ticket = grp[order], src[order], ticket[order]
    k = len(names) + 1
    internal = grp >= 0
    # bounce: an internal visit whose (ticket, group) appeared in an earlier visit
    key = ticket * k + grp
    _, first = np.unique(key, return_index=True)
    bounce = internal.copy()
    bounce[first] = False
    # ping-pong: the visit two before, in the same ticket, was of the same group (A -> B -> A)
    back2 = np.full(grp.size, -2, dtype=np.int64)
    same = np.zeros(grp.size, dtype=bool)
    same[2:] = ticket[2:] == ticket[:-2]
    back2[2:] = np.where(same[2:], grp[:-2], -2)
    ping_pong = internal & (src >= 0) & (back2 == grp)
    col = lambda c: visits.column(c).take(pa.array(order)).to_pylist()  # noqa: E731
    hours = np.array([np.nan if h is None else h for h in col("hours")], dtype=np.float64)
    return {"names": np.array(names, dtype=object), "grp": grp, "src": src, "ticket": ticket,
            "ticket_ids": uniq, "bounce": bounce, "ping_pong": ping_pong, "hours": hours,
            "in_window": np.array(col("in_window"), dtype=bool), "passed_on": np.array(col("passed_on"), dtype=bool),
            "closed": np.array(col("closed_by_resolution"), dtype=bool),
            "first": np.array(col("visit_no"), dtype=np.int64) == 1}


def handoff_metrics(tables: HandoffTables, params: AnalysisParams) -> HandoffAnalytics:
    """Ticket handoff analytics from the store's handoff tables (module docstring).

    Parameters
    ----------
    tables : HandoffTables
        Visits, tickets and handoff rows (:func:`ona.store.handoffs.handoff_tables`).
    params : AnalysisParams
        ``group_by``, ``since`` and ``until`` are recorded; ``no_owner_groups`` is used.

    Returns
    -------
    HandoffAnalytics
        Summary, ordered group pairs (most handoffs first, then names) and
        per-group service (by name). Durations in hours.
    """
    v = _visit_flags(tables.visits)
    names, grp, src, ticket, hours = v["names"], v["grp"], v["src"], v["ticket"], v["hours"]
    nt = len(v["ticket_ids"])
    internal = grp >= 0
    cross = internal & (src >= 0)
    # per ticket, over its whole path
    groups_per_ticket = np.zeros(nt, dtype=np.int64)
    if internal.any():
        tg = np.unique(np.stack([ticket[internal], grp[internal]]), axis=1)
        groups_per_ticket = np.bincount(tg[0], minlength=nt)
    no_owner = groups_per_ticket >= params.no_owner_groups
    any_of = lambda mask: np.bincount(ticket[mask], minlength=nt) > 0  # noqa: E731
    counted = cross & v["in_window"]

    pairs: list[HandoffPair] = []
    person_pairs = _person_pairs(tables.handoff_rows)
    size = max(len(names), 1)
    rows_counted = np.flatnonzero(counted)
    for key, m in zip(*_split(src[rows_counted] * size + grp[rows_counted], rows_counted), strict=True):
        a, b = divmod(int(key), size)
        h = hours[m]
        n = int(m.size)
        row: dict[str, Any] = {
            "from_group": names[a], "to_group": names[b], "handoffs": n, "tickets": np.unique(ticket[m]).size,
            "median_hours": quantile(h[~np.isnan(h)], 0.5), "p90_hours": quantile(h[~np.isnan(h)], 0.9),
            "closed": int((~np.isnan(h)).sum()), "open": int(np.isnan(h).sum()),
            "bounces": int(v["bounce"][m].sum()), "ping_pongs": int(v["ping_pong"][m].sum()),
            "no_owner_tickets": np.unique(ticket[m][no_owner[ticket[m]]]).size,
        }
        row["group_handoffs"] = max(n - person_pairs.get((row["from_group"], row["to_group"]), 0), 0)
        pairs.append(HandoffPair(**row, bounce_rate=row["bounces"] / n, ping_pong_rate=row["ping_pongs"] / n))
    pairs.sort(key=lambda p: (-p.handoffs, p.from_group, p.to_group))

    groups = _group_service(v, counted, tables.handoff_rows)
    rows = tables.handoff_rows.to_pylist()
    within = sum(r["n"] for r in rows if _within(r))
    external = sum(r["n"] for r in rows if not (r["from_person"] and r["to_person"]))
    person_handoffs = dict(zip(tables.tickets.column("ticket_id").to_pylist(),
                               tables.tickets.column("handoffs").to_pylist(), strict=True))
    # every ticket of the window has visits: the visits' tickets are the window's
    assert nt == len(person_handoffs) and set(v["ticket_ids"].tolist()) == set(person_handoffs)
    crossed = int(any_of(cross).sum())
    s: dict[str, Any] = {
        "tickets": nt,
        "tickets_single_assignee": sum(1 for n in person_handoffs.values() if n == 0),
        "tickets_cross_group": crossed,
        "tickets_bounced": int(any_of(v["bounce"]).sum()),
        "tickets_ping_pong": int(any_of(v["ping_pong"]).sum()),
        "tickets_no_owner": int(no_owner.sum()),
        "tickets_resolved": int(any_of(v["closed"]).sum()),
        "tickets_external": int(any_of(~internal).sum()),
        "handoffs": within + int(counted.sum()) + external,
        "within_group_handoffs": within,
        "cross_group_handoffs": int(counted.sum()),
        "external_handoffs": external,
        "median_hours": quantile(hours[counted & ~np.isnan(hours)], 0.5),
        "group_handoffs_unmatched": tables.group_handoffs_unmatched,
        "unknown_groups": tables.unknown_groups,
    }
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


def _split(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct ``keys`` (sorted) and, for each, the ``rows`` that have it (in their order)."""
    order = np.argsort(keys, kind="stable")
    distinct, starts = np.unique(keys[order], return_index=True)
    return distinct, np.split(rows[order], starts[1:]) if distinct.size else []


def _within(r: dict[str, Any]) -> bool:
    """A person handoff inside one group (both ends internal, the same group)."""
    return bool(r["from_person"] and r["to_person"] and r["from_group"] is not None
                and r["from_group"] == r["to_group"])


def _person_pairs(handoff_rows: pa.Table) -> dict[tuple[str, str], int]:
    """Person-to-person handoffs between two different groups, per ordered pair."""
    out: dict[tuple[str, str], int] = {}
    for r in handoff_rows.to_pylist():
        if (r["from_person"] and r["to_person"] and r["from_group"] is not None and r["to_group"] is not None
                and r["from_group"] != r["to_group"]):
            key = (r["from_group"], r["to_group"])
            out[key] = out.get(key, 0) + r["n"]
    return out


def _group_service(v: dict[str, np.ndarray], counted: np.ndarray, handoff_rows: pa.Table) -> list[GroupService]:
    """Per group: the cross-group visits it received and handed out, first visits, person handoffs."""
    names, grp, src, ticket, hours = v["names"], v["grp"], v["src"], v["ticket"], v["hours"]
    rows: dict[str, dict[str, int]] = {}
    for r in handoff_rows.to_pylist():
        if r["to_group"] is not None:
            x = rows.setdefault(r["to_group"], {"within": 0, "ext_in": 0, "ext_out": 0})
            x["within"] += r["n"] if _within(r) else 0
            x["ext_in"] += r["n"] if r["to_person"] and not r["from_person"] else 0
        if not r["to_person"] and r["from_group"] is not None:
            rows.setdefault(r["from_group"], {"within": 0, "ext_in": 0, "ext_out": 0})["ext_out"] += r["n"]
    opened = v["in_window"] & v["first"] & (grp >= 0)
    counted_rows = np.flatnonzero(counted)
    none = np.zeros(0, dtype=np.int64)
    received = {names[int(g)]: m for g, m in zip(*_split(grp[counted_rows], counted_rows), strict=True)}
    handed = {names[int(g)]: m for g, m in zip(*_split(src[counted_rows], counted_rows), strict=True)}
    first = {names[int(g)]: int(n) for g, n in zip(*np.unique(grp[opened], return_counts=True), strict=True)}
    out = []
    for name in sorted(set(received) | set(handed) | set(first) | set(rows)):
        got, gave = received.get(name, none), handed.get(name, none)
        h = hours[got]
        x = rows.get(name, {"within": 0, "ext_in": 0, "ext_out": 0})
        out.append(GroupService(
            group=name, received=int(got.size), tickets_received=np.unique(ticket[got]).size,
            median_hours=quantile(h[~np.isnan(h)], 0.5), p90_hours=quantile(h[~np.isnan(h)], 0.9),
            passed_on=int(v["passed_on"][got].sum()), resolved=int(v["closed"][got].sum()),
            open=int(np.isnan(h).sum()), bounces_received=int(v["bounce"][got].sum()),
            handed_out=int(gave.size), tickets_handed_out=np.unique(ticket[gave]).size,
            within_group_handoffs=x["within"], opened=first.get(name, 0),
            external_received=x["ext_in"], external_handed_out=x["ext_out"],
        ))
    return out
