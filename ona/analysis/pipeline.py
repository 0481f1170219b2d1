"""The whole analysis: store -> graph -> every analysis -> AnalysisResult.

The one composition of the stages: the CLI, the service's jobs and the
trends call it. ``analyze_dataset`` composes the stages of a stored
dataset; each metric lives in its own module and takes the graph (or the
store's tables) first. This module fetches from the store what they need:
the graph of a window (:func:`load_graph`), the handoff tables
(:func:`handoff_analytics`), the periods of a trend (:func:`trend`) and the
two sides of a comparison (:func:`compare_windows`), each side judged by
:mod:`ona.analysis.window` as the whole analysis judges its groups and
links. ``analyze`` is the one-call form for a dataset folder (it uses an
in-memory store); :func:`load_source`, :func:`event_engine`,
:func:`run_analysis`, :func:`analyze_and_keep` and :func:`loaded_folder` are the entries of the
faces (``ona analyze``, the service's jobs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

import ona
from ona.analysis.centrality import analysis_betweenness
from ona.analysis.communities import (
    community_summaries,
    compare_to_groups,
    group_community_split,
    leiden_communities,
)
from ona.analysis.handoffs import handoff_metrics
from ona.analysis.keyperson import key_person_risk
from ona.analysis.people import person_metrics
from ona.analysis.recommend import recommend
from ona.analysis.stability import flag_sensitivity, flag_stability
from ona.analysis.structure import formal_modularity, group_assortativity
from ona.analysis.trends import (
    PeriodMetrics,
    WindowSide,
    compare_sides,
    period_metrics,
    periods,
    trend_series,
    window_side,
)
from ona.analysis.window import judged_groups, judged_links, num
from ona.errors import EmptyGraphError, ParameterError
from ona.graph.build import build_graph, partition_of
from ona.graph.layout import compute_layout
from ona.graph.model import CollabGraph, Partition
from ona.io.load import find_files
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress
from ona.results import (
    RESULT_REJECTS,
    AnalysisResult,
    HandoffAnalytics,
    LinkMetrics,
    PersonMetrics,
    Summary,
    Trends,
    WindowComparison,
)
from ona.store import DatasetInfo, PairWeights, Store, scratch_store
from ona.store.control import check_workspace_name
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
    same weights), with the weekly weights when ``stability_resamples`` is
    positive. In a time window the partition is each person's group as of
    the window (:func:`window_group_labels`).
    """
    return _graph(store, dataset_id, params, store.person_ids(dataset_id),
                  window_group_labels(store, dataset_id, params), engine, weekly=params.stability_resamples > 0)


def window_group_labels(store: Store, dataset_id: str, params: AnalysisParams) -> dict[str, str]:
    """person_id -> group for an analysis: as of its time window when it has one.

    With ``since`` or ``until`` and a ``people_history`` table, each person's
    group is taken from their history row covering the largest part of the
    window (the rule of the trend periods and the before / after comparison:
    :meth:`Store.group_labels`); a window open on one side is closed by the
    dataset's first event (``since``) or just after its last (``until``).
    Without a window, or without history, it is the people table's value.

    Raises
    ------
    NotFoundError
        The dataset is not in the store.
    ParameterError
        ``group_by`` names no column of people.
    """
    if params.since is None and params.until is None:
        return store.group_labels(dataset_id, params.group_by)
    since, until = _bounds(store, dataset_id, params)
    if since >= until:
        return store.group_labels(dataset_id, params.group_by)
    return store.group_labels(dataset_id, params.group_by, since, until)


