"""The silo rule: inward against chance and against the rest of the organization."""

from __future__ import annotations


import numpy as np
import pytest

from ona.analysis.groups import group_metrics
from ona.analysis.significance import insularity_test
from ona.analysis.silos import flag_silos, shuffled_internal_weight
from ona.params import AnalysisParams
from ona.results import GroupMetrics
from tests.analysis.graphs_groups import Org, block_model, hand_example, planted_blocks, random_labels, two_silos

PARAMS = AnalysisParams(permutations=300)
CODES = ["inward_beyond_chance", "inward_vs_organization", "insularity"]


def analyze_groups(o: Org, params: AnalysisParams = PARAMS) -> dict[str, GroupMetrics]:
    """group_metrics -> permutation test -> flag_silos, as the pipeline composes them."""
    g, part = o.graph()
    test = insularity_test(g, part, permutations=params.permutations, seed=params.seed)
    position = {name: i for i, name in enumerate(part.names)}

    def num(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    groups = []
    for gm in group_metrics(g, part):
        i = position[gm.group]
        update = {"z": num(test.z[i]), "p_value": num(test.p_adjusted[i]), "p_value_raw": float(test.p_raw[i])}
        groups.append(gm.model_copy(update=update))
    return {gm.group: gm for gm in flag_silos(groups, params)}


def test_planted_silos_flagged_with_all_three_reasons() -> None:
    o = two_silos()
    by = analyze_groups(o)
    assert {name for name, gm in by.items() if gm.silo} == {"Audit", "Board"}
    for name in ("Audit", "Board"):
        gm = by[name]
        assert [r.split(": ")[0] for r in gm.silo_reasons] == CODES
        # the figures in the sentences are the group's own
        others = np.median([x.ei_index for n, x in by.items() if n != name])
        # W n_d (n_d - 1) / (n (n - 1)) with n_d = 12, n = 60
        expected = o.to_networkx().size(weight="weight") * 12 * 11 / (60 * 59)
        assert gm.silo_reasons[0] == (
            f"inward_beyond_chance: internal weight {gm.internal_weight:.1f} vs {expected:.1f} expected "
            f"from shuffled labels (z = {gm.z:.1f}, adjusted p = {gm.p_value:.2g})"
        )
        assert gm.silo_reasons[1] == (
            f"inward_vs_organization: E-I index {gm.ei_index:.2f}, the other groups' median is {others:.2f}"
        )
        assert f"{gm.internal_share:.0%} of its collaboration stays inside" in gm.silo_reasons[2]
    for name in ("Crew", "Dock", "Eng"):
        assert by[name].silo_reasons == []


def test_well_mixed_organization_has_no_silo() -> None:
    by = analyze_groups(random_labels(300, 10, 0.03, seed=5))
    assert not any(gm.silo for gm in by.values())


def test_inward_but_no_more_than_the_others_is_not_a_silo() -> None:
    # four equally inward departments: each beats chance and keeps most weight inside,
    # but none is 0.2 below the others' median E-I index
    by = analyze_groups(planted_blocks(4, 12, p_in=0.5, p_out=0.05, seed=2))
    for gm in by.values():
        assert gm.p_value is not None and gm.p_value < 0.05 and gm.z is not None and gm.z > 0
        assert gm.ei_index is not None and gm.ei_index < 0
        assert not gm.silo


def test_more_inward_than_others_but_mostly_outward_is_not_a_silo() -> None:
    # Audit beats chance and the others' median by far, yet sends half its weight out
    names = ["Audit", "Crew", "Dock", "Eng"]
    o = block_model(dict.fromkeys(names, 10), {("Audit", "Audit"): 0.9}, default=0.12, seed=1)
    by = analyze_groups(o)
    audit = by["Audit"]
    others = np.median([by[n].ei_index for n in names[1:]])
    assert audit.p_value < 0.05 and audit.z > 0 and audit.ei_index <= others - 0.2
    assert audit.ei_index > 0 and not audit.silo  # condition 2: ei_index <= silo_max_ei = 0
    loose = analyze_groups(o, AnalysisParams(permutations=300, silo_max_ei=0.1))
    assert loose["Audit"].silo


def _group(name: str, ei: float | None, z: float | None = 5.0, p: float | None = 0.001) -> GroupMetrics:
    internal = 0.0 if ei is None else 10 * (1 - ei) / 2
    external = 0.0 if ei is None else 10 * (1 + ei) / 2
    return GroupMetrics(group=name, headcount=5, active=5, internal_weight=internal, external_weight=external,
                        internal_ties=1, external_ties=1, ei_index=ei, ei_index_ties=ei, volume=0.0,
                        internal_share=0.5, expected_internal_share=0.25, insularity=2.0, conductance=None,
                        z=z, p_value=p)


@pytest.mark.parametrize(
    ("target", "flagged"),
    [
        (_group("A", -0.5), True),  # -0.5 <= 0 and -0.5 <= 0.0 - 0.2
        (_group("A", -0.2), True),  # on the margin: -0.2 <= 0.0 - 0.2
        (_group("A", -0.19), False),  # 0.19 short of the margin
        (_group("A", -0.5, p=0.05), False),  # not below alpha
        (_group("A", -0.5, z=-1.0), False),  # significant, but less inward than chance
        (_group("A", -0.5, z=None, p=None), False),  # the test was not run
        (_group("A", None), False),  # no ties
    ],
)
def test_rule_conditions(target: GroupMetrics, flagged: bool) -> None:
    # the others: E-I index -0.1, 0.0, 0.3 -> median 0.0
    others = [_group("B", -0.1), _group("C", 0.0), _group("D", 0.3), _group("E", None)]
    result = flag_silos([target, *others], AnalysisParams())
    assert result[0].silo is flagged
    assert bool(result[0].silo_reasons) is flagged
    assert not result[2].silo and not result[3].silo  # C and D are at or above the median


def test_rule_against_an_inward_organization() -> None:
    # every other group is at -0.8, so -0.5 is not inward compared with them
    groups = [_group("A", -0.5), _group("B", -0.8), _group("C", -0.8)]
    assert [gm.silo for gm in flag_silos(groups, AnalysisParams())] == [False, False, False]


def test_only_active_group_is_never_a_silo() -> None:
    assert flag_silos([_group("A", -1.0), _group("B", None)], AnalysisParams())[0].silo is False


def test_flags_are_reset_on_copies() -> None:
    stale = _group("A", 0.5).model_copy(update={"silo": True, "silo_reasons": ["old"]})
    (result,) = flag_silos([stale], AnalysisParams())
    assert (result.silo, result.silo_reasons, stale.silo) == (False, [], True)


def test_shuffled_internal_weight_by_hand() -> None:
    groups = {gm.group: gm for gm in group_metrics(*hand_example().graph())}
    names = sorted(groups)
    expected = dict(zip(names, shuffled_internal_weight([groups[n] for n in names])))
    # W = 12, n = 6: Ops 12 * 3 * 2 / 30 = 2.4, Fin 12 * 2 * 1 / 30 = 0.8, Law 0
    assert expected == pytest.approx({"Ops": 2.4, "Fin": 0.8, "Law": 0.0})
