"""Reading, validating and resolving a dataset's event files with Spark (the Spark engine's input side).

Input: a dataset folder or lake URI. Output: the canonical event tables in
the store's schema, written by the executors as Parquet in a staging folder,
and the driver's small part of the dataset (people, report, counts).

- :mod:`ona.spark.files`: the dataset's files as Spark lists them;
- :mod:`ona.spark.raw`: a table's CSV or Parquet files -> strings with exact lines;
- :mod:`ona.spark.rules`: ona's row rules as Spark column expressions;
- :mod:`ona.spark.tables`: the event validators of :mod:`ona.io` on Spark;
- :mod:`ona.spark.load`: the whole read, to the staging folder.

:meth:`ona.store.spark.SparkEngine.load_dataset` is the entry point; the
aggregation that follows is :mod:`ona.store.spark`. Nothing here runs Python
on the executors: every step is a Spark SQL expression.
"""
