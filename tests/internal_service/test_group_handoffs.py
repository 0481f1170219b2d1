"""Group-to-group handoffs (assignment-group changes, no person) in the handoff analytics and the links.

Datasets are written as CSV folders, so the group_handoffs reader is part
of every test. Expected figures are counted by hand in the comments.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ona.analysis.pipeline import handoff_analytics
from ona.analysis.pipeline import analyze_dataset
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.results import HandoffAnalytics
from ona.store import Store

PEOPLE = [("a1", "Legal"), ("a2", "Legal"), ("b1", "Sales"), ("c1", "IT")]

# T1 moves through three queues and comes back; T2 one move; T3 goes through a
# queue that is no group of the analysis (kept out, reported).
GROUP_HANDOFFS = [
    ("T1", "2024-03-04T09:00:00Z", "legal", "SALES"),  # names match ignoring case
    ("T1", "2024-03-04T11:00:00Z", "Sales", "IT"),
    ("T1", "2024-03-04T12:00:00Z", " IT ", "Legal"),
    ("T2", "2024-03-04T10:00:00Z", "Sales", "Legal"),
    ("T3", "2024-03-04T10:00:00Z", "Legal", "Vendor Desk"),
    ("T3", "2024-03-04T11:00:00Z", "Vendor Desk", "Sales"),
]


def write(folder: Path, name: str, header: list[str], rows: list[tuple]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def folder_of(tmp: Path, *, people=PEOPLE, group_handoffs=GROUP_HANDOFFS, tickets=(), emails=()) -> Path:
    write(tmp, "people", ["person_id", "department"], list(people))
    write(tmp, "group_handoffs", ["ticket_id", "timestamp", "from_group", "to_group"], list(group_handoffs))
    if tickets:
        write(tmp, "tickets", ["ticket_id", "timestamp", "assignee", "status"], list(tickets))
    if emails:
        write(tmp, "emails", ["timestamp", "sender", "recipients"], list(emails))
    return tmp


def analytics(folder: Path, params: AnalysisParams | None = None) -> HandoffAnalytics:
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        return handoff_analytics(store, info.dataset_id, params or AnalysisParams())


def pairs(h: HandoffAnalytics) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(p.from_group, p.to_group): (p.handoffs, p.tickets, p.group_handoffs, p.bounces, p.ping_pongs)
            for p in h.pairs}  # fmt: skip


def test_reader_rejects_bad_rows(tmp_path: Path) -> None:
    rows = [
        ("T1", "2024-03-04T09:00:00+01:00", "Legal", "Sales"),
        ("", "2024-03-04T09:00:00Z", "Legal", "Sales"),
        ("T2", "2024-13-04", "Legal", "Sales"),
        ("T3", "2024-03-04T09:00:00Z", "Legal", ""),
        ("T4", "2024-03-04T09:00:00Z", "Legal", " LEGAL"),
    ]
    ds = read_dataset(folder_of(tmp_path, group_handoffs=rows))
    table = ds.tables["group_handoffs"]
    assert table.column("ticket_id").to_pylist() == ["T1"]
    assert table.column("ts").to_pylist() == [datetime(2024, 3, 4, 8, tzinfo=UTC)]
    report = ds.report.files["group_handoffs.csv"]
    assert (report.rows_read, report.accepted, report.rejected) == (5, 1, 4)
    assert [(r.line, r.reason) for r in ds.report.rejected] == [
        (3, "ticket_id is empty"),
        (4, "timestamp '2024-13-04' is not ISO 8601"),
        (5, "to_group is empty"),
        (6, "from_group 'Legal' and to_group 'LEGAL' are the same group"),
    ]


def test_people_and_group_handoffs_only_give_pairs(tmp_path: Path) -> None:
    h = analytics(folder_of(tmp_path))
    # T1: Legal (its first holder) -> Sales -> IT -> Legal: the return to Legal is a bounce, not a
    # ping-pong (Sales came before IT); three groups: no owner. T2: Sales -> Legal. T3: kept out.
    assert pairs(h) == {
        ("Legal", "Sales"): (1, 1, 1, 0, 0),
        ("Sales", "IT"): (1, 1, 1, 0, 0),
        ("IT", "Legal"): (1, 1, 1, 1, 0),
        ("Sales", "Legal"): (1, 1, 1, 0, 0),
    }
    by_pair = {(p.from_group, p.to_group): p for p in h.pairs}
    assert by_pair[("Legal", "Sales")].median_hours == pytest.approx(2.0)  # Sales holds T1 09:00 -> 11:00
    assert by_pair[("Sales", "IT")].median_hours == pytest.approx(1.0)  # IT 11:00 -> 12:00
    assert by_pair[("IT", "Legal")].open == 1 and by_pair[("Sales", "Legal")].open == 1
    assert by_pair[("Legal", "Sales")].no_owner_tickets == 1 and by_pair[("Sales", "Legal")].no_owner_tickets == 0
    s = h.summary
    assert (s.handoffs, s.within_group_handoffs, s.cross_group_handoffs, s.external_handoffs) == (4, 0, 4, 0)
    assert (s.group_handoffs, s.group_handoffs_unmatched, s.unknown_groups) == (4, 2, ["Vendor Desk"])
    assert (s.tickets, s.tickets_cross_group, s.tickets_bounced, s.tickets_no_owner) == (2, 2, 1, 1)
    groups = {g.group: (g.received, g.handed_out, g.opened) for g in h.groups}
    assert groups == {"IT": (1, 1, 0), "Legal": (2, 1, 1), "Sales": (1, 2, 1)}


def test_window_counts_group_handoffs_by_their_time(tmp_path: Path) -> None:
    params = AnalysisParams(since=datetime(2024, 3, 4, 10, 30, tzinfo=UTC))
    h = analytics(folder_of(tmp_path), params)
    assert pairs(h) == {("Sales", "IT"): (1, 1, 1, 0, 0), ("IT", "Legal"): (1, 1, 1, 1, 0)}
    assert (h.summary.group_handoffs, h.summary.group_handoffs_unmatched) == (2, 1)  # T3 at 11:00 only


def test_group_change_recorded_with_a_person_handoff_counts_once_and_links_count_the_others(tmp_path: Path) -> None:
    tickets = [
        ("T1", "2024-03-04T09:00:00Z", "a1", ""),
        ("T1", "2024-03-04T10:00:00Z", "b1", ""),  # a1 -> b1 and, at the same time, Legal -> Sales
        ("T3", "2024-03-04T09:00:00Z", "b1", ""),
        ("T3", "2024-03-04T12:00:00Z", "b1", "resolved"),  # a status update: not a handoff, no return to Sales
    ]
    moves = [
        ("T1", "2024-03-04T10:00:00Z", "Legal", "Sales"),
        ("T2", "2024-03-04T11:00:00Z", "Legal", "Sales"),  # no person at all
        ("T3", "2024-03-04T10:00:00Z", "Sales", "Legal"),  # b1 keeps the ticket, in Legal's queue
    ]
    emails = [("2024-03-04T08:00:00Z", "a1", "a2")] * 3 + [("2024-03-04T08:00:00Z", "a1", "b1")]
    folder = folder_of(tmp_path, people=PEOPLE[:3], group_handoffs=moves, tickets=tickets, emails=emails)
    h = analytics(folder)
    # (Legal, Sales): T1 once (the person handoff and the group change are one move) and T2;
    # (Sales, Legal): T3, closed by b1's resolution 2 h later
    assert pairs(h) == {("Legal", "Sales"): (2, 2, 1, 0, 0), ("Sales", "Legal"): (1, 1, 1, 0, 0)}
    assert {(p.from_group, p.to_group): p.closed for p in h.pairs} == {("Legal", "Sales"): 0, ("Sales", "Legal"): 1}
    assert h.summary.cross_group_handoffs == 3 and h.summary.group_handoffs == 2
    with Store() as store:
        info = store.save_dataset(read_dataset(folder))
        result = analyze_dataset(store, info.dataset_id, AnalysisParams(permutations=20))
        weights = store.pair_weights(info.dataset_id, AnalysisParams()).table.to_pylist()
    (link,) = result.links
    # the person handoff a1 -> b1 and the two moves only a group change records: 1 + 2
    assert link.handoffs == 3 == sum(p.handoffs for p in result.handoffs.pairs)
    # no weight: the ticket channel holds the one person handoff
    assert {(w["a"], w["b"]): w["ticket"] for w in weights if w["ticket"]} == {("a1", "b1"): 1.0}
    assert link.channels["ticket"] == 1.0


def test_no_group_handoffs_changes_nothing(tmp_path: Path) -> None:
    tickets = [("T1", "2024-03-04T09:00:00Z", "a1", ""), ("T1", "2024-03-04T10:00:00Z", "b1", "")]
    with_moves = analytics(folder_of(tmp_path / "x", tickets=tickets, group_handoffs=[]))
    assert pairs(with_moves) == {("Legal", "Sales"): (1, 1, 0, 0, 0)}
    assert (with_moves.summary.group_handoffs, with_moves.summary.unknown_groups) == (0, [])
