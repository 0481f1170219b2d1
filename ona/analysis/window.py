"""The analysis of one window's graph: groups judged (significance, silo flags) and links judged.

Input: a collaboration graph and its group partition (of one time window,
or of the whole analysis) and :class:`~ona.params.AnalysisParams`. Output:
the groups and the links with their findings, as the whole analysis
(:func:`ona.analysis.pipeline.analyze_dataset`) and each side of the
before / after comparison (:func:`ona.analysis.pipeline.compare_windows`)
report them. One place composes "groups + significance + silo flags" and
"link test + link flags":

- :func:`judged_groups`: :func:`~ona.analysis.groups.group_metrics`, then
  the permutation test (:func:`~ona.analysis.significance.insularity_test`
  with the parameters' ``permutations`` and ``seed``: each group's ``z``,
  adjusted ``p_value`` and ``p_value_raw``), then the silo rule
  (:func:`~ona.analysis.silos.flag_silos`);
- :func:`judged_links`: :func:`~ona.analysis.links.link_metrics` judged
  with the link permutation test
  (:func:`~ona.analysis.link_significance.link_test`, the silo test's
  shuffles with the same seed) and the groups flagged silo (the links a
  silo explains are not weak).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ona.analysis.groups import group_metrics
from ona.analysis.link_significance import link_test
from ona.analysis.links import link_metrics
from ona.analysis.significance import insularity_test
from ona.analysis.silos import flag_silos
from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams
from ona.results import GroupMetrics, LinkMetrics

__all__ = ["judged_groups", "judged_links", "num"]


def _no_stage(name: str) -> None:
    """Report nothing."""


def judged_groups(
    g: CollabGraph,
    partition: Partition,
    params: AnalysisParams,
    *,
    stage: Callable[[str], None] = _no_stage,
) -> list[GroupMetrics]:
    """Every group's metrics, its permutation test and its silo flag.

    ``stage("groups")`` is called before the metrics and
    ``stage("significance")`` before the permutation test (the progress of
    the whole analysis). Groups in the order of ``group_metrics``.
    """
    stage("groups")
    groups = group_metrics(g, partition)
    stage("significance")
    test = insularity_test(g, partition, permutations=params.permutations, seed=params.seed)
    index = {name: i for i, name in enumerate(partition.names)}
    return flag_silos(
        [
            gm.model_copy(
                update={
                    "z": num(test.z[index[gm.group]]),
                    "p_value": num(test.p_adjusted[index[gm.group]]),
                    "p_value_raw": num(test.p_raw[index[gm.group]]),
                }
            )
            for gm in groups
        ],
        params,
    )


def judged_links(
    g: CollabGraph,
    partition: Partition,
    groups: list[GroupMetrics],
    params: AnalysisParams,
    *,
    group_handoffs: Mapping[tuple[str, str], int] | None = None,
) -> list[LinkMetrics]:
    """Every link's metrics, judged with the link permutation test and the silos of ``groups``.

    ``group_handoffs``: the handoffs only a group change records, per
    ordered pair of groups (:attr:`~ona.results.HandoffPair.group_handoffs`).
    """
    return link_metrics(
        g, partition, params=params, group_handoffs=group_handoffs,
        test=link_test(g, partition, params=params), silos=[gm.group for gm in groups if gm.silo],
    )  # fmt: skip


def num(x: float | None) -> float | None:
    """A JSON-safe float: None for missing or non-finite values.

    >>> num(float("nan")) is None, num(2), num(None)
    (True, 2.0, None)
    """
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None
