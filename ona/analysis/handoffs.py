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

Computation: the tables are read as arrays (pyarrow compute for the group
and ticket codes, ``to_numpy`` for the rest) and every figure is computed
for all pairs and groups at once (sorts, ``bincount``, quantiles per
segment of a sort); Python only loops over the result rows.

The dependency-without-relationship rule that puts handoffs beside the
collaboration graph lives in :mod:`ona.analysis.links` (one place decides it).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter

from ona.params import AnalysisParams
from ona.results import (
    GroupService,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
)
from ona.store.handoffs import HandoffTables

__all__ = ["handoff_metrics", "quantile"]

DEPENDENCY = "dependency_without_relationship"

_QUANTILES = (0.5, 0.9)  # median and 90th percentile of the stays

# result field <- figure of :func:`_segments` (or of the pairs / groups themselves)
_PAIR_FIELDS = {"handoffs": "n", "tickets": "tickets", "median_hours": "median", "p90_hours": "p90",
                "closed": "closed", "open": "open", "bounces": "bounces", "bounce_rate": "bounce_rate",
                "ping_pongs": "ping_pongs", "ping_pong_rate": "ping_pong_rate",
                "no_owner_tickets": "no_owner_tickets", "group_handoffs": "group_handoffs"}
_GROUP_FIELDS = {"received": "n", "tickets_received": "tickets", "median_hours": "median", "p90_hours": "p90",
                 "passed_on": "passed_on", "resolved": "resolved", "open": "open", "bounces_received": "bounces",
                 "handed_out": "handed_out", "tickets_handed_out": "tickets_handed_out",
                 "within_group_handoffs": "within_group_handoffs", "opened": "opened",
                 "external_received": "external_received", "external_handed_out": "external_handed_out"}
# int64 sort keys combine two codes while they stay below this (else a lexsort of the two)
_KEY_LIMIT = 2**62
# pair keys are counted (bincount over every possible key) while the key space is under 4 per row + this
_DENSE_SLACK = 1024

_PAIRS = TypeAdapter(list[HandoffPair])
_GROUPS = TypeAdapter(list[GroupService])


