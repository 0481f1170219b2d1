"""Finished results, read from the store once and kept parsed.

Input: the store's result JSON of a done analysis. Output: the
:class:`ona.results.AnalysisResult` it holds, and its viewer version
(:func:`ona.privacy.for_viewer`). A result never changes once done, so
both are kept in the service's cache (:class:`api.cache.LRUCache`, keyed by
analysis id and the viewer's suppression floor); deleting an analysis or a
dataset evicts that analysis' results only.
"""

from __future__ import annotations

from api.cache import LRUCache
from api.errors import Conflict
from ona.privacy import for_viewer
from ona.results import AnalysisResult
from ona.store import Store


class Results:
    """Parsed results of done analyses, and their viewer versions, LRU-cached."""

    def __init__(self, store: Store, *, size: int = 32) -> None:
        self._store = store
        self.cache: LRUCache[AnalysisResult] = LRUCache(size)

    def full(self, analysis_id: str, *, reason: str | None = None) -> AnalysisResult:
        """The whole result (analyst view); ``reason`` replaces a failed analysis' own in the message.

        Raises
        ------
        NotFoundError
            No such analysis.
        Conflict
            The analysis is not done (queued, running or failed: the message says which, and why).
        """
        cached = self.cache.get((analysis_id, None))
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
        self.cache.put((analysis_id, None), result)
        return result

    def viewer(self, analysis_id: str, min_group_size: int) -> AnalysisResult:
        """The viewer's version: no people, groups under ``min_group_size`` suppressed."""
        key = (analysis_id, min_group_size)
        return self.cache.get_or_make(key, lambda: for_viewer(self.full(analysis_id), min_group_size))

    def cached(self, analysis_id: str, min_group_size: int | None) -> AnalysisResult | None:
        """The kept result (``min_group_size`` None: the full one), or None; never blocks on the store."""
        return self.cache.get((analysis_id, min_group_size))

    def evict(self, analysis_id: str | None = None) -> None:
        """Forget one analysis' results, or every result when ``analysis_id`` is None."""
        self.cache.invalidate(() if analysis_id is None else (analysis_id,))
