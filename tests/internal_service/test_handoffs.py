"""Handoff analytics against hand-computed values on small ticket histories."""

from __future__ import annotations

import pytest

from ona.analysis.pipeline import handoff_analytics
from ona.results import HandoffAnalytics
from ona.params import AnalysisParams
from ona.store import Store
from tests.orgs import at, dataset, saved

PEOPLE = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}

# Rows in file order (line 2, 3, ...); T1 is deliberately unsorted, T3 and T4
# have ties in timestamps (the earlier line comes first).
TICKETS = [
    # T1: a1 -> b1 -> a2, resolved by a2. A->B (B stays 2..5 = 3 h), B->A (A stays
    # 5..6 = 1 h, closed by "resolved"): a bounce and a ping-pong (A -> B -> A).
    ("T1", at(5), "a2", None),
    ("T1", at(0), "a1", "open"),
    ("T1", at(6), "a2", "resolved"),
    ("T1", at(2), "b1", None),
    # T2: one assignee only (a status update is not a handoff)
    ("T2", at(0), "a1", "open"),
    ("T2", at(1), "a1", "in_progress"),
    # T3: b1 and b2 at the same instant (line order: b1 first): a within-group
    # handoff, then B->C at 4 h; C is the last holder, never resolved: open.
    ("T3", at(0), "b1", None),
    ("T3", at(0), "b2", None),
    ("T3", at(4), "c1", None),
    # T4: c1 and a1 at the same instant, c1 first by line: C->A at 10 h, A
    # resolves at 12 h (2 h). Read a1 first and it would be A->C->A instead.
    ("T4", at(10), "c1", None),
    ("T4", at(10), "a1", None),
    ("T4", at(12), "a1", "Resolved "),
    # T5: through an external vendor: a1 -> vendor -> b2, closed: two external
    # handoffs, no group pair.
    ("T5", at(0), "a1", None),
    ("T5", at(1), "Vendor@Supplier.example", None),
    ("T5", at(3), "b2", None),
    ("T5", at(7), "b2", "closed"),
    # T6: three groups, nobody owns it: A->B (B stays 1..3 = 2 h), B->C (C
    # stays 3..5 = 2 h, resolved).
    ("T6", at(0), "a1", None),
    ("T6", at(1), "b1", None),
    ("T6", at(3), "c1", None),
    ("T6", at(5), "c1", "resolved"),
]


@pytest.fixture(scope="module")
def store() -> Store:
    with Store() as s:
        yield s


@pytest.fixture(scope="module")
def dataset_id(store: Store) -> str:
    return saved(store, dataset(PEOPLE, tickets=TICKETS))


@pytest.fixture(scope="module")
def result(store: Store, dataset_id: str) -> HandoffAnalytics:
    return handoff_analytics(store, dataset_id, AnalysisParams())


def _pairs(result: HandoffAnalytics) -> dict[tuple[str, str], dict]:
    return {(p.from_group, p.to_group): p.model_dump() for p in result.pairs}


def test_pairs_match_hand_computed_values(result: HandoffAnalytics) -> None:
    pairs = _pairs(result)
    assert set(pairs) == {("A", "B"), ("B", "A"), ("B", "C"), ("C", "A")}
    ab = pairs[("A", "B")]  # T1 (3 h) and T6 (2 h)
    assert (ab["handoffs"], ab["tickets"], ab["closed"], ab["open"]) == (2, 2, 2, 0)
    assert ab["median_hours"] == pytest.approx(2.5)
    assert ab["p90_hours"] == pytest.approx(2.9)  # 2 + 0.9 * (3 - 2), linear interpolation
    assert (ab["bounces"], ab["ping_pongs"], ab["no_owner_tickets"]) == (0, 0, 1)
    ba = pairs[("B", "A")]  # T1 back to A: bounce and ping-pong, 1 h until resolved
    assert (ba["handoffs"], ba["bounces"], ba["ping_pongs"]) == (1, 1, 1)
    assert ba["bounce_rate"] == 1.0 and ba["ping_pong_rate"] == 1.0
    assert ba["median_hours"] == pytest.approx(1.0)
    bc = pairs[("B", "C")]  # T3 (open) and T6 (2 h)
    assert (bc["handoffs"], bc["tickets"], bc["closed"], bc["open"]) == (2, 2, 1, 1)
    assert bc["median_hours"] == pytest.approx(2.0) and bc["no_owner_tickets"] == 1
    ca = pairs[("C", "A")]  # T4, tie broken by line
    assert (ca["handoffs"], ca["bounces"]) == (1, 0)
    assert ca["median_hours"] == pytest.approx(2.0)
    # most handoffs first, then names
    assert [(p.from_group, p.to_group) for p in result.pairs][:2] == [("A", "B"), ("B", "C")]


def test_summary(result: HandoffAnalytics) -> None:
    s = result.summary
    assert s.tickets == 6
    assert s.tickets_single_assignee == 1  # T2
    assert s.tickets_cross_group == 4  # T1, T3, T4, T6
    assert (s.tickets_bounced, s.tickets_ping_pong, s.tickets_no_owner) == (1, 1, 1)
    assert s.tickets_resolved == 4  # T1, T4, T5 ("closed"), T6
    assert s.tickets_external == 1  # T5
    # handoffs: T1 2, T3 2, T4 1, T5 2, T6 2
    assert (s.handoffs, s.within_group_handoffs, s.cross_group_handoffs, s.external_handoffs) == (9, 1, 6, 2)
    assert s.median_hours == pytest.approx(2.0)  # of 3, 2, 1, 2, 2 (T3's open stay left out)
    assert s.bounce_rate == pytest.approx(0.25) and s.no_owner_rate == pytest.approx(0.25)


