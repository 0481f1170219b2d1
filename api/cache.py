"""The service's one cache: a thread-safe, bounded, least-recently-used map.

What it keeps: things made from a finished analysis, which never changes
once done (parsed results and their viewer versions, :mod:`api.results`;
figures as Plotly JSON and rendered reports, :mod:`api.views`). Keys are
tuples whose first element is the analysis id, so that everything made from
one analysis is forgotten at once (:meth:`LRUCache.invalidate` with the
prefix ``(analysis_id,)``) when it is deleted.

Bounded in entries: at most ``size`` values are kept; putting one more
drops the least recently used (read or put). ``size`` 0 keeps nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

Key = tuple[Hashable, ...]


class LRUCache(Generic[V]):
    """At most ``size`` values by tuple key, the least recently used dropped first.

    ``hits`` and ``misses`` count the answers of :meth:`get` (and of
    :meth:`get_or_make`, which reads through it) since the cache was made.
    Every method may be called from any thread.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"a cache size is a number of entries, 0 or more, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Key, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: Key) -> bool:
        """Whether ``key`` is kept (neither counted as a hit or miss nor made more recent)."""
        with self._lock:
            return key in self._items

    def get(self, key: Key) -> V | None:
        """The value kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
                self._items.move_to_end(key)
            return value

    def put(self, key: Key, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used, dropping the least recent beyond ``size``."""
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_make(self, key: Key, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()`` kept and returned.

        ``make`` runs outside the lock, so a slow one (a report takes seconds)
        does not hold up other readers; two threads missing the same key at
        once may both make it, and the later one is kept.
        """
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def invalidate(self, prefix: Key = ()) -> int:
        """Forget every key that starts with ``prefix`` (all of them for ``()``); the number forgotten."""
        n = len(prefix)
        with self._lock:
            if n == 0:
                count = len(self._items)
                self._items.clear()
                return count
            gone = [key for key in self._items if key[:n] == prefix]
            for key in gone:
                del self._items[key]
            return len(gone)
