"""Finished results, read from the store once and kept parsed.

Input: the store's result JSON of a done analysis. Output: the
:class:`ona.results.AnalysisResult` it holds, and its viewer version
(:func:`ona.privacy.for_viewer`). A result never changes once done, so
both are kept in a small LRU cache; deleting an analysis or a dataset
evicts them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from api.errors import Conflict
from ona.privacy import for_viewer
from ona.results import AnalysisResult
from ona.store import Store


class Results:
    """Parsed results of done analyses, and their viewer versions, LRU-cached."""

    def __init__(self, store: Store, *, size: int = 32) -> None:
        self._store = store
        self._size = size
        self._cache: OrderedDict[tuple[str, int | None], AnalysisResult] = OrderedDict()
        self._lock = threading.Lock()

    def full(self, analysis_id: str, *, reason: str | None = None) -> AnalysisResult:
        """The whole result (analyst view); ``reason`` replaces a failed analysis' own in the message.

        Raises
        ------
        NotFoundError
            No such analysis.
        Conflict
            The analysis is not done (queued, running or failed: the message says which, and why).
        """
        cached = self._get((analysis_id, None))
        if cached is not None:
            return cached
        info = self._store.get_analysis(analysis_id)
        if info.status != "done":
            if info.status in ("failed", "cancelled"):
                raise Conflict(f"analysis '{analysis_id}' {info.status}, so it has no result: {reason or info.error}")
            raise Conflict(
                f"analysis '{analysis_id}' is {info.status} ({round(100 * info.progress)}% done); "
                f"its result is not ready yet: poll GET /api/v1/analyses/{analysis_id}"
            )
        result = AnalysisResult.model_validate_json(self._store.get_result_json(analysis_id))
        self._put((analysis_id, None), result)
        return result

    def viewer(self, analysis_id: str, min_group_size: int) -> AnalysisResult:
        """The viewer's version: no people, groups under ``min_group_size`` suppressed."""
        key = (analysis_id, min_group_size)
        cached = self._get(key)
        if cached is not None:
            return cached
        result = for_viewer(self.full(analysis_id), min_group_size)
        self._put(key, result)
        return result

    def cached(self, analysis_id: str, min_group_size: int | None) -> AnalysisResult | None:
        """The kept result (``min_group_size`` None: the full one), or None; never blocks on the store."""
        return self._get((analysis_id, min_group_size))

    def evict(self, analysis_id: str | None = None) -> None:
        """Forget one analysis' results, or every result when ``analysis_id`` is None."""
        with self._lock:
            if analysis_id is None:
                self._cache.clear()
            else:
                for key in [k for k in self._cache if k[0] == analysis_id]:
                    del self._cache[key]

    def _get(self, key: tuple[str, int | None]) -> AnalysisResult | None:
        with self._lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
            return result

    def _put(self, key: tuple[str, int | None], result: AnalysisResult) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._cache[key] = result
            self._cache.move_to_end(key)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
