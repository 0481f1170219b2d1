"""Hand-built analysis results for the figure and report tests.

The metrics are derived from a small explicit edge list with the arithmetic
of DESIGN.md (so heatmap ratios can be checked), and the findings (silo
flags, weak links, reasons, p-values) are set by hand: these tests check how
results are *presented*, not how they are computed.
"""

from __future__ import annotations

import igraph as ig

from ona.graph.model import CollabGraph, Partition
from ona.params import AnalysisParams
from ona.results import (
    AnalysisResult,
    CommunitySummary,
    FileReport,
    GroupMetrics,
    LinkMetrics,
    PersonMetrics,
    Reject,
    Summary,
    ValidationReport,
)
from ona.graph.layout import Layout, compute_layout

SIZES = {"Finance": 8, "Legal": 6, "IT": 10, "Sales": 12, "HR": 3}
SILOS = ("Finance", "Legal")
SCRIPT = "<script>alert(1)</script>"


def _people(sizes: dict[str, int]) -> list[tuple[str, str]]:
    out = []
    for name, n in sizes.items():
        prefix = "".join(ch for ch in name if ch.isalnum())[:3].lower() or "grp"
        out += [(f"{prefix}{i:02d}", name) for i in range(n)]
    return out


def _edges(people: list[tuple[str, str]]) -> list[tuple[str, str, float, int]]:
    """(a, b, weight, handoffs): dense rings inside groups, few ties across."""
    by: dict[str, list[str]] = {}
    for pid, group in people:
        by.setdefault(group, []).append(pid)
    names = list(by)
    silo, other = names[0], names[1]
    edges: list[tuple[str, str, float, int]] = []
    for group, members in by.items():
        heavy = 4.0 if group in (silo, other) else 1.5
        for i, a in enumerate(members):  # ring + chords
            for step in (1, 2):
                if len(members) > step and (step == 1 or len(members) > 3):
                    b = members[(i + step) % len(members)]
                    if a != b:
                        edges.append((a, b, heavy, 0))
    it, sales, hr = names[2], names[3], names[4]
    edges += [
        (by[silo][0], by[it][0], 0.5, 20),  # silo - IT: many handoffs, little collaboration
        (by[other][0], by[sales][1], 1.0, 0),
        (by[silo][1], by[other][1], 0.8, 0),
        (by[it][2], by[sales][2], 2.0, 0),
        (by[it][3], by[sales][3], 2.5, 0),
        (by[it][4], by[sales][4], 1.5, 0),
        (by[it][5], by[hr][0], 1.0, 0),
        (by[sales][5], by[hr][1], 3.0, 2),  # sales - HR rests on one person
    ]
    seen: dict[tuple[str, str], tuple[float, int]] = {}
    for a, b, w, h in edges:
        key = (a, b) if a < b else (b, a)
        w0, h0 = seen.get(key, (0.0, 0))
        seen[key] = (w0 + w, h0 + h)
    return [(a, b, w, h) for (a, b), (w, h) in sorted(seen.items())]


def _graph(people: list[tuple[str, str]], edges) -> tuple[CollabGraph, Partition]:
    ids = tuple(pid for pid, _ in people)
    index = {pid: i for i, pid in enumerate(ids)}
    g = ig.Graph(n=len(ids), edges=[(index[a], index[b]) for a, b, _, _ in edges])
    g.vs["name"] = list(ids)
    g.es["weight"] = [w for _, _, w, _ in edges]
    return CollabGraph(g, ids), Partition.from_labels([grp for _, grp in people])


