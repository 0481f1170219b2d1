"""Deliberately bad rows, so that a demo shows row-level validation.

Input: the first chunk of an event file (an Arrow table of strings) and the
corruptions to apply. Output: the corrupted table and, for the manifest, the
file line and problem of each bad row (line 1 is the header).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Corruption:
    """Set ``values`` (column -> new value, None for empty) on data row ``row`` (0-based)."""

    row: int
    values: dict[str, str | None]
    problem: str


@dataclass(frozen=True)
class BadRowNote:
    """Where a bad row sits in a file and what is wrong with it."""

    file: str
    line: int
    problem: str


def corrupt(table: pa.Table, file: str, corruptions: list[Corruption]) -> tuple[pa.Table, list[BadRowNote]]:
    """Apply ``corruptions`` that fit in ``table`` (rows beyond its end are skipped).

    Returns
    -------
    (pyarrow.Table, list of BadRowNote)
        The table with the same rows, and one note per applied corruption.
    """
    notes: list[BadRowNote] = []
    for c in corruptions:
        if c.row >= table.num_rows:
            continue
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[c.row] = True
        for column, value in c.values.items():
            i = table.schema.get_field_index(column)
            new = pc.if_else(pa.array(mask), pa.scalar(value, pa.string()), table.column(column))
            table = table.set_column(i, column, new)
        notes.append(BadRowNote(file, c.row + 2, c.problem))
    return table, notes


def swap(table: pa.Table, row: int, a: str, b: str) -> dict[str, str | None]:
    """The values that swap columns ``a`` and ``b`` on ``row`` (for :class:`Corruption`)."""
    return {a: table.column(b)[row].as_py(), b: table.column(a)[row].as_py()}


def duplicate(table: pa.Table, file: str, row: int, problem: str) -> tuple[pa.Table, list[BadRowNote]]:
    """Repeat data row ``row`` right after itself (an export that lists a message twice)."""
    if row >= table.num_rows:
        return table, []
    table = pa.concat_tables([table.slice(0, row + 1), table.slice(row, 1), table.slice(row + 1)])
    return table, [BadRowNote(file, row + 3, problem)]
