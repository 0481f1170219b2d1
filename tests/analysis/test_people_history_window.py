"""A windowed main analysis (--since / --until) takes each person's group as of the window from people_history.

The 20-people reorganization of :mod:`tests.analysis.test_people_history`
(movers m00..m19 in A until 2024-03-01, then B; people.csv says B), plus one
ticket handed from m00 to b00 on 2024-01-20. Hand-computed for the window
[2024-01-01, 2024-03-01), with the history (movers in A):

- ties in the window: 20 mover-a ties (inside A), a00-b00 and the ticket's
  m00-b00 (both A-B): I_A = 20, E_A = 2, ei_A = (2 - 20) / 22 = -9/11;
  B (b's only) I_B = 0, E_B = 2, ei_B = 1; W_AB = 2; headcounts A 30, B 10;
- the handoff m00 -> b00 is A -> B.

Without the history (people.csv: movers in B) the same window puts the
20 mover-a ties and a00-b00 across A-B (I_A = 0, E_A = 21) and the
handoff within B. Without a window, people.csv as before.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ona.analysis.pipeline import analyze
from ona.params import AnalysisParams
from tests.analysis.test_people_history import SPLIT, write_reorg

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def folder(tmp: Path, *, history: bool) -> Path:
    out = write_reorg(tmp, history=history)
    (out / "tickets.csv").write_text("ticket_id,timestamp,assignee\nT1,2024-01-20T09:00:00Z,m00\nT1,2024-01-20T10:00:00Z,b00\n")
    return out


@pytest.mark.parametrize("window", [{"since": START, "until": SPLIT}, {"until": SPLIT}])
def test_window_uses_the_membership_as_of_the_window(tmp_path: Path, window: dict) -> None:
    result = analyze(folder(tmp_path, history=True), AnalysisParams(min_group_size=1, permutations=10, **window))
    groups = {g.group: g for g in result.groups}
    assert (groups["A"].headcount, groups["B"].headcount) == (30, 10)
    assert (groups["A"].internal_weight, groups["A"].external_weight) == (20, 2)
    assert groups["A"].ei_index == pytest.approx(-9 / 11)
    assert groups["B"].ei_index == pytest.approx(1.0)
    (link,) = result.links
    assert (link.weight, link.handoffs) == (2, 1)
    assert [(p.from_group, p.to_group, p.handoffs) for p in result.handoffs.pairs] == [("A", "B", 1)]
    assert {p.person_id: p.group for p in result.people}["m07"] == "A"


def test_without_window_or_history_people_table_as_today(tmp_path: Path) -> None:
    windowed = AnalysisParams(min_group_size=1, permutations=10, since=START, until=SPLIT)
    no_history = analyze(folder(tmp_path / "n", history=False), windowed)
    groups = {g.group: g for g in no_history.groups}
    assert (groups["A"].headcount, groups["B"].headcount) == (10, 30)  # movers in B, as people.csv says
    assert (groups["A"].internal_weight, groups["A"].external_weight) == (0, 21)
    assert no_history.handoffs.pairs == [] and no_history.handoffs.summary.within_group_handoffs == 1
    whole = analyze(folder(tmp_path / "h", history=True), AnalysisParams(min_group_size=1, permutations=10))
    assert {g.group: g.headcount for g in whole.groups} == {"A": 10, "B": 30}
