"""Shared pieces of the CLI: parameter options, progress bars, error exits."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ona.errors import OnaError
from ona.params import AnalysisParams

err_console = Console(stderr=True)
console = Console()

F = TypeVar("F", bound=Callable[..., Any])

DatasetArg = Annotated[
    Path,
    typer.Argument(
        help="Dataset folder holding people.csv and any of emails.csv, meetings.csv, "
        "tickets.csv (or .parquet / .jsonl with the same columns).",
        show_default=False,
    ),
]


def _field_help(name: str) -> str:
    return AnalysisParams.model_fields[name].description or ""


#: Option defaults are the model's defaults, so the two cannot drift apart.
DEFAULTS: dict[str, Any] = {name: f.default for name, f in AnalysisParams.model_fields.items()}


# One option per AnalysisParams field; tests check that none is missing.
GroupBy = Annotated[str, typer.Option("--group-by", help=_field_help("group_by"))]
Since = Annotated[str | None, typer.Option("--since", help=_field_help("since"), show_default=False)]
Until = Annotated[str | None, typer.Option("--until", help=_field_help("until"), show_default=False)]
EmailWeight = Annotated[float, typer.Option("--email-weight", help=_field_help("email_weight"))]
MeetingWeight = Annotated[float, typer.Option("--meeting-weight", help=_field_help("meeting_weight"))]
TicketWeight = Annotated[float, typer.Option("--ticket-weight", help=_field_help("ticket_weight"))]
BroadcastLimit = Annotated[int, typer.Option("--broadcast-limit", help=_field_help("broadcast_limit"))]
LargeMeetingLimit = Annotated[
    int, typer.Option("--large-meeting-limit", help=_field_help("large_meeting_limit"))
]
MinWeight = Annotated[float, typer.Option("--min-weight", help=_field_help("min_weight"))]
MinGroupSize = Annotated[int, typer.Option("--min-group-size", help=_field_help("min_group_size"))]
Resolution = Annotated[float, typer.Option("--resolution", help=_field_help("resolution"))]
Seed = Annotated[int, typer.Option("--seed", help=_field_help("seed"))]
Permutations = Annotated[int, typer.Option("--permutations", help=_field_help("permutations"))]
Alpha = Annotated[float, typer.Option("--alpha", help=_field_help("alpha"))]
SiloEiMargin = Annotated[float, typer.Option("--silo-ei-margin", help=_field_help("silo_ei_margin"))]
SiloMaxEi = Annotated[float, typer.Option("--silo-max-ei", help=_field_help("silo_max_ei"))]
WeakRatio = Annotated[float, typer.Option("--weak-ratio", help=_field_help("weak_ratio"))]
DependencyMinHandoffs = Annotated[
    int, typer.Option("--dependency-min-handoffs", help=_field_help("dependency_min_handoffs"))
]
DependencyRatio = Annotated[float, typer.Option("--dependency-ratio", help=_field_help("dependency_ratio"))]
FragileCarriers = Annotated[int, typer.Option("--fragile-carriers", help=_field_help("fragile_carriers"))]
FragileShare = Annotated[float, typer.Option("--fragile-share", help=_field_help("fragile_share"))]
BetweennessExactLimit = Annotated[
    int, typer.Option("--betweenness-exact-limit", help=_field_help("betweenness_exact_limit"))
]
BetweennessSamples = Annotated[
    int, typer.Option("--betweenness-samples", help=_field_help("betweenness_samples"))
]


def make_params(**values: Any) -> AnalysisParams:
    """AnalysisParams from CLI values; a bad value exits with a one-line cause."""
    try:
        return AnalysisParams(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "parameters"
        fail(f"invalid --{field.replace('_', '-')}: {first['msg']}", code=2)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn ona's own errors into a one-line message and exit code 1."""
    try:
        yield
    except OnaError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """An ``on_progress`` callback drawing a rich progress bar on stderr."""
    if not enabled or not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=1)

        def on_progress(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=max(total, 1))

        yield on_progress
