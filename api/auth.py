"""Who is calling: API keys, sign-in sessions and workspace ownership of ids.

Keys and sessions are read from the control database
(:class:`ona.store.control.Control`) on every request, with no cache: a key
revoked or expired by ``ona keys revoke`` in another process, or a session
ended by signing out, stops working on the very next request. A lookup is
one indexed SQLite read (tens of microseconds).

The workspace of a dataset or an analysis never changes, so the owners of
ids are remembered (a bounded map); a deleted id is then refused by the
route itself, as any unknown id is.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from ona.store import Store
from ona.store.control import KeyInfo


class Keys:
    """The service's view of the control database: keys, sessions, id owners."""

    def __init__(self, store: Store, *, session_lifetime: timedelta, session_idle: timedelta) -> None:
        self.control = store.control
        self._store = store
        self._lifetime = session_lifetime
        self._idle = session_idle
        self._owners: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def check(self, secret: str) -> KeyInfo | None:
        """The active key of this secret, or None (blocking: one SQLite read)."""
        return self.control.authenticate(secret)

    def start_session(self, key: KeyInfo) -> str:
        """A new session id for a signed-in key (the cookie's value)."""
        return self.control.create_session(key, lifetime=self._lifetime)

    def session(self, session_id: str) -> KeyInfo | None:
        """The key of a live session, or None (blocking)."""
        return self.control.session_key(session_id, idle=self._idle)

    def end_session(self, session_id: str) -> None:
        self.control.end_session(session_id)

    def known_owner(self, kind: str, ident: str) -> str | None:
        """The workspace of a dataset or analysis if it is remembered (never blocks)."""
        return self._owners.get((kind, ident))

    def owner(self, kind: str, ident: str) -> str:
        """The workspace of a dataset or analysis (NotFoundError if there is none; blocking)."""
        workspace = self._store.workspace_of(kind, ident)
        with self._lock:
            if len(self._owners) >= 100_000:
                self._owners.clear()
            self._owners[(kind, ident)] = workspace
        return workspace
