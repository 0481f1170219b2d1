"""Per-client rate limits (sign-in per address, uploads per key).

A token bucket per client: ``burst`` requests at once, then one more every
``per_seconds / burst`` seconds. A refused request learns how long to wait
(the ``Retry-After`` of a 429). Buckets live in memory, bounded in number:
a limit of one server process, which is all `ona serve` runs.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict


class RateLimiter:
    """At most ``burst`` requests per ``per_seconds`` for each client key."""

    def __init__(self, burst: int, per_seconds: float, *, clients: int = 10_000) -> None:
        self.burst = burst
        self.rate = burst / per_seconds  # tokens per second
        self._clients = clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Take one token for ``client``: None if allowed, else the seconds to wait (>= 1)."""
        if self.burst <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = None
            else:
                self._buckets[client] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            while len(self._buckets) > self._clients:
                self._buckets.popitem(last=False)
        return wait
