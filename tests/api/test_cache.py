"""api.cache.LRUCache against a plain model of "least recently used", and under threads."""

from __future__ import annotations

import random
import threading

import pytest

from api.cache import LRUCache


class Model:
    """The definition, written the slow way: keys in order of last use, the oldest first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.order: list[tuple] = []
        self.values: dict[tuple, int] = {}
        self.hits = self.misses = 0

    def get(self, key: tuple) -> int | None:
        if key not in self.values:
            self.misses += 1
            return None
        self.hits += 1
        self.order.remove(key)
        self.order.append(key)
        return self.values[key]

    def put(self, key: tuple, value: int) -> None:
        if self.size == 0:
            return
        if key in self.values:
            self.order.remove(key)
        self.order.append(key)
        self.values[key] = value
        while len(self.order) > self.size:
            del self.values[self.order.pop(0)]

    def invalidate(self, prefix: tuple) -> int:
        gone = [k for k in self.order if k[: len(prefix)] == prefix]
        for k in gone:
            self.order.remove(k)
            del self.values[k]
        return len(gone)


def test_the_least_recently_used_goes_first() -> None:
    cache: LRUCache[str] = LRUCache(2)
    cache.put(("a",), "A")
    cache.put(("b",), "B")
    assert cache.get(("a",)) == "A"  # a is now more recent than b
    cache.put(("c",), "C")
    assert ("b",) not in cache and cache.get(("a",)) == "A" and cache.get(("c",)) == "C"
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 0)
    assert cache.get(("b",)) is None and cache.misses == 1


def test_invalidate_forgets_keys_by_prefix_only() -> None:
    cache: LRUCache[int] = LRUCache(10)
    for key in [("an1", None), ("an1", 5), ("an1", 5, "map"), ("an10", None), ("an2", 5)]:
        cache.put(key, 1)
    assert cache.invalidate(("an1",)) == 3  # not "an10": whole elements, not string prefixes
    assert ("an10", None) in cache and ("an2", 5) in cache and ("an1", 5) not in cache
    assert cache.invalidate(("an2", 6)) == 0 and ("an2", 5) in cache
    assert cache.invalidate() == 2 and len(cache) == 0


def test_size_zero_keeps_nothing_and_a_negative_size_is_refused() -> None:
    cache: LRUCache[int] = LRUCache(0)
    cache.put(("a",), 1)
    assert len(cache) == 0 and cache.get(("a",)) is None
    made = []
    assert cache.get_or_make(("a",), lambda: made.append(1) or 7) == 7
    assert cache.get_or_make(("a",), lambda: made.append(1) or 7) == 7
    assert made == [1, 1]  # made again each time: nothing is kept
    with pytest.raises(ValueError, match="0 or more"):
        LRUCache(-1)


def test_get_or_make_makes_once_while_kept() -> None:
    cache: LRUCache[str] = LRUCache(1)
    calls: list[str] = []

    def make(name: str) -> str:
        calls.append(name)
        return name.upper()

    assert cache.get_or_make(("x",), lambda: make("x")) == "X"
    assert cache.get_or_make(("x",), lambda: make("x")) == "X"
    assert cache.get_or_make(("y",), lambda: make("y")) == "Y"  # drops x
    assert cache.get_or_make(("x",), lambda: make("x")) == "X"
    assert calls == ["x", "y", "x"]
    assert (cache.hits, cache.misses) == (1, 3)


@pytest.mark.parametrize("size", [0, 1, 3, 8])
def test_random_operations_match_the_model(size: int) -> None:
    rng = random.Random(size)
    cache: LRUCache[int] = LRUCache(size)
    model = Model(size)
    keys = [(f"an{i}", floor) for i in range(5) for floor in (None, 5)]
    for step in range(3000):
        key = rng.choice(keys)
        op = rng.random()
        if op < 0.45:
            assert cache.get(key) == model.get(key), step
        elif op < 0.95:
            cache.put(key, step)
            model.put(key, step)
        else:
            assert cache.invalidate(key[:1]) == model.invalidate(key[:1]), step
        assert len(cache) == len(model.order) <= size
    assert (cache.hits, cache.misses) == (model.hits, model.misses)
    assert {k for k in keys if k in cache} == set(model.order)


def test_threads_never_overfill_it_nor_lose_a_count() -> None:
    cache: LRUCache[int] = LRUCache(16)
    errors: list[BaseException] = []
    per_thread, threads = 2000, 8

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(per_thread):
                key = (f"an{rng.randrange(40)}", rng.choice([None, 5]))
                value = cache.get_or_make(key, lambda: hash(key))
                assert value == hash(key)
                assert len(cache) <= 16
                if rng.random() < 0.01:
                    cache.invalidate(key[:1])
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert cache.hits + cache.misses == per_thread * threads  # every read counted once
    assert 0 < len(cache) <= 16
