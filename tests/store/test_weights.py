"""Pair weights: hand-computed examples of every rule of DESIGN.md's graph.

Each expected value has its arithmetic in a comment. People are a, b, c, d
(department X or Y); "x@ext.com" and "vendor@ext.com" are external parties.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ona.params import AnalysisParams
from ona.store import PAIR_SCHEMA, PairWeights, Store

PEOPLE = {"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Y"}


def day(d: float) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=d)


def weights(store: Store, ds, **params) -> PairWeights:  # type: ignore[no-untyped-def]
    info = store.save_dataset(ds)
    return store.pair_weights(info.dataset_id, AnalysisParams(**params))


def rows(pw: PairWeights, column: str = "weight") -> dict[tuple[str, str], float]:
    t = pw.table.to_pydict()
    return {(a, b): v for a, b, v in zip(t["a"], t["b"], t[column])}


# ---------------------------------------------------------------- email


def test_email_one_over_k_with_an_external_recipient(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        emails=[
            (day(1), "a", ["b", "c", "x@ext.com"]),  # k = 3: (a,b) += 1/3, (a,c) += 1/3, external 1/3
            (day(2), "b", ["a"]),  # k = 1: (a,b) += 1
        ],
    )
    pw = weights(store, ds)
    # (a,b) = 1/3 + 1 = 1.333333333 (9 decimals); (a,c) = 1/3
    assert rows(pw, "email") == {("a", "b"): 1.333333333, ("a", "c"): 0.333333333}
    assert rows(pw) == rows(pw, "email")  # default coefficients are 1
    assert pw.external["email"] == 0.333333333
    assert pw.events["emails"] == 2 and pw.events["emails_broadcast"] == 0


def test_broadcast_limit_keeps_k_equal_to_limit_and_skips_above(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        emails=[
            (day(1), "a", ["b", "c", "d"]),  # k = 3 = limit: kept, 1/3 each
            (day(1), "a", ["b", "c", "d", "e"]),  # k = 4 = limit + 1: skipped
        ],
    )
    pw = weights(store, ds, broadcast_limit=3)
    assert rows(pw) == {("a", "b"): 0.333333333, ("a", "c"): 0.333333333, ("a", "d"): 0.333333333}
    assert pw.events["emails_broadcast"] == 1
    assert pw.events["emails"] == 2


def test_external_sender_adds_nothing_internal(store, make_dataset):
    ds = make_dataset(PEOPLE, emails=[(day(1), "x@ext.com", ["a", "b"])])  # k = 2
    pw = weights(store, ds)
    assert pw.table.num_rows == 0
    assert pw.external["email"] == 1.0  # 1/2 to a + 1/2 to b
    assert pw.events["emails_external_sender"] == 1


# -------------------------------------------------------------- meetings


def test_meeting_h_over_n_minus_1_with_an_external_attendee(store, make_dataset):
    ds = make_dataset(PEOPLE, meetings=[(day(1), 1.5, ["a", "b", "c", "x@ext.com"])])
    pw = weights(store, ds)
    # n = 4 (the external counts): 1.5 / (4 - 1) = 0.5 on each internal pair
    assert rows(pw, "meeting") == {("a", "b"): 0.5, ("a", "c"): 0.5, ("b", "c"): 0.5}
    # 3 internal x 1 external attendee pairs, 0.5 each
    assert pw.external["meeting"] == 1.5
    assert pw.events["meetings"] == 1


def test_meeting_above_the_limit_is_skipped_and_one_person_is_too_small(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        meetings=[
            (day(1), 2.0, ["a", "b", "c"]),  # n = 3 = limit: 2 / (3 - 1) = 1 per pair
            (day(1), 2.0, ["a", "b", "c", "d"]),  # n = 4 > limit: skipped
            (day(1), 1.0, ["e"]),  # n = 1: no pair
        ],
    )
    pw = weights(store, ds, large_meeting_limit=3)
    assert rows(pw) == {("a", "b"): 1.0, ("a", "c"): 1.0, ("b", "c"): 1.0}
    assert pw.events["meetings_large"] == 1
    assert pw.events["meetings_too_small"] == 1
    assert pw.events["meetings"] == 3


# --------------------------------------------------------------- tickets


def test_handoffs_back_and_forth_count_twice_and_no_change_is_no_handoff(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        tickets=[
            ("T1", day(1), "a"),
            ("T1", day(2), "b"),  # a -> b
            ("T1", day(3), "a"),  # b -> a
            ("T2", day(1), "c"),
            ("T2", day(2), "c"),  # same assignee: not a handoff
            ("T2", day(3), "d"),  # c -> d
        ],
    )
    pw = weights(store, ds)
    assert rows(pw, "handoffs") == {("a", "b"): 2, ("c", "d"): 1}
    assert rows(pw, "ticket") == {("a", "b"): 2.0, ("c", "d"): 1.0}
    assert pw.events["handoffs"] == 3 and pw.events["tickets"] == 2


def test_ticket_rows_are_ordered_by_ts_then_line_not_by_file_order(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        tickets=[
            ("T1", day(3), "a"),  # in ts order: b (day 1), c (day 2), a (day 3)
            ("T1", day(1), "b"),
            ("T1", day(2), "c"),
            ("T2", day(5), "a"),  # same ts: by line -> d (line 5), e (line 6), a (line 7)
            ("T2", day(5), "d"),
            ("T2", day(5), "e"),
        ],
        ticket_lines=[2, 3, 4, 7, 5, 6],
    )
    pw = weights(store, ds)
    # T1: b -> c, c -> a; T2: d -> e, e -> a (file order would give a->b, b->c, a->d, d->e)
    assert rows(pw, "handoffs") == {("b", "c"): 1, ("a", "c"): 1, ("d", "e"): 1, ("a", "e"): 1}


def test_handoff_to_or_from_an_external_assignee_is_external(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        tickets=[("T1", day(1), "a"), ("T1", day(2), "vendor@ext.com"), ("T1", day(3), "a")],
    )
    pw = weights(store, ds)
    assert pw.table.num_rows == 0
    assert pw.events["handoffs_external"] == 2  # a -> vendor, vendor -> a
    assert pw.external["ticket"] == 2.0


# ------------------------------------------------- coefficients, min_weight


def _one_of_each(make_dataset):  # type: ignore[no-untyped-def]
    return make_dataset(
        PEOPLE,
        emails=[(day(1), "a", ["b"]), (day(1), "c", ["d"])],  # (a,b) email 1; (c,d) email 1
        meetings=[(day(1), 1.0, ["a", "b"])],  # (a,b) meeting 1 / (2 - 1) = 1
        tickets=[("T1", day(1), "a"), ("T1", day(2), "b")],  # (a,b) ticket 1
    )


def test_coefficients_weigh_the_channels(store, make_dataset):
    pw = weights(store, _one_of_each(make_dataset), email_weight=2, meeting_weight=0.5, ticket_weight=3)
    # (a,b): 2*1 + 0.5*1 + 3*1 = 5.5; (c,d): 2*1 = 2; channel columns stay unweighted
    assert rows(pw) == {("a", "b"): 5.5, ("c", "d"): 2.0}
    assert rows(pw, "email") == {("a", "b"): 1.0, ("c", "d"): 1.0}


def test_a_zero_coefficient_drops_pairs_left_without_weight(store, make_dataset):
    pw = weights(store, _one_of_each(make_dataset), email_weight=0)
    assert rows(pw) == {("a", "b"): 2.0}  # 0*1 + 1 + 1; (c,d) has w = 0: no tie


def test_min_weight_keeps_pairs_at_the_threshold(store, make_dataset):
    ds = make_dataset(
        PEOPLE,
        emails=[
            (day(1), "a", ["b", "c"]),  # (a,b) 0.5, (a,c) 0.5
            (day(1), "a", ["c"]),  # (a,c) 0.5 + 1 = 1.5
            (day(1), "d", ["e"]),  # (d,e) 1
        ],
    )
    pw = weights(store, ds, min_weight=1.0)
    assert rows(pw) == {("a", "c"): 1.5, ("d", "e"): 1.0}


# ------------------------------------------------------------------ window


def test_window_since_inclusive_until_exclusive_on_every_channel(store, make_dataset):
    since, until = day(10), day(20)
    eps = timedelta(microseconds=1)
    ds = make_dataset(
        PEOPLE,
        emails=[
            (since, "a", ["b"]),  # at since: in
            (since - eps, "a", ["c"]),  # just before: out
            (until, "a", ["d"]),  # at until: out
            (until - eps, "a", ["e"]),  # just before until: in
        ],
        meetings=[(since, 1.0, ["b", "c"]), (until, 1.0, ["c", "d"])],  # in, out
        tickets=[
            ("T1", day(5), "a"),
            ("T1", since, "d"),  # received at since, from a row before the window: in
            ("T2", day(15), "b"),
            ("T2", until, "c"),  # received at until: out
        ],
    )
    pw = weights(store, ds, since=since, until=until)
    assert rows(pw) == {("a", "b"): 1.0, ("a", "e"): 1.0, ("b", "c"): 1.0, ("a", "d"): 1.0}
    assert pw.events["emails"] == 2 and pw.events["meetings"] == 1 and pw.events["handoffs"] == 1


# ---------------------------------------------------------- shape of table


def test_pairs_are_unordered_sorted_by_person_id_bytes_and_deterministic(store, make_dataset):
    people = {"p9": "X", "p10": "X", "B": "Y", "a": "Y"}
    ds = make_dataset(
        people,
        emails=[(day(1), "p9", ["p10"]), (day(1), "a", ["B"]), (day(1), "p9", ["a"]), (day(2), "p10", ["p9"])],
    )
    info = store.save_dataset(ds)
    pw = store.pair_weights(info.dataset_id, AnalysisParams())
    # byte order: "B" < "a" < "p10" < "p9"; (p9 -> p10) and (p10 -> p9) are one pair
    assert list(zip(*pw.table.select(["a", "b"]).to_pydict().values())) == [
        ("B", "a"), ("a", "p9"), ("p10", "p9")
    ]
    assert rows(pw)[("p10", "p9")] == 2.0
    assert pw.table.schema == PAIR_SCHEMA
    again = store.pair_weights(info.dataset_id, AnalysisParams())
    assert again.table.equals(pw.table) and again.events == pw.events


def test_no_events_gives_an_empty_table(store, make_dataset):
    pw = weights(store, make_dataset(PEOPLE))
    assert pw.table.num_rows == 0 and pw.table.schema == PAIR_SCHEMA
    assert set(pw.events.values()) == {0}
    assert pw.external == {"email": 0.0, "meeting": 0.0, "ticket": 0.0, "chat": 0.0, "ties": 0.0}
    assert pw.total_weight == 0.0


def test_unknown_dataset_is_not_found(store):
    from ona.errors import NotFoundError

    with pytest.raises(NotFoundError):
        store.pair_weights("nope", AnalysisParams())
