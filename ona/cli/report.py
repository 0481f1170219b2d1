"""`ona report`: analyze a dataset and write the self-contained HTML silo report (and its PDF)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

from enum import Enum

import typer

from ona.cli.analyze import QuietOpt, StoreOpt, run_analysis
from ona.cli.common import DatasetArg, MapOpt, console, progress_bar, user_errors, with_params
from ona.params import AnalysisParams


class Paper(str, Enum):
    """The PDF's paper sizes."""

    A4 = "A4"
    Letter = "Letter"


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
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Also print the report to PDF beside the HTML (same name, .pdf; "
                     "implied by --out NAME.pdf), offline, with headless Chromium."),
    ] = False,
    paper: Annotated[Paper, typer.Option("--paper", help="The PDF's paper size.")] = Paper.A4,
    title: Annotated[
        str | None, typer.Option("--title", help="The report's title (default: 'Silo report: <dataset>').")
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", help="The client's name, on the title page and every printed page's header.")
    ] = None,
    logo: Annotated[
        Path | None, typer.Option("--logo", help="A PNG, JPEG or SVG logo for the title page (embedded in the file).")
    ] = None,
    notes: Annotated[
        Path | None,
        typer.Option("--notes", help="A Markdown file of the consultant's notes: sections '## Summary', '## Silo N', "
                     "'## Link N', '## Recommendation N' (the report's numbering) shown beside those findings."),
    ] = None,
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
    with every parameter. --title, --client, --logo and --notes add the
    consultant's title page and commentary; --pdf prints it to PDF as well.
    """
    from ona.privacy import for_viewer
    from ona.report import write_report
    from ona.report.notes import Cover, logo_data_uri, read_notes

    started = time.perf_counter()
    with user_errors(), progress_bar(not quiet) as on_progress:
        # the consultant's files are checked before the analysis runs
        cover = Cover(title=title, client=client, logo=logo_data_uri(logo) if logo else None)
        remarks = read_notes(notes) if notes else None
        result, _, names = run_analysis(dataset, params, store=store, on_progress=on_progress,
                                       column_map=column_map)
        if viewer:
            result = for_viewer(result)
        on_progress("report", 0, 1)
        # "--out x.pdf": the PDF is x.pdf, the HTML beside it x.html
        pdf = pdf or out.suffix.lower() == ".pdf"
        html_out = out.with_suffix(".html") if out.suffix.lower() == ".pdf" else out
        path = write_report(result, result.layout, html_out, show_names=show_names and not viewer,
                            names=names if show_names and not viewer else None, cover=cover, notes=remarks)
        printed = None
        if pdf:
            from ona.report.pdf import write_pdf

            on_progress("pdf", 0, 1)
            printed = write_pdf(path, out.with_suffix(".pdf"), paper=paper.value, client=client)
    if not quiet:
        size = path.stat().st_size
        console.print(
            f"Report written to [bold]{path}[/] ({size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)",
            highlight=False,
        )
        if printed is not None:
            console.print(f"PDF written to [bold]{printed.path}[/] ({printed.pages} pages, {paper.value})", highlight=False)
    if printed is not None and printed.blocked:
        console.print(f"[yellow]blocked {len(printed.blocked)} network request(s) while printing: "
                      f"{', '.join(printed.blocked[:3])}[/]", highlight=False)
