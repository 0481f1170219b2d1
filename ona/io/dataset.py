"""The in-memory form of a validated dataset: canonical tables + report."""

from __future__ import annotations

import json
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

    def person_names(self) -> dict[str, str]:
        """person_id -> the people file's ``name`` column, where there is one."""
        return person_names(self.tables["people"])


def person_names(people: pa.Table) -> dict[str, str]:
    """person_id -> the ``name`` attribute of a canonical people table, where there is one."""
    attributes = (json.loads(a) if a else {} for a in people.column("attributes").to_pylist())
    return {
        pid: attrs["name"].strip()
        for pid, attrs in zip(people.column("person_id").to_pylist(), attributes)
        if isinstance(attrs.get("name"), str) and attrs["name"].strip()
    }
