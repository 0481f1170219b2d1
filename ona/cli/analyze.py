"""`ona analyze`, `ona validate` and `ona export`: parse, call the library, write."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, NamedTuple

import typer
from rich.table import Table

from ona.cli.common import (
    GRAPH_FIELDS,
    DatasetArg,
    MapOpt,
    console,
    fail,
    progress_bar,
    user_errors,
    with_params,
)
from ona.params import AnalysisParams
from ona.progress import OnProgress
from ona.results import AnalysisResult, ValidationReport

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Keep the dataset and the analysis in this DuckDB store (so `ona serve --store` shows it).",
    ),
]
ViewerOpt = Annotated[
    bool,
    typer.Option(
        "--viewer", help="Write the viewer (leader) version: no person-level data, small groups suppressed."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
WorkspaceOpt = Annotated[
    str,
    typer.Option(
        "--workspace",
        "-w",
        help="With --store: the workspace (client or organization) the dataset and analysis belong to; "
        "only that workspace's keys see them in `ona serve`.",
    ),
]


class EngineChoice(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = Annotated[
    EngineChoice,
    typer.Option(
        "--engine",
        help="Where the events are read, validated and aggregated: duckdb (embedded, the default) or spark "
        "(Spark jobs read the event files, from a folder or a lake URI, and compute the pair weights and "
        "handoff tables with the same rules and SQL, for events beyond one machine; needs pyspark and Java 17). "
        "The result is the same.",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        envvar="ONA_SPARK_MASTER",
        help="With --engine spark: the Spark master URL (local[4], spark://host:7077, yarn...); "
        "default: the one spark-submit gives, else local[*].",
        show_default=False,
    ),
]


SourceArg = Annotated[
    str,
    typer.Argument(
        help="Dataset folder holding people.csv and any of emails.csv, meetings.csv, tickets.csv, chats.csv, "
        "ties.csv, people_history.csv (or .parquet / .jsonl with the same columns). With --engine spark, also a "
        "URI Spark reads (s3a://, abfss://, dbfs:/, hdfs://...), and event tables may be folders of part files.",
        show_default=False,
    ),
]


class Run(NamedTuple):
    result: AnalysisResult
    analysis_id: str | None
    names: dict[str, str]


def run_analysis(
    dataset: Path | str, params: AnalysisParams, *, store: Path | None, on_progress: OnProgress,
    workspace: str = "default", column_map: list[str] | None = None, engine: str = "duckdb",
    spark_master: str | None = None,
) -> Run:
    """Read (people columns renamed by ``column_map``: ``--map`` items), load (into ``store``, in
    ``workspace``, or memory) and analyze, with the library's entries
    (:func:`ona.analysis.pipeline.load_source`, :func:`~ona.analysis.pipeline.analyze_and_keep`).
    With ``engine`` spark (at ``spark_master``), Spark reads, validates and aggregates the events
    (``dataset`` may then be a lake URI) and the store keeps the people, the validation report and
    the result, but no event. A store file this run created is removed again when the load fails
    (:func:`ona.store.store_for_load`); without ``store``, the events go to a scratch store
    (:func:`ona.store.scratch_store`: on disk for large folders)."""
    from ona.analysis.pipeline import analyze_and_keep, analyze_dataset, event_engine, folder_bytes, load_source
    from ona.io.columns import parse_map
    from ona.io.dataset import person_names
    from ona.store import Store, scratch_store, store_for_load

    mapping = parse_map(column_map or [])
    opened = (store_for_load(store) if store else scratch_store(folder_bytes(dataset)) if engine == "duckdb"
              else Store(":memory:"))  # Spark keeps no event in the store
    with opened as db, event_engine(engine, spark_master) as events:  # type: ignore[arg-type]
        info = load_source(db, dataset, workspace=workspace, column_map=mapping, engine=events,
                           on_progress=on_progress)
        if store:
            result, analysis_id = analyze_and_keep(db, info.dataset_id, params, on_progress=on_progress,
                                                   engine=events)
        else:
            result, analysis_id = analyze_dataset(db, info.dataset_id, params, on_progress=on_progress,
                                                  engine=events), None
        names = person_names(db.people_table(info.dataset_id))
    return Run(result, analysis_id, names)


@with_params()
def analyze(
    dataset: SourceArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the result JSON.")] = Path(
        "result.json"
    ),
    store: StoreOpt = None,
    workspace: WorkspaceOpt = "default",
    viewer: ViewerOpt = False,
    quiet: QuietOpt = False,
    column_map: MapOpt = None,
    engine: EngineOpt = EngineChoice.duckdb,
    spark_master: SparkMasterOpt = None,
    *,
    params: AnalysisParams,
) -> None:
    """Analyze a dataset folder and write the silo findings as one JSON document.

    The JSON has the keys summary, parameters, groups, links, people,
    communities and validation (see DESIGN.md), plus handoffs,
    recommendations, key_people, trends (--period), comparison (--split) and
    the map layout. Silos and weak links are also printed as tables.
    """
    from ona.privacy import for_viewer

    with user_errors(), progress_bar(not quiet) as on_progress:
        result, analysis_id, _ = run_analysis(
            dataset, params, store=store, on_progress=on_progress, workspace=workspace, column_map=column_map,
            engine=engine.value, spark_master=spark_master,
        )
        if viewer:
            result = for_viewer(result)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.to_json(), encoding="utf-8")
    if not quiet:
        print_findings(result)
        print_validation(result.validation, limit=5)
        console.print(f"Result written to [bold]{out}[/]")
        if analysis_id is not None:
            console.print(f"Stored as analysis {analysis_id} in {store} (workspace '{workspace}')")


def validate(
    dataset: DatasetArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the full validation report as JSON.")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="How many rejected rows to print.")] = 20,
    column_map: MapOpt = None,
) -> None:
    """Check a dataset folder and print its validation report (nothing is analyzed).

    Exits with status 0 even when rows are rejected: rejected rows are
    reported, never fatal. A file unusable as a whole exits with status 1.
    """
    from ona.analysis.pipeline import loaded_folder
    from ona.io.columns import parse_map

    with user_errors(), progress_bar() as on_progress, \
            loaded_folder(dataset, column_map=parse_map(column_map or []), on_progress=on_progress) as (db, info):
        report = db.validation_report(info.dataset_id)
    print_validation(report, limit=show)
    if out is not None:
        out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"Validation report written to [bold]{out}[/]")


@with_params(GRAPH_FIELDS)
def export(
    dataset: DatasetArg,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Graph file to write: .graphml or .gexf (Gephi reads both)."),
    ],
    column_map: MapOpt = None,
    *,
    params: AnalysisParams,
) -> None:
    """Export the weighted collaboration graph (people, ties, groups) as GraphML or GEXF."""
    from ona.analysis.pipeline import load_graph, loaded_folder
    from ona.graph.convert import write_graph
    from ona.io.columns import parse_map

    if out.suffix.lower() not in (".graphml", ".gexf"):
        fail(f"{out}: the file name must end in .graphml or .gexf", code=2)
    with user_errors(), progress_bar() as on_progress:
        with loaded_folder(dataset, column_map=parse_map(column_map or []), on_progress=on_progress) as (db, info):
            g, partition, _ = load_graph(db, info.dataset_id, params)
        write_graph(g, partition, out)
    console.print(f"{g.n} people and {g.graph.ecount()} ties written to [bold]{out}[/]")


def print_findings(result: AnalysisResult) -> None:
    s = result.summary
    console.print(
        f"[bold]{s.people}[/] people ({s.active_people} active) in [bold]{s.groups}[/] groups, "
        f"{s.ties} ties, modularity of the groups {_fmt(s.formal_modularity)}, "
        f"{s.communities} communities (NMI with the groups {_fmt(s.nmi)})"
    )
    silos = [g for g in result.groups if g.silo]
    table = Table(title=f"Silos ({len(silos)} of {len(result.groups)} groups)", show_lines=False)
    for col in ("group", "headcount", "E-I index", "insularity", "adj. p", "why"):
        table.add_column(col)
    for g in silos:
        table.add_row(
            g.group, str(g.headcount), _fmt(g.ei_index), _fmt(g.insularity), _fmt(g.p_value, 3),
            "; ".join(r.split(":")[0] for r in g.silo_reasons),
        )  # fmt: skip
    console.print(table)
    weak = [lk for lk in result.links if lk.weak]
    table = Table(title=f"Weak links ({len(weak)} of {len(result.links)} group pairs), worst first")
    for col in ("groups", "weight", "ratio", "handoffs", "bridge people", "why"):
        table.add_column(col)
    for lk in weak[:10]:
        table.add_row(
            f"{lk.source} - {lk.target}", _fmt(lk.weight, 1), _fmt(lk.ratio), str(lk.handoffs),
            ", ".join(lk.bridge_people[:2]), "; ".join(r.split(":")[0] for r in lk.weak_reasons),
        )  # fmt: skip
    console.print(table)


def print_validation(report: ValidationReport, *, limit: int) -> None:
    table = Table(title="Validation")
    for col in ("file", "rows read", "accepted", "rejected", "duplicates"):
        table.add_column(col)
    for f in report.files.values():
        table.add_row(f.file, str(f.rows_read), str(f.accepted), str(f.rejected), str(f.duplicates))
    console.print(table)
    for r in report.rejected[:limit]:
        console.print(f"  {r.file} line {r.line}: {r.reason}", highlight=False)
    shown = min(limit, len(report.rejected))
    more = report.rejected_count - shown
    if more > 0:
        console.print(f"  ... and {more:,} more rejected rows (`ona validate DATASET --out FILE` lists them)")
    capped = [f for f in report.files.values() if f.rejects_truncated]
    for f in capped:
        console.print(
            f"  {f.file}: only the first {f.rejects_kept:,} of its {f.rejected:,} rejected rows "
            "are kept with their line and reason; the rest are counted",
            highlight=False,
        )


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
