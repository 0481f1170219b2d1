"""People history: a reorganization moves 20 people from A to B halfway; windows see the right department.

The organization (40 people), written as people + ties + people_history:

- ``a00..a09`` stay in A, ``b00..b09`` stay in B;
- ``m00..m19`` move from A to B on 2024-03-01 (people.csv holds the state
  after the move: B; people_history says A in [2024-01-01, 2024-03-01),
  B from 2024-03-01);
- ties dated 2024-01-15 (before the move): ``m_i - a_(i mod 10)`` weight 1
  (20 ties) and ``a00 - b00`` weight 1; dated 2024-03-15 (after):
  ``m_i - b_(i mod 10)`` weight 1 (20 ties) and ``a00 - b00`` weight 1.

Hand-computed, with the history (split 2024-03-01):

- before: A = a's + movers, I_A = 20, E_A = 1: ei_A = (1 - 20) / 21 = -19/21;
  B = b's, I_B = 0, E_B = 1: ei_B = 1; W_AB = 1;
- after: A = a's, I_A = 0, E_A = 1: ei_A = 1; B = b's + movers, I_B = 20:
  ei_B = -19/21; W_AB = 1.

Without the history every window uses people.csv (movers in B): before,
the 20 mover-a ties cross A-B: ei_A = ei_B = 1, W_AB = 21.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ona.analysis.pipeline import analyze
from ona.io import read_dataset
from ona.params import AnalysisParams
from ona.store import Store

SPLIT = datetime(2024, 3, 1, tzinfo=timezone.utc)
PARAMS = AnalysisParams(min_group_size=1, permutations=10, split=SPLIT, period="month")


def write_reorg(folder: Path, *, history: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [f"a{i:02d},A" for i in range(10)] + [f"b{i:02d},B" for i in range(10)]
    rows += [f"m{i:02d},B" for i in range(20)]
    (folder / "people.csv").write_text("person_id,department\n" + "\n".join(rows) + "\n")
    ties = ["source,target,weight,period_start"]
    ties += [f"m{i:02d},a{i % 10:02d},1,2024-01-15" for i in range(20)] + ["a00,b00,1,2024-01-15"]
    ties += [f"m{i:02d},b{i % 10:02d},1,2024-03-15" for i in range(20)] + ["a00,b00,1,2024-03-15"]
    (folder / "ties.csv").write_text("\n".join(ties) + "\n")
    if history:
        hist = ["person_id,valid_from,valid_to,department"]
        hist += [f"m{i:02d},2024-01-01,2024-03-01,A" for i in range(20)]
        hist += [f"m{i:02d},2024-03-01,,B" for i in range(20)]
        (folder / "people_history.csv").write_text("\n".join(hist) + "\n")
    return folder


@pytest.fixture(scope="module")
def with_history(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return analyze(write_reorg(tmp_path_factory.mktemp("reorg")), PARAMS)


@pytest.fixture(scope="module")
def without_history(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return analyze(write_reorg(tmp_path_factory.mktemp("plain"), history=False), PARAMS)


def test_comparison_puts_the_movers_in_their_department_of_each_window(with_history) -> None:  # type: ignore[no-untyped-def]
    groups = {c.group: c for c in with_history.comparison.groups}
    assert groups["A"].ei_index_before == pytest.approx(-19 / 21)
    assert groups["A"].ei_index_after == pytest.approx(1.0)
    assert groups["B"].ei_index_before == pytest.approx(1.0)
    assert groups["B"].ei_index_after == pytest.approx(-19 / 21)
    # A turned outward (+40/21) and B inward (-40/21): a change of structure
    assert groups["A"].delta_ei_index == pytest.approx(40 / 21)
    assert groups["B"].delta_ei_index == pytest.approx(-40 / 21)
    (link,) = with_history.comparison.links
    assert (link.source, link.target, link.weight_before, link.weight_after) == ("A", "B", 1.0, 1.0)


def test_trend_periods_use_the_membership_of_the_month(with_history) -> None:  # type: ignore[no-untyped-def]
    t = with_history.trends
    assert [p.label for p in t.periods] == ["2024-01", "2024-02", "2024-03"]
    by = {g.group: g for g in t.groups}
    assert by["A"].internal_weight == [20.0, 0.0, 0.0] and by["B"].internal_weight == [0.0, 0.0, 20.0]
    # January: a's and movers are A (30 active); March: only a00 is active in A, b's and movers in B
    assert by["A"].active == [30, 0, 1] and by["B"].active == [1, 0, 30]


def test_without_history_nothing_changes(without_history, with_history) -> None:  # type: ignore[no-untyped-def]
    groups = {c.group: c for c in without_history.comparison.groups}
    assert groups["A"].ei_index_before == pytest.approx(1.0) and groups["B"].ei_index_before == pytest.approx(1.0)
    (link,) = without_history.comparison.links
    assert link.weight_before == 21.0 and link.weight_after == 1.0
    # the whole-span analysis uses people.csv in both cases
    assert with_history.model_dump()["groups"] == without_history.model_dump()["groups"]


def test_labels_follow_the_longest_overlap(tmp_path: Path) -> None:
    ds = read_dataset(write_reorg(tmp_path / "org"))
    with Store() as store:
        info = store.save_dataset(ds)
        assert info.people_history == 40 and info.ties == 42

        def at(since: str, until: str) -> str:
            lo, hi = (datetime.fromisoformat(x).replace(tzinfo=timezone.utc) for x in (since, until))
            return store.group_labels(info.dataset_id, "department", lo, hi)["m00"]

        assert at("2024-02-01", "2024-04-01") == "B"  # 29 days in A (February), 31 in B
        assert at("2024-02-01", "2024-03-20") == "A"  # 29 days in A, 19 in B
        assert store.group_labels(info.dataset_id, "department")["m00"] == "B"  # no window: people.csv
        assert store.group_labels(info.dataset_id, "department")["a00"] == "A"


def test_history_rejects(tmp_path: Path) -> None:
    folder = write_reorg(tmp_path / "org")
    with (folder / "people_history.csv").open("a") as fh:
        fh.write("zed,2024-01-01,,A\nm00,yesterday,,A\nm01,2024-03-01,2024-02-01,A\nm02,2024-01-01,,\n")
    ds = read_dataset(folder)
    reasons = [r.reason for r in ds.report.rejected if r.file == "people_history.csv"]
    assert reasons == [
        "person_id 'zed' is not in people",
        "valid_from 'yesterday' is not ISO 8601",
        "valid_to '2024-02-01' is not after valid_from",
        "department is empty",
    ]
    assert ds.report.files["people_history.csv"].accepted == 40
