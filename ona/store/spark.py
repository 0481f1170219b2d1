"""The Spark engine: the event-side stages of ona as Spark jobs.

Input: either a dataset folder or lake URI that Spark reads itself
(:meth:`SparkEngine.load_dataset`: the event files are read, validated and
resolved by the executors, :mod:`ona.spark`, which write the canonical
tables to a staging folder; the driver keeps people and the validation
report), or a dataset already in a store (its canonical tables are then
staged from the store as Parquet, :func:`stage_dataset`); and
:class:`ona.params.AnalysisParams`. Output: the same
:class:`ona.store.models.PairWeights` and
:class:`ona.store.handoffs.HandoffTables` as the DuckDB engine: pair
weights, the weight of every tie per week, event counts, external weights
and ticket handoff tables. Only these (one row per tie, and per tie and
week; one per visit of a ticket, and per kind of handoff) come back to the
driver; the graph stage and the handoff metrics stay on one machine.

One definition: the aggregation and the handoff tables are the DuckDB SQL
of :mod:`ona.store.weights` and :mod:`ona.store.handoffs`, translated
statement by statement for Spark SQL by sqlglot (``$name`` parameters
become Spark's ``:name`` markers, bound by ``spark.sql(..., args=...)``;
``CREATE TEMP TABLE x AS q`` becomes a cached temporary view). There is
no second hand-written copy to drift: a change of the weighting in
``weights.py`` is a change for both engines, and the tests in ``tests/spark`` hold the two to the same pair
weights (1e-9), handoff tables and result JSON.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ona.errors import OnaError
from ona.io.limits import ReadLimits
from ona.params import AnalysisParams
from ona.progress import OnProgress, no_progress
from ona.store.datasets import dataset_key
from ona.store.handoffs import HandoffTables, compute_handoffs
from ona.store.models import DatasetInfo, PairWeights
from ona.store.weights import aggregate

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from ona.store.store import Store

__all__ = ["EVENT_VIEWS", "SparkEngine", "SparkRunner", "spark_session", "stage_dataset", "to_spark"]

#: The canonical tables the Spark engine reads (one Parquet file or folder each: ``<source>/<name>.parquet``).
EVENT_VIEWS: tuple[str, ...] = (
    "people", "emails", "email_recipients", "meetings", "meeting_attendees", "tickets", "chats",
    "chat_recipients", "ties", "group_handoffs",
)

#: The ``ds`` every staged table is read with (a staged folder holds one dataset).
STAGED_DS = 0


def spark_session(master: str | None = None, *, app_name: str = "ona") -> SparkSession:
    """A Spark session in UTC: ``master`` (a URL, ``local[2]``...), or the one spark-submit gives.

    Without a master and outside spark-submit, Spark runs locally on every
    core (``local[*]``). A session given a ``local`` master gets no UI, 64
    shuffle partitions (adaptive execution merges the small ones; a few large
    ones exhaust the heap on tens of millions of rows) and, when its JVM
    starts here, a quarter of the machine's memory (at most 8 GiB; Spark's
    default of 1 GiB fails on a 10,000-person organization's emails).

    Raises
    ------
    OnaError
        If pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:  # an optional engine: say how to get it
        raise OnaError("the Spark engine needs pyspark (pip install 'pyspark>=4.0') and Java 17+") from err
    builder = SparkSession.builder.appName(app_name).config("spark.sql.session.timeZone", "UTC")
    if master is not None:
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        builder = (builder.config("spark.sql.shuffle.partitions", "64").config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.driver.memory", f"{_local_memory_gib()}g"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # also when the session existed already
    return spark


def _local_memory_gib() -> int:
    """A local session's heap: a quarter of the machine's memory, from 1 to 8 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: Spark's default
        return 1
    return max(1, min(8, total // 4 // 2**30))


@functools.lru_cache(maxsize=512)
def to_spark(sql: str) -> tuple[str | None, str, frozenset[str]]:
    """A DuckDB statement of :mod:`ona.store.weights` in Spark SQL.

    Returns the temporary table it creates (None for a query), the Spark
    SQL of its query and the names of its parameters.
    """
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    names = frozenset(p.name for p in tree.find_all(exp.Placeholder))
    if isinstance(tree, exp.Create):
        return tree.this.name, tree.expression.sql(dialect="spark"), names
    return None, tree.sql(dialect="spark"), names


class SparkRunner:
    """:class:`ona.store.weights.SqlRunner` on a Spark session whose views hold the canonical tables."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._temp: dict[str, DataFrame] = {}

    def _frame(self, sql: str, values: dict[str, object]) -> tuple[str | None, DataFrame]:
        name, text, names = to_spark(sql)
        args = {k: v for k, v in values.items() if k in names}
        return name, self.spark.sql(text, args=args or None)

    def run(self, sql: str, values: dict[str, object]) -> None:
        name, frame = self._frame(sql, values)
        if name is None:
            raise OnaError(f"not a CREATE TEMP TABLE statement: {sql[:60]}")
        frame = frame.persist()
        frame.createOrReplaceTempView(name)
        self._temp[name] = frame

    def one(self, sql: str, values: dict[str, object]) -> tuple[Any, ...]:
        return tuple(self._frame(sql, values)[1].collect()[0])

    def arrow(self, sql: str, values: dict[str, object]) -> pa.Table:
        return self._frame(sql, values)[1].toArrow()

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def drop(self, names: tuple[str, ...]) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)
            frame = self._temp.pop(name, None)
            if frame is not None:
                frame.unpersist()


