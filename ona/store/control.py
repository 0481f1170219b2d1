"""The control database: workspaces, API keys, sign-in sessions and the audit log.

Input: key secrets, session ids, audit records. Output: :class:`KeyInfo`
records (never a secret, except once at creation), session lookups and
:class:`AuditRecord` lists.

Why a second database beside the DuckDB store: DuckDB lets one process open
a file at a time, so while ``ona serve`` holds the store no other process
could create or revoke a key. The control data is small and written often
from several processes, which is what SQLite in WAL mode is for: ``ona keys
create | revoke`` and ``ona audit`` work on it while the server runs, and the
server reads it on every request (no cache), so a revocation or an expiry
takes effect on the very next request. The file sits beside the store:
``ona.duckdb`` -> ``ona.control.sqlite``.

Secrets: a key reads ``ona_<key_id>_<token>`` and a session id is 32 random
bytes; the database keeps only ``sha256`` digests (with a per-key salt for
keys). A lookup does the same work whether or not the key id exists (the
digest is compared against a dummy when there is no row), so timing does
not tell which key ids exist.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ona.errors import NotFoundError, ParameterError

Role = Literal["analyst", "viewer", "admin"]
ROLES: tuple[str, ...] = ("analyst", "viewer", "admin")
#: Roles that read a workspace's data; an admin key manages keys and reads the audit log only.
DATA_ROLES: tuple[str, ...] = ("analyst", "viewer")
DEFAULT_WORKSPACE = "default"
PREFIX = "ona"
WORKSPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

_DDL = """
CREATE TABLE IF NOT EXISTS workspaces (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    workspace   TEXT,                  -- NULL for admin keys
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    salt        TEXT NOT NULL,         -- hex
    secret_hash TEXT NOT NULL,         -- hex sha256(salt + token)
    created_at  TEXT NOT NULL,         -- ISO 8601 UTC
    expires_at  TEXT,
    revoked_at  TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,     -- hex sha256(session id)
    key_id       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_key ON sessions (key_id);
CREATE TABLE IF NOT EXISTS audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    key_id    TEXT,
    role      TEXT,
    workspace TEXT,
    action    TEXT NOT NULL,           -- 'GET /api/v1/analyses/{analysis_id}/people'
    object    TEXT,                    -- the ids in the path, e.g. 'analysis_id=ab12cd34ef56'
    outcome   INTEGER NOT NULL         -- the HTTP status (or 0 for a CLI action)
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
"""

# A dummy salt and digest: an unknown key id is checked against them, for equal work.
_DUMMY_SALT = bytes(16)
_DUMMY_DIGEST = hashlib.sha256(b"no such key").hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _digest(salt: bytes, token: str) -> str:
    return hashlib.sha256(salt + token.encode("utf-8", "surrogatepass")).hexdigest()


def control_path(store_path: str | Path) -> str:
    """The control database of a store file (``:memory:`` for an in-memory store)."""
    text = str(store_path)
    if text == ":memory:":
        return ":memory:"
    path = Path(text)
    return str(path.with_name(f"{path.stem}.control.sqlite"))


def check_workspace_name(name: str) -> str:
    """A workspace name: letters, digits, '.', '_' or '-', 1 to 64 characters (ParameterError otherwise)."""
    if not re.fullmatch(WORKSPACE_PATTERN, name or ""):
        raise ParameterError(
            "workspace", f"'{name}' is not a workspace name (letters, digits, '.', '_', '-'; at most 64)"
        )
    return name


class KeyInfo(BaseModel):
    """An API key as the control database describes it (never its secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_id: str
    name: str
    role: Role = Field(
        description="analyst: the workspace's data, people included; viewer: group-level results only; "
        "admin: workspaces, keys and the audit log, no data"
    )
    workspace: str | None = Field(description="the workspace the key belongs to (null for an admin key)")
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Not revoked and not expired (now)."""
        return self.revoked_at is None and (self.expires_at is None or now() < self.expires_at)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.active else "expired"


class AuditRecord(BaseModel):
    """One audited request: who did what to which object, and the outcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    at: datetime
    key_id: str | None
    role: str | None
    workspace: str | None
    action: str = Field(description="method and route template, e.g. 'GET /api/v1/analyses/{analysis_id}/people'")
    object: str | None = Field(description="the ids the request named, e.g. 'analysis_id=ab12cd34ef56'")
    outcome: int = Field(description="the HTTP status of the answer (0: a CLI action)")


_KEY_COLUMNS = "key_id, name, role, workspace, created_at, expires_at, revoked_at"


def _key(row: tuple[object, ...]) -> KeyInfo:
    key_id, name, role, workspace, created, expires, revoked = row
    return KeyInfo(
        key_id=str(key_id),
        name=str(name),
        role=role,  # type: ignore[arg-type]
        workspace=workspace,  # type: ignore[arg-type]
        created_at=_dt(created),  # type: ignore[arg-type]
        expires_at=_dt(expires),  # type: ignore[arg-type]
        revoked_at=_dt(revoked),  # type: ignore[arg-type]
    )


class Control:
    """Workspaces, keys, sessions and audit records in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The SQLite file (created if missing) or ``":memory:"``.

    Examples
    --------
    >>> control = Control(":memory:")
    >>> key, secret = control.create_key(role="viewer", workspace="acme", name="leader")
    >>> control.authenticate(secret).workspace
    'acme'
    >>> control.revoke_key(key.key_id).active
    False
    >>> control.authenticate(secret) is None
    True
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        # an in-memory database lives in its connection: share one, serialized by the lock
        self._shared: sqlite3.Connection | None = None
        if self.path == ":memory:":
            self._shared = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        con = self._connect()
        with self._guard():
            con.executescript(_DDL)

    # ------------------------------------------------------------ connection

    def _connect(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA busy_timeout=10000")
            self._local.con = con
        return con

    def _guard(self) -> threading.Lock | _NoLock:
        return self._lock if self._shared is not None else _NO_LOCK

    def _execute(self, sql: str, params: tuple[object, ...] | list[object] = ()) -> list[tuple[object, ...]]:
        con = self._connect()
        with self._guard():
            return con.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads)."""
        con = self._shared or getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # ------------------------------------------------------------ workspaces

    def ensure_workspace(self, name: str) -> str:
        """Create a workspace if it does not exist yet; return its name."""
        check_workspace_name(name)
        self._execute("INSERT OR IGNORE INTO workspaces VALUES (?, ?)", (name, _iso(now())))
        return name

    def workspaces(self) -> list[str]:
        """Every workspace name, sorted."""
        return [str(r[0]) for r in self._execute("SELECT name FROM workspaces ORDER BY name")]

    # ------------------------------------------------------------------ keys

    def create_key(
        self,
        *,
        role: str,
        workspace: str | None = DEFAULT_WORKSPACE,
        name: str = "",
        expires_in: timedelta | None = None,
    ) -> tuple[KeyInfo, str]:
        """Create a key; return its record and its secret (the secret is not kept).

        An analyst or viewer key belongs to ``workspace`` (created if new); an
        admin key belongs to none.

        Raises
        ------
        ParameterError
            An unknown role, a bad workspace name, or a non-positive expiry.
        """
        if role not in ROLES:
            raise ParameterError("role", f"must be one of {', '.join(ROLES)}, not '{role}'")
        if expires_in is not None and expires_in <= timedelta(0):
            raise ParameterError("expires_in", "must be a positive duration")
        ws = None if role == "admin" else self.ensure_workspace(workspace or DEFAULT_WORKSPACE)
        key_id = secrets.token_hex(6)
        token = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        created = now()
        expires = None if expires_in is None else created + expires_in
        self._execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (key_id, ws, name or f"{role} key", role, salt.hex(), _digest(salt, token), _iso(created), _iso(expires)),
        )
        return self.get_key(key_id), f"{PREFIX}_{key_id}_{token}"

    def import_key(
        self, *, key_id: str, name: str, role: str, salt_hex: str, secret_hash: str,
        created_at: datetime, revoked_at: datetime | None, workspace: str = DEFAULT_WORKSPACE,
    ) -> None:  # fmt: skip
        """Keep a key made by an earlier ona (its hash as it was); no-op if the id exists."""
        ws = None if role == "admin" else self.ensure_workspace(workspace)
        self._execute(
            "INSERT OR IGNORE INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            (key_id, ws, name, role, salt_hex, secret_hash, _iso(created_at), _iso(revoked_at)),
        )

    def get_key(self, key_id: str) -> KeyInfo:
        """One key's record (NotFoundError if there is none)."""
        rows = self._execute(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,))
        if not rows:
            raise NotFoundError("API key", key_id)
        return _key(rows[0])

    def list_keys(self, *, workspace: str | None = None, include_revoked: bool = True) -> list[KeyInfo]:
        """Keys, oldest first: of one workspace when given, without revoked ones on request."""
        where, params = [], []
        if workspace is not None:
            where.append("workspace = ?")
            params.append(workspace)
        if not include_revoked:
            where.append("revoked_at IS NULL")
        sql = f"SELECT {_KEY_COLUMNS} FROM api_keys {'WHERE ' + ' AND '.join(where) if where else ''}"
        return [_key(r) for r in self._execute(sql + " ORDER BY created_at, key_id", params)]

    def has_active_keys(self) -> bool:
        """Whether at least one key can be used now."""
        return any(k.active for k in self.list_keys(include_revoked=False))

    def revoke_key(self, key_id: str) -> KeyInfo:
        """Revoke a key and end its sessions; revoking twice keeps the first date.

        Raises
        ------
        NotFoundError
            If there is no key with this id.
        """
        self.get_key(key_id)
        self._execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (_iso(now()), key_id))
        self._execute("DELETE FROM sessions WHERE key_id = ?", (key_id,))
        return self.get_key(key_id)

    def authenticate(self, secret: str) -> KeyInfo | None:
        """The active key whose secret this is, or None (unknown, malformed, revoked or expired)."""
        parts = secret.split("_", 2) if len(secret) <= 200 else []
        if len(parts) != 3 or parts[0] != PREFIX or not parts[2]:
            key_id, token = "", secret[:200]
        else:
            key_id, token = parts[1], parts[2]
        rows = self._execute(f"SELECT {_KEY_COLUMNS}, salt, secret_hash FROM api_keys WHERE key_id = ?", (key_id,))
        salt, expected = (bytes.fromhex(str(rows[0][-2])), str(rows[0][-1])) if rows else (_DUMMY_SALT, _DUMMY_DIGEST)
        good = hmac.compare_digest(_digest(salt, token), expected)
        if not rows or not good:
            return None
        key = _key(rows[0][:-2])
        return key if key.active else None

    # -------------------------------------------------------------- sessions

    def create_session(self, key: KeyInfo, *, lifetime: timedelta) -> str:
        """Start a sign-in session for a key; return its id (kept only as a digest)."""
        session_id = secrets.token_urlsafe(32)
        started = now()
        self._execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
            (_session_digest(session_id), key.key_id, _iso(started), _iso(started), _iso(started + lifetime)),
        )
        return session_id

    def session_key(self, session_id: str, *, idle: timedelta) -> KeyInfo | None:
        """The key of a live session, or None (unknown, past its absolute or idle expiry, key not active).

        A session found live has its idle clock restarted; one found dead is removed.
        """
        if not session_id or len(session_id) > 200:
            return None
        digest = _session_digest(session_id)
        rows = self._execute(
            f"SELECT s.last_seen, s.expires_at, {', '.join('k.' + c.strip() for c in _KEY_COLUMNS.split(','))} "
            "FROM sessions s JOIN api_keys k ON k.key_id = s.key_id WHERE s.session_hash = ?",
            (digest,),
        )
        if not rows:
            return None
        last_seen, expires_at = _dt(str(rows[0][0])), _dt(str(rows[0][1]))
        key = _key(rows[0][2:])
        t = now()
        assert last_seen is not None and expires_at is not None
        if t >= expires_at or t - last_seen >= idle or not key.active:
            self._execute("DELETE FROM sessions WHERE session_hash = ?", (digest,))
            return None
        if t - last_seen > timedelta(seconds=30):  # fewer writes: the idle clock has a 30 s grain
            self._execute("UPDATE sessions SET last_seen = ? WHERE session_hash = ?", (_iso(t), digest))
        return key

    def end_session(self, session_id: str) -> None:
        """Remove a session (signing out); unknown ids are ignored."""
        if session_id and len(session_id) <= 200:
            self._execute("DELETE FROM sessions WHERE session_hash = ?", (_session_digest(session_id),))

    def sessions(self, key_id: str) -> int:
        """How many sessions a key has open (expired ones included until they are next seen)."""
        return int(self._execute("SELECT count(*) FROM sessions WHERE key_id = ?", (key_id,))[0][0])  # type: ignore[arg-type]

    # ----------------------------------------------------------------- audit

    def audit(
        self,
        *,
        action: str,
        outcome: int,
        key: KeyInfo | None = None,
        workspace: str | None = None,
        object: str | None = None,
    ) -> None:
        """Write one audit record (``workspace`` defaults to the key's)."""
        self._execute(
            "INSERT INTO audit (at, key_id, role, workspace, action, object, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _iso(now()),
                None if key is None else key.key_id,
                None if key is None else key.role,
                workspace if workspace is not None else (None if key is None else key.workspace),
                action,
                object,
                outcome,
            ),
        )

    def audit_log(
        self, *, workspace: str | None = None, since: datetime | None = None, limit: int | None = None, offset: int = 0
    ) -> list[AuditRecord]:
        """Audit records, oldest first, filtered by workspace and time."""
        where, params = _audit_filter(workspace, since)
        sql = f"SELECT seq, at, key_id, role, workspace, action, object, outcome FROM audit {where}"
        rows = self._execute(sql + " ORDER BY seq LIMIT ? OFFSET ?", [*params, -1 if limit is None else limit, offset])
        fields = AuditRecord.model_fields
        return [AuditRecord(**dict(zip(fields, r))) for r in rows]

    def audit_count(self, *, workspace: str | None = None, since: datetime | None = None) -> int:
        """How many audit records match the same filters as :meth:`audit_log`."""
        where, params = _audit_filter(workspace, since)
        return int(self._execute(f"SELECT count(*) FROM audit {where}", params)[0][0])  # type: ignore[arg-type]


def _audit_filter(workspace: str | None, since: datetime | None) -> tuple[str, list[object]]:
    where, params = [], []
    if workspace is not None:
        where.append("workspace = ?")
        params.append(workspace)
    if since is not None:
        where.append("at >= ?")
        params.append(_iso(since if since.tzinfo else since.replace(tzinfo=UTC)))
    return ("WHERE " + " AND ".join(where)) if where else "", params


def _session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()
