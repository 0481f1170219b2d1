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

__all__ = ["flag_silos", "shuffled_internal_weight"]


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
    ei = [g.ei_index for g in groups]
    flagged = []
    for d, gm in enumerate(groups):
        others = [x for j, x in enumerate(ei) if j != d and x is not None]
        median = float(np.median(others)) if others else None
        reasons = _reasons(gm, params, median, expected[d])
        flagged.append(gm.model_copy(update={"silo": bool(reasons), "silo_reasons": reasons}))
    return flagged


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


def _reasons(gm: GroupMetrics, params: AnalysisParams, median: float | None, expected: float) -> list[str]:
    """The three reasons when ``gm`` meets all three conditions, else []."""
    if gm.ei_index is None or gm.z is None or gm.p_value is None or median is None:
        return []
    significant = gm.p_value < params.alpha and gm.z > 0
    inward = gm.ei_index <= params.silo_max_ei
    beyond_others = gm.ei_index <= median - params.silo_ei_margin
    if not (significant and inward and beyond_others):
        return []
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
