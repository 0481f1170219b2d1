"""The `ona` command: a thin shell over the library (parse, call, print or write)."""

from __future__ import annotations

import typer

from ona.cli.analyze import analyze, export, validate
from ona.cli.imports import import_
from ona.cli.keys import audit, keys_app
from ona.cli.report import report
from ona.cli.serve import serve
from ona.cli.synth import synth
from ona.cli.tables import tables

app = typer.Typer(
    name="ona",
    help="Find silos and weak links in an organization's collaboration logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(analyze)
app.command()(validate)
app.command()(export)
app.command()(synth)
app.command()(serve)
app.command()(report)
app.command()(tables)
app.add_typer(keys_app)
app.command()(audit)
app.command(name="import")(import_)

__all__ = ["app"]