def test_group_service(result: HandoffAnalytics) -> None:
    groups = {g.group: g for g in result.groups}
    a, b, c = groups["A"], groups["B"], groups["C"]
    # A receives T1 from B (1 h) and T4 from C (2 h), resolves both
    assert (a.received, a.tickets_received, a.resolved, a.passed_on, a.open) == (2, 2, 2, 0, 0)
    assert a.median_hours == pytest.approx(1.5) and a.p90_hours == pytest.approx(1.9)
    assert (a.bounces_received, a.handed_out, a.tickets_handed_out) == (1, 2, 2)
    assert (a.opened, a.external_handed_out, a.within_group_handoffs) == (4, 1, 0)
    # B receives T1 and T6 from A and passes both on; hands out 3 (to A once, to C twice)
    assert (b.received, b.passed_on, b.resolved, b.handed_out, b.tickets_handed_out) == (2, 2, 0, 3, 3)
    assert b.median_hours == pytest.approx(2.5)
    assert (b.within_group_handoffs, b.opened, b.external_received) == (1, 1, 1)
    # C receives T3 (open) and T6 (2 h, resolved)
    assert (c.received, c.resolved, c.open, c.handed_out, c.opened) == (2, 1, 1, 1, 1)
    assert c.median_hours == pytest.approx(2.0)


def test_window_counts_handoffs_by_receiving_row(store: Store, dataset_id: str) -> None:
    params = AnalysisParams(since=at(2.5), until=at(11))
    result = handoff_analytics(store, dataset_id, params)
    pairs = _pairs(result)
    # in [2.5, 11): T1 B->A at 5, T3 B->C at 4, T6 B->C at 3, T4 C->A at 10
    assert {k: v["handoffs"] for k, v in pairs.items()} == {("B", "A"): 1, ("B", "C"): 2, ("C", "A"): 1}
    # the bounce returns to A, which held T1 before the window
    assert pairs[("B", "A")]["bounces"] == 1
    assert result.summary.tickets == 5  # T2's rows are all before 2.5 h
    assert result.summary.external_handoffs == 1  # vendor -> b2 at 3 h


def test_counts_agree_with_pair_weights(store: Store, dataset_id: str, result: HandoffAnalytics) -> None:
    events = store.pair_weights(dataset_id, AnalysisParams()).events
    s = result.summary
    assert events["handoffs"] == s.within_group_handoffs + s.cross_group_handoffs
    assert events["handoffs_external"] == s.external_handoffs
    assert events["tickets"] == s.tickets


def test_reversed_rows_change_only_the_ties(store: Store, result: HandoffAnalytics) -> None:
    reversed_id = saved(store, dataset(PEOPLE, tickets=list(reversed(TICKETS))))
    pairs = _pairs(handoff_analytics(store, reversed_id, AnalysisParams()))
    # Order is (ts, line): without ties the file order is irrelevant (A->B, B->A,
    # B->C unchanged); the ties now come in the other line order. T3 stays
    # within B; T4 becomes a1 -> c1 -> a1 at 10, 10, 12: A->C (C stays 2 h),
    # then C->A back (a ping-pong; A resolves on that very row: 0 h).
    before = _pairs(result)
    for key in (("A", "B"), ("B", "A"), ("B", "C")):
        assert pairs[key] == before[key]
    assert pairs[("A", "C")]["handoffs"] == 1 and pairs[("A", "C")]["median_hours"] == pytest.approx(2.0)
    assert pairs[("C", "A")]["ping_pongs"] == 1 and pairs[("C", "A")]["median_hours"] == pytest.approx(0.0)


def test_result_is_json_and_empty_dataset(store: Store) -> None:
    empty = saved(store, dataset(PEOPLE))
    result = handoff_analytics(store, empty, AnalysisParams())
    assert result.pairs == [] and result.groups == [] and result.summary.tickets == 0
    assert result.summary.bounce_rate is None and result.summary.median_hours is None
    HandoffAnalytics.model_validate_json(result.model_dump_json())


@pytest.mark.parametrize(
    ("groups", "no_owner", "rate", "pairs"),
    [
        (3, 1, 0.25, {("A", "B"): 1, ("B", "A"): 0, ("B", "C"): 1, ("C", "A"): 0}),  # the default: T6
        (4, 0, 0.0, {("A", "B"): 0, ("B", "A"): 0, ("B", "C"): 0, ("C", "A"): 0}),
    ],
)
def test_no_owner_groups_parameter(store: Store, dataset_id: str, result: HandoffAnalytics, groups: int,
                                   no_owner: int, rate: float, pairs: dict[tuple[str, str], int]) -> None:
    """A higher bar counts fewer tickets without an owner; 3 (the default, and the least) gives today's figures."""
    got = handoff_analytics(store, dataset_id, AnalysisParams(no_owner_groups=groups))
    assert got.summary.tickets_no_owner == no_owner and got.summary.no_owner_rate == pytest.approx(rate)
    assert {key: p["no_owner_tickets"] for key, p in _pairs(got).items()} == pairs
    # nothing else moves
    assert got.model_copy(update={"summary": result.summary, "pairs": result.pairs}) == result
    assert got.summary.model_copy(update={"tickets_no_owner": 1, "no_owner_rate": 0.25}) == result.summary
    if groups == AnalysisParams().no_owner_groups:
        assert got == result


def test_no_owner_groups_is_at_least_three() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="no_owner_groups"):
        AnalysisParams(no_owner_groups=2)
