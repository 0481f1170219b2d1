"""Privacy: what a viewer (a leader) may receive of an analysis result.

Input: a full :class:`~ona.results.AnalysisResult`. Output: the same type,
reduced by :func:`for_viewer`; every face (API routes, leaders' pages,
figures, ``ona analyze --viewer``, ``ona report --viewer``) builds from
that reduced result and nothing else.

The rule (DESIGN.md, Outputs): no figure a viewer receives, and no sum or
difference of figures a viewer receives, equals a figure about fewer than
K = ``min_group_size`` people. It is held by computing every figure on
the *viewer graph* (:mod:`ona.privacy.graph`):

- **Groups under K.** When there are at least two of them and they hold at
  least K people together, they are pooled into one group row named
  ``"other (n groups under K)"``, whose figures are those of its members
  together (its internal weight includes the weight between them). Otherwise
  their people and every tie touching them leave the viewer's figures: the
  shown groups' external figures, the links, the summary's totals,
  communities, handoffs, trends and comparison. The names of groups under K
  are never shown.
- **Links carried by fewer than K people** (carriers on both sides
  together) show no weight: weight 0, no ties, channels or handoffs, ratio
  null, listed in ``privacy.withheld_links``; their weight leaves the two
  groups' figures and the totals too, so that no difference gives it back.
  The same holds per period (trends) and per window (comparison), for all
  the periods (both windows) of a link at once: its whole-window weight
  minus the periods shown would otherwise give the thin period back.
- **Totals are sums of what is shown**: ``summary.people = sum(headcount)``,
  ``2 total_weight = sum(volume)``, each group's ``external_weight`` and
  ``external_ties`` are the sums over its links, communities' sizes are
  the sums of their groups, the handoff totals the sums of the pairs and
  groups shown, each period's total the sum of its groups and links.
  Ratios are recomputed from those sums by their DESIGN.md definitions.
- **Figures that cannot be recomputed** from what is shown, because the
  result does not split them by group (distinct tickets, median stays,
  tie counts per period, the window totals of the comparison, Leiden's
  modularity, the events and validation counts), are null or empty
  whenever they would include something left out, and the note says so.
  The permutation z-scores and p-values of shown groups, their ``active``
  counts and silo / weak flags are kept: none is a sum with a part left out.
- **No figure about one or two people**: no person-level data, no
  carriers or bridge people named, no bridge shares, no ``external_top2_share``;
  reasons (of silos, weak links, changes and recommendations) keep their
  code with a sentence that quotes no figure, and recommendations keep only
  their group's or link's figures.

``privacy`` in the result says how many groups were under K, the pool's
name, whether people were left out, which links show no weight and which
figures were not shown.
"""

from __future__ import annotations

from ona.privacy.service import viewer_recommendations
from ona.privacy.viewer import for_viewer, small_groups

__all__ = ["for_viewer", "small_groups", "viewer_recommendations"]
