"""Readers: dataset files (CSV, Parquet, JSON Lines) -> validated canonical tables.

Input: a dataset folder, or explicit table -> file paths. Output: a
:class:`Dataset` (canonical Arrow tables of :mod:`ona.io.schema`, identities
resolved) with its :class:`~ona.results.ValidationReport`. A bad row becomes
a :class:`~ona.results.Reject` with its file, line and reason; a file that is
unusable as a whole raises :class:`~ona.errors.DatasetError`; so does a
dataset over its :class:`ReadLimits` (rows per file, per dataset, of people),
checked before anything is decoded.
"""

from ona.io.dataset import Dataset
from ona.io.limits import ReadLimits, RowLimitError
from ona.io.load import read_dataset, read_dataset_files

__all__ = ["Dataset", "ReadLimits", "RowLimitError", "read_dataset", "read_dataset_files"]
