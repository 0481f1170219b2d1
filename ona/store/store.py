"""The embedded DuckDB store: datasets, canonical events, analyses.

Input: validated :class:`ona.io.dataset.Dataset` objects and analysis job
updates. Output: :class:`DatasetInfo` / :class:`AnalysisInfo` records, pair
weights for :mod:`ona.graph`, stored result JSON. This package is the only
place in ona that writes SQL.

Threads: one :class:`Store` may be shared by several threads (the API's
request handlers and its job runner). Every call opens its own DuckDB
cursor (a connection of its own to the same database) and closes it, so
calls never share a transaction or temporary tables. Writes that could
touch the same rows are serialized by two locks: ``_datasets`` (save and
delete a dataset) and ``_jobs`` (analysis records, and delete_dataset,
which removes analyses too). Reads take no lock: DuckDB gives each one a
consistent snapshot. A long save_dataset therefore never blocks an
analysis from reporting its progress.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import duckdb
import pyarrow as pa

from ona.io.dataset import Dataset
from ona.io.limits import ReadLimits
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress
from ona.results import ValidationReport
from ona.store import analyses as _analyses
from ona.store import datasets as _datasets
from ona.store.control import DEFAULT_WORKSPACE, Control, check_workspace_name, control_path
from ona.store.ingest import save_dataset
from ona.store.models import AnalysisInfo, DatasetInfo, PairWeights
from ona.errors import NotFoundError
from ona.store.schema import TABLE_NAMES, create_schema, first_row
from ona.store.stream import load_files
from ona.store import transfer as _transfer
from ona.store.weights import pair_weights as _pair_weights

INTERRUPTED = "the server stopped while the analysis was running"

#: Inputs of at least this many bytes are analyzed in a store on disk (:func:`scratch_store`).
SCRATCH_ON_DISK = 256 << 20


def memory_limit() -> str:
    """DuckDB's memory limit for a store on disk: ``ONA_DUCKDB_MEMORY`` (e.g. ``4GB``), else half of RAM.

    Beyond it DuckDB spills to the store's temporary folder instead of
    growing: the events of a large organization pass through on their way
    to pair weights. Half, because the aggregation runs alone: the graph
    stage starts after it, when DuckDB has given its working memory back.
    """
    configured = os.environ.get("ONA_DUCKDB_MEMORY", "").strip()
    if configured:
        return configured
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1 << 30, total // 2) >> 20}MB"


@contextmanager
def scratch_store(input_bytes: int = 0) -> Iterator[Store]:
    """A store for one run, removed after it: in memory for inputs under :data:`SCRATCH_ON_DISK` bytes,
    else a DuckDB file in a temporary folder (``ONA_TMPDIR``, else the system's), so that the events
    are on disk, not in memory."""
    if input_bytes < SCRATCH_ON_DISK:
        with Store(":memory:") as store:
            yield store
        return
    folder = tempfile.mkdtemp(prefix="ona-", dir=os.environ.get("ONA_TMPDIR") or None)
    try:
        with Store(Path(folder) / "scratch.duckdb", throwaway=True) as store:
            yield store
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def store_for_load(path: str | Path) -> Iterator[Store]:
    """``Store(path)`` for one command that loads a dataset into it, closed after.

    A failed first load leaves no store behind: when this call created the
    store file and the block raises (an error, Ctrl-C) while the store holds
    no dataset, the store is closed and the files it created are removed
    (:meth:`Store.remove_created`). A store that existed is only closed: a
    failed load saved nothing in it (:meth:`Store.save_dataset` and
    :meth:`Store.load_files` are one transaction each), so it keeps exactly
    what it held. Once a dataset is saved, the store is kept as any store is.
    """
    store = Store(path)
    failed = True
    try:
        yield store
        failed = False
    finally:
        discard = failed and store.created and not _holds_datasets(store)
        store.close()
        if discard:
            store.remove_created()


def _holds_datasets(store: Store) -> bool:
    """Whether the store holds a dataset (False when it cannot even be read: nothing to keep)."""
    try:
        return bool(store.list_datasets())
    except Exception:  # noqa: BLE001 (a store this run created and cannot read holds nothing worth keeping)
        return False


def store_files(path: str | Path) -> list[Path]:
    """The files a store file ``path`` may have beside it: the DuckDB file, its write-ahead log
    (``.wal``) and spill folder (``.tmp``), the control database (:func:`ona.store.control.control_path`)
    and its SQLite journals (``-wal``, ``-shm``, ``-journal``)."""
    db, control = Path(path), Path(control_path(path))
    return [db, Path(f"{db}.wal"), Path(f"{db}.tmp"),
            control, Path(f"{control}-wal"), Path(f"{control}-shm"), Path(f"{control}-journal")]


def new_id() -> str:
    """A short random hex id (12 characters, 48 bits)."""
    return uuid.uuid4().hex[:12]


class Store:
    """Datasets and analyses kept in one DuckDB database.

    Parameters
    ----------
    path : str or Path, default ":memory:"
        A database file (created if missing, kept across runs) or
        ``":memory:"`` for a store that lives as long as the object. Its
        workspaces, API keys, sessions and audit log live beside it in
        :attr:`control` (``ona.control.sqlite`` for ``ona.duckdb``).
    throwaway : bool, default False
        A file store deleted right after it is closed (:func:`scratch_store`):
        its close does not checkpoint (``PRAGMA disable_checkpoint_on_shutdown``),
        which would write the whole database once more for nothing.

    Attributes
    ----------
    created : bool
        Whether this object created the store file (it did not exist before);
        False for ``":memory:"``. See :meth:`remove_created`.

    Workspaces: every dataset belongs to one workspace, and its analyses
    with it. Methods that take ``workspace`` see only that workspace's
    objects (another workspace's id raises NotFoundError, as an unknown id
    does); ``workspace=None`` (the library and the CLI) sees every one.

    Raises
    ------
    OnaError
        If the file was written by a version of ona with another schema.

    Examples
    --------
    >>> with Store() as store:
    ...     store.list_datasets()
    []
    """

    def __init__(self, path: str | Path = ":memory:", *, throwaway: bool = False) -> None:
        self.path = str(path)
        on_disk = self.path != ":memory:"
        self.created = on_disk and not Path(self.path).exists()
        self._made = [f for f in store_files(self.path) if not f.exists()] if self.created else []
        self._con = duckdb.connect(self.path)
        try:
            if on_disk:
                self._con.execute(f"SET memory_limit = '{memory_limit()}'")
            if on_disk and throwaway:
                self._con.execute("PRAGMA disable_checkpoint_on_shutdown")
            self._cursor_lock = threading.Lock()
            self._datasets = threading.Lock()
            self._jobs = threading.RLock()
            with self._cursor() as cur:
                create_schema(cur)
            self.control = Control(control_path(self.path))
            self._migrate_keys()
        except BaseException:  # a store half made by this call is not left behind
            self._con.close()
            if hasattr(self, "control"):
                self.control.close()
            self.remove_created()
            raise

    def _migrate_keys(self) -> None:
        """Move the API keys an earlier ona kept in the store into the control database ("default")."""
        with self._cursor() as cur:
            tables = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if "api_keys" not in tables:
                return
            rows = cur.execute(
                "SELECT key_id, name, role, salt, secret_hash, created_at, revoked_at FROM api_keys"
            ).fetchall()
            for key_id, name, role, salt, digest, created, revoked in rows:
                self.control.import_key(
                    key_id=key_id, name=name, role=role, salt_hex=salt, secret_hash=digest,
                    created_at=created.replace(tzinfo=UTC),
                    revoked_at=None if revoked is None else revoked.replace(tzinfo=UTC),
                )  # fmt: skip
            cur.execute("DROP TABLE api_keys")

    # ------------------------------------------------------------------ life

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor_lock:
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        """Close the database (a file store is checkpointed, unless ``throwaway``, and released)."""
        self._con.close()
        self.control.close()

    def remove_created(self) -> None:
        """Remove the files of :func:`store_files` that this object created (none if the store file
        existed before it: :attr:`created`). Call it once the store is closed."""
        for made in self._made:
            if made.is_dir():
                shutil.rmtree(made, ignore_errors=True)
            else:
                made.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def row_counts(self) -> dict[str, int]:
        """Rows in every store table (for diagnostics: what a store holds)."""
        with self._cursor() as cur:
            return {name: int(cur.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]) for name in TABLE_NAMES}

    # -------------------------------------------------------------- datasets

    def save_dataset(
        self, ds: Dataset, *, dataset_id: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> DatasetInfo:
        """Save a dataset (tables and validation report) in one transaction, in ``workspace``.

        Any failure rolls back and leaves the store exactly as it was.

        Raises
        ------
        ParameterError
            If ``dataset_id`` is given and already in use.
        """
        with self._datasets, self._cursor() as cur:
            info = save_dataset(cur, ds, dataset_id or new_id(), check_workspace_name(workspace))
        self.control.ensure_workspace(workspace)  # only once saved: a failed load creates no workspace
        return info

    def load_files(
        self,
        files: Mapping[str, Path | str],
        *,
        name: str,
        dataset_id: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
        formats: Mapping[str, str] | None = None,
        limits: ReadLimits | None = None,
        column_map: Mapping[str, str] | None = None,
        on_progress: OnProgress = no_progress,
    ) -> DatasetInfo:
        """Read, validate and save dataset files a piece at a time (:mod:`ona.store.stream`).

        The same stored dataset as ``save_dataset(read_dataset_files(files, ...))``
        without holding its events in memory; one transaction, so any
        failure leaves the store exactly as it was.

        Raises
        ------
        DatasetError
            As :func:`ona.io.read_dataset_files`.
        ParameterError
            If ``dataset_id`` is given and already in use.
        """
        with self._datasets, self._cursor() as cur:
            info = load_files(cur, files, dataset_id or new_id(), name=name, workspace=check_workspace_name(workspace),
                              formats=formats, limits=limits, column_map=column_map, on_progress=on_progress)
        self.control.ensure_workspace(workspace)  # only once saved: a failed load creates no workspace
        return info

    def load_folder(self, folder: str | Path, *, name: str | None = None, **options: Any) -> DatasetInfo:
        """:meth:`load_files` of a dataset folder (its files found as :func:`ona.io.read_dataset` finds them)."""
        from ona.io.load import find_files

        path = Path(folder)
        return self.load_files(find_files(path), name=name or path.resolve().name, **options)

    def export_dataset(self, dataset_id: str, path: str | Path) -> None:
        """Write a new store file at ``path`` holding only this dataset (for work in another process).

        The copy keeps the dataset's id, so ``Store(path)`` answers the same
        reads about it (pair weights, group labels, people) as this store;
        analyses and results are not copied. See :mod:`ona.store.transfer`.

        Raises
        ------
        NotFoundError
            No such dataset.
        OnaError
            ``path`` exists already.
        """
        with self._cursor() as cur:
            _transfer.export_dataset(cur, dataset_id, path)

    def import_dataset(self, path: str | Path, *, workspace: str = DEFAULT_WORKSPACE) -> DatasetInfo:
        """Add the one dataset of the store file ``path`` (written by another process) under a new id.

        One transaction, as :meth:`save_dataset`: any failure leaves the
        store exactly as it was. See :mod:`ona.store.transfer`.

        Raises
        ------
        OnaError
            ``path`` does not hold exactly one dataset.
        """
        dataset_id = new_id()
        with self._datasets, self._cursor() as cur:
            _transfer.import_dataset(cur, path, dataset_id, check_workspace_name(workspace))
        self.control.ensure_workspace(workspace)  # only once imported: a failed import creates no workspace
        return self.get_dataset(dataset_id)

    def list_datasets(self, *, workspace: str | None = None) -> list[DatasetInfo]:
        """Stored datasets (of ``workspace`` when given), oldest first."""
        with self._cursor() as cur:
            found = _datasets.list_datasets(cur)
        return [d for d in found if workspace is None or d.workspace == workspace]

    def get_dataset(self, dataset_id: str, *, workspace: str | None = None) -> DatasetInfo:
        """One dataset. Raises NotFoundError if there is none (in ``workspace``, when given)."""
        with self._cursor() as cur:
            info = _datasets.get_dataset(cur, dataset_id)
        if workspace is not None and info.workspace != workspace:
            raise NotFoundError("dataset", dataset_id)
        return info

    def workspace_of(self, kind: str, ident: str) -> str:
        """The workspace of a dataset or an analysis (``kind``: 'dataset' or 'analysis'); NotFoundError if none."""
        with self._cursor() as cur:
            if kind == "analysis":
                row = first_row(
                    cur,
                    "SELECT d.workspace FROM analyses a JOIN datasets d USING (dataset_id) WHERE a.analysis_id = ?",
                    [ident],
                )
            else:
                row = first_row(cur, "SELECT workspace FROM datasets WHERE dataset_id = ?", [ident])
        if row is None:
            raise NotFoundError(kind, ident)
        return str(row[0])

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset with its events, analyses and results (NotFoundError if none)."""
        with self._datasets, self._jobs, self._cursor() as cur:
            _datasets.delete_dataset(cur, dataset_id)

    def validation_report(
        self, dataset_id: str, *, offset: int = 0, limit: int | None = None
    ) -> ValidationReport:
        """The validation report, with rejected rows paginated in (file, line) order."""
        with self._cursor() as cur:
            return _datasets.validation_report(cur, dataset_id, offset, limit)

    def person_ids(self, dataset_id: str) -> list[str]:
        """Every person_id of the dataset, sorted."""
        with self._cursor() as cur:
            return _datasets.person_ids(cur, dataset_id)

    def people_table(self, dataset_id: str) -> pa.Table:
        """The canonical people table of the dataset, ordered by person_id."""
        with self._cursor() as cur:
            return _datasets.people_table(cur, dataset_id)

    def group_labels(
        self, dataset_id: str, group_by: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, str]:
        """person_id -> group ('department' or an attribute key; empty -> "(unassigned)").

        With a window ``[since, until)``, the membership of the window from
        the dataset's people history, where it has one (see
        :func:`ona.store.datasets.group_labels`).

        Raises
        ------
        ParameterError
            If ``group_by`` is not a column of the dataset's people (the
            message lists the available ones).
        """
        with self._cursor() as cur:
            return _datasets.group_labels(cur, dataset_id, group_by, since, until)

    def pair_weights(self, dataset_id: str, params: AnalysisParams, *, weekly: bool = False) -> PairWeights:
        """Pair weights of the dataset under ``params`` (see :mod:`ona.store.weights`);
        with ``weekly``, also per tie and week."""
        with self._cursor() as cur:
            return _pair_weights(cur, _datasets.dataset_key(cur, dataset_id), params, weekly=weekly)

    # -------------------------------------------------------------- analyses

    def create_analysis(self, dataset_id: str, params: AnalysisParams) -> AnalysisInfo:
        """Record a new analysis of a dataset, status 'queued' (NotFoundError if no dataset)."""
        with self._jobs, self._cursor() as cur:
            return _analyses.create_analysis(cur, new_id(), dataset_id, params)

    def update_analysis(
        self,
        analysis_id: str,
        *,
        status: str | None = None,
        stage: str | None = None,
        progress: float | None = None,
        error: str | None = None,
    ) -> None:
        """Change the given fields of an analysis record (None: leave as is)."""
        with self._jobs, self._cursor() as cur:
            _analyses.update_analysis(
                cur, analysis_id, status=status, stage=stage, progress=progress, error=error
            )

    def save_result(self, analysis_id: str, result_json: str) -> None:
        """Keep an analysis' result JSON and set its status to 'done'."""
        with self._jobs, self._cursor() as cur:
            _analyses.save_result(cur, analysis_id, result_json)

    def get_analysis(self, analysis_id: str) -> AnalysisInfo:
        """One analysis record (NotFoundError if none)."""
        with self._cursor() as cur:
            return _analyses.get_analysis(cur, analysis_id)

    def list_analyses(self, dataset_id: str | None = None, *, workspace: str | None = None) -> list[AnalysisInfo]:
        """Analyses, oldest first; only those of ``dataset_id`` and of ``workspace`` when given."""
        with self._cursor() as cur:
            found = _analyses.list_analyses(cur, dataset_id)
            if workspace is None:
                return found
            mine = {r[0] for r in cur.execute("SELECT dataset_id FROM datasets WHERE workspace = ?", [workspace]).fetchall()}
        return [a for a in found if a.dataset_id in mine]

    def get_result_json(self, analysis_id: str) -> str:
        """The stored result JSON (NotFoundError if the analysis has none)."""
        with self._cursor() as cur:
            return _analyses.get_result_json(cur, analysis_id)

    def delete_analysis(self, analysis_id: str) -> None:
        """Delete an analysis and its result (NotFoundError if none)."""
        with self._jobs, self._cursor() as cur:
            _analyses.delete_analysis(cur, analysis_id)

    def fail_interrupted(self, reason: str = INTERRUPTED) -> int:
        """Mark queued and running analyses failed (call at server start); return how many."""
        with self._jobs, self._cursor() as cur:
            return _analyses.fail_interrupted(cur, reason)
