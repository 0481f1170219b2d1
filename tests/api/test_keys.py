"""API keys in the store (ona.store.keys) and the `ona keys` / `ona serve` refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    get_key,
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


def test_only_a_salted_hash_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "ona.duckdb"
    with Store(path) as store:
        _, s1 = create_key(store, role="analyst")
        _, s2 = create_key(store, role="analyst")
        rows = store.control._execute("SELECT * FROM api_keys")
    raw = (tmp_path / "ona.control.sqlite").read_bytes()
    for secret in (s1, s2):
        token = secret.split("_", 2)[2]
        assert token not in repr(rows) and token.encode() not in raw
    assert len({r[5] for r in rows}) == 2  # salts differ


def test_unknown_role_workspace_and_key() -> None:
    with Store() as store:
        with pytest.raises(ParameterError):
            create_key(store, role="owner")
        with pytest.raises(ParameterError, match="workspace"):
            create_key(store, role="viewer", workspace="../etc")
        with pytest.raises(NotFoundError):
            revoke_key(store, "nope")


def test_roles_and_workspaces() -> None:
    with Store() as store:
        _, admin = create_key(store, role="admin")
        _, viewer = create_key(store, role="viewer", workspace="acme")
        a, v = authenticate(store, admin), authenticate(store, viewer)
        assert a is not None and (a.role, a.workspace) == ("admin", None)
        assert v is not None and (v.role, v.workspace) == ("viewer", "acme")
        assert store.control.workspaces() == ["acme"]
        assert [k.role for k in list_keys(store, workspace="acme")] == ["viewer"]


def test_an_expired_key_does_not_authenticate() -> None:
    with Store() as store:
        key_id, secret = create_key(store, role="analyst", expires_in_days=1)
        assert authenticate(store, secret) is not None
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        store.control._execute("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", (past, key_id))
        assert authenticate(store, secret) is None
        assert get_key(store, key_id).status == "expired"


def test_lookup_does_the_same_work_for_unknown_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """A digest is computed and compared whether or not the key id exists (no timing oracle)."""
    from ona.store import control as control_module

    calls: list[str] = []
    real = control_module._digest
    monkeypatch.setattr(control_module, "_digest", lambda salt, token: calls.append(token) or real(salt, token))
    with Store() as store:
        _, secret = create_key(store, role="analyst")
        calls.clear()
        authenticate(store, "ona_000000000000_" + secret.split("_", 2)[2])
        authenticate(store, "garbage")
        authenticate(store, secret)
    assert len(calls) == 3


def test_keys_of_an_earlier_store_move_to_default(tmp_path: Path) -> None:
    """A store written before workspaces (schema 1, keys inside) opens with its keys and datasets in 'default'."""
    import duckdb

    from ona.store import schema

    path = tmp_path / "ona.duckdb"
    with Store(path) as store:
        _, secret = create_key(store, role="analyst", name="old")
        row = store.control._execute("SELECT key_id, name, role, salt, secret_hash FROM api_keys")[0]
    path.unlink()
    for leftover in tmp_path.glob("ona.*"):
        leftover.unlink()
    con = duckdb.connect(str(path))  # a version-1 store: no workspace column, keys inside
    con.execute(schema._DDL.replace("    workspace         VARCHAR NOT NULL DEFAULT 'default',\n", ""))
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute(
        "CREATE TABLE api_keys (key_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL, "
        "salt VARCHAR NOT NULL, secret_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)"
    )
    con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, NULL)", list(row))
    con.execute(
        "INSERT INTO datasets VALUES ('d1', 1, 'old', now()::TIMESTAMP, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, '{}')"
    )
    con.close()
    with Store(path) as store:
        key = authenticate(store, secret)
        assert key is not None and (key.name, key.workspace) == ("old", "default")
        tables = {r[0] for r in store._con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "api_keys" not in tables
        version = store._con.execute("SELECT version FROM schema_version").fetchall()
        assert version == [(2,)]
        assert [d.workspace for d in store.list_datasets()] == ["default"]
        assert store.list_datasets(workspace="other") == []


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    store = str(tmp_path / "ona.duckdb")
    r = runner.invoke(app, ["keys", "create", "--role", "viewer", "--name", "board", "--workspace", "acme",
                            "--store", store])  # fmt: skip
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("ona_")
    quiet = runner.invoke(app, ["keys", "create", "--role", "analyst", "--store", store, "-q", "--expires-in", "30"])
    assert quiet.exit_code == 0 and quiet.output.startswith("ona_") and len(quiet.output.split()) == 1
    listed = runner.invoke(app, ["keys", "list", "--store", store], terminal_width=200)
    assert listed.exit_code == 0 and "board" in listed.output and "acme" in listed.output
    assert secret not in listed.output
    key_id = secret.split("_")[1]
    assert runner.invoke(app, ["keys", "revoke", key_id, "--store", store]).exit_code == 0
    with Store(store) as db:
        assert authenticate(db, secret) is None
        assert (db.control.get_key(quiet.output.split("_")[1]).expires_at is not None)
        actions = [r.action for r in db.control.audit_log()]
        assert actions == ["CLI keys create", "CLI keys create", "CLI keys revoke"]
    bad = runner.invoke(app, ["keys", "revoke", "nope", "--store", store])
    assert bad.exit_code == 1 and "not found" in bad.output
    assert runner.invoke(app, ["keys", "create", "--role", "owner", "--store", store]).exit_code == 2
    audit = runner.invoke(app, ["audit", "--store", store, "--workspace", "acme"], terminal_width=200)
    assert audit.exit_code == 0 and "CLI keys revoke" in audit.output and "CLI keys create" in audit.output


def test_cli_keys_while_another_process_holds_the_store(tmp_path: Path) -> None:
    """A running server holds the DuckDB store: keys are still created, listed and revoked."""
    import subprocess
    import sys

    path = tmp_path / "ona.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        made = runner.invoke(app, ["keys", "create", "--role", "analyst", "--store", str(path), "-q"])
        assert made.exit_code == 0, made.output
        key_id = made.output.split("_")[1]
        assert key_id in runner.invoke(app, ["keys", "list", "--store", str(path)], terminal_width=200).output
        assert runner.invoke(app, ["keys", "revoke", key_id, "--store", str(path)]).exit_code == 0
    finally:
        holder.kill()
        holder.wait()
    with Store(path) as store:
        assert not get_key(store, key_id).active


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
