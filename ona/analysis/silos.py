"""Silo flags: ``list[GroupMetrics]`` (with z and p_value) -> the same, flagged.

A silo is a group whose collaboration is abnormally inward both against
chance and against the rest of the organization. Group d is flagged
``silo`` when all three conditions hold:

1. **inward beyond chance**: the label-permutation test of its internal
   weight I_d is significant, ``p_value < alpha`` (Benjamini-Hochberg
   adjusted over the groups) with ``z > 0``;
2. **mostly inward**: ``ei_index <= silo_max_ei`` (default 0: at least
   half of its collaboration weight stays inside);
3. **more inward than the others**: ``ei_index <= median - silo_ei_margin``
   where ``median`` is the median E-I index of the *other* groups that have
   ties (default margin 0.2).

Condition 1 alone flags nearly every department of a real organization,
because people work more with their own department than with random
colleagues; conditions 2 and 3 keep only the groups that stand out.
A group without ties, a group whose test was not run (``z`` or ``p_value``
null) and the only active group of an organization are never flagged.

Every flagged group carries three ``silo_reasons``, each ``"<code>: <sentence>"``:

- ``inward_beyond_chance``: internal weight against its expectation under
  shuffled labels, ``W n_d (n_d - 1) / (n (n - 1))`` (exactly the mean of the
  permutation distribution: each tie lands inside d with that probability),
  with z and the adjusted p;
- ``inward_vs_organization``: its E-I index against the other groups' median;
- ``insularity``: the share of its collaboration that stays inside and how
  many times what degree-preserving random mixing would give.

Non-silos get ``silo = False`` and no reasons. Thresholds are the
:class:`~ona.params.AnalysisParams` fields ``alpha``, ``silo_max_ei`` and
``silo_ei_margin``.
"""

from __future__ import annotations

import numpy as np

from ona.params import AnalysisParams
from ona.results import GroupMetrics

__all__ = ["flag_silos", "others_median", "shuffled_internal_weight", "silo_mask"]


def flag_silos(groups: list[GroupMetrics], params: AnalysisParams) -> list[GroupMetrics]:
    """Flag the silos among ``groups`` and give the reasons (updated copies).

    A group is a silo when ``p_value < alpha`` and ``z > 0`` and
    ``ei_index <= silo_max_ei`` and ``ei_index <= (median E-I index of the
    other groups with ties) - silo_ei_margin`` (module docstring).

    Parameters
    ----------
    groups : list of GroupMetrics
        Every group of the organization (also those without ties, whose
        headcounts enter the expected internal weight), with ``z`` and
        ``p_value`` filled by the permutation test.
    params : AnalysisParams
        ``alpha``, ``silo_max_ei`` and ``silo_ei_margin``.

    Returns
    -------
    list of GroupMetrics
        Copies in the same order with ``silo`` and ``silo_reasons`` set.

    Examples
    --------
    Three groups of 10: A keeps 40 inside and sends 10 out (E-I index
    (10 - 40) / 50 = -0.6), B and C are at +0.2 and 0.0, so the others'
    median is 0.1 and -0.6 <= 0.1 - 0.2. W = 80 inside + 60 / 2 across = 110,
    and shuffled labels would leave 110 * 10 * 9 / (30 * 29) = 11.4 inside A.

    >>> from ona.results import GroupMetrics
    >>> def grp(name, i, e, z, p):
    ...     return GroupMetrics(group=name, headcount=10, active=10, internal_weight=i,
    ...         external_weight=e, internal_ties=1, external_ties=1, ei_index=(e - i) / (e + i),
    ...         ei_index_ties=0.0, volume=2 * i + e, internal_share=None,
    ...         expected_internal_share=None, insularity=None, conductance=None, z=z, p_value=p)
    >>> groups = [grp("A", 40.0, 10.0, 6.0, 0.003), grp("B", 20.0, 30.0, 0.5, 0.4),
    ...           grp("C", 20.0, 20.0, 1.0, 0.3)]
    >>> [(g.group, g.silo) for g in flag_silos(groups, AnalysisParams())]
    [('A', True), ('B', False), ('C', False)]
    >>> for reason in flag_silos(groups, AnalysisParams())[0].silo_reasons:
    ...     print(reason)
    inward_beyond_chance: internal weight 40.0 vs 11.4 expected from shuffled labels (z = 6.0, adjusted p = 0.003)
    inward_vs_organization: E-I index -0.60, the other groups' median is 0.10
    """
    expected = shuffled_internal_weight(groups)
    ei = np.array([np.nan if g.ei_index is None else g.ei_index for g in groups], dtype=float)
    z = np.array([np.nan if g.z is None else g.z for g in groups], dtype=float)
    p = np.array([np.nan if g.p_value is None else g.p_value for g in groups], dtype=float)
    median = others_median(ei)
    flagged = []
    for d, (gm, silo) in enumerate(zip(groups, silo_mask(ei, z, p, params).tolist())):
        reasons = _reasons(gm, float(median[d]), expected[d]) if silo else []
        flagged.append(gm.model_copy(update={"silo": silo, "silo_reasons": reasons}))
    return flagged


