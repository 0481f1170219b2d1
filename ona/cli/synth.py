"""`ona synth`: write a synthetic organization with planted silos."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ona.cli.common import console, progress_bar, user_errors


def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the dataset into.")],
    people: Annotated[int, typer.Option("--people", "-n", min=60, help="Number of people (at least 60).")] = 400,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")] = 7,
    months: Annotated[int, typer.Option("--months", min=1, help="Length of the period in months.")] = 3,
    start: Annotated[str, typer.Option("--start", help="First day of the period (ISO date).")] = "2024-01-01",
    emails_per_person: Annotated[float, typer.Option(help="Emails sent per person over the period.")] = 60,
    meetings_per_person: Annotated[float, typer.Option(help="Meetings per person over the period.")] = 12,
    ticket_events_per_person: Annotated[
        float, typer.Option(help="Ticket assignment events per person over the period.")
    ] = 4,
    well_mixed: Annotated[
        bool, typer.Option("--well-mixed", help="Ignore departments when choosing partners; plant nothing.")
    ] = False,
    bad_rows: Annotated[
        bool, typer.Option("--bad-rows/--no-bad-rows", help="Include a few invalid rows to show validation.")
    ] = True,
) -> None:
    """Generate a realistic demo organization: people.csv, emails.csv, meetings.csv,
    tickets.csv and manifest.json (what was planted: silos, a dependency without
    relationship, a fragile link, a cut-off team)."""
    from ona.synth import synthesize

    with user_errors(), progress_bar() as on_progress:
        manifest = synthesize(
            out, people=people, seed=seed, months=months, start=start,
            emails_per_person=emails_per_person, meetings_per_person=meetings_per_person,
            ticket_events_per_person=ticket_events_per_person, well_mixed=well_mixed,
            bad_rows=bad_rows, on_progress=on_progress,
        )  # fmt: skip
    console.print(f"Synthetic organization of {people} people written to [bold]{out}[/]")
    console.print(f"Planted: see {Path(out) / 'manifest.json'}")
    del manifest
