"""Ticket histories and group handoffs -> handoff tables, computed in DuckDB (window functions, no row loop).

Input: a :class:`ona.store.Store`, a dataset id, the group of every person
(``person_id -> group``, from :meth:`Store.group_labels`) and an optional
time window. Output: :class:`HandoffTables` (Arrow tables and counts) that
:mod:`ona.analysis.handoffs` turns into typed results.

Definitions (every step is SQL over the whole ``tickets`` table):

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
- **bounce**: a visit of an internal group that held the ticket in an
  earlier visit. **Ping-pong**: an internal visit whose two previous
  visits were an internal group B and then the same group again
  (A -> B -> A, consecutive). **No owner**: a ticket whose visits cover
  ``no_owner_groups`` (the analysis parameter, default
  :data:`NO_OWNER_GROUPS` = 3) or more distinct internal groups.
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
  both) is one visit, counted once. A pair's ``group_handoffs`` are its
  handoffs less its person-to-person handoffs (at least 0): those only a
  group change records; the links add them to their ``handoffs``.
  ``cross_group_handoffs`` is the number of visits following a visit of
  another group (the sum of the pairs), and ``handoffs`` =
  ``within_group_handoffs + cross_group_handoffs + external_handoffs``;
  without group handoffs both are the person handoffs, as before.
- **window** (since inclusive, until exclusive): a handoff (and the visit
  it starts) counts when its receiving row is in the window; a ticket
  counts when it has a row in the window. The path of a ticket is always
  its whole history: a bounce may return to a group held before the
  window, and a stay may end after it (stays are not cut at ``until``).

Durations are in hours; medians and 90th percentiles interpolate linearly
(``quantile_cont``, numpy's default) and are rounded to 6 decimals.
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

__all__ = ["NO_OWNER_GROUPS", "RESOLVED_STATUSES", "DuckHandoffRunner", "HandoffRunner", "HandoffTables",
           "compute_handoffs", "handoff_tables"]

#: Statuses that close a ticket (compared after trim and lower-casing).
RESOLVED_STATUSES: tuple[str, ...] = (
    "resolved", "closed", "done", "completed", "complete", "solved", "fixed", "cancelled", "canceled",
)

ROUND = 6

#: A ticket has no owner when its visits cover this many distinct groups or more
#: (the default of the analysis parameter ``no_owner_groups``).
NO_OWNER_GROUPS = 3


@dataclass(frozen=True)
class HandoffTables:
    """What :func:`handoff_tables` computes.

    Attributes
    ----------
    pairs : pyarrow.Table
        One row per ordered pair of groups with cross-group handoffs in the
        window: ``from_group, to_group, handoffs, tickets, median_hours,
        p90_hours, closed, open, bounces, ping_pongs, no_owner_tickets,
        group_handoffs``,
        ordered by handoffs (most first), then names.
    groups : pyarrow.Table
        One row per group with any ticket activity in the window:
        ``group, received, tickets_received, median_hours, p90_hours,
        passed_on, resolved, open, bounces_received, handed_out,
        tickets_handed_out, within_group_handoffs, opened,
        external_received, external_handed_out``, ordered by name.
    summary : dict of str to int or float or None
        The fields of :class:`ona.results.HandoffSummary`
        except the two rates and ``group_handoffs`` (the sum of the pairs').
    """

    pairs: pa.Table
    groups: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)


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
# started and ended (see the module docstring), and its bounce / ping-pong flags.
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
    SELECT *, lead(start_ts) OVER t AS next_ts, lag(grp, 2) OVER t AS grp_back2,
           grp IS NOT NULL AND row_number() OVER (PARTITION BY ticket_id, grp ORDER BY visit_no) > 1 AS bounce
    FROM vr WINDOW t AS (PARTITION BY ticket_id ORDER BY visit_no)
)
SELECT *, grp IS NOT NULL AND from_grp IS NOT NULL AND grp_back2 IS NOT DISTINCT FROM grp AS ping_pong,
       date_diff('microsecond', start_ts, coalesce(next_ts, resolved_ts)) / 3.6e9 AS hours,
       next_ts IS NULL AND resolved_ts IS NOT NULL AS closed_by_resolution
FROM w
"""

# tickets with a row in the window, and the shape of each one's whole path
_TICKETS_SQL = """
CREATE TEMP TABLE _ho_tickets AS
WITH tw AS (SELECT DISTINCT ticket_id FROM _ho_rows WHERE in_window),
tr AS (SELECT ticket_id, count(*) FILTER (WHERE handoff) AS handoffs FROM _ho_rows GROUP BY ticket_id),
tv AS (
    SELECT ticket_id, count(DISTINCT grp) AS groups, bool_or(bounce) AS bounced,
           bool_or(ping_pong) AS ping_pong, bool_or(from_grp IS NOT NULL AND grp IS NOT NULL) AS cross_group,
           bool_or(closed_by_resolution) AS resolved, bool_or(grp IS NULL) AS external
    FROM _ho_visits GROUP BY ticket_id
)
SELECT tw.ticket_id, tr.handoffs, tv.groups, tv.bounced, tv.ping_pong, tv.cross_group, tv.resolved, tv.external
FROM tw JOIN tr USING (ticket_id) JOIN tv USING (ticket_id)
"""

_PAIRS_SQL = f"""
WITH p AS (
    SELECT v.from_grp AS from_group, v.grp AS to_group, count(*) AS handoffs,
           count(DISTINCT v.ticket_id) AS tickets,
           round(quantile_cont(v.hours, 0.5), {ROUND}) AS median_hours,
           round(quantile_cont(v.hours, 0.9), {ROUND}) AS p90_hours,
           count(v.hours) AS closed, count(*) - count(v.hours) AS open,
           count(*) FILTER (WHERE v.bounce) AS bounces, count(*) FILTER (WHERE v.ping_pong) AS ping_pongs,
           count(DISTINCT v.ticket_id) FILTER (WHERE t.groups >= $no_owner) AS no_owner_tickets
    FROM _ho_visits v JOIN _ho_tickets t USING (ticket_id)
    WHERE v.in_window AND v.grp IS NOT NULL AND v.from_grp IS NOT NULL
    GROUP BY ALL
), person AS (
    SELECT prev_grp AS from_group, grp AS to_group, count(*) AS n FROM _ho_rows
    WHERE handoff AND in_window AND pidx IS NOT NULL AND prev_pidx IS NOT NULL AND grp <> prev_grp GROUP BY ALL
)
SELECT p.*, greatest(p.handoffs - coalesce(person.n, 0), 0) AS group_handoffs
FROM p LEFT JOIN person USING (from_group, to_group)
ORDER BY handoffs DESC, from_group, to_group
"""

_GROUPS_SQL = f"""
WITH received AS (
    SELECT grp AS "group", count(*) AS received, count(DISTINCT ticket_id) AS tickets_received,
           round(quantile_cont(hours, 0.5), {ROUND}) AS median_hours,
           round(quantile_cont(hours, 0.9), {ROUND}) AS p90_hours,
           count(*) FILTER (WHERE next_ts IS NOT NULL) AS passed_on,
           count(*) FILTER (WHERE closed_by_resolution) AS resolved,
           count(*) - count(hours) AS open,
           count(*) FILTER (WHERE bounce) AS bounces_received
    FROM _ho_visits WHERE in_window AND grp IS NOT NULL AND from_grp IS NOT NULL GROUP BY 1
), out AS (
    SELECT from_grp AS "group", count(*) AS handed_out, count(DISTINCT ticket_id) AS tickets_handed_out
    FROM _ho_visits WHERE in_window AND grp IS NOT NULL AND from_grp IS NOT NULL GROUP BY 1
), opened AS (
    SELECT grp AS "group", count(*) AS opened
    FROM _ho_visits WHERE in_window AND visit_no = 1 AND grp IS NOT NULL GROUP BY 1
), rows AS (
    SELECT "group", sum(within) AS within_group_handoffs, sum(ext_in) AS external_received,
           sum(ext_out) AS external_handed_out
    FROM (
        SELECT grp AS "group", (pidx IS NOT NULL AND prev_pidx IS NOT NULL AND grp = prev_grp)::INTEGER AS within,
               (pidx IS NOT NULL AND prev_pidx IS NULL)::INTEGER AS ext_in, 0 AS ext_out
        FROM _ho_rows WHERE handoff AND in_window AND grp IS NOT NULL
        UNION ALL
        SELECT prev_grp, 0, 0, 1 FROM _ho_rows
        WHERE handoff AND in_window AND pidx IS NULL AND prev_grp IS NOT NULL
    ) GROUP BY 1
), names AS (
    SELECT "group" FROM received UNION SELECT "group" FROM out UNION SELECT "group" FROM opened
    UNION SELECT "group" FROM rows
)
SELECT n."group",
       coalesce(r.received, 0) AS received, coalesce(r.tickets_received, 0) AS tickets_received,
       r.median_hours, r.p90_hours, coalesce(r.passed_on, 0) AS passed_on,
       coalesce(r.resolved, 0) AS resolved, coalesce(r.open, 0) AS open,
       coalesce(r.bounces_received, 0) AS bounces_received,
       coalesce(o.handed_out, 0) AS handed_out, coalesce(o.tickets_handed_out, 0) AS tickets_handed_out,
       coalesce(w.within_group_handoffs, 0) AS within_group_handoffs, coalesce(p.opened, 0) AS opened,
       coalesce(w.external_received, 0) AS external_received,
       coalesce(w.external_handed_out, 0) AS external_handed_out
FROM names n LEFT JOIN received r USING ("group") LEFT JOIN out o USING ("group")
LEFT JOIN opened p USING ("group") LEFT JOIN rows w USING ("group")
ORDER BY n."group"
"""

_SUMMARY_TICKETS_SQL = """
SELECT count(*), count(*) FILTER (WHERE handoffs = 0), count(*) FILTER (WHERE cross_group),
       count(*) FILTER (WHERE bounced), count(*) FILTER (WHERE ping_pong),
       count(*) FILTER (WHERE groups >= $no_owner), count(*) FILTER (WHERE resolved),
       count(*) FILTER (WHERE external)
FROM _ho_tickets
"""

# cross-group handoffs are the visits of one group that follow a visit of another
# (a person's or an assignment group's), so that they are the sum of the pairs
_SUMMARY_HANDOFFS_SQL = f"""
WITH r AS (
    SELECT count(*) FILTER (WHERE pidx IS NOT NULL AND prev_pidx IS NOT NULL AND grp = prev_grp) AS n_within,
           count(*) FILTER (WHERE pidx IS NULL OR prev_pidx IS NULL) AS n_external
    FROM _ho_rows WHERE handoff AND in_window
), v AS (
    SELECT count(*) AS n_cross, round(quantile_cont(hours, 0.5), {ROUND}) AS median
    FROM _ho_visits WHERE in_window AND grp IS NOT NULL AND from_grp IS NOT NULL
)
SELECT n_within + n_cross + n_external, n_within, n_cross, n_external, median FROM r, v
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

_SUMMARY_FIELDS = (
    "tickets", "tickets_single_assignee", "tickets_cross_group", "tickets_bounced", "tickets_ping_pong",
    "tickets_no_owner", "tickets_resolved", "tickets_external",
    "handoffs", "within_group_handoffs", "cross_group_handoffs", "external_handoffs", "median_hours",
    "group_handoffs_unmatched", "unknown_groups",
)

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
    no_owner_groups: int = NO_OWNER_GROUPS,
) -> HandoffTables:
    """Handoff pairs, per-group service and summary counts of a stored dataset.

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
    no_owner_groups : int
        A ticket has no owner when its visits cover this many distinct
        groups or more.

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
                                until=until, no_owner_groups=no_owner_groups)


def compute_handoffs(
    db: HandoffRunner,
    ds: int,
    groups: dict[str, str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    no_owner_groups: int = NO_OWNER_GROUPS,
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
        owner = {"no_owner": no_owner_groups}
        pairs = db.arrow(_PAIRS_SQL, owner)
        group_table = db.arrow(_GROUPS_SQL, {})
        tickets = db.one(_SUMMARY_TICKETS_SQL, owner)
        handoffs = db.one(_SUMMARY_HANDOFFS_SQL, {})
        unmatched = db.one(_SUMMARY_GROUPS_SQL.format(window=window), window_values)
        unknown = db.arrow(_UNKNOWN_GROUPS_SQL.format(window=window), window_values)
    finally:
        db.unregister("_ho_groups")
        db.drop(_TEMP)
    summary = dict(zip(_SUMMARY_FIELDS, (*tickets, *handoffs, *unmatched, sorted(unknown.column(0).to_pylist())),
                       strict=True))
    return HandoffTables(pairs=pairs, groups=group_table, summary=summary)
