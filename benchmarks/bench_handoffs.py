"""Benchmark: ``handoff_metrics`` on synthetic handoff tables with many groups.

Builds :class:`ona.store.handoffs.HandoffTables` directly with numpy and
pyarrow (no store, no SQL: the store's extraction is bench_service.py's):
``groups`` groups (200: up to 39,800 ordered pairs), ``tickets`` tickets of
1-7 visits each (about 4: 400,000 tickets give about 1.6 million visits),
5% of the visits external, 10% of the stays open, 90% of the visits in the
window; one handoff row per (from group, to group, from_person, to_person)
that occurs, plus external ones. Column types are the store's
(``visit_no`` decimal128(38, 0)). Times ``handoff_metrics`` (best of
``repeat``) and, with ``--reference``, the row-by-row implementation it
replaced (the frozen copy in tests/internal_service/test_handoff_vectorised.py),
checking that both results are equal.

    python benchmarks/bench_handoffs.py                      # 200 groups, 400,000 tickets
    python benchmarks/bench_handoffs.py 200 400000 --reference
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]


def generate(groups: int, tickets: int, seed: int = 1):
    """Synthetic handoff tables (see the module docstring)."""
    from ona.store.handoffs import HandoffTables

    rng = np.random.default_rng(seed)
    names = pa.array([f"Group {g:03d}" for g in range(groups)], pa.string())
    k = rng.integers(1, 8, size=tickets)  # visits per ticket
    ticket = np.repeat(np.arange(tickets), k)
    n = ticket.size
    start = np.cumsum(k) - k
    visit_no = np.arange(n) - np.repeat(start, k) + 1
    # half the tickets move between a few groups (bounces, ping-pongs), half anywhere
    home = rng.integers(0, groups, size=tickets)
    few = np.where(rng.random(n) < 0.5, (home[ticket] + rng.integers(0, 3, size=n)) % groups,
                   rng.integers(0, groups, size=n))
    grp = few.astype(np.int64)
    external = rng.random(n) < 0.05
    grp[external] = -1
    first = visit_no == 1
    src = np.empty(n, dtype=np.int64)
    src[0] = -1
    src[1:] = grp[:-1]
    src[first] = -1
    last = np.zeros(n, dtype=bool)
    last[np.cumsum(k) - 1] = True
    hours = rng.exponential(24.0, size=n)
    open_ = last & (rng.random(n) < 0.4)
    hours[open_] = np.nan

    def group_column(codes: np.ndarray) -> pa.Array:
        return names.take(pa.array(np.maximum(codes, 0), mask=codes < 0))

    ids = pc.binary_join_element_wise("T", pc.cast(pa.array(np.arange(tickets) + 10**7), pa.string()), "")
    visits = pa.table({
        "ticket_id": ids.take(pa.array(ticket)),
        "visit_no": pa.array(visit_no).cast(pa.decimal128(38, 0)),
        "grp": group_column(grp),
        "from_grp": group_column(src),
        "in_window": pa.array(rng.random(n) < 0.9),
        "hours": pa.array(hours, from_pandas=True),
        "passed_on": pa.array(~last),
        "closed_by_resolution": pa.array(last & ~open_),
    })
    ticket_table = pa.table({"ticket_id": ids, "handoffs": pa.array(rng.integers(0, 6, size=tickets))})
    # handoff rows: the distinct (from, to, from_person, to_person) of the handoffs, with their counts
    fp, tp = rng.random(n) < 0.95, rng.random(n) < 0.95
    keep = ~first
    key = np.stack([src[keep] + 1, grp[keep] + 1, fp[keep], tp[keep]]).astype(np.int64)
    rows, counts = np.unique(key, axis=1, return_counts=True)
    handoff_rows = pa.table({
        "from_group": group_column(rows[0] - 1), "to_group": group_column(rows[1] - 1),
        "from_person": pa.array(rows[2].astype(bool)), "to_person": pa.array(rows[3].astype(bool)),
        "n": pa.array(counts.astype(np.int64)),
    })
    return HandoffTables(visits=visits, tickets=ticket_table, handoff_rows=handoff_rows)


def best(fn, repeat: int) -> tuple[float, object]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="?", type=int, default=200)
    parser.add_argument("tickets", nargs="?", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", action="store_true", help="also time the row-by-row implementation")
    args = parser.parse_args()

    from ona.analysis.handoffs import handoff_metrics
    from ona.params import AnalysisParams

    t0 = time.perf_counter()
    tables = generate(args.groups, args.tickets)
    print(f"tables: {tables.visits.num_rows:,} visits, {tables.tickets.num_rows:,} tickets, "
          f"{tables.handoff_rows.num_rows:,} handoff rows, {args.groups} groups "
          f"({time.perf_counter() - t0:.1f} s to generate)")
    params = AnalysisParams()
    seconds, new = best(lambda: handoff_metrics(tables, params), args.repeat)
    print(f"handoff_metrics: {seconds:.2f} s (best of {args.repeat}); {len(new.pairs):,} pairs, "
          f"{len(new.groups)} groups, {new.summary.cross_group_handoffs:,} cross-group handoffs")
    if args.reference:
        sys.path.insert(0, str(ROOT))
        from tests.internal_service.test_handoff_vectorised import reference_metrics

        seconds_ref, old = best(lambda: reference_metrics(tables, params), 1)
        same = old.model_dump() == new.model_dump()
        print(f"reference (row by row): {seconds_ref:.2f} s; {seconds_ref / seconds:.0f}x; equal results: {same}")
        if not same:
            raise SystemExit("the results differ")


if __name__ == "__main__":
    main()
