"""Background analyses: one worker, progress and failures kept in the store.

Input: a dataset id and :class:`ona.params.AnalysisParams`. Output: an
analysis record that goes ``queued -> running -> done`` (the result JSON is
saved) or ``failed`` (with the reason), as the store describes.

One worker thread runs the analyses one at a time, in the order they were
asked for: igraph's random number generator is process-global, so two
seeded analyses running at once in threads would not be reproducible.
Progress reported by :func:`ona.analysis.pipeline.analyze_dataset` through
``on_progress`` is written to the store, where ``GET /analyses/{id}`` reads
it. On shutdown, queued analyses are marked failed and a running one stops
at its next stage; at startup, :meth:`Store.fail_interrupted` marks failed
whatever a previous process left queued or running.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from ona.analysis.pipeline import analyze_dataset
from ona.errors import NotFoundError, OnaError, ParameterError
from ona.params import AnalysisParams
from ona.store import AnalysisInfo, Store

from api.errors import Conflict

log = logging.getLogger("ona.api.jobs")

STOPPED = "the server stopped before the analysis finished; start it again"


class _Stopping(Exception):
    """Raised from on_progress to end a running analysis when the server stops."""


class Jobs:
    """The analysis job runner of one app (one worker thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ona-analysis")
        self._stopping = threading.Event()
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- public

    def submit(self, dataset_id: str, params: AnalysisParams) -> AnalysisInfo:
        """Check the request, record the analysis (queued) and schedule it.

        Raises
        ------
        NotFoundError
            No such dataset.
        ParameterError
            ``parameters.group_by`` names no column of the dataset's people.
        """
        self._store.get_dataset(dataset_id)
        try:
            self._store.group_labels(dataset_id, params.group_by)
        except ParameterError as exc:
            raise ParameterError(f"parameters.{exc.field}", exc.reason) from exc
        info = self._store.create_analysis(dataset_id, params)
        with self._lock:
            future = self._executor.submit(self._run, info.analysis_id, dataset_id, params)
            self._futures[info.analysis_id] = future
        future.add_done_callback(lambda _: self._forget(info.analysis_id))
        return info

    def busy(self, analysis_id: str) -> bool:
        """Whether this analysis is queued or running in this process."""
        with self._lock:
            return analysis_id in self._futures

    def ensure_idle_dataset(self, dataset_id: str) -> None:
        """Raise Conflict if an analysis of this dataset is queued or running."""
        for info in self._store.list_analyses(dataset_id):
            if info.status in ("queued", "running"):
                raise Conflict(
                    f"dataset '{dataset_id}' has an analysis {info.status} ('{info.analysis_id}'); "
                    "delete it once the analysis has ended"
                )

    def ensure_idle(self, analysis_id: str) -> None:
        """Raise Conflict if the analysis is queued or running."""
        info = self._store.get_analysis(analysis_id)
        if info.status in ("queued", "running"):
            raise Conflict(f"analysis '{analysis_id}' is {info.status}; delete it once it has ended")

    def wait(self, timeout: float | None = None) -> None:
        """Block until every analysis submitted so far has ended (tests, shutdown)."""
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            try:
                future.result(timeout=timeout)
            except Exception:  # noqa: BLE001 - outcomes are in the store; only the waiting matters
                pass

    def shutdown(self) -> None:
        """Stop: queued analyses are marked failed, a running one ends at its next stage."""
        self._stopping.set()
        with self._lock:
            pending = [aid for aid, f in self._futures.items() if f.cancel()]
        for analysis_id in pending:
            self._fail(analysis_id, STOPPED)
        self._executor.shutdown(wait=True)

    # --------------------------------------------------------------- worker

    def _forget(self, analysis_id: str) -> None:
        with self._lock:
            self._futures.pop(analysis_id, None)

    def _run(self, analysis_id: str, dataset_id: str, params: AnalysisParams) -> None:
        if self._stopping.is_set():
            self._fail(analysis_id, STOPPED)
            return
        store = self._store

        def on_progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set():
                raise _Stopping
            progress = min(max(done / total, 0.0), 1.0) if total > 0 else None
            store.update_analysis(analysis_id, stage=stage, progress=progress)

        try:
            store.update_analysis(analysis_id, status="running", stage="starting", progress=0.0)
            result = analyze_dataset(store, dataset_id, params, on_progress=on_progress)
            store.save_result(analysis_id, result.to_json())
        except _Stopping:
            self._fail(analysis_id, STOPPED)
        except OnaError as exc:
            self._fail(analysis_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - the face: a job must never stay 'running'
            log.exception("analysis %s failed unexpectedly", analysis_id)
            self._fail(analysis_id, f"internal error ({type(exc).__name__}: {exc}); see the server log")

    def _fail(self, analysis_id: str, reason: str) -> None:
        try:
            self._store.update_analysis(analysis_id, status="failed", error=reason)
        except NotFoundError:
            pass  # deleted meanwhile (its dataset was deleted): nothing to record