def handoff_analytics(store: Store, dataset_id: str, params: AnalysisParams, *,
                      engine: EventEngine | None = None) -> HandoffAnalytics:
    """Ticket handoff analytics of a stored dataset: the store's handoff tables
    (:mod:`ona.store.handoffs`, computed by ``engine``: the store's DuckDB by
    default, :class:`ona.store.spark.SparkEngine` on Spark, the same tables)
    for the groups as of the window (:func:`window_group_labels`), measured
    by :func:`ona.analysis.handoffs.handoff_metrics`.

    ``params``: ``group_by``, ``since``, ``until`` and ``no_owner_groups``
    are used.

    Raises
    ------
    NotFoundError
        The dataset is not in the store.
    ParameterError
        ``group_by`` names no column of people.
    """
    labels = window_group_labels(store, dataset_id, params)
    tables = (engine or DuckDBEngine()).handoff_tables(store, dataset_id, labels, since=params.since,
                                                       until=params.until)
    return handoff_metrics(tables, params)


def trend(
    store: Store,
    dataset_id: str,
    params: AnalysisParams,
    *,
    period: Literal["week", "month"] = "month",
    on_progress: OnProgress = no_progress,
    engine: EventEngine | None = None,
) -> Trends:
    """Group and link metrics per week or month (:mod:`ona.analysis.trends`).

    Each period's graph comes from the store's pair weights of that window
    (computed by ``engine``), with each person's group as of the period;
    :func:`ona.analysis.trends.period_metrics` measures it and
    :func:`ona.analysis.trends.trend_series` lines the periods up.

    Parameters
    ----------
    store : Store
    dataset_id : str
    params : AnalysisParams
        Everything but ``since`` / ``until`` is used as is; those bound the
        periods.
    period : {"week", "month"}
    on_progress : callable, optional
        ``on_progress("trend", done, total)`` after each period.
    engine : EventEngine, optional
        Where the pair weights of each period are computed (the store's
        DuckDB by default; :class:`ona.store.spark.SparkEngine`: the same).

    Raises
    ------
    NotFoundError, ParameterError
    """
    since, until = _bounds(store, dataset_id, params)
    cuts = periods(since, until, period) if since < until else []
    ids = store.person_ids(dataset_id)
    names: set[str] = set()
    rows: list[PeriodMetrics] = []
    for i, (start, end, label) in enumerate(cuts):
        window = params.model_copy(update={"since": start, "until": end})
        labels = store.group_labels(dataset_id, params.group_by, start, end)
        names.update(labels.values())
        g, partition, pairs = _graph(store, dataset_id, window, ids, labels, engine)
        rows.append(period_metrics(g, partition, window, start=start, end=end, label=label,
                                   handoffs=pairs.events.get("handoffs", 0)))
        on_progress("trend", i + 1, len(cuts))
    if not cuts:
        names.update(store.group_labels(dataset_id, params.group_by).values())
    return trend_series(period, params.group_by, rows, names)


