"""A hand-built result of a fine grouping: 320 teams, about 15,000 linked pairs of teams, hundreds of weak links.

Like :mod:`tests.viz.results`, the numbers are set, not computed: these
results test how hundreds of groups are *presented* (top rows, search, show
all, legible figures, tentative flags), in a fraction of a second. Built with
numpy from one seed. No people (a viewer-like result), so nothing names a person.

Planted for the tests:
- 6 silos, the first two of them tentative (``stability`` 0.64, seen in tickets),
  the others stable (0.95, seen in emails and meetings);
- every 20th linked pair is weak (fragile or under-connected); the first weak
  link in the result's order is tentative (0.64, seen in tickets), the others
  stable (0.9);
- the stability fields of everything else are null, as in a result without the
  stability step.
"""

from __future__ import annotations

import numpy as np

from ona.params import AnalysisParams
from ona.results import (
    AnalysisResult,
    CommunitySummary,
    GroupMetrics,
    Layout,
    LinkMetrics,
    Summary,
    ValidationReport,
)

TEAMS = 320
SILOS = 6
TENTATIVE_SHARE = 0.64


def team_names(n: int = TEAMS) -> list[str]:
    departments = ["Finance", "Engineering", "Sales", "Legal", "IT", "HR", "Logistics", "Support"]
    return [f"{departments[i % len(departments)]} Team {i:03d}" for i in range(n)]


def fine_grouping(n: int = TEAMS, *, seed: int = 11, link_share: float = 0.3) -> tuple[AnalysisResult, Layout]:
    """The result and a layout (teams on a spiral) of an organization of ``n`` teams."""
    rng = np.random.default_rng(seed)
    names = team_names(n)
    headcount = rng.integers(5, 16, size=n)
    internal = rng.uniform(20, 80, size=n)
    external = rng.uniform(20, 120, size=n)
    ei = (external - internal) / (external + internal)
    groups = []
    for i, name in enumerate(names):
        silo = i < SILOS
        tentative = i < 2
        groups.append(
            GroupMetrics(
                group=name, headcount=int(headcount[i]), active=int(headcount[i]),
                internal_weight=float(internal[i]), external_weight=float(external[i]),
                internal_ties=int(internal[i]), external_ties=int(external[i]),
                ei_index=-0.9 if silo else float(round(ei[i], 4)), ei_index_ties=float(round(ei[i], 4)),
                volume=float(2 * internal[i] + external[i]), internal_share=0.5, expected_internal_share=0.01,
                insularity=50.0 if silo else 3.0, conductance=None, z=5.0 if silo else 0.1,
                p_value=0.001 if silo else 0.7, p_value_raw=None, silo=silo,
                silo_reasons=["inward: most of its collaboration stays inside"] if silo else [],
                stability=(TENTATIVE_SHARE if tentative else 0.95) if silo else None,
                tentative=tentative,
                supported_by=(["ticket"] if tentative else ["email", "meeting"]) if silo else [],
                ei_interval=[-0.95, -0.8] if silo else None,
            )
        )  # fmt: skip
    a, b = np.triu_indices(n, k=1)
    keep = rng.random(a.size) < link_share
    a, b = a[keep], b[keep]
    weight = rng.gamma(2.0, 2.0, size=a.size)
    expected = rng.gamma(2.0, 2.0, size=a.size) + 0.1
    links = []
    for k in range(a.size):
        weak = k % 20 == 0
        first = k == 0
        fragile = weak and k % 40 == 0
        links.append(
            LinkMetrics(
                source=names[a[k]], target=names[b[k]], weight=float(round(weight[k], 3)), ties=int(weight[k]) + 1,
                expected=float(round(expected[k], 3)), ratio=float(round(weight[k] / expected[k], 4)),
                source_carriers=3, target_carriers=3, weak=weak, fragile=fragile,
                under_connected=weak and not fragile,
                weak_reasons=(["fragile: one or two people carry most of the link"] if fragile
                              else ["under_connected: far less collaboration than chance would give"]) if weak else [],
                stability=(TENTATIVE_SHARE if first else 0.9) if weak else None, tentative=first,
                supported_by=(["ticket"] if first else ["email"]) if weak else [],
                ratio_interval=[0.1, 0.3] if weak else None,
            )
        )  # fmt: skip
    links.sort(key=lambda lk: (not lk.weak, not lk.tentative, lk.source, lk.target))
    communities = [
        CommunitySummary(community=c, size=int(sum(headcount[i] for i in range(c, n, 8))),
                         groups={names[i]: int(headcount[i]) for i in range(c, n, 8)})
        for c in range(8)
    ]  # fmt: skip
    summary = Summary(
        people=int(headcount.sum()), active_people=int(headcount.sum()), groups=n, ties=int(weight.size * 3),
        total_weight=float(weight.sum() + internal.sum()), modularity=0.5, formal_modularity=0.4, assortativity=0.5,
        nmi=0.6, ari=0.3, communities=8, silos=SILOS, weak_links=sum(lk.weak for lk in links), tentative=3,
        isolates=0, betweenness_method="exact",
    )  # fmt: skip
    result = AnalysisResult(
        ona_version="0.1.0", dataset="fine-grouping", summary=summary, parameters=AnalysisParams(group_by="team"),
        groups=groups, links=links, people=[], communities=communities, validation=ValidationReport(),
    )  # fmt: skip
    angle = np.linspace(0, 12 * np.pi, n)
    radius = np.linspace(0.1, 0.95, n)
    layout = Layout(
        seed=seed,
        groups={name: (float(round(r * np.cos(t), 4)), float(round(r * np.sin(t), 4)))
                for name, r, t in zip(names, radius, angle)},
    )  # fmt: skip
    return result, layout


def with_time(result: AnalysisResult) -> AnalysisResult:
    """The fine result with trends (3 months) and a before / after comparison of every team and linked pair:
    the first team became more insular, every 20th link weakened."""
    from tests.viz.results_service import SPLIT, comparison, trends

    names = [g.group for g in result.groups]
    t = trends(names[:5])
    t.groups = [g.model_copy(update={"group": name}) for name, g in zip(names, t.groups * (len(names) // 5 + 1))]
    c = comparison(names[:5])
    change, link = c.groups[0], c.links[0]
    c.groups = [change.model_copy(update={"group": name, "more_insular": i == 0, "reasons": change.reasons if i == 0 else []})
                for i, name in enumerate(names)]  # fmt: skip
    c.links = [link.model_copy(update={"source": lk.source, "target": lk.target, "weakened": k % 20 == 0,
                                       "weak_after": k % 20 == 0, "weight_before": lk.weight, "weight_after": lk.weight})
               for k, lk in enumerate(result.links)]  # fmt: skip
    assert c.split == SPLIT
    return result.model_copy(update={"trends": t, "comparison": c})
