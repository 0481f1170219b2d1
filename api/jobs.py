"""Background analyses: one worker, progress and failures kept in the store.

Input: a dataset id and :class:`ona.params.AnalysisParams`. Output: an
analysis record that goes ``queued -> running -> done`` (the result JSON is
saved) or ``failed`` (with the reason), as the store describes.

One worker thread runs the analyses one at a time, in the order they were
asked for: igraph's random number generator is process-global, so two
seeded analyses running at once in threads would not be reproducible.
Progress reported by :func:`ona.analysis.pipeline.analyze_dataset` through
``on_progress`` is written to the store, where ``GET /analyses/{id}`` reads
it.

Stopping: queued analyses are marked failed at once; the running one is
told to stop and ends at its next stage boundary. The server waits for
that at most ``stop_timeout`` seconds, then marks it failed itself and goes
on stopping (the worker is a daemon thread, so a long stage cannot hold
the process). At startup, :meth:`Store.fail_interrupted` marks failed
whatever a previous process left queued or running (after a crash).
"""

from __future__ import annotations

import logging
import queue
import threading

from api.errors import Conflict
from ona.analysis.pipeline import analyze_dataset
from ona.errors import NotFoundError, OnaError, ParameterError
from ona.params import AnalysisParams
from ona.store import AnalysisInfo, Store

log = logging.getLogger("ona.api.jobs")

STOPPED = "the server stopped before the analysis finished; start it again"

_Job = tuple[str, str, AnalysisParams]  # analysis_id, dataset_id, params


class _Stopping(Exception):
    """Raised from on_progress to end a running analysis when the server stops."""


class Jobs:
    """The analysis job runner of one app (one daemon worker thread)."""

    def __init__(self, store: Store, *, stop_timeout: float = 10.0) -> None:
        self._store = store
        self._stop_timeout = stop_timeout
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._stopping = threading.Event()
        self._running: str | None = None
        self._detached = False  # set when a stop gave up waiting: the worker must leave the store alone
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="ona-analysis", daemon=True)
        self._worker.start()

    # ---------------------------------------------------------------- public

    def submit(self, dataset_id: str, params: AnalysisParams) -> AnalysisInfo:
        """Check the request, record the analysis (queued) and schedule it.

        Raises
        ------
        NotFoundError
            No such dataset.
        ParameterError
            ``parameters.group_by`` names no column of the dataset's people.
        Conflict
            The server is stopping.
        """
        if self._stopping.is_set():
            raise Conflict("the server is stopping; start the analysis once it is back")
        self._store.get_dataset(dataset_id)
        try:
            self._store.group_labels(dataset_id, params.group_by)
        except ParameterError as exc:
            raise ParameterError(f"parameters.{exc.field}", exc.reason) from exc
        info = self._store.create_analysis(dataset_id, params)
        self._queue.put((info.analysis_id, dataset_id, params))
        return info

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

    def shutdown(self) -> None:
        """Stop (see the module docstring); returns within about ``stop_timeout`` seconds."""
        self._stopping.set()
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._fail(job[0], STOPPED)
        self._queue.put(None)
        self._worker.join(self._stop_timeout)
        with self._lock:
            running = self._running if self._worker.is_alive() else None
        if running is not None:
            log.warning("analysis %s still in its stage after %.0f s; marked failed", running, self._stop_timeout)
            self._fail(running, STOPPED)
            self._detached = True

    # --------------------------------------------------------------- worker

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._stopping.is_set():
                self._fail(job[0], STOPPED)
                continue
            with self._lock:
                self._running = job[0]
            try:
                self._run(*job)
            finally:
                with self._lock:
                    self._running = None

    def _run(self, analysis_id: str, dataset_id: str, params: AnalysisParams) -> None:
        store = self._store

        def on_progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set() or self._detached:
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
        except Exception as exc:  # the face: a job must never stay 'running'
            log.exception("analysis %s failed unexpectedly", analysis_id)
            self._fail(analysis_id, f"internal error ({type(exc).__name__}: {exc}); see the server log")

    def _fail(self, analysis_id: str, reason: str) -> None:
        if self._detached:
            return  # the stop already recorded it, and the store may be closed by now
        try:
            self._store.update_analysis(analysis_id, status="failed", error=reason)
        except NotFoundError:
            pass  # deleted meanwhile (with its dataset): nothing left to record
        except Exception:  # noqa: BLE001 - the store may be closing under a late worker
            log.warning("could not record the failure of analysis %s: %s", analysis_id, reason)
