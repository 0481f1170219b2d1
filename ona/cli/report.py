"""`ona report`: analyze a dataset and write the self-contained HTML silo report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from ona.cli.common import (
    Alpha,
    BetweennessExactLimit,
    BetweennessSamples,
    BroadcastLimit,
    DatasetArg,
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
    console,
    make_params,
    progress_bar,
    user_errors,
)


def report(
    dataset: DatasetArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the HTML report (one self-contained file).")
    ] = Path("reports/report.html"),
    show_names: Annotated[
        bool,
        typer.Option(
            "--show-names",
            help="Name people (the people.csv 'name' column, else person_id) instead of pseudonyms "
            "such as 'Person A (Security)', and list rejected rows verbatim.",
        ),
    ] = False,
    viewer: Annotated[
        bool,
        typer.Option(
            "--viewer",
            help="Write the leaders' (viewer) version: no person-level data, small groups suppressed.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    group_by: GroupBy = "department",
    since: Since = None,
    until: Until = None,
    email_weight: EmailWeight = 1.0,
    meeting_weight: MeetingWeight = 1.0,
    ticket_weight: TicketWeight = 1.0,
    broadcast_limit: BroadcastLimit = 50,
    large_meeting_limit: LargeMeetingLimit = 25,
    min_weight: MinWeight = 0.0,
    min_group_size: MinGroupSize = 5,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    permutations: Permutations = 1000,
    alpha: Alpha = 0.05,
    silo_ei_margin: SiloEiMargin = 0.2,
    silo_max_ei: SiloMaxEi = 0.0,
    weak_ratio: WeakRatio = 0.25,
    fragile_carriers: FragileCarriers = 2,
    fragile_share: FragileShare = 0.8,
    betweenness_exact_limit: BetweennessExactLimit = 3000,
    betweenness_samples: BetweennessSamples = 500,
) -> None:
    """Analyze a dataset folder and write the silo report: one HTML file that works offline.

    The report holds an executive summary, the silos and weak links with their
    reasons, the key bridges (pseudonymized unless --show-names), communities
    versus departments, data quality and the method with every parameter.
    """
    from ona.analysis.pipeline import analyze_dataset, load_graph
    from ona.io import read_dataset
    from ona.privacy import for_viewer
    from ona.report import write_report
    from ona.store import Store
    from ona.viz import compute_layout

    params = make_params(
        group_by=group_by, since=since, until=until, email_weight=email_weight,
        meeting_weight=meeting_weight, ticket_weight=ticket_weight, broadcast_limit=broadcast_limit,
        large_meeting_limit=large_meeting_limit, min_weight=min_weight, min_group_size=min_group_size,
        resolution=resolution, seed=seed, permutations=permutations, alpha=alpha,
        silo_ei_margin=silo_ei_margin, silo_max_ei=silo_max_ei, weak_ratio=weak_ratio,
        fragile_carriers=fragile_carriers, fragile_share=fragile_share,
        betweenness_exact_limit=betweenness_exact_limit, betweenness_samples=betweenness_samples,
    )  # fmt: skip
    started = time.perf_counter()
    with user_errors(), progress_bar(not quiet) as on_progress:
        data = read_dataset(dataset, on_progress=on_progress)
        names = people_names(data) if show_names and not viewer else None
        with Store(":memory:") as db:
            info = db.save_dataset(data)
            result = analyze_dataset(db, info.dataset_id, params, on_progress=on_progress)
            # the pipeline stores the layout with the result; older results are laid out here
            layout = getattr(result, "layout", None)
            if layout is None:
                on_progress("layout", 0, 1)
                g, partition, _ = load_graph(db, info.dataset_id, params)
                layout = compute_layout(g, partition, seed=params.seed)
        if viewer:
            result = for_viewer(result)
        on_progress("report", 0, 1)
        path = write_report(result, layout, out, show_names=show_names and not viewer, names=names)
    if not quiet:
        size = path.stat().st_size
        console.print(
            f"Report written to [bold]{path}[/] ({size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)",
            highlight=False,
        )


def people_names(data: object) -> dict[str, str]:
    """person_id -> the people file's ``name`` column, where there is one."""
    table = data.tables["people"]  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for pid, attrs in zip(table.column("person_id").to_pylist(), table.column("attributes").to_pylist()):
        if not attrs:
            continue
        name = json.loads(attrs).get("name")
        if isinstance(name, str) and name.strip():
            out[pid] = name.strip()
    return out