def compare_windows(
    store: Store,
    dataset_id: str,
    params: AnalysisParams,
    *,
    split: datetime,
    engine: EventEngine | None = None,
) -> WindowComparison:
    """Before / after ``split``: which groups turned inward, which links weakened (:mod:`ona.analysis.trends`).

    Each side is the graph of its window with each person's group as of
    the window, its groups and links judged as the whole analysis judges
    them (:func:`ona.analysis.window.judged_groups`,
    :func:`ona.analysis.window.judged_links`);
    :func:`ona.analysis.trends.compare_sides` judges the changes.

    Parameters
    ----------
    store : Store
    dataset_id : str
    params : AnalysisParams
        ``since`` / ``until`` bound the two windows; ``permutations``,
        ``seed``, ``alpha`` and the silo and weak-link thresholds are used
        in each; ``insular_ei_drop``, ``insular_delta_z``,
        ``weakened_ratio_drop`` and ``fewer_carriers_drop`` judge the changes.
    split : datetime
        The date between the windows (UTC when naive), strictly inside the
        analysis window.

    Raises
    ------
    ParameterError
        ``split`` is not inside the window.
    EmptyGraphError
        One of the two windows has no tie.
    """
    if split.tzinfo is None:
        split = split.replace(tzinfo=timezone.utc)
    since, until = _bounds(store, dataset_id, params)
    if not since < split < until:
        raise ParameterError("split", f"{split.isoformat()} is not inside the window "
                                      f"[{since.isoformat()}, {until.isoformat()})")
    ids = store.person_ids(dataset_id)
    before, after = (_side(store, dataset_id, params, ids, lo, hi, engine)
                     for lo, hi in ((since, split), (split, until)))
    return compare_sides(before, after, params, split=split)


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

    groups = judged_groups(g, partition, params, stage=stage)  # stages "groups", "significance"
    stage("communities")
    communities = leiden_communities(g, resolution=params.resolution, seed=params.seed)
    splits = group_community_split(partition, communities.membership)
    groups = [gm.model_copy(update={"community_split": splits.get(gm.group, {})}) for gm in groups]
    stage("handoffs")
    handoffs = handoff_analytics(store, dataset_id, params, engine=engine)
    stage("links")
    moves = {(p.from_group, p.to_group): p.group_handoffs for p in handoffs.pairs if p.group_handoffs}
    links = judged_links(g, partition, groups, params, group_handoffs=moves)
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
        modularity=num(communities.modularity),
        formal_modularity=num(formal_modularity(g, partition)),
        assortativity=num(group_assortativity(g, partition)),
        nmi=num(nmi),
        ari=num(ari),
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
    with loaded_folder(path, on_progress=on_progress) as (store, info):
        return analyze_dataset(store, info.dataset_id, params, on_progress=on_progress)


@contextmanager
def loaded_folder(
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    on_progress: OnProgress = no_progress,
) -> Iterator[tuple[Store, DatasetInfo]]:
    """A dataset folder read a piece at a time into a scratch store, removed after (on disk when the
    files are large): the store and the dataset (named after the folder; people columns renamed by
    ``column_map``).

    Raises
    ------
    DatasetError
        No dataset file in the folder, or a file unusable as a whole.
    """
    files = find_files(Path(path))
    with scratch_store(sum(Path(f).stat().st_size for f in files.values())) as store:
        yield store, store.load_files(files, name=Path(path).resolve().name, column_map=column_map,
                                      on_progress=on_progress)


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


# ------------------------------------------------------------ the faces' entries


@contextmanager
def event_engine(name: Literal["duckdb", "spark"] = "duckdb", spark_master: str | None = None
                 ) -> Iterator[EventEngine]:
    """Where the events are read and aggregated: the store's DuckDB, or Spark at ``spark_master``
    (:class:`ona.store.spark.SparkEngine`; None: the master spark-submit gives, else ``local[*]``).
    The result of an analysis does not depend on it."""
    if name == "spark":
        from ona.store.spark import SparkEngine

        with SparkEngine(spark_master) as spark:
            yield spark
    elif name == "duckdb":
        yield DuckDBEngine()
    else:
        raise ParameterError("engine", f"must be 'duckdb' or 'spark', not '{name}'")


def load_source(
    store: Store,
    source: str | Path,
    *,
    workspace: str = "default",
    column_map: dict[str, str] | None = None,
    engine: EventEngine | None = None,
    on_progress: OnProgress = no_progress,
) -> DatasetInfo:
    """A dataset folder read, validated and saved in ``store`` a piece at a time (in ``workspace``;
    people columns renamed by ``column_map``, :func:`ona.io.columns.parse_map`): :meth:`Store.load_folder`,
    one transaction, so a failed load leaves the store as it was.

    With a Spark ``engine``, Spark reads and validates the events (``source``
    may then be a lake URI) and the store keeps the people and the
    validation report, but no event (:meth:`ona.store.spark.SparkEngine.load_dataset`).

    Raises
    ------
    ParameterError
        ``workspace`` is not a workspace name.
    DatasetError
        A file is unusable as a whole.
    """
    workspace = check_workspace_name(workspace)
    if engine is not None and not isinstance(engine, DuckDBEngine):
        return engine.load_dataset(store, str(source), workspace=workspace,  # type: ignore[attr-defined]
                                   column_map=column_map or {}, on_progress=on_progress)
    return store.load_folder(Path(source), workspace=workspace, column_map=column_map or {},
                             on_progress=on_progress)


