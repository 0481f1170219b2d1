"""Ticket histories and group handoffs -> handoff tables, extracted in DuckDB (window functions, no row loop).

Input: a :class:`ona.store.Store`, a dataset id, the group of every person
(``person_id -> group``, from :meth:`Store.group_labels`) and an optional
time window. Output: :class:`HandoffTables`: every ticket's visits, its
handoff rows counted by their two ends, and the tickets of the window.
The metrics (bounces, ping-pongs, "no owner" tickets, per group pair and
per group, and the summary) are defined and computed from these tables by
:mod:`ona.analysis.handoffs`.

Definitions of the tables (every step is SQL over the whole ``tickets`` table):

- **rows**: a ticket's rows in (ts, line) order, so unsorted input and
  equal timestamps are handled (the earlier source line comes first).
- **holder**: the assignee's person index, or for an external assignee
  (null assignee_id) their address. A **handoff** is a row whose holder
  differs from the previous row's (the rule of :mod:`ona.store.weights`):
  rows that repeat the holder (status updates) are not handoffs.
- **group of a row**: the group of an internal assignee; null for an
  external one. A handoff is *within-group* (both internal, same group),
  *cross-group* (both internal, different groups) or *external* (either end
  external; counted, kept out of the group pairs).
- **visit**: a maximal run of consecutive rows with the same group (all
  external rows in a run form one external visit). Every cross-group
  handoff starts a visit of the receiving group. A visit's **stay** lasts
  from its first row to the first row of the next visit; the ticket's last
  visit is closed only by its first row with a resolved status (see
  :data:`RESOLVED_STATUSES`, compared trimmed and lower-cased), otherwise
  it is *open* and has no duration (open stays are counted, never guessed).
- **group handoffs** (the ``group_handoffs`` table: assignment-group
  changes, a handoff between groups with no person). The export's group
  names are matched to the analysis' groups (the values of its
  ``group_by`` column), trimmed and ignoring case; a row with a name that
  matches no group (or both names the same group) is kept out of every
  figure but ``group_handoffs_unmatched`` and ``unknown_groups``. A matched
  row puts a row of its receiving group in the ticket's timeline, before
  the person rows of the same instant; a ticket whose timeline starts with
  a group handoff starts with a row of its giving group (its first holder).
  Visits are then cut on the rows that say who holds the ticket (group
  rows, the first assignee, handoffs): a status update by an assignee who
  kept the ticket when it moved to another group's queue stays in that
  visit. So a group handoff from X to Y counts for the pair (X, Y) like a
  person-to-person handoff, and a group change recorded together with a
  person handoff between the same groups (ServiceNow and Zendesk write
  both) is one visit, counted once.
- **window** (since inclusive, until exclusive): a handoff (and the visit
  it starts) counts when its receiving row is in the window; a ticket
  counts when it has a row in the window. The path of a ticket is always
  its whole history: the visits of a ticket of the window are all its
  visits, each marked ``in_window``, and a stay may end after the window
  (stays are not cut at ``until``).

A stay's duration (``hours``) is in hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from ona.store.datasets import dataset_key
from ona.store.weights import DuckRunner, SqlRunner

if TYPE_CHECKING:
    from ona.store.store import Store

__all__ = ["RESOLVED_STATUSES", "DuckHandoffRunner", "HandoffRunner", "HandoffTables", "compute_handoffs",
           "handoff_tables"]

#: Statuses that close a ticket (compared after trim and lower-casing).
RESOLVED_STATUSES: tuple[str, ...] = (
    "resolved", "closed", "done", "completed", "complete", "solved", "fixed", "cancelled", "canceled",
)


@dataclass(frozen=True)
class HandoffTables:
    """What :func:`handoff_tables` extracts (the definitions are the module docstring's).

    Attributes
    ----------
    visits : pyarrow.Table
        One row per visit of every ticket with a row in the window (its
        whole history), ordered by ``ticket_id, visit_no``: ``ticket_id``,
        ``visit_no`` (1, 2, ... in the ticket's order), ``grp`` (the
        visiting group; null: external), ``from_grp`` (the group of the
        visit before; null: none, or external), ``in_window`` (its first
        row is in the window), ``hours`` (the stay; null: open),
        ``passed_on`` (a next visit ended the stay) and
        ``closed_by_resolution`` (the ticket's last visit, closed by a
        resolved status).
    tickets : pyarrow.Table
        One row per ticket with a row in the window: ``ticket_id``,
        ``handoffs`` (its person handoffs, whole history), ordered by id.
    handoff_rows : pyarrow.Table
        The person handoffs in the window counted by their two ends:
        ``from_group``, ``to_group`` (the groups of the giving and the
        receiving row; null: external or no group), ``from_person``,
        ``to_person`` (the end is an internal assignee), ``n``; ordered by
        those columns.
    group_handoffs_unmatched : int
        Group handoffs in the window whose names match no group of the
        analysis, or both the same group.
    unknown_groups : list of str
        The names of those that match no group, sorted.
    """

    visits: pa.Table
    tickets: pa.Table
    handoff_rows: pa.Table
    group_handoffs_unmatched: int = 0
    unknown_groups: list[str] = field(default_factory=list)


def _in_window(column: str, since: datetime | None, until: datetime | None) -> str:
    parts = ["true"]
    if since is not None:
        parts.append(f"{column} >= $since")
    if until is not None:
        parts.append(f"{column} < $until")
    return " AND ".join(parts)


def _rows_sql(window: str) -> str:
    # one row per ticket row and per group handoff, with its order, group, handoff flags and visit number
    statuses = ", ".join(f"'{s}'" for s in RESOLVED_STATUSES)
    return f"""
    CREATE TEMP TABLE _ho_rows AS
    WITH lab AS (
        SELECT p.pidx, g.grp FROM people p JOIN _ho_groups g ON g.person_id = p.person_id
        WHERE p.ds = $ds
    ), r AS (
        SELECT t.ticket_id, t.ts, t.line, t.assignee_idx AS pidx, t.assignee_address AS addr,
               coalesce(lower(trim(t.status)) IN ({statuses}), false) AS resolved, lab.grp
        FROM tickets t LEFT JOIN lab ON lab.pidx = t.assignee_idx
        WHERE t.ds = $ds
    ), o AS (
        SELECT *, row_number() OVER w AS rn,
               lag(pidx) OVER w AS prev_pidx, lag(addr) OVER w AS prev_addr, lag(grp) OVER w AS prev_grp
        FROM r WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, line)
    ), h AS (
        SELECT *, rn > 1 AND CASE
                   WHEN prev_pidx IS NOT NULL AND pidx IS NOT NULL THEN prev_pidx <> pidx
                   WHEN prev_pidx IS NULL AND pidx IS NULL THEN prev_addr IS DISTINCT FROM addr
                   ELSE true END AS handoff,
               {window} AS in_window
        FROM o
    ), gm AS (
        SELECT ticket_id, ts, line, from_grp, to_grp, {window} AS in_window
        FROM _ho_matched WHERE from_grp IS NOT NULL AND to_grp IS NOT NULL AND from_grp <> to_grp
    ), first_person AS (
        SELECT ticket_id, min(ts) AS ts FROM h GROUP BY ticket_id
    ), first_group AS (
        SELECT gm.* FROM gm LEFT JOIN first_person f USING (ticket_id)
        WHERE f.ts IS NULL OR gm.ts <= f.ts
        QUALIFY row_number() OVER (PARTITION BY gm.ticket_id ORDER BY gm.ts, gm.line) = 1
    ), tl AS (
        -- the ticket's timeline: person rows, and per group handoff a row of its receiving
        -- group (before person rows of the same instant); a ticket that starts with a group
        -- handoff starts with a row of its giving group (its first holder)
        SELECT ticket_id, ts, 2 AS ord, line, rn, pidx, grp, prev_pidx, prev_grp, resolved, handoff, in_window
        FROM h
        UNION ALL
        SELECT ticket_id, ts, 1, line, NULL, NULL, to_grp, NULL, NULL, false, false, in_window FROM gm
        UNION ALL
        SELECT ticket_id, ts, 0, line, NULL, NULL, from_grp, NULL, NULL, false, false, in_window FROM first_group
    ), a AS (
        -- rows that say who holds the ticket: group rows, a ticket's first assignee and
        -- handoffs; a row repeating the holder (a status update) stays in the current visit
        SELECT *, ord < 2 OR rn = 1 OR handoff AS assigns FROM tl
    ), v AS (
        SELECT *, row_number() OVER (PARTITION BY ticket_id ORDER BY ts, ord, line) AS tl_rn,
               lag(grp) OVER (PARTITION BY ticket_id, assigns ORDER BY ts, ord, line) AS tl_prev_grp,
               assigns AND (row_number() OVER (PARTITION BY ticket_id, assigns ORDER BY ts, ord, line) = 1
                            OR grp IS DISTINCT FROM lag(grp) OVER (PARTITION BY ticket_id, assigns
                                                                   ORDER BY ts, ord, line)) AS visit_start
        FROM a
    )
    SELECT ticket_id, ts, tl_rn AS rn, pidx, grp, prev_pidx, prev_grp, tl_prev_grp, resolved, handoff,
           visit_start, in_window,
           sum(visit_start::INTEGER) OVER (
               PARTITION BY ticket_id ORDER BY tl_rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visit_no
    FROM v
    """


# The export's group handoffs with their names matched to the analysis' groups
# (trimmed, ignoring case; null: no such group). Two groups whose names differ
# only by case: the first in byte order.
_MATCHED_SQL = """
CREATE TEMP TABLE _ho_matched AS
WITH names AS (
    SELECT lower(trim(grp)) AS k, min(grp) AS grp FROM _ho_groups GROUP BY 1
)
SELECT g.ticket_id, g.ts, g.line, g.from_group, g.to_group, f.grp AS from_grp, t.grp AS to_grp
FROM group_handoffs g
LEFT JOIN names f ON f.k = lower(trim(g.from_group)) LEFT JOIN names t ON t.k = lower(trim(g.to_group))
WHERE g.ds = $ds
"""

# One row per visit: its group (null: external), where it came from, when it
# started and ended (see the module docstring)
_VISITS_SQL = """
CREATE TEMP TABLE _ho_visits AS
WITH v AS (
    SELECT ticket_id, visit_no, grp, ts AS start_ts, tl_prev_grp AS from_grp, in_window
    FROM _ho_rows WHERE visit_start
), res AS (
    SELECT ticket_id, visit_no, min(ts) AS resolved_ts FROM _ho_rows WHERE resolved GROUP BY ALL
), vr AS (
    SELECT v.*, res.resolved_ts FROM v LEFT JOIN res USING (ticket_id, visit_no)
), w AS (
    SELECT *, lead(start_ts) OVER (PARTITION BY ticket_id ORDER BY visit_no) AS next_ts FROM vr
)
SELECT *, date_diff('microsecond', start_ts, coalesce(next_ts, resolved_ts)) / 3.6e9 AS hours,
       next_ts IS NULL AND resolved_ts IS NOT NULL AS closed_by_resolution
FROM w
"""

# tickets with a row in the window, and the person handoffs of each one's whole path
_TICKETS_SQL = """
CREATE TEMP TABLE _ho_tickets AS
WITH tw AS (SELECT DISTINCT ticket_id FROM _ho_rows WHERE in_window)
SELECT tw.ticket_id, count(*) FILTER (WHERE r.handoff) AS handoffs
FROM tw JOIN _ho_rows r USING (ticket_id) GROUP BY tw.ticket_id
"""

_TICKETS_OUT_SQL = "SELECT ticket_id, handoffs FROM _ho_tickets ORDER BY ticket_id"

_VISITS_OUT_SQL = """
SELECT v.ticket_id, v.visit_no, v.grp, v.from_grp, v.in_window, v.hours, v.next_ts IS NOT NULL AS passed_on,
       v.closed_by_resolution
FROM _ho_visits v JOIN _ho_tickets t USING (ticket_id)
ORDER BY v.ticket_id, v.visit_no
"""

_HANDOFF_ROWS_SQL = """
SELECT prev_grp AS from_group, grp AS to_group, prev_pidx IS NOT NULL AS from_person,
       pidx IS NOT NULL AS to_person, count(*) AS n
FROM _ho_rows WHERE handoff AND in_window
GROUP BY ALL ORDER BY from_group, to_group, from_person, to_person
"""

# the export's group handoffs in the window that no pair counts (a name matching
# no group of the analysis, or both naming the same one)
_SUMMARY_GROUPS_SQL = """
SELECT count(*) FILTER (WHERE from_grp IS NULL OR to_grp IS NULL OR from_grp = to_grp)
FROM _ho_matched WHERE {window}
"""

# the names of those group handoffs that matched no group (sorted by the caller)
_UNKNOWN_GROUPS_SQL = """
SELECT from_group AS name FROM _ho_matched WHERE {window} AND from_grp IS NULL
UNION SELECT to_group FROM _ho_matched WHERE {window} AND to_grp IS NULL
"""

_TEMP = ("_ho_matched", "_ho_rows", "_ho_visits", "_ho_tickets")


class HandoffRunner(SqlRunner, Protocol):
    """Where the SQL of this module runs (:class:`ona.store.weights.SqlRunner`, plus a small table of labels).

    The statements are DuckDB SQL; the Spark engine runs them translated by
    sqlglot (:class:`ona.store.spark.SparkRunner`), so the definitions above
    are written once for both engines.
    """

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table readable as ``name``."""

    def unregister(self, name: str) -> None:
        """Forget a table made by :meth:`register`."""


class DuckHandoffRunner(DuckRunner):
    """:class:`HandoffRunner` on a DuckDB cursor."""

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)


