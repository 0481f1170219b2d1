"""`ona keys` and `ona audit`: the API keys of `ona serve`, and its audit log.

Keys, workspaces, sessions and the audit log live in the store's control
database (``ona.control.sqlite`` beside ``ona.duckdb``), which several
processes can use at once: these commands work while the server runs, and a
revocation takes effect on the server's next request. Secrets are printed
once, at creation; only a salted hash is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ona.cli.common import console, fail, user_errors

if TYPE_CHECKING:
    from ona.store import Store
    from ona.store.control import Control

DEFAULT_STORE = Path("ona.duckdb")

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store",
        envvar="ONA_STORE",
        help="The DuckDB store of the service; its keys, sessions and audit log are in the "
        "control database beside it (ona.control.sqlite for ona.duckdb).",
    ),
]
WorkspaceFilter = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Only this workspace's (default: every workspace).")
]

keys_app = typer.Typer(
    name="keys",
    help="Create, list and revoke API keys of `ona serve` (also while it runs).",
    no_args_is_help=True,
)


class RoleChoice(str, Enum):
    analyst = "analyst"
    viewer = "viewer"
    admin = "admin"


@contextmanager
def open_store(path: Path) -> Iterator[Store]:
    """Open a store file, with a clear message when another process holds it."""
    import duckdb

    from ona.store import Store

    try:
        store = Store(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            fail(
                f"{path}: the store is in use by another process (a running `ona serve`?). "
                "DuckDB lets one process open it at a time: stop the server, run this command, "
                "then start the server again."
            )
        fail(f"{path}: {exc}")
    with store:
        yield store


@contextmanager
def open_control(path: Path) -> Iterator[Control]:
    """The control database of a store, whether or not a server holds the store.

    A store an earlier ona wrote keeps its keys inside; opening the store moves
    them into the control database. That needs the store, so it is done here
    when no server holds it (a server does it itself when it starts).
    """
    import duckdb

    from ona.store import Store
    from ona.store.control import Control, control_path

    if path.exists():
        try:
            Store(path).close()
        except duckdb.IOException:
            pass  # held by a running server, which migrated it at its start
    control = Control(control_path(path))
    try:
        yield control
    finally:
        control.close()


@keys_app.command("create")
def create(
    role: Annotated[
        RoleChoice,
        typer.Option(
            "--role",
            help="analyst: the workspace's data, people included; viewer: group-level results only; "
            "admin: manages workspaces and keys and reads the audit log, no data.",
        ),
    ],
    workspace: Annotated[
        str,
        typer.Option("--workspace", "-w", help="The client or organization the key belongs to (created if new)."),
    ] = "default",
    name: Annotated[str, typer.Option("--name", help="What the key is for (who holds it).")] = "",
    expires_in: Annotated[
        float | None, typer.Option("--expires-in", min=0.00001, help="Days until the key stops working (default: never).")
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the secret (for scripts).")] = False,
) -> None:
    """Create an API key and print its secret (shown this once only; keep it safe)."""
    from ona.store.keys import create_key

    with user_errors(), open_control(store) as control:
        key_id, secret = create_key(
            control, role=role.value, name=name, workspace=workspace, expires_in_days=expires_in
        )
        control.audit(action="CLI keys create", outcome=0, workspace=None if role.value == "admin" else workspace,
                      object=f"key_id={key_id}")  # fmt: skip
    if quiet:
        typer.echo(secret)
        return
    where = "no workspace (admin)" if role.value == "admin" else f"workspace '{workspace}'"
    console.print(f"Created {role.value} key [bold]{key_id}[/] in {where} of {store}.")
    console.print("Secret (shown only now; send it as 'Authorization: Bearer <secret>'):")
    typer.echo(secret)


@keys_app.command("list")
def list_(workspace: WorkspaceFilter = None, store: StoreOption = DEFAULT_STORE) -> None:
    """List the API keys (never their secrets)."""
    from ona.store.keys import list_keys

    with user_errors(), open_control(store) as control:
        keys = list_keys(control, workspace=workspace)
    if not keys:
        console.print(f"No API key in {store}: create one with `ona keys create --role analyst`.")
        return
    rows = [
        [k.key_id, k.workspace or "(admin)", k.name, k.role, f"{k.created_at:%Y-%m-%d %H:%M}",
         f"{k.expires_at:%Y-%m-%d %H:%M}" if k.expires_at else "never",
         f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else k.status]
        for k in keys
    ]  # fmt: skip
    show_table(f"API keys of {store}", ("id", "workspace", "name", "role", "created (UTC)", "expires (UTC)", "status"), rows)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The id of the key (see `ona keys list`).")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Revoke an API key: a running server refuses it from its next request on, and its sign-ins end."""
    from ona.store.keys import revoke_key

    with user_errors(), open_control(store) as control:
        key = revoke_key(control, key_id)
        control.audit(action="CLI keys revoke", outcome=0, workspace=key.workspace, object=f"key_id={key_id}")
    console.print(f"Key {key.key_id} ({key.role}, {key.name}) is revoked.")


def audit(
    workspace: WorkspaceFilter = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Only records at or after this instant (ISO 8601; UTC if no offset).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many records (the latest).")] = 200,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Show the audit log: who read person-level data or changed state, when, and the outcome."""
    with user_errors(), open_control(store) as control:
        total = control.audit_count(workspace=workspace, since=since)
        records = control.audit_log(workspace=workspace, since=since, limit=limit, offset=max(total - limit, 0))
    if not records:
        console.print("No audit record matches.")
        return
    rows = [
        [f"{r.at:%Y-%m-%d %H:%M:%S}", r.key_id or "-", r.role or "-", r.workspace or "-", r.action, r.object or "",
         str(r.outcome or "cli")]
        for r in records
    ]  # fmt: skip
    columns = ("time (UTC)", "key", "role", "workspace", "action", "object", "outcome")
    show_table(f"Audit log of {store} ({len(records)} of {total})", columns, rows)


def show_table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> None:
    """A table on a terminal; tab-separated lines (header first) when the output is a pipe or a file."""
    if not console.is_terminal:
        for row in (list(columns), *rows):
            typer.echo("\t".join(cell.replace("\t", " ") for cell in row))
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