def others_median(ei: np.ndarray) -> np.ndarray:
    """Per group, the median E-I index of the *other* groups with ties (NaN when there is none).

    One sort for all groups: the median without one value is read off the
    sorted values by position (``ei`` NaN for groups without ties).

    >>> others_median(np.array([0.1, -0.6, 0.2, np.nan])).round(2).tolist()
    [-0.2, 0.15, -0.25, 0.1]
    """
    has = np.isfinite(ei)
    values = np.sort(ei[has])
    m = values.size
    rank = np.where(has, np.searchsorted(values, ei), m)  # a group without ties removes nothing
    remaining = np.where(has, m - 1, m)
    median = np.full(ei.size, np.nan)
    ok = remaining >= 1

    def at(i: np.ndarray) -> np.ndarray:  # position i of the values without the group's own
        return values[np.where(i < rank, i, np.minimum(i + 1, m - 1))]

    if ok.any():
        half = remaining // 2
        odd = at(np.minimum(half, max(m - 1, 0)))
        even = (at(np.maximum(half - 1, 0)) + at(np.minimum(half, max(m - 1, 0)))) / 2
        median = np.where(ok, np.where(remaining % 2 == 1, odd, even), np.nan)
    return median


def silo_mask(ei: np.ndarray, z: np.ndarray, p: np.ndarray, params: AnalysisParams) -> np.ndarray:
    """The three silo conditions (module docstring), vectorized over groups.

    ``ei``, ``z``, ``p`` per group, NaN where null; the result is False where
    any is NaN or no other group has ties.
    """
    median = others_median(ei)
    with np.errstate(invalid="ignore"):
        return (np.isfinite(ei) & np.isfinite(z) & np.isfinite(p) & np.isfinite(median) & (p < params.alpha)
                & (z > 0) & (ei <= params.silo_max_ei) & (ei <= median - params.silo_ei_margin))  # fmt: skip


def shuffled_internal_weight(groups: list[GroupMetrics]) -> list[float]:
    """Mean internal weight of each group when labels are shuffled over people.

    ``W n_d (n_d - 1) / (n (n - 1))``, with ``n_d`` the headcount, ``n`` the
    organization's headcount and ``W = sum I_d + (sum E_d) / 2``: each tie
    has both ends in d with probability ``n_d (n_d - 1) / (n (n - 1))``.

    >>> from ona.results import GroupMetrics
    >>> def grp(n, i, e):
    ...     return GroupMetrics(group="g", headcount=n, active=n, internal_weight=i,
    ...         external_weight=e, internal_ties=0, external_ties=0, ei_index=None,
    ...         ei_index_ties=None, volume=0.0, internal_share=None, expected_internal_share=None,
    ...         insularity=None, conductance=None, z=None, p_value=None)
    >>> shuffled_internal_weight([grp(2, 3.0, 1.0), grp(2, 0.0, 1.0)])  # W = 4, 4 * 2/12
    [0.6666666666666666, 0.6666666666666666]
    """
    n = sum(g.headcount for g in groups)
    total = sum(g.internal_weight for g in groups) + sum(g.external_weight for g in groups) / 2
    if n < 2:
        return [0.0 for _ in groups]
    return [total * g.headcount * (g.headcount - 1) / (n * (n - 1)) for g in groups]


def _reasons(gm: GroupMetrics, median: float, expected: float) -> list[str]:
    """The reasons of a flagged silo (its E-I index, z and p are not null)."""
    assert gm.ei_index is not None and gm.z is not None and gm.p_value is not None
    reasons = [
        f"inward_beyond_chance: internal weight {gm.internal_weight:.1f} vs {expected:.1f} expected "
        f"from shuffled labels (z = {gm.z:.1f}, adjusted p = {gm.p_value:.2g})",
        f"inward_vs_organization: E-I index {gm.ei_index:.2f}, the other groups' median is {median:.2f}",
    ]
    if gm.internal_share is not None and gm.insularity is not None:
        reasons.append(
            f"insularity: {gm.internal_share:.0%} of its collaboration stays inside, "
            f"{gm.insularity:.1f} times what random mixing would give"
        )
    return reasons
