"""`ona serve`: run the HTTP API (FastAPI under uvicorn) over a store."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from ona.cli.common import err_console, fail, user_errors
from ona.cli.keys import DEFAULT_STORE, StoreOption, open_store


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    store: StoreOption = DEFAULT_STORE,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    max_upload_mb: Annotated[
        float | None,
        typer.Option("--max-upload-mb", min=0.01, help="Largest upload accepted, in MiB (default 200, or ONA_MAX_UPLOAD_BYTES)."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API: upload datasets, run analyses, read results (OpenAPI at /docs).

    Every data route needs an API key (`ona keys create`). Listening on
    anything but loopback is refused while the store has no active key.
    """
    from ona.store.keys import has_active_keys

    with user_errors(), open_store(store) as db:
        have_keys = has_active_keys(db)
    if not have_keys:
        if not is_loopback(host):
            fail(
                f"refusing to listen on {host}: the store {store} has no active API key, so nobody "
                "could use the service but anybody on the network could reach it. Create a key first "
                f"(`ona keys create --role analyst --store {store}`), or listen on 127.0.0.1.",
                code=2,
            )
        err_console.print(
            f"[yellow]note:[/] {store} has no API key yet; every data route will answer 401. "
            f"Stop the server and run `ona keys create --role analyst --store {store}`."
        )
    # the service's documented entry point and settings (imported here: `ona --help` stays fast)
    from api.main import serve as run_service
    from api.settings import Settings

    overrides: dict[str, object] = {"store": Path(store)}
    if max_upload_mb is not None:
        overrides["max_upload_bytes"] = int(max_upload_mb * 1024 * 1024)
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}", code=2)
    err_console.print(f"ona serving {store} on http://{host}:{port} (API under /api/v1, docs at /docs)")
    run_service(settings, host=host, port=port, log_level=log_level)