def build(sizes: dict[str, int] = SIZES) -> tuple[AnalysisResult, Layout]:
    """A result and its layout for an organization of the given group sizes.

    The first two groups are flagged as silos; the link between the first and
    the third group is weak (dependency without relationship); the links
    between the fourth and the fifth and between the third and the fourth are
    fragile.
    """
    people = _people(sizes)
    edges = _edges(people)
    group_of = dict(people)
    names = list(sizes)
    total = sum(w for _, _, w, _ in edges)
    internal = dict.fromkeys(names, 0.0)
    external = dict.fromkeys(names, 0.0)
    i_ties = dict.fromkeys(names, 0)
    e_ties = dict.fromkeys(names, 0)
    pair: dict[tuple[str, str], list[float]] = {}
    strength: dict[str, float] = {pid: 0.0 for pid, _ in people}
    degree: dict[str, int] = {pid: 0 for pid, _ in people}
    ext: dict[str, float] = {pid: 0.0 for pid, _ in people}
    for a, b, w, h in edges:
        ga, gb = group_of[a], group_of[b]
        for p in (a, b):
            strength[p] += w
            degree[p] += 1
        if ga == gb:
            internal[ga] += w
            i_ties[ga] += 1
        else:
            external[ga] += w
            external[gb] += w
            e_ties[ga] += 1
            e_ties[gb] += 1
            ext[a] += w
            ext[b] += w
            key = (min(ga, gb), max(ga, gb))
            acc = pair.setdefault(key, [0.0, 0, 0])
            acc[0] += w
            acc[1] += 1
            acc[2] += h
    vol = {d: 2 * internal[d] + external[d] for d in names}
    silo, other, it, sales, hr = names
    groups = []
    for d in names:
        ei = (external[d] - internal[d]) / (external[d] + internal[d])
        share = 2 * internal[d] / vol[d]
        expected_share = vol[d] / (2 * total)
        is_silo = d in (silo, other)
        groups.append(
            GroupMetrics(
                group=d, headcount=sizes[d], active=sizes[d], internal_weight=internal[d],
                external_weight=external[d], internal_ties=i_ties[d], external_ties=e_ties[d],
                ei_index=round(ei, 6), ei_index_ties=round((e_ties[d] - i_ties[d]) / (e_ties[d] + i_ties[d]), 6),
                volume=vol[d], internal_share=round(share, 6), expected_internal_share=round(expected_share, 6),
                insularity=round(share / expected_share, 6), conductance=None,
                z=6.1 if is_silo else 0.4, p_value=0.002 if is_silo else 0.61, p_value_raw=0.001 if is_silo else 0.5,
                external_reach=sum(1 for k in pair if d in k),
                community_split={"0": sizes[d]} if d in (silo, it) else {"1": sizes[d]},
                silo=is_silo,
                silo_reasons=[
                    f"inward: {100 * share:.0f}% of collaboration stays inside, {share / expected_share:.1f}x chance",
                    "significant: adjusted p 0.002 in the permutation test",
                ] if is_silo else [],
            )
        )  # fmt: skip
    links = []
    for (a, b), (w, t, h) in sorted(pair.items()):
        expected = vol[a] * vol[b] / (2 * total)
        weak_dep = {a, b} == {silo, it}
        fragile = {a, b} in ({sales, hr}, {it, sales})
        reasons = []
        if weak_dep:
            reasons.append(f"dependency_without_relationship: {int(h)} ticket handoffs but only {w / expected:.2f}x the expected collaboration")
        if fragile:  # like the core's reasons, naming no person
            reasons.append(f"fragile: 1 person carries 75% of the link's weight {w:.1f}; if they left, it would shrink")
        links.append(
            LinkMetrics(
                source=a, target=b, weight=w, ties=int(t), expected=round(expected, 6), ratio=round(w / expected, 6),
                handoffs=int(h), carriers=_carriers(edges, group_of, a, b), source_carriers=1, target_carriers=1,
                bridge_people=_carriers(edges, group_of, a, b)[:1], bridge_shares=[0.75] if fragile else [0.4],
                weak=weak_dep or fragile, under_connected=weak_dep, fragile=fragile,
                dependency_without_relationship=weak_dep, weak_reasons=reasons,
            )
        )  # fmt: skip
    links.sort(key=lambda lk: (not lk.weak, lk.ratio))
    community = {d: (0 if d in (silo, it) else 1) for d in names}
    top = sorted(strength, key=lambda p: (-ext[p], p))[:4]
    persons = [
        PersonMetrics(
            person_id=pid, group=grp, community=community[grp], active=degree[pid] > 0, degree=degree[pid],
            strength=strength[pid], external_share=round(ext[pid] / strength[pid], 6) if strength[pid] else None,
            role="linker" if ext[pid] else "resident", betweenness=round(0.3 - 0.05 * top.index(pid), 4) if pid in top else 0.01,
            constraint=0.4, effective_size=2.0, articulation_point=pid == top[0], bridge_edges=1 if pid == top[0] else 0,
            depended_on_by=[f"{sales} | {hr}"] if pid == top[0] else [],
        )
        for pid, grp in people
    ]  # fmt: skip
    communities = [
        CommunitySummary(community=c, size=sum(sizes[d] for d in names if community[d] == c),
                         groups={d: sizes[d] for d in names if community[d] == c},
                         main_group=max((d for d in names if community[d] == c), key=lambda d: sizes[d]),
                         main_group_share=0.55)
        for c in (0, 1)
    ]  # fmt: skip
    validation = ValidationReport(
        files={
            "people.csv": FileReport(file="people.csv", format="csv", rows_read=40, accepted=39, rejected=1),
            "emails.csv": FileReport(file="emails.csv", format="csv", rows_read=500, accepted=497, rejected=3, duplicates=2),
        },
        rejected=[
            Reject(file="people.csv", line=12, reason="person_id 'fin03' appears twice"),
            Reject(file="emails.csv", line=17, reason="timestamp '2024-13-01' is not ISO 8601"),
            Reject(file="emails.csv", line=40, reason="timestamp '2024-02-30' is not ISO 8601"),
            Reject(file="emails.csv", line=77, reason="sender is empty"),
        ],
        external={"addresses": 4},
    )  # fmt: skip
    summary = Summary(
        people=len(people), active_people=len(people), groups=len(names), ties=len(edges), total_weight=total,
        modularity=0.55, formal_modularity=0.5, assortativity=0.6, nmi=0.71, ari=0.6, communities=2,
        silos=2, weak_links=sum(lk.weak for lk in links), isolates=0, betweenness_method="exact",
        events={"emails": 497, "meetings": 0, "tickets": 22},
    )  # fmt: skip
    result = AnalysisResult(
        ona_version="0.1.0", dataset="two-silos", summary=summary, parameters=AnalysisParams(seed=3),
        groups=groups, links=links, people=persons, communities=communities, validation=validation,
    )  # fmt: skip
    g, partition = _graph(people, edges)
    return result, compute_layout(g, partition, seed=3)


