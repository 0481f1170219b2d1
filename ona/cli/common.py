"""Shared pieces of the CLI: parameter options, progress bars, error exits."""

from __future__ import annotations

import functools
import inspect
import sys
import typing
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
        "tickets.csv, chats.csv, ties.csv, people_history.csv (or .parquet / .jsonl with the same columns).",
        show_default=False,
    ),
]

MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help='Read the people file\'s own column names: TARGET="Column" (repeatable), e.g. '
        '--map person_id="Employee ID" --map department="Org Unit" --map email="Work Email".',
        show_default=False,
    ),
]


#: Option defaults are the model's defaults, so the two cannot drift apart.
DEFAULTS: dict[str, Any] = {name: f.default for name, f in AnalysisParams.model_fields.items()}


def _field_help(name: str) -> str:
    return AnalysisParams.model_fields[name].description or ""




def _option_type(name: str) -> Any:
    """The CLI type of a parameter: datetimes and choices are parsed by the model."""
    annotation = AnalysisParams.model_fields[name].annotation
    if annotation in (int, float, str, bool):
        return annotation
    return str | None


def _option(name: str) -> Any:
    return Annotated[
        _option_type(name),
        typer.Option(
            f"--{name.replace('_', '-')}",
            help=_field_help(name),
            show_default=DEFAULTS[name] is not None,
            rich_help_panel="Analysis parameters",
        ),
    ]


#: The parameters that shape the collaboration graph itself (what export needs).
GRAPH_FIELDS = (
    "group_by", "since", "until", "email_weight", "meeting_weight", "ticket_weight",
    "chat_weight", "ties_weight", "chat_channel_posts", "broadcast_limit", "large_meeting_limit", "min_weight",
)  # fmt: skip


def with_params(fields: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Give a command one option per AnalysisParams field (or ``fields``).

    The decorated command takes a keyword argument ``params`` and receives
    the :class:`AnalysisParams` built from the options, so the options, their
    defaults and their help always match the model.
    """
    names = tuple(AnalysisParams.model_fields) if fields is None else fields

    def decorate(func: F) -> F:
        base = inspect.signature(func)
        hints = typing.get_type_hints(func, include_extras=True)
        # resolved annotations: typer reads the Annotated[..., typer.Option] objects from them
        kept = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in base.parameters.values()
            if p.name != "params"
        ]
        extra = [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=DEFAULTS[n], annotation=_option(n))
            for n in names
        ]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in names}
            return func(params=make_params(**values), **kwargs)

        command.__signature__ = base.replace(parameters=kept + extra)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in kept + extra}
        del command.__wrapped__  # type: ignore[attr-defined]  # typer must read the new signature
        return command  # type: ignore[return-value]

    return decorate


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
    """Turn ona's own errors into a one-line message and exit code 1, and Ctrl-C into "interrupted" and
    exit code 130 (what was being loaded is undone by the store, so no traceback is needed)."""
    try:
        yield
    except OnaError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:
        # DuckDB turns Ctrl-C during a query into RuntimeError("Query interrupted") or its InterruptException
        if _interrupted(exc):
            fail("interrupted", 130)
        raise


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's report of a Ctrl-C during a query."""
    if type(exc).__name__ == "InterruptException":
        return True
    return isinstance(exc, RuntimeError) and str(exc).strip().lower().startswith("query interrupted")


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
