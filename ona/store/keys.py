"""API keys of the HTTP service, kept in the store: only a salted hash.

Input: a :class:`ona.store.Store`. Output: :class:`KeyInfo` records, and
the secret itself exactly once, when a key is created.

A secret reads ``ona_<key_id>_<token>``: the key id lets :func:`authenticate`
find the one row to check (no scan over every hash), and the token is 32
random bytes (``secrets.token_urlsafe``). The store keeps a random 16-byte
salt and ``sha256(salt + token)``; a slow hash (scrypt) would add nothing
for a 256-bit random token and would cost milliseconds on every request.

The ``api_keys`` table is created on first use (``CREATE TABLE IF NOT
EXISTS``), so a store written before keys existed gains it without a
schema change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ona.errors import NotFoundError, ParameterError

if TYPE_CHECKING:
    from ona.store.store import Store

Role = Literal["analyst", "viewer"]
ROLES: tuple[str, ...] = ("analyst", "viewer")
PREFIX = "ona"

_DDL = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    salt        VARCHAR NOT NULL,      -- hex
    secret_hash VARCHAR NOT NULL,      -- hex sha256(salt + token)
    created_at  TIMESTAMP NOT NULL,    -- UTC
    revoked_at  TIMESTAMP              -- UTC; NULL while the key is active
);
"""
_COLUMNS = "key_id, name, role, created_at, revoked_at"

_ready: weakref.WeakSet[Store] = weakref.WeakSet()
_ready_lock = threading.Lock()


class KeyInfo(BaseModel):
    """An API key as the store describes it (never its secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_id: str
    name: str
    role: Role = Field(description="analyst: everything; viewer: group-level results only")
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _info(row: tuple[Any, ...]) -> KeyInfo:
    key_id, name, role, created, revoked = row
    return KeyInfo(
        key_id=key_id, name=name, role=role, created_at=created.replace(tzinfo=UTC), revoked_at=_utc(revoked)
    )


def _digest(salt: bytes, token: str) -> str:
    return hashlib.sha256(salt + token.encode("utf-8")).hexdigest()


def _con(store: Store) -> Any:
    """A cursor of the store, with the key table created once per Store object."""
    if store not in _ready:
        with _ready_lock:
            if store not in _ready:
                with store._cursor() as cur:
                    cur.execute(_DDL)
                _ready.add(store)
    return store._cursor()


def create_key(store: Store, *, role: str, name: str = "") -> tuple[str, str]:
    """Create an API key; return its id and its secret (the secret is not kept).

    Raises
    ------
    ParameterError
        If ``role`` is not 'analyst' or 'viewer'.
    """
    if role not in ROLES:
        raise ParameterError("role", f"must be one of {', '.join(ROLES)}, not '{role}'")
    key_id = secrets.token_hex(6)
    token = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    now = _now()
    with _con(store) as cur:
        cur.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [key_id, name or f"{role} key", role, salt.hex(), _digest(salt, token), now],
        )
    return key_id, f"{PREFIX}_{key_id}_{token}"


def get_key(store: Store, key_id: str) -> KeyInfo:
    """One key's record (NotFoundError if there is none)."""
    with _con(store) as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = ?", [key_id]).fetchall()
    if not rows:
        raise NotFoundError("API key", key_id)
    return _info(tuple(rows[0]))


def list_keys(store: Store, *, include_revoked: bool = True) -> list[KeyInfo]:
    """Every key, oldest first (revoked ones too unless ``include_revoked=False``)."""
    where = "" if include_revoked else "WHERE revoked_at IS NULL"
    with _con(store) as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM api_keys {where} ORDER BY created_at, key_id").fetchall()
    return [_info(tuple(r)) for r in rows]


def has_active_keys(store: Store) -> bool:
    """Whether at least one key can be used."""
    return bool(list_keys(store, include_revoked=False))


def revoke_key(store: Store, key_id: str) -> KeyInfo:
    """Revoke a key (it stops working at once); revoking twice keeps the first date.

    Raises
    ------
    NotFoundError
        If there is no key with this id.
    """
    with _con(store) as cur:
        cur.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", [_now(), key_id]
        )
    return get_key(store, key_id)


def authenticate(store: Store, secret: str) -> KeyInfo | None:
    """The active key whose secret this is, or None (unknown, malformed or revoked)."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[2]:
        return None
    key_id, token = parts[1], parts[2]
    with _con(store) as cur:
        rows = cur.execute(
            f"SELECT {_COLUMNS}, salt, secret_hash FROM api_keys WHERE key_id = ?", [key_id]
        ).fetchall()
    if not rows:
        return None
    *info, salt, expected = rows[0]
    if not hmac.compare_digest(_digest(bytes.fromhex(salt), token), expected):
        return None
    key = _info(tuple(info))
    return key if key.active else None