def handoff_tables(
    store: Store,
    dataset_id: str,
    groups: dict[str, str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> HandoffTables:
    """The visits, tickets and handoff rows of a stored dataset (see the module docstring).

    Parameters
    ----------
    store : Store
        The store holding the dataset.
    dataset_id : str
        The dataset.
    groups : dict of str to str
        person_id -> group (every person; :meth:`Store.group_labels`).
    since, until : datetime, optional
        The time window (since inclusive, until exclusive; aware, UTC).

    Returns
    -------
    HandoffTables

    Raises
    ------
    NotFoundError
        If the dataset is not in the store.
    """
    with store._cursor() as con:
        return compute_handoffs(DuckHandoffRunner(con), dataset_key(con, dataset_id), groups, since=since,
                                until=until)


def compute_handoffs(
    db: HandoffRunner,
    ds: int,
    groups: dict[str, str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> HandoffTables:
    """:func:`handoff_tables` of dataset ``ds`` on any :class:`HandoffRunner` (over :mod:`ona.store.schema`'s tables)."""
    labels = pa.table({"person_id": pa.array(list(groups), pa.string()),
                       "grp": pa.array(list(groups.values()), pa.string())})
    values: dict[str, object] = {"ds": ds}
    window_values: dict[str, object] = {}
    if since is not None:
        window_values["since"] = since
    if until is not None:
        window_values["until"] = until
    db.register("_ho_groups", labels)
    try:
        window = _in_window("ts", since, until)
        db.run(_MATCHED_SQL, values)
        db.run(_rows_sql(window), {**values, **window_values})
        db.run(_VISITS_SQL, {})
        db.run(_TICKETS_SQL, {})
        visits = db.arrow(_VISITS_OUT_SQL, {})
        tickets = db.arrow(_TICKETS_OUT_SQL, {})
        handoff_rows = db.arrow(_HANDOFF_ROWS_SQL, {})
        (unmatched,) = db.one(_SUMMARY_GROUPS_SQL.format(window=window), window_values)
        unknown = db.arrow(_UNKNOWN_GROUPS_SQL.format(window=window), window_values)
    finally:
        db.unregister("_ho_groups")
        db.drop(_TEMP)
    return HandoffTables(visits=visits, tickets=tickets, handoff_rows=handoff_rows,
                         group_handoffs_unmatched=int(unmatched or 0),
                         unknown_groups=sorted(unknown.column(0).to_pylist()))