def quantile(values: np.ndarray, q: float) -> float | None:
    """The ``q`` quantile of ``values`` with linear interpolation, rounded to 6 decimals (None if empty).

    ``lo + (hi - lo) * d`` between the two values around position ``q (n - 1)``
    of the sorted values (numpy's default method; DuckDB's ``quantile_cont``),
    rounded half away from zero. :func:`handoff_metrics` computes the same
    figure for many segments at once (:func:`_segment_quantiles`).

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


def _by_segment(seg: np.ndarray, rank: np.ndarray, nseg: int, nrank: int) -> np.ndarray:
    """The row order by (segment, rank): one sort of ``seg * nrank + rank`` (``lexsort`` if that could overflow).

    Rows with the same segment and rank may come in any order (the callers'
    ranks are unique, or the order does not matter).
    """
    if nseg * nrank < _KEY_LIMIT:
        return np.argsort(seg * nrank + rank)
    return np.lexsort((rank, seg))


def _segment_quantiles(seg: np.ndarray, values: np.ndarray, nseg: int,
                       qs: tuple[float, ...]) -> list[np.ndarray]:
    """:func:`quantile` of the ``values`` of each segment ``0 .. nseg - 1``, per ``q`` (NaN: an empty segment).

    ``values`` hold no NaN. The values are sorted within segments (ranked
    once, ties in row order) and the same float operations as
    :func:`quantile` run element-wise, so every result has the same bits.
    """
    out = [np.full(nseg, np.nan) for _ in qs]
    if values.size == 0:
        return out
    by_value = np.argsort(values, kind="stable")
    rank = np.empty(values.size, dtype=np.int64)
    rank[by_value] = np.arange(values.size)
    v = values[_by_segment(seg, rank, nseg, values.size)]
    n = np.bincount(seg, minlength=nseg)
    ok = n > 0
    start = (np.cumsum(n) - n)[ok]
    for q, o in zip(qs, out, strict=True):  # two quantiles, each over every segment
        pos = q * (n[ok] - 1).astype(np.float64)
        lo, hi = np.floor(pos), np.ceil(pos)
        v_lo, v_hi = v[start + lo.astype(np.int64)], v[start + hi.astype(np.int64)]
        with np.errstate(invalid="ignore", over="ignore"):
            x = np.where(lo == hi, v_lo, v_lo + (pos - lo) * (v_hi - v_lo))
            scaled = x * 1e6
            o[ok] = np.copysign(np.floor(np.abs(scaled) + 0.5), scaled) / 1e6
    return out


def _distinct(seg: np.ndarray, ticket: np.ndarray, nseg: int, nt: int) -> np.ndarray:
    """The number of distinct ``ticket`` values (codes ``0 .. nt - 1``) of each segment ``0 .. nseg - 1``.

    The distinct ``ticket * nseg + seg``, sorted stably: the callers' rows
    come in ticket order, so the sort has little to do.
    """
    if seg.size == 0:
        return np.zeros(nseg, dtype=np.int64)
    if nt * nseg >= _KEY_LIMIT:
        order = np.lexsort((seg, ticket))
        s, t = seg[order], ticket[order]
        new = np.ones(s.size, dtype=bool)
        new[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
        return np.bincount(s[new], minlength=nseg)
    key = np.sort(ticket * nseg + seg, kind="stable")
    new = np.ones(key.size, dtype=bool)
    new[1:] = key[1:] != key[:-1]
    return np.bincount(key[new] % nseg, minlength=nseg)


def _dense(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` of keys in ``0 .. space - 1`` (counting if the space is small)."""
    if space > 4 * keys.size + _DENSE_SLACK:
        distinct, seg = np.unique(keys, return_inverse=True)
        return distinct, seg.reshape(-1)
    present = np.bincount(keys, minlength=space) > 0
    distinct = np.flatnonzero(present)
    index = np.cumsum(present) - 1
    return distinct, index[keys]


def _count(seg: np.ndarray, mask: np.ndarray, nseg: int) -> np.ndarray:
    """The number of rows of each segment where ``mask`` holds."""
    return np.bincount(seg[mask], minlength=nseg)


