"""Background analyses: one worker, fair queues, cancel, time limit, progress in the store.

Input: a dataset id, :class:`ona.params.AnalysisParams` and the workspace
that asks. Output: an analysis record that goes ``queued -> running ->
done`` (the result JSON is saved), ``failed`` (with the reason) or
``cancelled``, as the store describes.

One worker thread takes the analyses one at a time (two cores: a second
analysis at once would only slow both and the server), and runs each in a
child process (:mod:`api.child`): an analysis in a server thread held the
GIL (igraph's C calls, the Python stages) and starved the event loop that
answers reads. The child cannot open the server's store (a DuckDB file is
open in one process only), so the worker first copies the dataset into a
temporary store file (:meth:`Store.export_dataset`, SQL only); the child
opens it, runs :func:`ona.analysis.pipeline.analyze_dataset`, sends its
progress ``(stage, done, total)`` back through a pipe and writes the result
JSON to a temporary file, which the worker saves with
:meth:`Store.save_result`. Temporary files go to the store's scratch
folder (:func:`api.child.scratch`, emptied at every start). Progress is written to the store, where ``GET
/analyses/{id}`` reads it. The temporary files are removed whatever
happens. The child runs at a lower scheduling priority
(:data:`api.child.NICENESS`): on a busy machine reads stay fast and the
analysis takes the CPU they leave.

Fairness: each workspace has its own queue, in the order its analyses were
asked for, and the worker takes the next analysis from each workspace with
queued work in turn (round robin). A client that queues fifty analyses
delays another workspace's one by at most the analysis already running and
one of its own.

Stopping a running analysis: the worker looks at the reasons to stop each
time the child reports progress and every :data:`api.child.POLL` seconds
in between, and kills the child there, in the middle of a stage if need be:

- cancel (:meth:`Jobs.cancel`): a queued analysis is ``cancelled`` at once
  and never runs; a running one answers ``running`` (stage ``cancelling``)
  and becomes ``cancelled`` a moment later, or instead of saving its result
  if the child had already answered;
- the time limit (``time_limit`` seconds, the ``analysis_time_limit``
  setting): a running analysis past it is killed and marked ``failed``
  with :func:`time_limit_reason`;
- the server stopping: queued analyses are marked failed at once; the
  running one is killed. The server waits at most ``stop_timeout`` seconds
  for the worker (it may be copying the dataset), then marks it failed
  itself and goes on stopping (the worker is a daemon thread, and the
  child a daemon process that also dies with the server after ``kill -9``).
  At startup, :meth:`Store.fail_interrupted` marks failed whatever a
  previous process left queued or running (after a crash).

A child that dies without answering (a crash, the out-of-memory killer)
marks its analysis failed with :data:`CRASHED` and the way it ended.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api import child, child_tasks
from api.errors import Conflict
from ona.errors import NotFoundError, OnaError, ParameterError
from ona.params import AnalysisParams
from ona.store import AnalysisInfo, Store
from ona.store.models import ACTIVE_STATUSES

log = logging.getLogger("ona.api.jobs")

STOPPED = "the server stopped before the analysis finished; start it again"
CANCELLED = "cancelled at a user's request"
CRASHED = "the analysis process ended unexpectedly"

#: Workspace of the analyses submitted without one.
DEFAULT_WORKSPACE = "default"

#: Set to a Spark master URL (``local[4]``, ``spark://host:7077``, ``yarn``...), analyses compute their
#: pair weights and ticket handoff tables as Spark jobs (:class:`ona.store.spark.SparkEngine`, over the
#: dataset's events staged from the store); unset, in the store's DuckDB.
SPARK_MASTER_ENV = "ONA_SPARK_MASTER"


def analyze_on_spark(store: Store, dataset_id: str, params: AnalysisParams, *, on_progress: Any) -> Any:
    """:func:`ona.analysis.pipeline.run_analysis` on Spark at ``ONA_SPARK_MASTER`` (in the child)."""
    from ona.analysis.pipeline import run_analysis

    return run_analysis(store, dataset_id, params, on_progress=on_progress, engine="spark",
                        spark_master=os.environ.get(SPARK_MASTER_ENV) or None)


#: The clock of the time limit (seconds; a module attribute so tests can drive it).
_clock = time.monotonic


def time_limit_reason(seconds: float) -> str:
    """The error of an analysis stopped by the time limit."""
    return (
        f"stopped after the time limit of {seconds:g} s (setting ONA_ANALYSIS_TIME_LIMIT); "
        "ask for fewer permutations or betweenness samples, a shorter window, or a longer limit"
    )


#: Niceness added to the worker thread, which copies each dataset out for its child and saves
#: the result: on a busy machine the kernel runs the threads that answer requests first.
WORKER_NICENESS = 10


def _lower_priority() -> None:
    """Lower the scheduling priority of the calling thread (Linux: a thread is a task); elsewhere nothing."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICENESS)
    except OSError as exc:  # not allowed here (a container policy, say): run at the normal priority
        log.info("could not lower the analysis worker's priority: %s", exc)


