"""Seeded sections for igraph's process-global random number generator.

igraph keeps one random generator per process. ``seeded(seed)`` installs a
``random.Random(seed)`` for the duration of a block and restores the default
afterwards, so one analysis cannot change another's randomness. Two seeded
sections must never run in threads at once (the API's job runner serializes
analyses).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import igraph as ig

_LOCK = threading.Lock()


@contextmanager
def seeded(seed: int) -> Iterator[random.Random]:
    rng = random.Random(seed)
    with _LOCK:
        ig.set_random_number_generator(rng)
        try:
            yield rng
        finally:
            ig.set_random_number_generator(random)
