"""`ona analyze`, `ona validate` and `ona export`: parse, call the library, write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ona.cli.common import (
    Alpha,
    BetweennessExactLimit,
    BetweennessSamples,
    BroadcastLimit,
    DatasetArg,
    DependencyMinHandoffs,
    DependencyRatio,
    EmailWeight,
    FragileCarriers,
    FragileShare,
    GroupBy,
    LargeMeetingLimit,
    MeetingWeight,
    MinGroupSize,
    MinWeight,
    Permutations,
    Resolution,
    Seed,
    SiloEiMargin,
    SiloMaxEi,
    Since,
    TicketWeight,
    Until,
    WeakRatio,
    DEFAULTS,
    console,
    make_params,
    progress_bar,
    user_errors,
)
from ona.results import AnalysisResult, ValidationReport


def analyze(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the result JSON.")] = Path(
        "result.json"
    ),
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Keep the dataset and the analysis in this DuckDB store (so `ona serve --store` shows it).",
        ),
    ] = None,
    viewer: Annotated[
        bool,
        typer.Option(
            "--viewer",
            help="Write the viewer (leader) version: no person-level data, small groups suppressed.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    group_by: GroupBy = DEFAULTS["group_by"],
    since: Since = DEFAULTS["since"],
    until: Until = DEFAULTS["until"],
    email_weight: EmailWeight = DEFAULTS["email_weight"],
    meeting_weight: MeetingWeight = DEFAULTS["meeting_weight"],
    ticket_weight: TicketWeight = DEFAULTS["ticket_weight"],
    broadcast_limit: BroadcastLimit = DEFAULTS["broadcast_limit"],
    large_meeting_limit: LargeMeetingLimit = DEFAULTS["large_meeting_limit"],
    min_weight: MinWeight = DEFAULTS["min_weight"],
    min_group_size: MinGroupSize = DEFAULTS["min_group_size"],
    resolution: Resolution = DEFAULTS["resolution"],
    seed: Seed = DEFAULTS["seed"],
    permutations: Permutations = DEFAULTS["permutations"],
    alpha: Alpha = DEFAULTS["alpha"],
    silo_ei_margin: SiloEiMargin = DEFAULTS["silo_ei_margin"],
    silo_max_ei: SiloMaxEi = DEFAULTS["silo_max_ei"],
    weak_ratio: WeakRatio = DEFAULTS["weak_ratio"],
    dependency_min_handoffs: DependencyMinHandoffs = DEFAULTS["dependency_min_handoffs"],
    dependency_ratio: DependencyRatio = DEFAULTS["dependency_ratio"],
    fragile_carriers: FragileCarriers = DEFAULTS["fragile_carriers"],
    fragile_share: FragileShare = DEFAULTS["fragile_share"],
    betweenness_exact_limit: BetweennessExactLimit = DEFAULTS["betweenness_exact_limit"],
    betweenness_samples: BetweennessSamples = DEFAULTS["betweenness_samples"],
) -> None:
    """Analyze a dataset folder and write the silo findings as one JSON document.

    The JSON has the keys summary, parameters, groups, links, people,
    communities and validation (see DESIGN.md). Silos and weak links are
    also printed as tables.
    """
    from ona.analysis.pipeline import analyze_dataset
    from ona.io import read_dataset
    from ona.privacy import for_viewer
    from ona.store import Store

    params = make_params(
        group_by=group_by, since=since, until=until, email_weight=email_weight,
        meeting_weight=meeting_weight, ticket_weight=ticket_weight, broadcast_limit=broadcast_limit,
        large_meeting_limit=large_meeting_limit, min_weight=min_weight, min_group_size=min_group_size,
        resolution=resolution, seed=seed, permutations=permutations, alpha=alpha,
        silo_ei_margin=silo_ei_margin, silo_max_ei=silo_max_ei, weak_ratio=weak_ratio,
        dependency_min_handoffs=dependency_min_handoffs, dependency_ratio=dependency_ratio,
        fragile_carriers=fragile_carriers, fragile_share=fragile_share,
        betweenness_exact_limit=betweenness_exact_limit, betweenness_samples=betweenness_samples,
    )  # fmt: skip
    with user_errors(), progress_bar(not quiet) as on_progress:
        data = read_dataset(dataset, on_progress=on_progress)
        with Store(store or ":memory:") as db:
            info = db.save_dataset(data)
            job = db.create_analysis(info.dataset_id, params) if store else None
            result = analyze_dataset(db, info.dataset_id, params, on_progress=on_progress)
            if job is not None:
                db.save_result(job.analysis_id, result.to_json())
        if viewer:
            result = for_viewer(result)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.to_json(), encoding="utf-8")
    if not quiet:
        print_findings(result)
        print_validation(result.validation, limit=5)
        console.print(f"Result written to [bold]{out}[/]")
        if job is not None:
            console.print(f"Stored as dataset {info.dataset_id}, analysis {job.analysis_id} in {store}")


def validate(
    dataset: DatasetArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the full validation report as JSON.")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="How many rejected rows to print.")] = 20,
) -> None:
    """Check a dataset folder and print its validation report (nothing is analyzed).

    Exits with status 0 even when rows are rejected: rejected rows are
    reported, never fatal. A file unusable as a whole exits with status 1.
    """
    from ona.io import read_dataset

    with user_errors(), progress_bar() as on_progress:
        report = read_dataset(dataset, on_progress=on_progress).report
    print_validation(report, limit=show)
    if out is not None:
        out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"Validation report written to [bold]{out}[/]")


def export(
    dataset: DatasetArg,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Graph file to write: .graphml or .gexf (Gephi reads both)."),
    ],
    group_by: GroupBy = DEFAULTS["group_by"],
    since: Since = DEFAULTS["since"],
    until: Until = DEFAULTS["until"],
    email_weight: EmailWeight = DEFAULTS["email_weight"],
    meeting_weight: MeetingWeight = DEFAULTS["meeting_weight"],
    ticket_weight: TicketWeight = DEFAULTS["ticket_weight"],
    broadcast_limit: BroadcastLimit = DEFAULTS["broadcast_limit"],
    large_meeting_limit: LargeMeetingLimit = DEFAULTS["large_meeting_limit"],
    min_weight: MinWeight = DEFAULTS["min_weight"],
) -> None:
    """Export the weighted collaboration graph (people, ties, groups) as GraphML or GEXF."""
    from ona.analysis.pipeline import load_graph
    from ona.graph.convert import write_graph
    from ona.io import read_dataset
    from ona.store import Store

    params = make_params(
        group_by=group_by, since=since, until=until, email_weight=email_weight,
        meeting_weight=meeting_weight, ticket_weight=ticket_weight, broadcast_limit=broadcast_limit,
        large_meeting_limit=large_meeting_limit, min_weight=min_weight,
    )  # fmt: skip
    if out.suffix.lower() not in (".graphml", ".gexf"):
        from ona.cli.common import fail

        fail(f"{out}: the file name must end in .graphml or .gexf", code=2)
    with user_errors(), progress_bar() as on_progress:
        data = read_dataset(dataset, on_progress=on_progress)
        with Store(":memory:") as db:
            info = db.save_dataset(data)
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
    more = len(report.rejected) - limit
    if more > 0:
        console.print(f"  ... and {more} more rejected rows (use --out to get them all)")


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
