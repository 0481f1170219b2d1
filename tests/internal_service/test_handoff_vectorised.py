"""The vectorised handoff metrics equal the row-by-row ones they replaced, to the last bit.

``reference_metrics`` and its helpers below are a frozen copy of
``ona/analysis/handoffs.py`` at commit c8e877c (Python over every visit,
handoff row and group pair), kept only as the oracle of these tests.
:func:`ona.analysis.handoffs.handoff_metrics` must give an equal result
(every field, every float bit, the same order) on hypothesis-generated
handoff tables, on hand-made edge cases and on the tables the store
extracts from the named test organizations and the sample data.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ona.analysis import handoffs as handoffs_module
from ona.analysis.handoffs import handoff_metrics
from ona.analysis.pipeline import window_group_labels
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.results import (
    GroupService,
    HandoffAnalytics,
    HandoffPair,
    HandoffSummary,
)
from ona.store import Store
from ona.store.handoffs import HandoffTables, handoff_tables
from tests.internal_service import test_group_handoffs as group_handoffs_case
from tests.internal_service import test_handoffs as handoffs_case
from tests.orgs import T0, dataset, dependency_pair, saved

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

# ---------------------------------------------------------------------------------------------
# The reference: ona/analysis/handoffs.py at c8e877c, unchanged but for the name of its entry point.


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


def reference_metrics(tables: HandoffTables, params: AnalysisParams) -> HandoffAnalytics:
    """The handoff analytics as ``ona.analysis.handoffs.handoff_metrics`` computed them at c8e877c.

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


# ---------------------------------------------------------------------------------------------
# Equality to the bit


