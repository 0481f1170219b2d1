"""Property: the SQL pair weights equal a plain-Python oracle on random events.

The oracle reads DESIGN.md's rules literally, one event at a time; the total
weight is also checked against a second, per-event formula that never forms
pairs (total weight preserved from events to pairs).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ona.params import AnalysisParams
from ona.store import Store

IDS = ["a", "b", "c", "B", "p10", "p9"]
EXTERNALS = ["x@ext.com", "y@ext.com"]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(d: int) -> datetime:
    return T0 + timedelta(days=d)


people_st = st.lists(st.sampled_from(IDS), min_size=2, max_size=6, unique=True)


@st.composite
def organizations(draw):  # type: ignore[no-untyped-def]
    people = draw(people_st)
    who = st.sampled_from(people + EXTERNALS)
    days = st.integers(0, 9)
    emails = draw(st.lists(st.tuples(days, who, st.lists(who, min_size=1, max_size=5)), max_size=12))
    meetings = draw(
        st.lists(
            st.tuples(days, st.sampled_from([0.5, 1.0, 1.5, 2.0]), st.lists(who, min_size=1, max_size=6)),
            max_size=8,
        )
    )
    tickets = draw(st.lists(st.tuples(st.sampled_from(["T1", "T2", "T3"]), days, who), max_size=12))
    since = draw(st.none() | days)
    until = draw(st.none() | days)
    assume(since is None or until is None or since < until)
    params = AnalysisParams(
        since=None if since is None else day(since),
        until=None if until is None else day(until),
        broadcast_limit=draw(st.integers(1, 5)),
        large_meeting_limit=draw(st.integers(2, 6)),
        email_weight=draw(st.sampled_from([0.0, 1.0, 2.5])),
        meeting_weight=draw(st.sampled_from([0.0, 1.0, 0.5])),
        ticket_weight=draw(st.sampled_from([0.0, 1.0, 3.0])),
        min_weight=draw(st.sampled_from([0.0, 0.5, 1.0])),
    )
    return people, emails, meetings, tickets, params


def _in_window(d: int, p: AnalysisParams) -> bool:
    ts = day(d)
    return (p.since is None or ts >= p.since) and (p.until is None or ts < p.until)


def oracle(people, emails, meetings, tickets, p):  # type: ignore[no-untyped-def]
    """Pair -> [email, meeting, handoffs], straight from DESIGN.md."""
    internal = set(people)
    pairs: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for d, s, recipients in emails:
        rcpt = [r for r in dict.fromkeys(recipients) if r != s]
        if not _in_window(d, p) or s not in internal or not 1 <= len(rcpt) <= p.broadcast_limit:
            continue
        for r in rcpt:
            if r in internal:
                pairs[tuple(sorted((s, r)))][0] += 1 / len(rcpt)  # type: ignore[index]
    for d, h, attendees in meetings:
        att = list(dict.fromkeys(attendees))
        if not _in_window(d, p) or not 2 <= len(att) <= p.large_meeting_limit:
            continue
        for x, y in itertools.combinations(sorted(a for a in att if a in internal), 2):
            pairs[(x, y)][1] += h / (len(att) - 1)
    by_ticket: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for line, (t, d, who) in enumerate(tickets, start=2):
        by_ticket[t].append((d, line, who))
    for history in by_ticket.values():
        history.sort()
        for (_, _, prev), (d, _, cur) in itertools.pairwise(history):
            if prev != cur and _in_window(d, p) and prev in internal and cur in internal:
                pairs[tuple(sorted((prev, cur)))][2] += 1  # type: ignore[index]
    return pairs


def total_from_events(people, emails, meetings, tickets, p) -> float:  # type: ignore[no-untyped-def]
    """Sum of all pair weights (coefficients 1) without forming pairs."""
    internal = set(people)
    total = 0.0
    for d, s, recipients in emails:
        rcpt = [r for r in dict.fromkeys(recipients) if r != s]
        if _in_window(d, p) and s in internal and 1 <= len(rcpt) <= p.broadcast_limit:
            total += sum(r in internal for r in rcpt) / len(rcpt)
    for d, h, attendees in meetings:
        att = list(dict.fromkeys(attendees))
        n_int = sum(a in internal for a in att)
        if _in_window(d, p) and 2 <= len(att) <= p.large_meeting_limit:
            total += n_int * (n_int - 1) / 2 * h / (len(att) - 1)
    for history in _histories(tickets):
        total += sum(
            prev != cur and _in_window(d, p) and prev in internal and cur in internal
            for (_, _, prev), (d, _, cur) in itertools.pairwise(history)
        )
    return total


def _histories(tickets):  # type: ignore[no-untyped-def]
    rows = sorted((t, d, line, who) for line, (t, d, who) in enumerate(tickets, start=2))
    return [[(d, line, who) for _, d, line, who in group] for _, group in itertools.groupby(rows, key=lambda r: r[0])]


@pytest.fixture(scope="module")
def shared_store() -> Iterator[Store]:
    """One store for every example (a DuckDB instance takes ~60 ms to start)."""
    with Store() as store:
        yield store


@settings(max_examples=40, deadline=None)
@given(org=organizations())
def test_pair_weights_match_the_oracle(org, make_dataset, shared_store):  # type: ignore[no-untyped-def]
    people, emails, meetings, tickets, p = org
    ds = make_dataset(
        {pid: "X" for pid in people},
        emails=[(day(d), s, r) for d, s, r in emails],
        meetings=[(day(d), h, a) for d, h, a in meetings],
        tickets=[(t, day(d), who) for t, d, who in tickets],
    )
    info = shared_store.save_dataset(ds)
    pw = shared_store.pair_weights(info.dataset_id, p)
    unit = shared_store.pair_weights(
        info.dataset_id,
        p.model_copy(update={"email_weight": 1.0, "meeting_weight": 1.0, "ticket_weight": 1.0, "min_weight": 0.0}),
    )
    expected = {}
    for pair, (e, m, h) in oracle(people, emails, meetings, tickets, p).items():
        w = round(p.email_weight * round(e, 9) + p.meeting_weight * round(m, 9) + p.ticket_weight * h, 9)
        if w > 0 and w >= p.min_weight:
            expected[pair] = (e, m, h, w)
    got = pw.table.to_pydict()
    assert list(zip(got["a"], got["b"])) == sorted(expected)  # same pairs, in (a, b) order
    for a, b, e, m, t, c, ti, h, w in zip(*got.values()):
        ee, em, eh, ew = expected[(a, b)]
        assert abs(e - ee) < 2e-9 and abs(m - em) < 2e-9 and h == eh and t == eh and abs(w - ew) < 2e-9
        assert c == 0.0 and ti == 0.0  # no chats and no ties in these organizations
    # total weight preserved from events to pairs (coefficients 1, no threshold)
    assert abs(unit.total_weight - total_from_events(people, emails, meetings, tickets, p)) < 1e-6
