"""API keys of the HTTP service: create, list, revoke, authenticate.

Input: a :class:`ona.store.Store` or its :class:`ona.store.control.Control`
(the small SQLite database beside the store file that holds workspaces,
keys, sessions and the audit log; see that module for why). Output:
:class:`KeyInfo` records, and the secret itself exactly once, when a key is
created.

A secret reads ``ona_<key_id>_<token>``: the key id lets :func:`authenticate`
find the one row to check, and the token is 32 random bytes
(``secrets.token_urlsafe``). The database keeps a random 16-byte salt and
``sha256(salt + token)``; a slow hash (scrypt) would add nothing for a
256-bit random token and would cost milliseconds on every request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ona.store.control import DEFAULT_WORKSPACE, ROLES, Control, KeyInfo, Role

if TYPE_CHECKING:
    from ona.store.store import Store

__all__ = [
    "DEFAULT_WORKSPACE", "ROLES", "KeyInfo", "Role",
    "authenticate", "create_key", "get_key", "has_active_keys", "list_keys", "revoke_key",
]  # fmt: skip


def _control(where: Store | Control) -> Control:
    return where if isinstance(where, Control) else where.control


def create_key(
    where: Store | Control,
    *,
    role: str,
    name: str = "",
    workspace: str | None = DEFAULT_WORKSPACE,
    expires_in_days: float | None = None,
) -> tuple[str, str]:
    """Create an API key; return its id and its secret (the secret is not kept).

    Raises
    ------
    ParameterError
        If ``role`` is not analyst, viewer or admin, the workspace name is
        not valid, or ``expires_in_days`` is not positive.
    """
    expires = None if expires_in_days is None else timedelta(days=expires_in_days)
    key, secret = _control(where).create_key(role=role, workspace=workspace, name=name, expires_in=expires)
    return key.key_id, secret


def get_key(where: Store | Control, key_id: str) -> KeyInfo:
    """One key's record (NotFoundError if there is none)."""
    return _control(where).get_key(key_id)


def list_keys(
    where: Store | Control, *, workspace: str | None = None, include_revoked: bool = True
) -> list[KeyInfo]:
    """Keys, oldest first (of one workspace when given; revoked ones too unless asked not to)."""
    return _control(where).list_keys(workspace=workspace, include_revoked=include_revoked)


def has_active_keys(where: Store | Control) -> bool:
    """Whether at least one key can be used now."""
    return _control(where).has_active_keys()


def revoke_key(where: Store | Control, key_id: str) -> KeyInfo:
    """Revoke a key: it stops working on the next request, and its sessions end.

    Raises
    ------
    NotFoundError
        If there is no key with this id.
    """
    return _control(where).revoke_key(key_id)


def authenticate(where: Store | Control, secret: str) -> KeyInfo | None:
    """The active key whose secret this is, or None (unknown, malformed, revoked or expired)."""
    return _control(where).authenticate(secret)
