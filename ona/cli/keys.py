"""`ona keys`: create, list and revoke the API keys of `ona serve`.

Keys live in the store (only a salted hash of each secret); the secret is
printed once, at creation. DuckDB lets one process at a time open a store
file, so manage keys while the server is stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ona.cli.common import console, fail, user_errors

if TYPE_CHECKING:
    from ona.store import Store

DEFAULT_STORE = Path("ona.duckdb")

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store",
        envvar="ONA_STORE",
        help="The DuckDB store of the service: datasets, analyses, results and API keys.",
    ),
]

keys_app = typer.Typer(
    name="keys",
    help="Create, list and revoke API keys of `ona serve` (stop the server first).",
    no_args_is_help=True,
)


class RoleChoice(str, Enum):
    analyst = "analyst"
    viewer = "viewer"


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


@keys_app.command("create")
def create(
    role: Annotated[RoleChoice, typer.Option("--role", help="analyst: everything; viewer: group-level results only.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for (who holds it).")] = "",
    store: StoreOption = DEFAULT_STORE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the secret (for scripts).")] = False,
) -> None:
    """Create an API key and print its secret (shown this once only; keep it safe)."""
    from ona.store.keys import create_key

    with user_errors(), open_store(store) as db:
        key_id, secret = create_key(db, role=role.value, name=name)
    if quiet:
        typer.echo(secret)
        return
    console.print(f"Created {role.value} key [bold]{key_id}[/] in {store}.")
    console.print("Secret (shown only now; send it as 'Authorization: Bearer <secret>'):")
    typer.echo(secret)


@keys_app.command("list")
def list_(store: StoreOption = DEFAULT_STORE) -> None:
    """List the API keys (never their secrets)."""
    from ona.store.keys import list_keys

    with user_errors(), open_store(store) as db:
        keys = list_keys(db)
    if not keys:
        console.print(f"No API key in {store}: create one with `ona keys create --role analyst`.")
        return
    table = Table(title=f"API keys in {store}")
    for col in ("id", "name", "role", "created (UTC)", "status"):
        table.add_column(col)
    for k in keys:
        status = "active" if k.active else f"revoked {k.revoked_at:%Y-%m-%d %H:%M}"
        table.add_row(k.key_id, k.name, k.role, f"{k.created_at:%Y-%m-%d %H:%M}", status)
    console.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The id of the key (see `ona keys list`).")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Revoke an API key: the server refuses it from then on (its record is kept)."""
    from ona.store.keys import revoke_key

    with user_errors(), open_store(store) as db:
        key = revoke_key(db, key_id)
    console.print(f"Key {key.key_id} ({key.role}, {key.name}) is revoked.")
