"""`ona report`: analyze a dataset and write the self-contained HTML silo report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ona.cli.analyze import QuietOpt, StoreOpt, run_analysis
from ona.cli.common import DatasetArg, MapOpt, console, progress_bar, user_errors, with_params
from ona.params import AnalysisParams


@with_params()
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
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    column_map: MapOpt = None,
    *,
    params: AnalysisParams,
) -> None:
    """Analyze a dataset folder and write the silo report: one HTML file that works offline.

    The report holds an executive summary ending with three things to do next
    week, the silos and weak links with their reasons, the key bridges
    (pseudonymized unless --show-names), communities versus departments,
    internal service (ticket handoffs), what to do, who the organization
    depends on, trends (--period / --split), data quality and the method
    with every parameter.
    """
    from ona.privacy import for_viewer
    from ona.report import write_report

    started = time.perf_counter()
    with user_errors(), progress_bar(not quiet) as on_progress:
        result, _, names = run_analysis(dataset, params, store=store, on_progress=on_progress,
                                       column_map=column_map)
        if viewer:
            result = for_viewer(result)
        on_progress("report", 0, 1)
        path = write_report(result, result.layout, out, show_names=show_names and not viewer,
                            names=names if show_names and not viewer else None)
    if not quiet:
        size = path.stat().st_size
        console.print(
            f"Report written to [bold]{path}[/] ({size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)",
            highlight=False,
        )
