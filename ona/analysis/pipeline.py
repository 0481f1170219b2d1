"""The whole analysis: store -> graph -> every analysis -> AnalysisResult.

``analyze_dataset`` only composes the stages; each metric lives in its own
module. ``analyze`` is the one-call form for a dataset folder (it uses an
in-memory store).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import ona
from ona.analysis.centrality import analysis_betweenness
from ona.analysis.communities import (
    community_summaries,
    compare_to_groups,
    group_community_split,
    leiden_communities,
)
from ona.analysis.groups import group_metrics
from ona.analysis.handoffs import handoff_analytics, window_group_labels
from ona.analysis.keyperson import key_person_risk
from ona.analysis.link_significance import link_test
from ona.analysis.links import link_metrics
from ona.analysis.people import person_metrics
from ona.analysis.recommend import recommend
from ona.analysis.significance import insularity_test
from ona.analysis.silos import flag_silos
from ona.analysis.stability import flag_sensitivity, flag_stability
from ona.analysis.structure import formal_modularity, group_assortativity
from ona.analysis.trends import compare_windows, trend
from ona.errors import EmptyGraphError
from ona.graph.build import build_graph, partition_of
from ona.graph.layout import compute_layout
from ona.graph.model import CollabGraph, Partition
from ona.io.load import find_files
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress
from ona.results import (
    RESULT_REJECTS,
    AnalysisResult,
    GroupMetrics,
    LinkMetrics,
    PersonMetrics,
    Summary,
)
from ona.store import PairWeights, Store, scratch_store
from ona.store.engine import DuckDBEngine, EventEngine

STAGES = (
    "aggregate",
    "groups",
    "significance",
    "communities",
    "handoffs",
    "links",
    "stability",
    "people",
    "recommendations",
    "layout",
    "trends",
)


def load_graph(
    store: Store, dataset_id: str, params: AnalysisParams, *, engine: EventEngine | None = None
) -> tuple[CollabGraph, Partition, PairWeights]:
    """The collaboration graph, the group partition and the pair weights.

    The pair weights come from ``engine`` (the store's DuckDB by default,
    :class:`ona.store.spark.SparkEngine` for events beyond one machine: the
    same weights). In a time window the partition is each person's group as
    of the window (:func:`~ona.analysis.handoffs.window_group_labels`).
    """
    engine = engine or DuckDBEngine()
    pairs = engine.pair_weights(store, dataset_id, params, weekly=params.stability_resamples > 0)
    g = build_graph(pairs.table, store.person_ids(dataset_id))
    partition = partition_of(g, window_group_labels(store, dataset_id, params))
    return g, partition, pairs


def analyze_dataset(
    store: Store,
    dataset_id: str,
    params: AnalysisParams | None = None,
    *,
    on_progress: OnProgress = no_progress,
    engine: EventEngine | None = None,
) -> AnalysisResult:
    """Run every analysis of DESIGN.md on a stored dataset.

    ``engine`` computes the pair weights (see :func:`load_graph`); it is an
    execution choice, not a parameter: the result does not depend on it.

    Raises
    ------
    NotFoundError
        The dataset is not in the store.
    ParameterError
        ``group_by`` names no column of people.
    EmptyGraphError
        No tie in the (windowed) data.
    """
    params = params or AnalysisParams()
    total = len(STAGES)
    step = iter(range(total))

    def stage(name: str) -> None:
        on_progress(name, next(step), total)

    info = store.get_dataset(dataset_id)
    stage("aggregate")
    g, partition, pairs = load_graph(store, dataset_id, params, engine=engine)
    if g.graph.ecount() == 0:
        raise EmptyGraphError(
            "no collaboration tie in this dataset"
            + (" and time window" if params.since or params.until else "")
            + ": nothing to analyze"
        )

    stage("groups")
    groups = group_metrics(g, partition)
    stage("significance")
    test = insularity_test(g, partition, permutations=params.permutations, seed=params.seed)
    stage("communities")
    communities = leiden_communities(g, resolution=params.resolution, seed=params.seed)
    splits = group_community_split(partition, communities.membership)
    groups = [
        gm.model_copy(
            update={
                "z": _num(test.z[i]),
                "p_value": _num(test.p_adjusted[i]),
                "p_value_raw": _num(test.p_raw[i]),
                "community_split": splits.get(gm.group, {}),
            }
        )
        for i, gm in zip(_group_index(partition, groups), groups)
    ]
    groups = flag_silos(groups, params)
    stage("handoffs")
    handoffs = handoff_analytics(store, dataset_id, params, engine=engine)
    stage("links")
    moves = {(p.from_group, p.to_group): p.group_handoffs for p in handoffs.pairs if p.group_handoffs}
    # the silo test's shuffles (same seed), now of every pair's weight and relationship
    links_null = link_test(g, partition, params=params)
    links = link_metrics(
        g, partition, params=params, group_handoffs=moves, test=links_null,
        silos=[gm.group for gm in groups if gm.silo],
    )  # fmt: skip
    stage("stability")
    groups, links = flag_sensitivity(g, partition, groups, links, params=params, group_handoffs=moves)
    if pairs.weekly is not None:
        groups, links = flag_stability(g, partition, groups, links, pairs.weekly, params=params, group_handoffs=moves)
    stage("people")
    between = analysis_betweenness(g, params)
    people = person_metrics(
        g, partition, params=params, communities=communities.membership, betweenness_result=between
    )
    people = _depended_on(people, links, params.fragile_carriers)
    stage("recommendations")
    recommendations = recommend(g, partition, groups, links, people, params=params)
    key_people = key_person_risk(
        g, partition, top=params.key_people,
        betweenness={p.person_id: p.betweenness for p in people}, params=params,
    )  # fmt: skip
    stage("layout")
    layout = compute_layout(g, partition, seed=params.seed)
    stage("trends")
    trends = trend(store, dataset_id, params, period=params.period, engine=engine) if params.period else None
    comparison = (compare_windows(store, dataset_id, params, split=params.split, engine=engine)
                  if params.split else None)
    on_progress("done", total, total)

    nmi, ari = compare_to_groups(partition, communities.membership)
    summary = Summary(
        people=g.n,
        active_people=int((np.asarray(g.graph.degree()) > 0).sum()),
        groups=partition.k,
        ties=g.graph.ecount(),
        total_weight=round(g.total_weight, 6),
        modularity=_num(communities.modularity),
        formal_modularity=_num(formal_modularity(g, partition)),
        assortativity=_num(group_assortativity(g, partition)),
        nmi=_num(nmi),
        ari=_num(ari),
        communities=int(communities.count),
        silos=sum(gm.silo for gm in groups),
        weak_links=sum(lk.weak for lk in links),
        tentative=sum(gm.tentative for gm in groups) + sum(lk.tentative for lk in links),
        isolates=int((np.asarray(g.graph.degree()) == 0).sum()),
        betweenness_method=between.method,
        events=pairs.events,
        external={k: round(float(v), 6) for k, v in pairs.external.items()},
    )
    return AnalysisResult(
        ona_version=ona.__version__,
        dataset=info.name,
        summary=summary,
        parameters=params,
        groups=groups,
        links=links,
        people=people,
        communities=community_summaries(partition, communities.membership),
        validation=store.validation_report(dataset_id, limit=RESULT_REJECTS).capped(
            RESULT_REJECTS,
            where=f"GET /api/v1/datasets/{dataset_id}/validation (paged) or `ona validate`",
        ),
        handoffs=handoffs,
        recommendations=recommendations,
        key_people=key_people,
        trends=trends,
        comparison=comparison,
        layout=layout,
    )


def analyze(
    path: str | Path,
    params: AnalysisParams | None = None,
    *,
    on_progress: OnProgress = no_progress,
) -> AnalysisResult:
    """Read a dataset folder and analyze it (in a scratch store: nothing is kept)."""
    files = find_files(Path(path))
    with scratch_store(sum(Path(f).stat().st_size for f in files.values())) as store:
        info = store.load_files(files, name=Path(path).resolve().name, on_progress=on_progress)
        return analyze_dataset(store, info.dataset_id, params, on_progress=on_progress)


def _group_index(partition: Partition, groups: list[GroupMetrics]) -> list[int]:
    position = {name: i for i, name in enumerate(partition.names)}
    return [position[gm.group] for gm in groups]


def _num(x: float | None) -> float | None:
    """A JSON-safe float: None for missing or non-finite values."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _depended_on(people: list[PersonMetrics], links: list[LinkMetrics], carriers: int) -> list[PersonMetrics]:
    """Mark the people that fragile links rest on (their first bridge people)."""
    pairs: dict[str, list[str]] = {}
    for link in links:
        if link.fragile:
            for pid in link.bridge_people[:carriers]:
                pairs.setdefault(pid, []).append(f"{link.source} | {link.target}")
    if not pairs:
        return people
    return [p.model_copy(update={"depended_on_by": sorted(pairs[p.person_id])}) if p.person_id in pairs else p for p in people]
