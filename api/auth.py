"""API key checks with a short in-memory cache.

Checking a key is one store query (about a millisecond); under load that is
most of a cached read's cost, so a good key is remembered for ``ttl``
seconds, under the sha256 of its secret (the secret itself is not kept).
Keys are only created or revoked with ``ona keys`` while the server is
stopped (DuckDB lets one process hold the store), so the cache cannot miss
a revocation; the TTL bounds it anyway, and :meth:`KeyCache.clear` empties it.
"""

from __future__ import annotations

import hashlib
import threading
import time

from ona.store import Store
from ona.store.keys import KeyInfo, authenticate


class KeyCache:
    """Remembers recently checked good keys (bounded, time-limited)."""

    def __init__(self, store: Store, *, ttl: float = 30.0, size: int = 1024) -> None:
        self._store = store
        self._ttl = ttl
        self._size = size
        self._keys: dict[str, tuple[float, KeyInfo]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(secret: str) -> str:
        return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()

    def cached(self, secret: str) -> KeyInfo | None:
        """The key of this secret if it was checked good less than ``ttl`` seconds ago."""
        digest = self._digest(secret)
        with self._lock:
            hit = self._keys.get(digest)
            if hit is None:
                return None
            if hit[0] < time.monotonic():
                del self._keys[digest]
                return None
            return hit[1]

    def check(self, secret: str) -> KeyInfo | None:
        """Ask the store (blocking); remember the key when it is good."""
        key = authenticate(self._store, secret)
        if key is not None:
            with self._lock:
                if len(self._keys) >= self._size:
                    self._keys.clear()
                self._keys[self._digest(secret)] = (time.monotonic() + self._ttl, key)
        return key

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