def _sum(codes: np.ndarray, values: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """``values`` summed per code ``0 .. size - 1`` over the rows where ``mask`` holds (int64)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, codes[mask], values[mask])
    return out


def _group_names(tables: HandoffTables) -> pa.Array:
    """Every group name of the visits and the handoff rows, sorted as Python sorts strings."""
    columns = [tables.visits.column("grp"), tables.visits.column("from_grp"),
               tables.handoff_rows.column("from_group"), tables.handoff_rows.column("to_group")]
    chunks = [c for col in columns for c in pc.cast(col, pa.string()).chunks]
    distinct = pc.unique(pa.chunked_array(chunks, type=pa.string())).drop_null()
    return pa.array(sorted(distinct.to_pylist()), pa.string())  # the distinct names only


def _codes(column: pa.ChunkedArray, names: pa.Array) -> np.ndarray:
    """The index of each value in ``names`` (-1: null)."""
    index = pc.index_in(pc.cast(column, pa.string()), value_set=names)
    return np.asarray(index.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _flags(column: pa.ChunkedArray) -> np.ndarray:
    """A boolean column as an array (null: False)."""
    return np.asarray(pc.fill_null(pc.cast(column, pa.bool_()), False).to_numpy(zero_copy_only=False), dtype=bool)


def _by_visit(ticket: np.ndarray, visit_no: np.ndarray) -> np.ndarray:
    """The row order by (ticket, visit_no), equal ones in row order."""
    if ticket.size == 0:
        return np.zeros(0, dtype=np.int64)
    low, span = visit_no.min(), int(visit_no.max()) - int(visit_no.min()) + 1
    if (int(ticket.max()) + 1) * span < _KEY_LIMIT:
        return np.argsort(ticket * span + (visit_no - low), kind="stable")
    return np.lexsort((visit_no, ticket))


def _visit_flags(visits: pa.Table, names: pa.Array) -> dict[str, np.ndarray]:
    """The visits in ticket order as arrays (group codes in ``names``, -1: external), with bounce, ping-pong flags."""
    ids = visits.column("ticket_id")
    ticket_ids = pc.unique(ids)
    ticket = np.asarray(pc.index_in(ids, value_set=ticket_ids).to_numpy(zero_copy_only=False), dtype=np.int64)
    # the store's visit_no is decimal128(38, 0) (a windowed sum in SQL): cast in Arrow, not per value
    visit_no = np.asarray(pc.cast(visits.column("visit_no"), pa.int64()).to_numpy(zero_copy_only=False),
                          dtype=np.int64)
    # the tickets' visits in order, whatever the engine returned (ties: row order, a stable sort; the
    # ticket codes follow first appearance, so the store's order is already sorted)
    order = _by_visit(ticket, visit_no)
    grp = _codes(visits.column("grp"), names)[order]
    src = _codes(visits.column("from_grp"), names)[order]
    ticket = ticket[order]
    k = len(names) + 1
    internal = grp >= 0
    # bounce: an internal visit whose (ticket, group) appeared in an earlier visit
    ticket_group, first = np.unique(ticket * k + grp + 1, return_index=True)  # first: a stable sort's
    bounce = internal.copy()
    bounce[first] = False
    # the distinct internal groups of each ticket's visits
    groups_per_ticket = np.bincount(ticket_group[ticket_group % k > 0] // k, minlength=len(ticket_ids))
    # ping-pong: the visit two before, in the same ticket, was of the same group (A -> B -> A)
    back2 = np.full(grp.size, -2, dtype=np.int64)
    same = np.zeros(grp.size, dtype=bool)
    same[2:] = ticket[2:] == ticket[:-2]
    back2[2:] = np.where(same[2:], grp[:-2], -2)
    ping_pong = internal & (src >= 0) & (back2 == grp)
    hours = np.asarray(pc.cast(visits.column("hours"), pa.float64()).to_numpy(zero_copy_only=False),
                       dtype=np.float64)[order]  # null: NaN (open)
    return {"grp": grp, "src": src, "ticket": ticket, "ticket_ids": ticket_ids,
            "groups_per_ticket": groups_per_ticket, "bounce": bounce, "ping_pong": ping_pong, "hours": hours,
            "in_window": _flags(visits.column("in_window"))[order],
            "passed_on": _flags(visits.column("passed_on"))[order],
            "closed": _flags(visits.column("closed_by_resolution"))[order],
            "first": visit_no[order] == 1}


def _segments(v: dict[str, np.ndarray], rows: np.ndarray, seg: np.ndarray, nseg: int,
              no_owner: np.ndarray) -> dict[str, np.ndarray]:
    """The figures of the visits ``rows`` per segment ``seg`` (one per row, ``0 .. nseg - 1``)."""
    h, ticket = v["hours"][rows], v["ticket"][rows]
    closed = ~np.isnan(h)
    median, p90 = _segment_quantiles(seg[closed], h[closed], nseg, _QUANTILES)
    nt = len(no_owner)
    return {
        "n": np.bincount(seg, minlength=nseg), "tickets": _distinct(seg, ticket, nseg, nt),
        "median": median, "p90": p90,
        "closed": _count(seg, closed, nseg), "open": _count(seg, ~closed, nseg),
        "bounces": _count(seg, v["bounce"][rows], nseg), "ping_pongs": _count(seg, v["ping_pong"][rows], nseg),
        "passed_on": _count(seg, v["passed_on"][rows], nseg), "resolved": _count(seg, v["closed"][rows], nseg),
        "no_owner_tickets": _distinct(seg[no_owner[ticket]], ticket[no_owner[ticket]], nseg, nt),
    }


def _handoff_rows(rows: pa.Table, names: pa.Array) -> dict[str, np.ndarray]:
    """The person handoff rows as arrays: group codes (-1: null), person flags (null: False), counts."""
    return {"fg": _codes(rows.column("from_group"), names), "tg": _codes(rows.column("to_group"), names),
            "fp": _flags(rows.column("from_person")), "tp": _flags(rows.column("to_person")),
            "n": np.asarray(rows.column("n").to_numpy(zero_copy_only=False), dtype=np.int64)}


def _single_assignee(tickets: pa.Table) -> int:
    """Tickets with no person handoff (a ticket listed twice: its last row)."""
    last = tickets.group_by("ticket_id", use_threads=False).aggregate(
        [("handoffs", "last", pc.ScalarAggregateOptions(skip_nulls=False))])
    return int(pc.sum(pc.equal(last.column("handoffs_last"), 0)).as_py() or 0)


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
    names = _group_names(tables)
    size = max(len(names), 1)
    v = _visit_flags(tables.visits, names)
    grp, src, ticket, hours = v["grp"], v["src"], v["ticket"], v["hours"]
    nt = len(v["ticket_ids"])
    internal = grp >= 0
    cross = internal & (src >= 0)
    no_owner = v["groups_per_ticket"] >= params.no_owner_groups  # over the ticket's whole path
    any_of = lambda mask: np.bincount(ticket[mask], minlength=nt) > 0  # noqa: E731
    counted = cross & v["in_window"]
    rows_counted = np.flatnonzero(counted)
    r = _handoff_rows(tables.handoff_rows, names)
    fg, tg, fp, tp, n = r["fg"], r["tg"], r["fp"], r["tp"], r["n"]
    person = fp & tp
    within_rows = person & (fg >= 0) & (fg == tg)

    # per ordered pair (from, to) of the counted visits: key from * size + to
    keys, seg = _dense(src[rows_counted] * size + grp[rows_counted], size * size)
    pair = _segments(v, rows_counted, seg, keys.size, no_owner)
    # person-to-person handoffs between two groups, per ordered pair (same keys)
    between = person & (fg >= 0) & (tg >= 0) & (fg != tg)
    pp_keys, pp_seg = np.unique(fg[between] * size + tg[between], return_inverse=True)
    pp_n = _sum(pp_seg.reshape(-1), n[between], np.ones(pp_seg.size, dtype=bool), pp_keys.size)
    person_pairs = _lookup(pp_keys, pp_n, keys)
    group_handoffs = np.maximum(pair["n"] - person_pairs, 0)
    a, b = keys // size, keys % size
    order = np.lexsort((b, a, -pair["n"]))  # most handoffs first, then names (the codes follow the names)
    # rates as Python's int / int gives them: both exact in float64, one correctly rounded division
    pair.update(group_handoffs=group_handoffs, bounce_rate=pair["bounces"] / pair["n"],
                ping_pong_rate=pair["ping_pongs"] / pair["n"])
    pairs = _PAIRS.validate_python(_records(names, {"from_group": a[order], "to_group": b[order]},
                                            {f: pair[x][order] for f, x in _PAIR_FIELDS.items()}))

    groups = _group_service(v, rows_counted, r, names, no_owner)
    within = int(n[within_rows].sum())
    external = int(n[~person].sum())
    tickets = tables.tickets.column("ticket_id")
    listed = pc.unique(pc.cast(tickets, v["ticket_ids"].type))
    # every ticket of the window has visits: the visits' tickets are the window's
    assert nt == len(listed) and np.all(pc.is_in(v["ticket_ids"], value_set=listed).to_numpy(zero_copy_only=False))
    crossed = int(any_of(cross).sum())
    bounced = int(any_of(v["bounce"]).sum())
    summary = HandoffSummary(
        tickets=nt,
        tickets_single_assignee=_single_assignee(tables.tickets),
        tickets_cross_group=crossed,
        tickets_bounced=bounced,
        tickets_ping_pong=int(any_of(v["ping_pong"]).sum()),
        tickets_no_owner=int(no_owner.sum()),
        tickets_resolved=int(any_of(v["closed"]).sum()),
        tickets_external=int(any_of(~internal).sum()),
        handoffs=within + int(counted.sum()) + external,
        within_group_handoffs=within,
        cross_group_handoffs=int(counted.sum()),
        external_handoffs=external,
        median_hours=quantile(hours[counted & ~np.isnan(hours)], 0.5),
        group_handoffs_unmatched=tables.group_handoffs_unmatched,
        unknown_groups=tables.unknown_groups,
        group_handoffs=int(group_handoffs.sum()),
        bounce_rate=bounced / crossed if crossed else None,
        no_owner_rate=int(no_owner.sum()) / crossed if crossed else None,
    )
    return HandoffAnalytics(
        group_by=params.group_by, since=params.since, until=params.until,
        summary=summary, pairs=pairs, groups=groups,
    )


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` of the sorted distinct ``keys`` at the ``wanted`` keys (0 where absent)."""
    if keys.size == 0:
        return np.zeros(wanted.size, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    return np.where(keys[at] == wanted, values[at], 0)


def _records(names: pa.Array, groups: dict[str, np.ndarray], figures: dict[str, np.ndarray]) -> list[dict]:
    """One dict per result row: the group ``names`` of the codes ``groups``, and the ``figures``.

    NaN quantiles (no closed stay) become None; numbers become Python ints
    and floats (``tolist``).
    """
    text = names.to_pylist()  # the distinct names
    columns = {f: [text[c] for c in codes.tolist()] for f, codes in groups.items()}
    for field, values in figures.items():
        out = values.tolist()
        if values.dtype.kind == "f":
            out = [None if x != x else x for x in out]  # NaN
        columns[field] = out
    keys = list(columns)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _group_service(v: dict[str, np.ndarray], rows_counted: np.ndarray, r: dict[str, np.ndarray],
                   names: pa.Array, no_owner: np.ndarray) -> list[GroupService]:
    """Per group: the cross-group visits it received and handed out, first visits, person handoffs."""
    size = len(names)
    got = _segments(v, rows_counted, v["grp"][rows_counted], size, no_owner)
    gave = v["src"][rows_counted]
    handed = np.bincount(gave, minlength=size)
    tickets_handed = _distinct(gave, v["ticket"][rows_counted], size, len(no_owner))
    opened = v["in_window"] & v["first"] & (v["grp"] >= 0)
    first = np.bincount(v["grp"][opened], minlength=size)
    fg, tg, fp, tp, n = r["fg"], r["tg"], r["fp"], r["tp"], r["n"]
    within = _sum(tg, n, fp & tp & (fg >= 0) & (fg == tg), size)
    ext_in = _sum(tg, n, tp & ~fp & (tg >= 0), size)
    ext_out = _sum(fg, n, ~tp & (fg >= 0), size)
    in_rows = np.zeros(size, dtype=bool)
    in_rows[tg[tg >= 0]] = True
    in_rows[fg[~tp & (fg >= 0)]] = True
    active = np.flatnonzero((got["n"] > 0) | (handed > 0) | (first > 0) | in_rows)  # by name, as the codes
    got.update(handed_out=handed, tickets_handed_out=tickets_handed, within_group_handoffs=within, opened=first,
               external_received=ext_in, external_handed_out=ext_out)
    figures = {f: got[x][active] for f, x in _GROUP_FIELDS.items()}
    return _GROUPS.validate_python(_records(names, {"group": active}, figures))