def _same(a: Any, b: Any, path: str = "") -> None:
    """Assert ``a`` and ``b`` are equal: same types, same keys in the same order, floats bit for bit."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__} ({a!r}, {b!r})"
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def check(tables: HandoffTables, params: AnalysisParams | None = None) -> HandoffAnalytics:
    """The new result, after asserting it equals the reference's, also with the sorts' fallbacks."""
    params = params or AnalysisParams()
    old, new = reference_metrics(tables, params), handoff_metrics(tables, params)
    _same(old.model_dump(), new.model_dump())
    # the paths large inputs take: lexsort where an int64 key could overflow, np.unique for a big key space
    with mock.patch.multiple(handoffs_module, _KEY_LIMIT=0, _DENSE_SLACK=-(2**62)):
        _same(old.model_dump(), handoff_metrics(tables, params).model_dump())
    return new


def test_same_catches_a_difference() -> None:
    # the comparison itself can fail: sign of zero, int against float, order of keys
    for a, b in ((0.0, -0.0), (1, 1.0), ({"x": 1, "y": 2}, {"y": 2, "x": 1}), ([1.0], [1.0 + 2**-52])):
        with pytest.raises(AssertionError):
            _same(a, b)


# ---------------------------------------------------------------------------------------------
# Tables

VISITS = pa.schema([("ticket_id", pa.string()), ("visit_no", pa.decimal128(38, 0)), ("grp", pa.string()),
                    ("from_grp", pa.string()), ("in_window", pa.bool_()), ("hours", pa.float64()),
                    ("passed_on", pa.bool_()), ("closed_by_resolution", pa.bool_())])
TICKETS = pa.schema([("ticket_id", pa.string()), ("handoffs", pa.int64())])
ROWS = pa.schema([("from_group", pa.string()), ("to_group", pa.string()), ("from_person", pa.bool_()),
                  ("to_person", pa.bool_()), ("n", pa.int64())])


def make(visits: list[tuple], rows: list[tuple] = (), handoffs: dict[str, int | None] | None = None,
         *, visit_no_type: pa.DataType = pa.decimal128(38, 0)) -> HandoffTables:
    """Tables from visit tuples ``(ticket, visit_no, grp, from_grp, in_window, hours, passed_on, closed)``."""
    cols = list(zip(*visits, strict=True)) if visits else [[] for _ in VISITS.names]
    schema = VISITS.set(1, pa.field("visit_no", visit_no_type))
    data = {name: list(c) for name, c in zip(VISITS.names, cols, strict=True)}
    if visit_no_type == pa.decimal128(38, 0):
        data["visit_no"] = [Decimal(x) for x in data["visit_no"]]
    ids = sorted({v[0] for v in visits}) if handoffs is None else list(handoffs)
    handoffs = handoffs if handoffs is not None else dict.fromkeys(ids, 1)
    rows_cols = list(zip(*rows, strict=True)) if rows else [[] for _ in ROWS.names]
    return HandoffTables(
        visits=pa.table(data, schema=schema),
        tickets=pa.table({"ticket_id": ids, "handoffs": [handoffs[t] for t in ids]}, schema=TICKETS),
        handoff_rows=pa.table({name: list(c) for name, c in zip(ROWS.names, rows_cols, strict=True)}, schema=ROWS),
    )


# ---------------------------------------------------------------------------------------------
# Edge cases


def test_no_visits() -> None:
    got = check(make([]))
    assert (got.summary.tickets, got.pairs, got.groups, got.summary.median_hours) == (0, [], [], None)


def test_no_visits_but_handoff_rows() -> None:
    # person handoff rows with no visit at all: the groups still list them
    got = check(make([], [("A", "A", True, True, 3), (None, "B", False, True, 1), ("C", None, True, False, 2)]))
    assert [g.group for g in got.groups] == ["A", "B", "C"]


def test_one_visit() -> None:
    got = check(make([("t1", 1, "A", None, True, 2.0, False, True)]))
    assert (got.summary.tickets, got.summary.tickets_resolved, got.pairs) == (1, 1, [])
    assert [(g.group, g.opened) for g in got.groups] == [("A", 1)]


def test_all_external() -> None:
    got = check(make([("t1", 1, None, None, True, 1.0, True, False), ("t1", 2, None, None, True, None, False, False)],
                     [(None, None, False, False, 4)]))
    assert (got.summary.tickets_external, got.summary.external_handoffs, got.groups) == (1, 4, [])


def test_pair_with_only_open_stays() -> None:
    visits = [("t1", 1, "A", None, True, 1.0, True, False), ("t1", 2, "B", "A", True, None, False, False),
              ("t2", 1, "A", None, True, 3.0, True, False), ("t2", 2, "B", "A", True, math.nan, False, False)]
    got = check(make(visits))
    (pair,) = got.pairs
    assert (pair.handoffs, pair.closed, pair.open, pair.median_hours, pair.p90_hours) == (2, 0, 2, None, None)


def test_quantiles_interpolate_and_round_like_quantile() -> None:
    # B receives 5 stays: 0.1234564999, 1, 2, 3, 10 -> median 2.0; p90 at 3.6: 3 + 0.6 * 7 = 7.2
    hours = [10.0, 0.1234564999, 2.0, 1.0, 3.0]
    visits = [v for i, h in enumerate(hours) for v in (
        (f"t{i}", 1, "A", None, True, 1.0, True, False), (f"t{i}", 2, "B", "A", True, h, False, False))]
    got = check(make(visits))
    assert (got.pairs[0].median_hours, got.pairs[0].p90_hours) == (2.0, 7.2)
    # one stay, rounded half away from zero at 6 decimals, negative ones too
    # (-0.0: quantile returns the value itself when the position falls on it; check() compares the bits)
    for h, want in ((0.0000005, 0.000001), (-0.0000015, -0.000002), (2.5e-7, 0.0), (-0.0, -0.0)):
        got = check(make([("t", 1, "A", None, True, 1.0, True, False), ("t", 2, "B", "A", True, h, False, False)]))
        assert got.pairs[0].median_hours == want


def test_shuffled_visits_and_int_visit_no() -> None:
    visits = [("t1", 3, "A", "B", True, 1.0, True, False), ("t1", 1, "A", None, True, 2.0, True, False),
              ("t2", 1, "B", None, False, 1.0, True, False), ("t1", 2, "B", "A", True, 4.0, True, False),
              ("t1", 4, "C", "A", True, None, False, False), ("t2", 2, "A", "B", True, None, False, False)]
    for t in (pa.decimal128(38, 0), pa.int64(), pa.int32()):
        got = check(make(visits, visit_no_type=t))
        assert got.summary.tickets_ping_pong == 1 and got.summary.tickets_bounced == 1


def test_tickets_listed_twice_count_their_last_row() -> None:
    tables = make([("t1", 1, "A", None, True, 1.0, False, False)])
    tables = HandoffTables(visits=tables.visits, handoff_rows=tables.handoff_rows,
                           tickets=pa.table({"ticket_id": ["t1", "t1"], "handoffs": [0, 2]}, schema=TICKETS))
    assert check(tables).summary.tickets_single_assignee == 0


# ---------------------------------------------------------------------------------------------
# Generated tables

NAMES = ["A", "B", "C", "a", "Zed", "Émile", "", "d e", "β"]  # case, accents, empty, space, non-Latin
hours_values = st.one_of(
    st.none(), st.just(math.nan),
    st.floats(min_value=-1e3, max_value=1e7, allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),
    st.integers(0, 50).map(float), st.sampled_from([0.0, 0.5, 1 / 3, 2.5e-7, 5e-7, 1.0000005, 1e-300]),
)


@st.composite
def handoff_tables_strategy(draw: st.DrawFn) -> tuple[HandoffTables, AnalysisParams]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    group = st.one_of(st.none(), st.sampled_from(names))
    flag = st.one_of(st.booleans(), st.none())
    tickets = draw(st.lists(st.sampled_from([f"t{i}" for i in range(12)] + ["T", "ü1", ""]), max_size=8, unique=True))
    visits = []
    for t in tickets:
        k = draw(st.integers(1, 6))
        numbers = draw(st.one_of(st.permutations(range(1, k + 1)), st.lists(st.integers(1, 4), min_size=k,
                                                                            max_size=k)))
        for no in numbers:
            visits.append((t, no, draw(group), draw(group), draw(flag), draw(hours_values), draw(flag), draw(flag)))
    visits = draw(st.permutations(visits))
    rows = draw(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(NAMES)),
                                   st.one_of(st.none(), st.sampled_from(NAMES)), flag, flag,
                                   st.integers(0, 1000)), max_size=12))
    handoffs = {t: draw(st.one_of(st.none(), st.integers(0, 3))) for t in draw(st.permutations(tickets))}
    visit_no_type = draw(st.sampled_from([pa.decimal128(38, 0), pa.int64()]))
    tables = make(visits, rows, handoffs, visit_no_type=visit_no_type)
    if draw(st.booleans()):  # several chunks, as a streamed engine result may give
        tables = HandoffTables(visits=pa.concat_tables([tables.visits.slice(0, len(visits) // 2),
                                                        tables.visits.slice(len(visits) // 2)]),
                               tickets=tables.tickets, handoff_rows=tables.handoff_rows,
                               group_handoffs_unmatched=draw(st.integers(0, 3)), unknown_groups=["X"])
    return tables, AnalysisParams(no_owner_groups=draw(st.integers(3, 5)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(handoff_tables_strategy())
def test_generated_tables(case: tuple[HandoffTables, AnalysisParams]) -> None:
    check(*case)


def test_many_groups_and_pairs() -> None:
    # larger random tables than hypothesis draws: 40 groups, 3,000 tickets, segments of every size
    rng = np.random.default_rng(5)
    names = [f"G{i:02d}" for i in range(40)]
    visits = []
    for t in range(3000):
        k = int(rng.integers(1, 8))
        gs = [names[int(g)] if rng.random() > 0.05 else None for g in rng.integers(0, 12 if t % 2 else 40, size=k)]
        for i in range(k):
            h = None if rng.random() < 0.1 else float(rng.choice([rng.exponential(20), float(rng.integers(0, 9))]))
            visits.append((f"t{t}", i + 1, gs[i], gs[i - 1] if i else None, bool(rng.random() < 0.8), h,
                           i < k - 1, i == k - 1 and h is not None))
    rows = [(names[int(a)] if a < 40 else None, names[int(b)] if b < 40 else None, bool(fp), bool(tp), int(n))
            for a, b, fp, tp, n in zip(rng.integers(0, 42, 500), rng.integers(0, 42, 500), rng.random(500) < 0.9,
                                       rng.random(500) < 0.9, rng.integers(1, 30, 500), strict=True)]
    got = check(make(visits, rows), AnalysisParams(no_owner_groups=3))
    assert len(got.pairs) > 500


# ---------------------------------------------------------------------------------------------
# The store's tables of the named organizations and the sample data


def _store_tables(store: Store, dataset_id: str, params: AnalysisParams) -> HandoffTables:
    return handoff_tables(store, dataset_id, window_group_labels(store, dataset_id, params),
                          since=params.since, until=params.until)


# T0 (tests.orgs) is 2024-03-04 09:00 UTC; the window cuts through the tickets' histories
WINDOWS = [AnalysisParams(), AnalysisParams(since=T0 + timedelta(hours=3)),
           AnalysisParams(until=T0 + timedelta(hours=6), no_owner_groups=4)]


@pytest.mark.parametrize("params", WINDOWS, ids=["all", "since", "until"])
@pytest.mark.parametrize("org", ["dependency_pair", "handoffs", "group_handoffs"])
def test_named_organizations(org: str, params: AnalysisParams, tmp_path: Path) -> None:
    with Store() as store:
        if org == "dependency_pair":
            ds = saved(store, dependency_pair())
        elif org == "handoffs":
            ds = saved(store, dataset(handoffs_case.PEOPLE, tickets=handoffs_case.TICKETS))
        else:
            ds = store.save_dataset(read_dataset(group_handoffs_case.folder_of(tmp_path))).dataset_id
        tables = _store_tables(store, ds, params)
        got = check(tables, params)
        assert got.summary.tickets == tables.tickets.num_rows > 0


@pytest.mark.parametrize("params", [
    AnalysisParams(), AnalysisParams(no_owner_groups=4),
    AnalysisParams(since=datetime(2024, 2, 1, tzinfo=UTC), until=datetime(2024, 3, 1, tzinfo=UTC)),
], ids=["all", "no_owner_4", "february"])
def test_sample_data(params: AnalysisParams) -> None:
    with Store() as store:
        ds = store.save_dataset(read_dataset(SAMPLE)).dataset_id
        got = check(_store_tables(store, ds, params), params)
        assert got.summary.cross_group_handoffs > 0 and len(got.pairs) > 1
