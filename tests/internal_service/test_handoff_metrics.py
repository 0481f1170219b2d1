"""Handoff metrics from the store's tables, by hand: bounce, ping-pong, no owner, per pair and per group.

The tables are written here (no store, no SQL): ticket t1 goes A -> B -> A -> C
(stays of 2, 4 and 1 hours, C still open), t2 stays in B and is resolved.
"""

from __future__ import annotations

import pyarrow as pa

from ona.analysis.handoffs import handoff_metrics
from ona.params import AnalysisParams
from ona.store.handoffs import HandoffTables


def tables() -> HandoffTables:
    visits = pa.table({
        "ticket_id": ["t1", "t1", "t1", "t1", "t2"],
        "visit_no": [1, 2, 3, 4, 1],
        "grp": ["A", "B", "A", "C", "B"],
        "from_grp": [None, "A", "B", "A", None],
        "in_window": [True] * 5,
        "hours": [2.0, 4.0, 1.0, None, 3.0],
        "passed_on": [True, True, True, False, False],
        "closed_by_resolution": [False, False, False, False, True],
    })
    # shuffled: the metrics order the visits themselves
    visits = visits.take(pa.array([3, 0, 4, 2, 1]))
    tickets = pa.table({"ticket_id": ["t1", "t2"], "handoffs": [5, 0]})
    rows = pa.table({
        "from_group": ["A", "A", "B", "C"], "to_group": ["A", "B", "A", None],
        "from_person": [True, True, True, True], "to_person": [True, True, True, False],
        "n": [2, 1, 1, 1],
    })  # A -> C is recorded by a group change only
    return HandoffTables(visits=visits, tickets=tickets, handoff_rows=rows, group_handoffs_unmatched=2,
                         unknown_groups=["Vendor"])


def test_pairs_by_hand() -> None:
    got = handoff_metrics(tables(), AnalysisParams())
    pairs = {(p.from_group, p.to_group): p for p in got.pairs}
    assert [(p.from_group, p.to_group) for p in got.pairs] == [("A", "B"), ("A", "C"), ("B", "A")]
    fields = ("handoffs", "tickets", "median_hours", "p90_hours", "closed", "open", "bounces", "ping_pongs",
              "no_owner_tickets", "group_handoffs", "bounce_rate", "ping_pong_rate")
    row = lambda p: tuple(getattr(p, f) for f in fields)  # noqa: E731
    assert row(pairs["A", "B"]) == (1, 1, 4.0, 4.0, 1, 0, 0, 0, 1, 0, 0.0, 0.0)
    assert row(pairs["B", "A"]) == (1, 1, 1.0, 1.0, 1, 0, 1, 1, 1, 0, 1.0, 1.0)  # back to A: bounce, ping-pong
    assert row(pairs["A", "C"]) == (1, 1, None, None, 0, 1, 0, 0, 1, 1, 0.0, 0.0)  # C: back2 is B, no ping-pong


def test_summary_and_groups_by_hand() -> None:
    got = handoff_metrics(tables(), AnalysisParams())
    s = got.summary
    assert (s.tickets, s.tickets_single_assignee, s.tickets_cross_group, s.tickets_bounced, s.tickets_ping_pong,
            s.tickets_no_owner, s.tickets_resolved, s.tickets_external) == (2, 1, 1, 1, 1, 1, 1, 0)
    assert (s.handoffs, s.within_group_handoffs, s.cross_group_handoffs, s.external_handoffs) == (6, 2, 3, 1)
    assert (s.median_hours, s.group_handoffs, s.bounce_rate, s.no_owner_rate) == (2.5, 1, 1.0, 1.0)
    assert (s.group_handoffs_unmatched, s.unknown_groups) == (2, ["Vendor"])
    groups = {g.group: g for g in got.groups}
    assert list(groups) == ["A", "B", "C"]
    fields = ("received", "tickets_received", "median_hours", "passed_on", "resolved", "open", "bounces_received",
              "handed_out", "tickets_handed_out", "within_group_handoffs", "opened", "external_received",
              "external_handed_out")
    row = lambda g: tuple(getattr(g, f) for f in fields)  # noqa: E731
    assert row(groups["A"]) == (1, 1, 1.0, 1, 0, 0, 1, 2, 1, 2, 1, 0, 0)
    assert row(groups["B"]) == (1, 1, 4.0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0)
    assert row(groups["C"]) == (1, 1, None, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1)


def test_no_owner_is_the_parameter() -> None:
    # t1 covers 3 groups: no owner at 3, owned at 4
    assert handoff_metrics(tables(), AnalysisParams(no_owner_groups=4)).summary.tickets_no_owner == 0
    assert all(p.no_owner_tickets == 0 for p in handoff_metrics(tables(), AnalysisParams(no_owner_groups=4)).pairs)