def stage_dataset(store: Store, dataset_id: str, path: str | Path) -> Path:
    """Write the canonical tables of a stored dataset as Parquet (``<path>/<table>.parquet``) for Spark.

    ``path`` must be readable by the Spark executors (a local folder for a
    local session; a shared mount on a cluster).

    Raises
    ------
    NotFoundError
        If the dataset is not in the store.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    with store._cursor() as con:
        key = dataset_key(con, dataset_id)
        for name in EVENT_VIEWS:
            target = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"COPY (SELECT * EXCLUDE (ds) FROM {name} WHERE ds = ?) TO '{target}' (FORMAT parquet)",
                        [key])
    return folder


def _active_session() -> SparkSession | None:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None  # spark_session says what is missing
    return SparkSession.getActiveSession()


def register_views(spark: SparkSession, source: str) -> None:
    """Register the canonical tables read from ``source`` (a folder or URI) as Spark views with ``ds``."""
    from pyspark.sql import functions as F

    for name in EVENT_VIEWS:
        frame = spark.read.parquet(f"{source.rstrip('/')}/{name}.parquet")
        frame.withColumn("ds", F.lit(STAGED_DS)).createOrReplaceTempView(name)


class SparkEngine:
    """The event-side stages as Spark jobs (see the module docstring).

    Parameters
    ----------
    master : str, optional
        The Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``,
        ...). None: the session spark-submit or Databricks gives, else local.
    spark : SparkSession, optional
        A session to use (and not to stop): tests, notebooks, Databricks.
    source : str, optional
        A folder or URI holding the dataset's canonical tables as Parquet
        (:func:`stage_dataset`'s layout). None: each dataset is staged from
        the store into ``stage_dir`` before its first aggregation.
    stage_dir : str or Path, optional
        Where the driver stages (default ``ONA_SPARK_STAGE``, else a
        temporary folder removed by :meth:`close`); on a cluster, a shared
        folder every executor can read.
    stage_uri : str, optional
        The URI under which the executors read ``stage_dir`` (default
        ``ONA_SPARK_STAGE_URI``, else ``stage_dir`` as a ``file://`` URI),
        e.g. ``dbfs:/tmp/ona`` for a ``stage_dir`` of ``/dbfs/tmp/ona``.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, master: str | None = None, *, spark: SparkSession | None = None,
                 source: str | None = None, stage_dir: str | Path | None = None,
                 stage_uri: str | None = None) -> None:
        if spark is None:
            # a session already running in this process (a notebook, Databricks, a test) is not ours to stop
            self._own = _active_session() is None
            spark = spark_session(master)
        else:
            self._own = False
        self.spark = spark
        self._source = source
        stage_dir = stage_dir or os.environ.get("ONA_SPARK_STAGE") or None
        self._stage_dir = Path(stage_dir) if stage_dir is not None else None
        self._stage_uri = stage_uri or os.environ.get("ONA_SPARK_STAGE_URI") or None
        self._tmp: Path | None = None
        self._staged: str | None = None  # the dataset whose tables the views hold
        self._sources: dict[str, str] = {}  # datasets Spark read (load_dataset): where their tables are staged

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the staged files and stop the session this engine started."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._own:
            self.spark.stop()

    def _stage_root(self) -> Path:
        if self._stage_dir is None:
            self._tmp = self._tmp or Path(tempfile.mkdtemp(prefix="ona-spark-"))
        root = self._stage_dir or self._tmp
        assert root is not None
        return root

    def _stage_uri_of(self, dataset_id: str, folder: Path) -> str:
        # a URI, not a bare path: on YARN a bare path would be read from the cluster's default file system
        return f"{self._stage_uri.rstrip('/')}/{dataset_id}" if self._stage_uri else folder.resolve().as_uri()

    def _views(self, store: Store, dataset_id: str) -> None:
        if self._staged == dataset_id:
            return
        if dataset_id in self._sources:
            source = self._sources[dataset_id]
        elif self._source is not None:
            source = self._source
        else:
            folder = stage_dataset(store, dataset_id, self._stage_root() / dataset_id)
            source = self._stage_uri_of(dataset_id, folder)
        register_views(self.spark, source)
        self._staged = dataset_id

    def load_dataset(
        self,
        store: Store,
        source: str | Path,
        *,
        name: str | None = None,
        workspace: str = "default",
        limits: ReadLimits | None = None,
        column_map: Mapping[str, str] | None = None,
        on_progress: OnProgress = no_progress,
    ) -> DatasetInfo:
        """Read and validate a dataset folder or URI with Spark; keep its people and report in ``store``.

        The event files are read, validated and resolved by the executors
        (:mod:`ona.spark.load`), which write the canonical tables to the
        staging folder (``stage_uri``/``stage_dir``, see the class); the
        driver reads the people (and people history) files and keeps them
        in ``store`` with the validation report and the dataset's counts,
        but no event: analyze the dataset with this engine.

        Parameters
        ----------
        store : Store
        source : str or Path
            A folder or any URI Spark reads (``s3a://``, ``abfss://``,
            ``dbfs:/``, ``hdfs://``, ``file://``) holding ``people.csv`` (or
            ``.parquet``) and event tables as CSV or Parquet files or
            folders of part files (:mod:`ona.spark.files`).
        name, workspace, limits, column_map, on_progress
            As :func:`ona.io.read_dataset` and :meth:`Store.save_dataset`.

        Raises
        ------
        DatasetError
            As :func:`ona.io.read_dataset`.
        """
        from ona.spark.load import read_to_stage
        from ona.store.spark_datasets import save_loaded
        from ona.store.store import new_id

        dataset_id = new_id()
        root = self._stage_root() / dataset_id
        uri = self._stage_uri_of(dataset_id, root)
        self._staged = None  # the load registers views of its own
        loaded = read_to_stage(self.spark, str(source), uri, name=name, limits=limits, column_map=column_map,
                               on_progress=on_progress)
        info = save_loaded(store, loaded, dataset_id=dataset_id, workspace=workspace)
        self._sources[dataset_id] = uri
        return info

    def pair_weights(self, store: Store, dataset_id: str, params: AnalysisParams, *,
                     weekly: bool = False) -> PairWeights:
        """:func:`ona.store.weights.pair_weights` computed by Spark (equal to DuckDB's)."""
        self._views(store, dataset_id)
        pairs = aggregate(SparkRunner(self.spark), STAGED_DS, params, weekly=weekly)
        if pairs.weekly is not None:  # Spark's Arrow types are DuckDB's; the cast only pins them
            pairs = PairWeights(table=pairs.table, events=pairs.events, external=pairs.external,
                                weekly=pairs.weekly.cast(_WEEKLY_SCHEMA))
        return pairs

    def handoff_tables(self, store: Store, dataset_id: str, groups: dict[str, str], *,
                       since: datetime | None = None, until: datetime | None = None) -> HandoffTables:
        """:func:`ona.store.handoffs.handoff_tables` computed by Spark (equal to DuckDB's)."""
        self._views(store, dataset_id)
        return compute_handoffs(SparkRunner(self.spark), STAGED_DS, groups, since=since, until=until)


def main() -> None:
    """``spark-submit .../ona/store/spark.py analyze DATASET --engine spark --out result.json``: the CLI as a Spark app."""
    from ona.cli import app

    app()


_WEEKLY_SCHEMA = pa.schema([("edge", pa.int32()), ("week", pa.int32()), ("weight", pa.float64()),
                            ("relationship", pa.float64()), ("handoffs", pa.int64())])


if __name__ == "__main__":
    main()
