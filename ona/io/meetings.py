"""meetings file -> canonical ``meetings`` and ``meeting_attendees`` tables, and rejects.

Input: a :class:`~ona.io.raw.RawTable` with ``meeting_id, start, attendees``,
an ``end`` or a ``duration_minutes`` column (or both), and optionally
``organizer``; the people :class:`~ona.io.directory.Directory`. Output:
:data:`ona.io.schema.MEETINGS`, :data:`ona.io.schema.MEETING_ATTENDEES`,
the rejects and the duplicate count.

Rules:

- ``hours`` is ``end - start`` when the row has an ``end``, else
  ``duration_minutes / 60`` (when a row has both, ``end`` is used);
- a row is rejected when ``meeting_id`` is empty, ``start`` is empty or
  not ISO 8601, ``end`` is not ISO 8601 or not after ``start``,
  ``duration_minutes`` is not a number or not positive, neither is given,
  or ``attendees`` is empty;
- ``n_attendees`` is the number of distinct attendees: people by
  person_id (two aliases count once) and each distinct external address;
  ``meeting_attendees`` has one row per counted attendee. The organizer
  is not added to the attendees (list them in ``attendees`` when they
  attend); ``organizer_id`` is the organizer's person_id, null when the
  organizer is external or not given;
- a valid row with the same ``meeting_id`` and the same start instant as an
  earlier valid row is a duplicate (the same meeting exported twice): not
  loaded, counted in ``duplicates``. Rows sharing a meeting_id at
  different starts are all kept, because calendar exports give every
  occurrence of a recurring meeting the series' id;
- ``meeting_key`` numbers the accepted meetings 0, 1, ... in file order.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import DatasetError
from ona.io.checks import (
    Checks,
    first_occurrence,
    parse_numbers,
    parse_times,
    repeated_in_row,
)
from ona.io.directory import Directory
from ona.io.prep import as_numpy, exploded, trimmed
from ona.io.raw import RawTable, Validated


def validate_meetings(con: duckdb.DuckDBPyConnection, raw: RawTable, people: Directory) -> Validated:
    """Validate and resolve meeting rows (see the module docstring for the rules)."""
    cols = raw.require("meeting_id", "start", "attendees")
    end_col, dur_col = raw.column("end"), raw.column("duration_minutes")
    if end_col is None and dur_col is None:
        raise DatasetError(raw.file, f"missing required column 'end' or 'duration_minutes' ({raw.found()})")
    n = raw.table.num_rows
    lines = raw.table.column("line").to_numpy()
    t = trimmed(
        raw,
        {
            "meeting_id": cols["meeting_id"],
            "start": cols["start"],
            "end": end_col,
            "duration": dur_col,
            "organizer": raw.column("organizer"),
        },
    )
    start = parse_times(con, t["start"])
    end = parse_times(con, t["end"])
    minutes = parse_numbers(con, t["duration"])
    start_us = as_numpy(pc.fill_null(start.cast(pa.int64()), 0))
    end_us = as_numpy(pc.fill_null(end.cast(pa.int64()), 0))
    rows, refs = exploded(raw, [cols["attendees"]])
    del raw  # the raw rows are no longer needed: free them before resolving (peak memory)
    # organizers and attendees resolved together: the first n are the organizers
    who = people.resolve(pa.chunked_array([*t["organizer"].chunks, *refs.chunks], pa.string()))
    counted = ~repeated_in_row(rows, who.ident[n:])
    n_attendees = np.bincount(rows[counted], minlength=n)

    blank = {name: as_numpy(pc.equal(t[name], "")) for name in t.column_names if name != "line"}
    start_ok = ~as_numpy(start.is_null())
    end_ok = ~as_numpy(end.is_null())
    by_minutes = blank["end"] & ~blank["duration"]
    checks = Checks(n)
    checks.add(blank["meeting_id"], "meeting_id is empty")
    checks.add(blank["start"], "start is empty")
    checks.add(~blank["start"] & ~start_ok, "start '{}' is not ISO 8601", t["start"])
    checks.add(~blank["end"] & ~end_ok, "end '{}' is not ISO 8601", t["end"])
    checks.add(start_ok & end_ok & (end_us <= start_us), "end '{}' is not after start '{}'", t["end"], t["start"])
    checks.add(by_minutes & np.isnan(minutes), "duration_minutes '{}' is not a number", t["duration"])
    checks.add(by_minutes & (minutes <= 0), "duration_minutes '{}' is not positive", t["duration"])
    checks.add(blank["end"] & blank["duration"], "neither end nor duration_minutes is given")
    checks.add(n_attendees == 0, "no attendees")
    valid = np.flatnonzero(~checks.failed)

    duplicate = np.zeros(n, bool)
    first = first_occurrence(t["meeting_id"].filter(pa.array(~checks.failed)), start_us[valid])
    duplicate[valid[~first]] = True
    keep = ~checks.failed & ~duplicate
    accepted = np.flatnonzero(keep)
    keys = np.full(n, -1, np.int64)
    keys[accepted] = np.arange(accepted.size)
    hours = np.where(blank["end"], minutes / 60.0, (end_us - start_us) / 3.6e9)

    take = pa.array(keep)
    organizer = pa.array(accepted)
    has_organizer = pa.array(~blank["organizer"][accepted])
    meetings = pa.table(
        {
            "meeting_key": pa.array(np.arange(accepted.size, dtype=np.int64)),
            "meeting_id": t["meeting_id"].filter(take),
            "start": start.filter(take),
            "hours": pa.array(hours[accepted], pa.float64()),
            "n_attendees": pa.array(n_attendees[accepted].astype(np.int32)),
            "organizer_id": pc.if_else(
                has_organizer, pc.take(who.person_id, organizer), pa.scalar(None, pa.string())
            ),
            "line": pa.array(lines[accepted], pa.int64()),
        }
    )
    kept = counted & keep[rows]
    attendees = who.references("meeting_key", keys[rows[kept]], n + np.flatnonzero(kept))
    return Validated(
        {"meetings": meetings, "meeting_attendees": attendees},
        checks.rejects(lines),
        int(duplicate.sum()),
    )
