"""Trends per period and the before / after comparison of a planted reorganization."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ona.results import GroupMetrics, LinkMetrics, Trends, WindowComparison
from ona.analysis.pipeline import compare_windows, trend
from ona.analysis.trends import _group_change, _link_change, periods
from ona.errors import ParameterError
from ona.params import AnalysisParams
from ona.store import Store
from tests.orgs import T0, WEEK, reorganization, saved

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


# --------------------------------------------------------------------------
# the before / after thresholds are parameters (defaults: today's constants)


def _group(ei: float, z: float = 3.0, p: float = 0.01) -> GroupMetrics:
    inside, outside = (1 - ei) / 2, (1 + ei) / 2  # E-I index ei of a weight of 1
    return GroupMetrics(
        group="G", headcount=10, active=10, internal_weight=inside, external_weight=outside, internal_ties=5,
        external_ties=5, ei_index=ei, ei_index_ties=ei, volume=2 * inside + outside, internal_share=None,
        expected_internal_share=None, insularity=None, conductance=None, z=z, p_value=p,
    )


def _insular(before: float, after: float, se: float, **changes: float) -> bool:
    return _group_change(_group(before), _group(after), se, se, AnalysisParams(**changes)).more_insular


def test_insular_thresholds_are_parameters() -> None:
    # G1 fell by 0.15 with a z of -2.12; G2 by 0.08 with a z of -2.83
    g1, g2 = (-0.2, -0.35, 0.05), (-0.2, -0.28, 0.02)
    defaults = AnalysisParams()
    assert (defaults.insular_ei_drop, defaults.insular_delta_z) == (0.1, 1.96)
    assert (_insular(*g1), _insular(*g2)) == (True, False)  # today's rule
    # a smaller drop flags more groups, a larger one fewer
    assert (_insular(*g1, insular_ei_drop=0.05), _insular(*g2, insular_ei_drop=0.05)) == (True, True)
    assert (_insular(*g1, insular_ei_drop=0.2), _insular(*g2, insular_ei_drop=0.2)) == (False, False)
    # a stricter z: G1's fall (z -2.12) is no longer significant; G2's (-2.83) still is
    assert _insular(*g1, insular_delta_z=2.5) is False
    assert _insular(*g2, insular_ei_drop=0.05, insular_delta_z=2.5) is True
    assert _insular(*g2, insular_ei_drop=0.05, insular_delta_z=3.0) is False


def _link(ratio: float, carriers: int) -> LinkMetrics:
    return LinkMetrics(source="A", target="B", weight=ratio, ties=carriers, expected=1.0, ratio=ratio,
                       carriers=[f"p{i}" for i in range(carriers)])


def test_link_change_thresholds_are_parameters() -> None:
    before = _link(1.0, 4)
    l1, l2 = _link(0.7, 3), _link(0.85, 2)  # ratio -30%, carriers -25%; ratio -15%, carriers -50%

    def change(after: LinkMetrics, **changes: float) -> tuple[bool, bool]:
        c = _link_change("A", "B", before, after, AnalysisParams(**changes))
        return c.weakened, c.fewer_carriers

    defaults = AnalysisParams()
    assert (defaults.weakened_ratio_drop, defaults.fewer_carriers_drop) == (0.25, 0.25)
    assert change(l1) == (True, True) and change(l2) == (False, True)  # today's rule
    assert change(l1, weakened_ratio_drop=0.4) == (False, True)  # a larger drop: fewer weakened links
    assert change(l2, weakened_ratio_drop=0.1) == (True, True)  # a smaller one: more
    assert change(l1, fewer_carriers_drop=0.3) == (True, False)
    assert change(l2, fewer_carriers_drop=0.6) == (False, False)


def test_comparison_reads_its_thresholds_from_the_parameters(store_id: tuple[Store, str]) -> None:
    store, dataset_id = store_id
    default = compare_windows(store, dataset_id, PARAMS, split=SPLIT)
    assert default == compare_windows(
        store, dataset_id, PARAMS.model_copy(update={"insular_ei_drop": 0.1, "insular_delta_z": 1.96}), split=SPLIT
    )
    strict = compare_windows(store, dataset_id, AnalysisParams(**{
        **PARAMS.model_dump(), "insular_ei_drop": 2.0, "weakened_ratio_drop": 1.0, "fewer_carriers_drop": 1.0,
    }), split=SPLIT)  # fmt: skip
    assert default.groups_more_insular == 1 and strict.groups_more_insular == 0
    a = next(g for g in strict.groups if g.group == "A")
    assert a.became_silo and not a.more_insular  # the silo rule is not a before/after threshold
    # only links that became weak (or fragile) still count: here none
    assert strict.links_weakened < default.links_weakened and strict.links_fewer_carriers < default.links_fewer_carriers
    assert all(lk.weak_after and not lk.weak_before for lk in strict.links if lk.weakened)
    assert all(lk.fragile_after and not lk.fragile_before for lk in strict.links if lk.fewer_carriers)
    lenient = compare_windows(store, dataset_id, AnalysisParams(**{
        **PARAMS.model_dump(), "weakened_ratio_drop": 0.05, "fewer_carriers_drop": 0.05,
    }), split=SPLIT)  # fmt: skip
    assert lenient.links_weakened >= default.links_weakened
    assert lenient.links_fewer_carriers > default.links_fewer_carriers