def folder_bytes(source: str | Path) -> int:
    """The size of a dataset folder's files (what :func:`loaded_folder` and ``ona analyze`` size their
    scratch store by: :func:`ona.store.scratch_store`).

    Raises
    ------
    DatasetError
        No dataset folder there (:func:`ona.io.load.find_files`).
    """
    return sum(Path(f).stat().st_size for f in find_files(Path(source)).values())


def run_analysis(
    store: Store,
    dataset_id: str,
    params: AnalysisParams | None = None,
    *,
    on_progress: OnProgress = no_progress,
    engine: Literal["duckdb", "spark"] = "duckdb",
    spark_master: str | None = None,
) -> AnalysisResult:
    """:func:`analyze_dataset` with the engine named (:func:`event_engine`), opened for this analysis."""
    with event_engine(engine, spark_master) as events:
        return analyze_dataset(store, dataset_id, params, on_progress=on_progress, engine=events)


class Kept(NamedTuple):
    """An analysis recorded in a store: its result and its id there."""

    result: AnalysisResult
    analysis_id: str


def analyze_and_keep(
    store: Store,
    dataset_id: str,
    params: AnalysisParams | None = None,
    *,
    on_progress: OnProgress = no_progress,
    engine: EventEngine | None = None,
) -> Kept:
    """Record an analysis in the store, run it (:func:`analyze_dataset`) and save its result JSON.

    A failing analysis leaves its record as created (queued) and raises.
    """
    params = params or AnalysisParams()
    job = store.create_analysis(dataset_id, params)
    result = analyze_dataset(store, dataset_id, params, on_progress=on_progress, engine=engine)
    store.save_result(job.analysis_id, result.to_json())
    return Kept(result, job.analysis_id)


# --------------------------------------------------------------------------


def _bounds(store: Store, dataset_id: str, params: AnalysisParams) -> tuple[datetime, datetime]:
    """The analysis window: since / until, else the dataset's first event and just after its last."""
    info = store.get_dataset(dataset_id)
    since = params.since or info.first_event
    until = params.until or (info.last_event + timedelta(microseconds=1) if info.last_event else None)
    if since is None or until is None:
        now = datetime(1970, 1, 1, tzinfo=timezone.utc)
        return now, now
    return since.astimezone(timezone.utc), until.astimezone(timezone.utc)


def _graph(store: Store, dataset_id: str, params: AnalysisParams, ids: list[str], labels: dict[str, str],
           engine: EventEngine | None = None, *, weekly: bool = False) -> tuple[CollabGraph, Partition, PairWeights]:
    """The graph of ``params``' window (people ``ids``, groups ``labels``) and its pair weights."""
    pairs = (engine or DuckDBEngine()).pair_weights(store, dataset_id, params, weekly=weekly)
    g = build_graph(pairs.table, ids)
    return g, partition_of(g, labels), pairs


def _side(store: Store, dataset_id: str, params: AnalysisParams, ids: list[str], since: datetime,
          until: datetime, engine: EventEngine | None) -> WindowSide:
    """One side of the comparison: the window ``[since, until)`` fetched and judged."""
    window = params.model_copy(update={"since": since, "until": until})
    labels = store.group_labels(dataset_id, params.group_by, since, until)
    g, partition, _ = _graph(store, dataset_id, window, ids, labels, engine)
    if g.graph.ecount() == 0:
        raise EmptyGraphError(f"no collaboration tie in [{since.isoformat()}, {until.isoformat()}): "
                              "nothing to compare")
    groups = judged_groups(g, partition, window)
    return window_side(g, partition, groups, judged_links(g, partition, groups, window), since=since, until=until)
