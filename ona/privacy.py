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
  can quote addresses).
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
