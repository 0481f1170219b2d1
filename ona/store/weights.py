"""Events -> pair weights, aggregated in DuckDB (one pass per channel).

Input: a stored dataset and :class:`ona.params.AnalysisParams`. Output:
:class:`ona.store.models.PairWeights`, the table that
:func:`ona.graph.build.build_graph` turns into the collaboration graph.

The weighting is DESIGN.md's "The collaboration graph":

- email: a message from an internal sender s with k distinct recipients
  (externals included in k) adds 1/k to (s, r) for every internal
  recipient r; k > broadcast_limit: skipped, counted as a broadcast.
- meeting: a meeting of h hours with n distinct attendees (externals
  included), 2 <= n <= large_meeting_limit, adds h/(n-1) to every pair of
  distinct internal attendees; other meetings are skipped and counted.
- ticket: per ticket_id, rows ordered by (ts, line); every change of
  assignee between consecutive rows is a handoff and adds 1 to the pair
  when both assignees are internal, else it is counted as external.
- window: since (inclusive) / until (exclusive) on the email ts, the
  meeting start and the ts of the ticket row that receives the handoff
  (the previous assignee may come from before the window).

Pairs are unordered (a < b) and self-pairs are dropped. Channel sums and
w = email_weight*email + meeting_weight*meeting + ticket_weight*ticket are
rounded to 9 decimals in SQL: DuckDB's parallel float sums are not
bit-reproducible, the rounded values are byte-identical across runs.
"""

from __future__ import annotations

from typing import Any

import duckdb

from ona.params import AnalysisParams
from ona.store.models import PAIR_SCHEMA, PairWeights

ROUND = 9


def _window(column: str, params: AnalysisParams) -> str:
    """SQL conditions of the time window (fixed text, values bound by name)."""
    sql = ""
    if params.since is not None:
        sql += f" AND {column} >= $since"
    if params.until is not None:
        sql += f" AND {column} < $until"
    return sql


def _emails_sql(params: AnalysisParams) -> str:
    # One pass over the join of messages and recipients. Rows whose a is null
    # are not internal pairs; with ext = true they are internal-external weight.
    return f"""
    CREATE TEMP TABLE _email AS
    WITH m AS (
        SELECT message_key, sender_id, 1.0::DOUBLE / k AS w FROM emails
        WHERE ds = $ds AND k BETWEEN 1 AND $broadcast_limit {_window('ts', params)}
    ), d AS (
        SELECT m.sender_id AS s, r.person_id AS r, m.w
        FROM m JOIN email_recipients r ON r.ds = $ds AND r.message_key = m.message_key
    )
    SELECT CASE WHEN s <> r THEN least(s, r) END AS a,
           CASE WHEN s <> r THEN greatest(s, r) END AS b,
           (s IS NULL) <> (r IS NULL) AS ext,
           sum(w) AS email
    FROM d GROUP BY ALL
    """


def _email_events_sql(params: AnalysisParams) -> str:
    return f"""
    SELECT count(*),
           count_if(k > $broadcast_limit),
           count_if(k <= $broadcast_limit AND sender_id IS NULL)
    FROM emails WHERE ds = $ds {_window('ts', params)}
    """


def _meeting_attendees_sql(params: AnalysisParams) -> str:
    # the attendees of kept meetings, each with the meeting's pair weight h/(n-1)
    return f"""
    CREATE TEMP TABLE _meeting_att AS
    SELECT a.meeting_key, a.person_id, m.hours / (m.n_attendees - 1) AS w
    FROM meetings m JOIN meeting_attendees a ON a.ds = $ds AND a.meeting_key = m.meeting_key
    WHERE m.ds = $ds AND m.n_attendees BETWEEN 2 AND $large_meeting_limit {_window('m.start', params)}
    """


# '<' drops self-pairs and (null = external) attendees at once
_MEETINGS_SQL = """
CREATE TEMP TABLE _meeting AS
SELECT x.person_id AS a, y.person_id AS b, sum(x.w) AS meeting
FROM _meeting_att x JOIN _meeting_att y
  ON x.meeting_key = y.meeting_key AND x.person_id < y.person_id
GROUP BY ALL
"""


def _meeting_events_sql(params: AnalysisParams) -> str:
    return f"""
    SELECT count(*),
           count_if(n_attendees > $large_meeting_limit),
           count_if(n_attendees < 2)
    FROM meetings WHERE ds = $ds {_window('start', params)}
    """


_MEETING_EXTERNAL_SQL = f"""
SELECT round(coalesce(sum(w * n_int * n_ext), 0), {ROUND}) FROM (
    SELECT any_value(w) AS w, count(person_id) AS n_int, count(*) - count(person_id) AS n_ext
    FROM _meeting_att GROUP BY meeting_key
)
"""


