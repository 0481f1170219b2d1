"""Trends per period and the before / after comparison of a planted reorganization."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ona.results_service import Trends, WindowComparison
from ona.analysis.trends import compare_windows, periods, trend
from ona.errors import ParameterError
from ona.params import AnalysisParams
from ona.store import Store
from tests.service.data import T0, saved
from tests.service.orgs import WEEK, reorganization

PARAMS = AnalysisParams(permutations=200, seed=3)
SPLIT = T0 + 4 * WEEK


@pytest.fixture(scope="module")
def store_id() -> tuple[Store, str]:
    with Store() as store:
        yield store, saved(store, reorganization())


def test_reorganization_shows_after_the_date(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    result = compare_windows(store, dataset_id, PARAMS, split=SPLIT)
    first = result.groups[0]
    assert first.group == "A" and first.more_insular and first.became_silo
    assert first.delta_ei_index < -0.5 and first.delta_z < -1.96
    assert first.z_before is not None and first.z_after > first.z_before
    assert first.reasons[0].startswith("more_insular: E-I index went from")
    assert [g.group for g in result.groups if g.more_insular or g.became_silo] == ["A"]
    # A's links weakened and rest on fewer people; B-C, B-D, C-D did not
    changed = {(lk.source, lk.target) for lk in result.links if lk.weakened}
    assert changed == {("A", "B"), ("A", "C"), ("A", "D")}
    assert result.groups_more_insular == 1 and result.links_weakened == 3
    WindowComparison.model_validate_json(result.model_dump_json())


def test_no_reorganization_before_the_date(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    params = PARAMS.model_copy(update={"until": SPLIT})
    result = compare_windows(store, dataset_id, params, split=T0 + 2 * WEEK)
    assert result.groups_more_insular == 0
    assert not any(g.became_silo or g.silo_after for g in result.groups)
    assert result.links_weakened == 0


def test_split_outside_the_window_is_refused(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    with pytest.raises(ParameterError):
        compare_windows(store, dataset_id, PARAMS, split=T0 - WEEK)


def test_weekly_trend(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    result = trend(store, dataset_id, PARAMS, period="week")
    # T0 is Monday 2024-03-04 (ISO week 10); 8 weeks of events, the last
    # ones may spill into the Monday of week 18
    labels = [p.label for p in result.periods]
    assert labels[:8] == [f"2024-W{w}" for w in range(10, 18)]
    a = next(gt for gt in result.groups if gt.group == "A")
    assert all(len(series) == len(labels) for series in (a.ei_index, a.insularity, a.active))
    assert max(a.ei_index[4:8]) < -0.5 < min(a.ei_index[:4])
    ab = next(lt for lt in result.links if (lt.source, lt.target) == ("A", "B"))
    assert min(ab.ratio[:4]) > 0.3 > max(ab.ratio[4:8])
    Trends.model_validate_json(result.model_dump_json())


def test_monthly_trend_with_window_and_empty_period(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    until = datetime(2024, 6, 1, tzinfo=timezone.utc)  # June has no event: a period without ties
    params = PARAMS.model_copy(update={"since": datetime(2024, 2, 1, tzinfo=timezone.utc), "until": until})
    result = trend(store, dataset_id, params, period="month")
    assert [p.label for p in result.periods] == ["2024-02", "2024-03", "2024-04", "2024-05"]
    empty = result.periods[0]  # nothing before T0 (March 4)
    assert (empty.ties, empty.total_weight, empty.active_people) == (0, 0.0, 0)
    assert all(gt.ei_index[0] is None for gt in result.groups)
    assert all(lt.ratio[0] is None and lt.weight[0] == 0.0 for lt in result.links)


def test_periods_clip_to_the_window() -> None:
    utc = timezone.utc
    cuts = periods(datetime(2024, 1, 31, 12, tzinfo=utc), datetime(2024, 2, 2, tzinfo=utc), "month")
    assert [(s.isoformat(), e.isoformat(), name) for s, e, name in cuts] == [
        ("2024-01-31T12:00:00+00:00", "2024-02-01T00:00:00+00:00", "2024-01"),
        ("2024-02-01T00:00:00+00:00", "2024-02-02T00:00:00+00:00", "2024-02"),
    ]
    with pytest.raises(ParameterError):
        periods(cuts[0][0], cuts[1][1], "day")  # type: ignore[arg-type]
