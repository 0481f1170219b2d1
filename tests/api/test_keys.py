"""API keys in the store (ona.store.keys) and the `ona keys` / `ona serve` refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ona.cli import app
from ona.cli.serve import is_loopback
from ona.errors import NotFoundError, ParameterError
from ona.store import Store
from ona.store.keys import (
    authenticate,
    create_key,
    has_active_keys,
    list_keys,
    revoke_key,
)

runner = CliRunner()


def test_create_authenticate_revoke() -> None:
    with Store() as store:
        assert list_keys(store) == [] and not has_active_keys(store)
        key_id, secret = create_key(store, role="viewer", name="board")
        key = authenticate(store, secret)
        assert key is not None and (key.key_id, key.role, key.name) == (key_id, "viewer", "board")
        assert has_active_keys(store)
        revoked = revoke_key(store, key_id)
        assert revoked.revoked_at is not None and not revoked.active
        assert authenticate(store, secret) is None
        assert revoke_key(store, key_id).revoked_at == revoked.revoked_at  # idempotent
        assert not has_active_keys(store) and len(list_keys(store)) == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s + "x",
        lambda s: s[:-1],
        lambda s: s.replace("ona_", "xyz_", 1),
        lambda s: "ona_" + "0" * 12 + "_" + s.split("_", 2)[2],  # right token, unknown id
        lambda s: "",
        lambda s: "ona__",
        lambda s: "ona_\x00_\x00",
        lambda s: "Bearer " + s,
    ],
)
def test_wrong_secrets_do_not_authenticate(mangle) -> None:  # type: ignore[no-untyped-def]
    with Store() as store:
        _, secret = create_key(store, role="analyst")
        assert authenticate(store, mangle(secret)) is None


def test_only_a_salted_hash_is_stored() -> None:
    with Store() as store:
        _, s1 = create_key(store, role="analyst")
        _, s2 = create_key(store, role="analyst")
        with store._cursor() as cur:
            rows = cur.execute("SELECT * FROM api_keys").fetchall()
        text = repr(rows)
        for secret in (s1, s2):
            assert secret.split("_", 2)[2] not in text
        salts = {r[3] for r in rows}
        assert len(salts) == 2


def test_unknown_role_and_key() -> None:
    with Store() as store:
        with pytest.raises(ParameterError):
            create_key(store, role="admin")
        with pytest.raises(NotFoundError):
            revoke_key(store, "nope")


def test_keys_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ona.duckdb"
    with Store(path) as store:
        _, secret = create_key(store, role="analyst")
    with Store(path) as store:
        assert authenticate(store, secret) is not None


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    store = str(tmp_path / "ona.duckdb")
    r = runner.invoke(app, ["keys", "create", "--role", "viewer", "--name", "board", "--store", store])
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("ona_")
    quiet = runner.invoke(app, ["keys", "create", "--role", "analyst", "--store", store, "-q"])
    assert quiet.exit_code == 0 and quiet.output.startswith("ona_") and len(quiet.output.split()) == 1
    listed = runner.invoke(app, ["keys", "list", "--store", store])
    assert listed.exit_code == 0 and "board" in listed.output and secret not in listed.output
    key_id = secret.split("_")[1]
    assert runner.invoke(app, ["keys", "revoke", key_id, "--store", store]).exit_code == 0
    with Store(store) as db:
        assert authenticate(db, secret) is None
    bad = runner.invoke(app, ["keys", "revoke", "nope", "--store", store])
    assert bad.exit_code == 1 and "not found" in bad.output
    assert runner.invoke(app, ["keys", "create", "--role", "admin", "--store", store]).exit_code == 2


def test_cli_keys_on_a_store_in_use(tmp_path: Path) -> None:
    """Another process holding the store: a clear message, no traceback."""
    import subprocess
    import sys

    path = tmp_path / "ona.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        r = runner.invoke(app, ["keys", "list", "--store", str(path)])
        assert r.exit_code == 1
        assert "in use by another process" in r.output
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_serve_refuses_a_public_host_without_keys(tmp_path: Path, host: str) -> None:
    r = runner.invoke(app, ["serve", "--store", str(tmp_path / "ona.duckdb"), "--host", host])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert f"refusing to listen on {host}" in text and "ona keys create" in text


def test_serve_refuses_a_public_host_when_every_key_is_revoked(tmp_path: Path) -> None:
    path = tmp_path / "ona.duckdb"
    with Store(path) as store:
        key_id, _ = create_key(store, role="analyst")
        revoke_key(store, key_id)
    r = runner.invoke(app, ["serve", "--store", str(path), "--host", "0.0.0.0"])
    assert r.exit_code == 2