def _tickets_sql(params: AnalysisParams) -> str:
    # lag() runs over each ticket's whole history, the window then filters the
    # receiving row: a handoff into the window from before it still counts.
    return f"""
    CREATE TEMP TABLE _ticket AS
    WITH t AS (
        SELECT ticket_id, ts, assignee_id AS cur_id, assignee_address AS cur_addr,
               lag(assignee_id) OVER w AS prev_id, lag(assignee_address) OVER w AS prev_addr,
               row_number() OVER w AS rn
        FROM tickets WHERE ds = $ds
        WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, line)
    ), h AS (
        SELECT ticket_id, prev_id, cur_id, rn > 1 AND CASE
                   WHEN prev_id IS NOT NULL AND cur_id IS NOT NULL THEN prev_id <> cur_id
                   WHEN prev_id IS NULL AND cur_id IS NULL THEN prev_addr IS DISTINCT FROM cur_addr
                   ELSE true END AS handoff
        FROM t WHERE true {_window('ts', params)}
    )
    SELECT CASE WHEN handoff AND prev_id IS NOT NULL AND cur_id IS NOT NULL THEN least(prev_id, cur_id) END AS a,
           CASE WHEN handoff AND prev_id IS NOT NULL AND cur_id IS NOT NULL THEN greatest(prev_id, cur_id) END AS b,
           handoff AND (prev_id IS NULL OR cur_id IS NULL) AS ext,
           count_if(handoff) AS handoffs
    FROM h GROUP BY ALL
    """


_TICKET_EVENTS_SQL = """
SELECT coalesce(sum(handoffs) FILTER (WHERE a IS NOT NULL), 0),
       coalesce(sum(handoffs) FILTER (WHERE ext), 0)
FROM _ticket
"""

_TICKET_COUNT_SQL = "SELECT count(DISTINCT ticket_id) FROM tickets WHERE ds = $ds"

_EMAIL_EXTERNAL_SQL = f"SELECT round(coalesce(sum(email), 0), {ROUND}) FROM _email WHERE ext"

_PAIRS_SQL = f"""
WITH u AS (
    SELECT a, b, email, 0.0::DOUBLE AS meeting, 0::BIGINT AS handoffs FROM _email WHERE a IS NOT NULL
    UNION ALL SELECT a, b, 0.0::DOUBLE, meeting, 0::BIGINT FROM _meeting
    UNION ALL SELECT a, b, 0.0::DOUBLE, 0.0::DOUBLE, handoffs FROM _ticket WHERE a IS NOT NULL
), s AS (
    SELECT a, b, round(sum(email), {ROUND}) AS email, round(sum(meeting), {ROUND}) AS meeting,
           sum(handoffs)::BIGINT AS handoffs
    FROM u GROUP BY a, b
), w AS (
    SELECT a, b, email, meeting, handoffs::DOUBLE AS ticket, handoffs,
           round($email_weight * email + $meeting_weight * meeting + $ticket_weight * handoffs, {ROUND}) AS weight
    FROM s
)
SELECT a, b, email, meeting, ticket, handoffs, weight FROM w
WHERE weight > 0 AND weight >= $min_weight
ORDER BY a, b
"""


def _one(con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, object]) -> tuple[Any, ...]:
    row = con.execute(sql, values).fetchone()
    assert row is not None  # aggregate queries always return a row
    return tuple(row)


def pair_weights(con: duckdb.DuckDBPyConnection, ds: int, params: AnalysisParams) -> PairWeights:
    """Aggregate the events of dataset ``ds`` into pair weights (see module doc).

    ``con`` must be a cursor of its own: the temporary tables it creates are
    private to it and dropped before returning.
    """
    values: dict[str, object] = {"ds": ds}
    if params.since is not None:
        values["since"] = params.since
    if params.until is not None:
        values["until"] = params.until
    email_values = {**values, "broadcast_limit": params.broadcast_limit}
    meeting_values = {**values, "large_meeting_limit": params.large_meeting_limit}
    try:
        con.execute(_emails_sql(params), email_values)
        con.execute(_meeting_attendees_sql(params), meeting_values)
        con.execute(_MEETINGS_SQL)
        con.execute(_tickets_sql(params), values)
        emails, broadcast, ext_sender = _one(con, _email_events_sql(params), email_values)
        meetings, large, small = _one(con, _meeting_events_sql(params), meeting_values)
        handoffs, handoffs_ext = _one(con, _TICKET_EVENTS_SQL, {})
        (tickets,) = _one(con, _TICKET_COUNT_SQL + _window("ts", params), values)
        (email_ext,) = _one(con, _EMAIL_EXTERNAL_SQL, {})
        (meeting_ext,) = _one(con, _MEETING_EXTERNAL_SQL, {})
        table = con.sql(
            _PAIRS_SQL,
            params={
                "email_weight": params.email_weight,
                "meeting_weight": params.meeting_weight,
                "ticket_weight": params.ticket_weight,
                "min_weight": params.min_weight,
            },
        ).to_arrow_table()
    finally:
        con.execute(
            "DROP TABLE IF EXISTS _email; DROP TABLE IF EXISTS _meeting_att; "
            "DROP TABLE IF EXISTS _meeting; DROP TABLE IF EXISTS _ticket"
        )
    events = {
        "emails": emails,
        "emails_broadcast": broadcast,
        "emails_external_sender": ext_sender,
        "meetings": meetings,
        "meetings_large": large,
        "meetings_too_small": small,
        "tickets": tickets,
        "handoffs": handoffs,
        "handoffs_external": handoffs_ext,
    }
    external = {"email": float(email_ext), "meeting": float(meeting_ext), "ticket": float(handoffs_ext)}
    return PairWeights(
        table=table.cast(PAIR_SCHEMA),
        events={k: int(v) for k, v in events.items()},
        external=external,
    )