@dataclass(frozen=True)
class _Job:
    analysis_id: str
    dataset_id: str
    params: AnalysisParams
    workspace: str


class _Stopping(Exception):
    """Raised by the worker to end a running analysis when the server stops."""


class _Cancelled(Exception):
    """Raised by the worker to end a running analysis a user cancelled."""


class _TimeUp(Exception):
    """Raised by the worker to end a running analysis past the time limit."""


class Jobs:
    """The analysis job runner of one app (one daemon worker thread).

    Parameters
    ----------
    store : Store
        Where analysis records, progress and results are written.
    stop_timeout : float, default 10
        Seconds :meth:`shutdown` waits for the worker to end the running
        analysis (it kills the child at once, but may be copying a dataset).
    time_limit : float or None, default None
        Seconds an analysis may run before it is killed and marked failed;
        None for no limit.
    analysis : callable, optional
        What the child runs, called as
        ``analysis(store, dataset_id, params, on_progress=...)``:
        :func:`ona.analysis.pipeline.analyze_dataset` unless a test hands
        another one (a module-level function: it is pickled to the child);
        with ``ONA_SPARK_MASTER`` set, :func:`analyze_on_spark`.
    """

    def __init__(
        self,
        store: Store,
        *,
        stop_timeout: float = 10.0,
        time_limit: float | None = None,
        analysis: Callable[..., Any] | None = None,
    ) -> None:
        self._store = store
        spark = bool(os.environ.get(SPARK_MASTER_ENV))
        self._analysis = analysis or (analyze_on_spark if spark else child_tasks.analyze_dataset)
        self._stop_timeout = stop_timeout
        self._time_limit = time_limit
        # Guarded by _lock: the queues, the running job and its cancel flag. The worker
        # takes a job and cancel removes one under the same lock, so a queued analysis is
        # either run or cancelled, never both.
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queues: dict[str, deque[_Job]] = {}
        self._turns: deque[str] = deque()  # workspaces with queued jobs, in the order they get the worker
        self._running: str | None = None
        self._cancel_running = False
        self._cancel_early: set[str] = set()  # cancelled between their record and their place in a queue
        self._stopping = threading.Event()
        self._detached = False  # set when a stop gave up waiting: the worker must leave the store alone
        self._worker = threading.Thread(target=self._work, name="ona-analysis", daemon=True)
        self._worker.start()

    # ---------------------------------------------------------------- public

    def submit(self, dataset_id: str, params: AnalysisParams, *, workspace: str = DEFAULT_WORKSPACE) -> AnalysisInfo:
        """Check the request, record the analysis (queued) and schedule it in its workspace's queue.

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
        job = _Job(info.analysis_id, dataset_id, params, workspace)
        with self._wake:
            if info.analysis_id in self._cancel_early:
                self._cancel_early.discard(info.analysis_id)
                return self._store.get_analysis(info.analysis_id)
            if self._stopping.is_set():
                stopped = True
            else:
                stopped = False
                if workspace not in self._queues:
                    self._queues[workspace] = deque()
                    self._turns.append(workspace)
                self._queues[workspace].append(job)
                self._wake.notify()
        if stopped:  # the stop drained the queues while this one was being recorded
            self._fail(info.analysis_id, STOPPED)
            raise Conflict("the server is stopping; start the analysis once it is back")
        return info

    def cancel(self, analysis_id: str) -> AnalysisInfo:
        """Cancel an analysis; its record afterwards.

        A queued analysis is ``cancelled`` at once and never runs. A running
        one is told to stop: the record still says ``running`` (stage
        ``cancelling``) until the worker has killed its child a moment later
        (within :data:`api.child.POLL` seconds), when it becomes
        ``cancelled``. Cancelling a cancelled analysis changes nothing.

        Raises
        ------
        NotFoundError
            No such analysis.
        Conflict
            The analysis is done or failed (it has ended: delete it instead).
        """
        with self._lock:
            queued = self._unqueue(analysis_id)
            running = queued is None and self._running == analysis_id
            if queued is not None:
                # Written under the lock, so that no list of the queue shows it in neither state.
                self._store.update_analysis(analysis_id, status="cancelled", stage=None, error=CANCELLED)
            elif running:
                self._cancel_running = True
                self._store.update_analysis(analysis_id, stage="cancelling")
            elif self._store.get_analysis(analysis_id).status == "queued":
                # recorded by a submit that has not queued it yet: that submit will not queue it
                self._cancel_early.add(analysis_id)
                self._store.update_analysis(analysis_id, status="cancelled", error=CANCELLED)
        info = self._store.get_analysis(analysis_id)
        if info.status in ("done", "failed"):
            raise Conflict(f"analysis '{analysis_id}' is {info.status}: it has ended, so there is nothing to cancel")
        return info

    def ensure_idle_dataset(self, dataset_id: str) -> None:
        """Raise Conflict if an analysis of this dataset is queued or running."""
        for info in self._store.list_analyses(dataset_id):
            if info.status in ACTIVE_STATUSES:
                raise Conflict(
                    f"dataset '{dataset_id}' has an analysis {info.status} ('{info.analysis_id}'); "
                    "cancel it or delete the dataset once the analysis has ended"
                )

    def ensure_idle(self, analysis_id: str) -> None:
        """Raise Conflict if the analysis is queued or running (done, failed and cancelled have ended)."""
        info = self._store.get_analysis(analysis_id)
        if info.status in ACTIVE_STATUSES:
            raise Conflict(
                f"analysis '{analysis_id}' is {info.status}; cancel it "
                f"(POST /api/v1/analyses/{analysis_id}/cancel) or delete it once it has ended"
            )

    def queued(self) -> list[str]:
        """Ids of the queued analyses, in the order the worker will take them (round robin)."""
        with self._lock:
            queues = {ws: list(q) for ws, q in self._queues.items()}
            turns = list(self._turns)
        order: list[str] = []
        while turns:
            ws = turns.pop(0)
            order.append(queues[ws].pop(0).analysis_id)
            if queues[ws]:
                turns.append(ws)
        return order

    def shutdown(self) -> None:
        """Stop (see the module docstring); returns within about ``stop_timeout`` seconds."""
        with self._wake:
            self._stopping.set()
            dropped = [job for q in self._queues.values() for job in q]
            self._queues.clear()
            self._turns.clear()
            self._wake.notify_all()
        for job in dropped:
            self._fail(job.analysis_id, STOPPED)
        self._worker.join(self._stop_timeout)
        with self._lock:
            running = self._running if self._worker.is_alive() else None
            if running is not None:
                self._detached = True  # from now on the late worker writes nothing
        if running is not None:
            log.warning("analysis %s still in its stage after %.0f s; marked failed", running, self._stop_timeout)
            self._record(running, "failed", STOPPED)

    # --------------------------------------------------------------- worker

    def _unqueue(self, analysis_id: str) -> _Job | None:
        """Take a queued job out of its queue (call with the lock held); None if it is not queued."""
        for workspace, q in self._queues.items():
            for job in q:
                if job.analysis_id == analysis_id:
                    q.remove(job)
                    if not q:
                        del self._queues[workspace]
                        self._turns.remove(workspace)
                    return job
        return None

    def _next(self) -> _Job | None:
        """Wait for the next job (round robin over workspaces) and mark it running; None to stop."""
        with self._wake:
            while not self._turns and not self._stopping.is_set():
                self._wake.wait()
            if self._stopping.is_set():
                return None
            workspace = self._turns.popleft()
            q = self._queues[workspace]
            job = q.popleft()
            if q:
                self._turns.append(workspace)  # its next job waits for every other workspace's turn
            else:
                del self._queues[workspace]
            self._running = job.analysis_id
            self._cancel_running = False
            return job

    def _work(self) -> None:
        _lower_priority()
        while (job := self._next()) is not None:
            try:
                self._run(job)
            finally:
                with self._lock:
                    self._running = None
                    self._cancel_running = False

    def _check(self, started: float) -> None:
        """Raise the reason to stop the running analysis now, if there is one."""
        if self._stopping.is_set() or self._detached:
            raise _Stopping
        if self._cancel_running:
            raise _Cancelled
        if self._time_limit is not None and _clock() - started > self._time_limit:
            raise _TimeUp

    def _run(self, job: _Job) -> None:
        store, analysis_id = self._store, job.analysis_id
        started = _clock()
        folder = child.scratch_dir(store.path, "ona-analysis-")
        try:
            store.update_analysis(analysis_id, status="running", stage="starting", progress=0.0)
            part, out = folder / "dataset.duckdb", folder / "result.json"
            store.export_dataset(job.dataset_id, part)
            with self._lock:
                self._check(started)  # a cancel or a stop during the copy: no child to start
            with child.Child(
                child_tasks.analyze, self._analysis, str(part), job.dataset_id, job.params, str(out)
            ) as proc:
                for message in proc.messages():
                    with self._lock:  # a cancel's 'cancelling' stage is not overwritten by a late stage name
                        self._check(started)  # leaving the block kills the child
                        if message is not None:
                            stage, done, total = message
                            progress = min(max(done / total, 0.0), 1.0) if total > 0 else None
                            store.update_analysis(analysis_id, stage=stage, progress=progress)
                proc.result()
            result_json = out.read_text(encoding="utf-8")
            with self._lock:
                # The end is the last check: a cancel answered before it must not turn into
                # 'done'. Holding the lock while saving makes cancel wait for the final status.
                if self._detached:
                    return  # the stop already marked it failed, and the store may be closed by now
                self._check(started)
                store.save_result(analysis_id, result_json)
                self._running = None
        except _Stopping:
            self._fail(analysis_id, STOPPED)
        except _Cancelled:
            self._end(analysis_id, "cancelled", CANCELLED)
        except _TimeUp:
            assert self._time_limit is not None
            log.warning("analysis %s stopped after the time limit of %g s", analysis_id, self._time_limit)
            self._fail(analysis_id, time_limit_reason(self._time_limit))
        except OnaError as exc:
            self._fail(analysis_id, str(exc))
        except child.ChildDied as exc:
            log.error("analysis %s: %s", analysis_id, exc)
            self._fail(analysis_id, f"{CRASHED}: {exc}; see the server log")
        except Exception as exc:  # the face: a job must never stay 'running'
            if not isinstance(exc, child.ChildError):
                log.exception("analysis %s failed unexpectedly", analysis_id)
            name = "" if isinstance(exc, child.ChildError) else f"{type(exc).__name__}: "
            self._fail(analysis_id, f"internal error ({name}{exc}); see the server log")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _fail(self, analysis_id: str, reason: str) -> None:
        self._end(analysis_id, "failed", reason)

    def _end(self, analysis_id: str, status: str, reason: str) -> None:
        """Record the final status (call without the lock held)."""
        with self._lock:
            if self._running == analysis_id:
                self._running = None  # ended: a cancel from now on finds the final record, not a runner
            if self._detached:
                return  # the stop already recorded it, and the store may be closed by now
            self._record(analysis_id, status, reason)

    def _record(self, analysis_id: str, status: str, reason: str) -> None:
        try:
            self._store.update_analysis(analysis_id, status=status, error=reason)
        except NotFoundError:
            pass  # deleted meanwhile (with its dataset): nothing left to record
        except Exception:  # noqa: BLE001 - the store may be closing under a late worker
            log.warning("could not record the end (%s) of analysis %s: %s", status, analysis_id, reason)
