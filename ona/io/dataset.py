"""The in-memory form of a validated dataset: canonical tables + report."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from ona.io.schema import TABLES, empty
from ona.results import ValidationReport


@dataclass
class Dataset:
    """Canonical tables (see :mod:`ona.io.schema`) and their validation report.

    ``tables`` always holds every name of ``schema.TABLES``; a channel that
    the dataset does not have is an empty table.
    """

    name: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)

    def __post_init__(self) -> None:
        for table_name, schema in TABLES.items():
            table = self.tables.get(table_name)
            self.tables[table_name] = empty(table_name) if table is None else table.cast(schema)
