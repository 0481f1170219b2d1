"""Privacy rules applied to results before anything is shown to a viewer.

``for_viewer(result)`` returns the same type, reduced to what a leader (the
viewer role) may see, so that no figure, page or report built from it can
leak what it no longer holds:

- person-level data is removed (``people`` is empty);
- groups with fewer than ``min_group_size`` members are suppressed: their
  row is removed, links that involve them are removed, and in community
  compositions their members are pooled under one ``"other (n groups under
  K)"`` label; the summary counts the suppressed groups;
- no identity appears: link carriers and bridge people are replaced by
  counts (``source_carriers``, ``target_carriers``, ``bridge_shares`` stay);
- the validation report keeps its counts but not the rejected rows (which
  can quote addresses);
- handoff, trend and before/after figures of suppressed groups are removed;
  recommendations keep their reasons, figures and roles but not the people
  or pairs they name, and those about suppressed groups are removed; the
  "what if they leave" simulation (about named people) is removed;
- the stored map layout keeps the group positions only.
"""

from __future__ import annotations

from ona.results import AnalysisResult, CommunitySummary, PrivacyNote


def small_groups(result: AnalysisResult, min_group_size: int) -> set[str]:
    """Names of the groups with fewer than ``min_group_size`` members."""
    return {g.group for g in result.groups if g.headcount < min_group_size}


def for_viewer(result: AnalysisResult, min_group_size: int | None = None) -> AnalysisResult:
    """The viewer's version of a result (see the module docstring)."""
    k = result.parameters.min_group_size if min_group_size is None else min_group_size
    hidden = small_groups(result, k)
    other = f"other ({len(hidden)} groups under {k})"
    groups = [
        g.model_copy(update={"silo_reasons": list(g.silo_reasons)})
        for g in result.groups
        if g.group not in hidden
    ]
    links = [
        lk.model_copy(update={"carriers": [], "bridge_people": []})
        for lk in result.links
        if lk.source not in hidden and lk.target not in hidden
    ]
    communities = [_pool(c, hidden, other) for c in result.communities]
    validation = result.validation.model_copy(update={"rejected": []})

    def shown(*names: str) -> bool:
        return not hidden.intersection(names)

    handoffs = result.handoffs
    if handoffs is not None:
        handoffs = handoffs.model_copy(
            update={
                "pairs": [p for p in handoffs.pairs if shown(p.from_group, p.to_group)],
                "groups": [g for g in handoffs.groups if shown(g.group)],
            }
        )
    trends, comparison = result.trends, result.comparison
    if trends is not None:
        trends = trends.model_copy(
            update={
                "groups": [g for g in trends.groups if shown(g.group)],
                "links": [lk for lk in trends.links if shown(lk.source, lk.target)],
            }
        )
    if comparison is not None:
        comparison = comparison.model_copy(
            update={
                "groups": [g for g in comparison.groups if shown(g.group)],
                "links": [lk for lk in comparison.links if shown(lk.source, lk.target)],
            }
        )
    recommendations = [
        r.model_copy(update={"person_ids": [], "pairs": []})
        for r in result.recommendations
        if shown(*r.groups)
    ]
    layout = result.layout
    if layout is not None:
        layout = layout.model_copy(
            update={
                "people": {},
                "edges": [],
                "groups": {k: v for k, v in layout.groups.items() if k not in hidden},
            }
        )
    note = PrivacyNote(
        audience="viewer",
        min_group_size=k,
        suppressed_groups=len(hidden),
        note=(
            f"{len(hidden)} group(s) with fewer than {k} people are suppressed; "
            "person-level data and identities are not shown to viewers."
        ),
    )
    return result.model_copy(
        update={
            "groups": groups,
            "links": links,
            "people": [],
            "communities": communities,
            "validation": validation,
            "handoffs": handoffs,
            "trends": trends,
            "comparison": comparison,
            "recommendations": recommendations,
            "key_people": [],
            "layout": layout,
            "privacy": note,
        }
    )


def _pool(c: CommunitySummary, hidden: set[str], other: str) -> CommunitySummary:
    if not hidden.intersection(c.groups):
        return c
    groups: dict[str, int] = {}
    for name, count in c.groups.items():
        key = other if name in hidden else name
        groups[key] = groups.get(key, 0) + count
    main = c.main_group if c.main_group not in hidden else other
    return c.model_copy(update={"groups": groups, "main_group": main})