def _carriers(edges, group_of, a: str, b: str) -> list[str]:
    out: dict[str, float] = {}
    for x, y, w, _ in edges:
        if {group_of[x], group_of[y]} == {a, b} and group_of[x] != group_of[y]:
            out[x] = out.get(x, 0.0) + w
            out[y] = out.get(y, 0.0) + w
    return sorted(out, key=lambda p: (-out[p], p))


def two_silos() -> tuple[AnalysisResult, Layout]:
    """39 people in 5 departments: Finance and Legal are silos, Finance - IT is a
    weak link (dependency without relationship: 20 ticket handoffs), HR - Sales
    and IT - Sales are fragile; HR has 3 people (suppressed for viewers at
    min_group_size 5)."""
    return build(SIZES)


def hostile_names() -> tuple[AnalysisResult, Layout]:
    """The same organization with a silo called ``<script>alert(1)</script>`` and an ``R&D`` group."""
    return build({SCRIPT: 8, "Legal": 6, "R&D": 10, "Sales": 12, "HR": 3})


def no_findings() -> tuple[AnalysisResult, Layout]:
    """The two-silos organization with every silo and weak flag cleared."""
    result, layout = two_silos()
    groups = [g.model_copy(update={"silo": False, "silo_reasons": []}) for g in result.groups]
    links = [lk.model_copy(update={"weak": False, "under_connected": False, "fragile": False, "weak_reasons": []})
             for lk in result.links]  # fmt: skip
    summary = result.summary.model_copy(update={"silos": 0, "weak_links": 0})
    return result.model_copy(update={"groups": groups, "links": links, "summary": summary}), layout


def ids_of(result: AnalysisResult) -> list[str]:
    return [p.person_id for p in result.people]


