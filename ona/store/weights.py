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
- chat: a message that is not a thread reply, in a conversation where its
  internal sender has k other members (externals included),
  1 <= k <= broadcast_limit, adds 1/k to (sender, member) for every
  internal member; k > broadcast_limit: skipped, counted as a broadcast.
  A thread reply (a thread author other than the sender) adds 1 to
  (sender, thread author) instead, whatever the conversation's size. Posts
  in a channel (kind 'channel') that are not replies are skipped and
  counted unless ``chat_channel_posts`` is set, then they follow the 1/k rule.
- ties: each row of the ties table whose two ends are internal adds its
  weight to (source, target) (directed rows in both directions are summed
  into the undirected pair); a row with an external end is counted and
  its weight reported as external collaboration.
- window: since (inclusive) / until (exclusive) on the email ts, the
  meeting start, the chat ts, the ts of the ticket row that receives
  the handoff (the previous assignee may come from before the window) and
  the tie's period_start (a tie belongs to the period containing its
  period_start); a tie without period_start is timeless and counts in
  every window.

Pairs are unordered (a < b) and self-pairs are dropped. Channel sums and
w = email_weight*email + meeting_weight*meeting + ticket_weight*ticket +
chat_weight*chat + ties_weight*ties are
rounded to 9 decimals in SQL: DuckDB's parallel float sums are not
bit-reproducible, the rounded values are byte-identical across runs.
"""

from __future__ import annotations

from typing import Any, Protocol

import duckdb
import pyarrow as pa

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


def _email_sql(params: AnalysisParams, where: str) -> str:
    # recipient rows carry their message's ts, k and sender index (see ingest)
    return f"""
    FROM email_recipients
    WHERE ds = $ds AND k BETWEEN 1 AND $broadcast_limit {_window('ts', params)} AND {where}
    """


def _email_events_sql(params: AnalysisParams) -> str:
    return f"""
    SELECT count(*),
           count(*) FILTER (WHERE k > $broadcast_limit),
           count(*) FILTER (WHERE k <= $broadcast_limit AND sender_idx IS NULL)
    FROM emails WHERE ds = $ds {_window('ts', params)}
    """


def _chat_posts(params: AnalysisParams, channel: str = "channel") -> str:
    """SQL condition: the message's kind is counted (channel posts only when opted in)."""
    return "true" if params.chat_channel_posts else f"NOT {channel}"


def _chat_sql(params: AnalysisParams, where: str) -> str:
    # member rows of counted messages that are not replies; they carry their
    # message's ts, k, sender index, reply and channel flags (see ingest)
    return f"""
    FROM chat_recipients
    WHERE ds = $ds AND NOT reply AND {_chat_posts(params)} AND k BETWEEN 1 AND $broadcast_limit
          {_window('ts', params)} AND {where}
    """


def _chat_reply_sql(params: AnalysisParams, where: str) -> str:
    return f"FROM chats WHERE ds = $ds AND reply {_window('ts', params)} AND {where}"


def _chat_events_sql(params: AnalysisParams) -> str:
    counted = _chat_posts(params, "coalesce(kind = 'channel', false)")
    return f"""
    SELECT count(*),
           count(*) FILTER (WHERE reply),
           count(*) FILTER (WHERE NOT reply AND NOT ({counted})),
           count(*) FILTER (WHERE NOT reply AND {counted} AND k > $broadcast_limit),
           count(*) FILTER (WHERE sender_idx IS NULL AND (reply OR ({counted} AND k <= $broadcast_limit)))
    FROM chats WHERE ds = $ds {_window('ts', params)}
    """


def _ties_sql(params: AnalysisParams, where: str) -> str:
    # a dated tie is in the window when its period_start is; an undated one always is
    dated = _window("period_start", params)
    in_window = f"AND (period_start IS NULL OR (true {dated}))" if dated else ""
    return f"FROM ties WHERE ds = $ds {in_window} AND {where}"


def _meeting_attendees_sql(params: AnalysisParams) -> str:
    # the attendees of kept meetings, each with the meeting's pair weight h/(n-1)
    return f"""
    CREATE TEMP TABLE _meeting_att AS
    SELECT a.meeting_key, a.pidx, m.hours / (m.n_attendees - 1) AS w, m.start AS ts
    FROM meetings m JOIN meeting_attendees a ON a.ds = $ds AND a.meeting_key = m.meeting_key
    WHERE m.ds = $ds AND m.n_attendees BETWEEN 2 AND $large_meeting_limit {_window('m.start', params)}
    """


def _meeting_events_sql(params: AnalysisParams) -> str:
    return f"""
    SELECT count(*),
           count(*) FILTER (WHERE n_attendees > $large_meeting_limit),
           count(*) FILTER (WHERE n_attendees < 2)
    FROM meetings WHERE ds = $ds {_window('start', params)}
    """


# w * n_int * n_ext: the h/(n-1) of every internal-external attendee pair
_MEETING_EXTERNAL_SQL = f"""
SELECT round(coalesce(sum(w * n_int * n_ext), 0), {ROUND}) FROM (
    SELECT any_value(w) AS w, count(pidx) AS n_int, count(*) - count(pidx) AS n_ext
    FROM _meeting_att GROUP BY meeting_key
)
"""


def _tickets_sql(params: AnalysisParams) -> str:
    # One row per handoff in the window: a, b are the two person indexes when
    # both assignees are internal, else null and ext is true. lag() runs over
    # each ticket's whole history before the window filters the receiving
    # row: a handoff into the window from before it still counts.
    return f"""
    CREATE TEMP TABLE _handoff AS
    WITH t AS (
        SELECT ticket_id, ts, assignee_idx AS cur, assignee_address AS cur_addr,
               lag(assignee_idx) OVER w AS prev, lag(assignee_address) OVER w AS prev_addr,
               row_number() OVER w AS rn
        FROM tickets WHERE ds = $ds
        WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, line)
    )
    SELECT least(prev, cur) AS a, greatest(prev, cur) AS b, prev IS NULL OR cur IS NULL AS ext, ts
    FROM t
    WHERE rn > 1 {_window('ts', params)} AND CASE
        WHEN prev IS NOT NULL AND cur IS NOT NULL THEN prev <> cur
        WHEN prev IS NULL AND cur IS NULL THEN prev_addr IS DISTINCT FROM cur_addr
        ELSE true END
    """


_TICKET_EVENTS_SQL = "SELECT count(*) FILTER (WHERE NOT ext), count(*) FILTER (WHERE ext) FROM _handoff"

_TICKET_COUNT_SQL = "SELECT count(DISTINCT ticket_id) FROM tickets WHERE ds = $ds"


# the Monday 00:00 UTC that starts an instant's week, as whole days since 1970-01-01 (a Thursday); a
# timeless tie (no period_start) has none
_WEEK = "((epoch(ts)::BIGINT // 86400 + 3) // 7 * 7 - 3)::INTEGER"


def _weekly_sql(params: AnalysisParams) -> str:
    # Every channel's contributions summed per pair and week, keyed by one
    # BIGINT (a << 32 | b): person indexes are ranks in person_id order, so key
    # order is (a, b) order. The pair weights are the sums of these rows. The
    # channels with many rows per pair and week (email recipients, meeting
    # pairs, chat members) are summed on their own first: the last sum then
    # groups a third as many rows, each of one channel (at 250,000 people, 124
    # million instead of 400 million).
    email_key = "(least(sender_idx, pidx)::BIGINT << 32) | greatest(sender_idx, pidx)"
    return f"""
    CREATE TEMP TABLE _weekly AS
    WITH e AS (
        SELECT {email_key} AS key, {_WEEK} AS week, sum(1.0::DOUBLE / k) AS v
        {_email_sql(params, 'sender_idx <> pidx')}
        GROUP BY key, week
    ), m AS (
        SELECT (x.pidx::BIGINT << 32) | y.pidx AS key, {_WEEK.replace('ts', 'x.ts')} AS week, sum(x.w) AS v
        FROM _meeting_att x JOIN _meeting_att y ON x.meeting_key = y.meeting_key AND x.pidx < y.pidx
        GROUP BY key, week
    ), c AS (
        SELECT {email_key} AS key, {_WEEK} AS week, sum(1.0::DOUBLE / k) AS v
        {_chat_sql(params, 'sender_idx <> pidx')}
        GROUP BY key, week
    ), u AS (
        SELECT key, week, v AS email, 0.0::DOUBLE AS meeting, 0::BIGINT AS handoffs, 0.0::DOUBLE AS chat,
               0.0::DOUBLE AS ties
        FROM e
        UNION ALL
        SELECT key, week, 0.0::DOUBLE, v, 0::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE FROM m
        UNION ALL
        SELECT (a::BIGINT << 32) | b, {_WEEK}, 0.0::DOUBLE, 0.0::DOUBLE, 1::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE
        FROM _handoff WHERE NOT ext
        UNION ALL
        SELECT key, week, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT, v, 0.0::DOUBLE FROM c
        UNION ALL
        SELECT (least(sender_idx, thread_author_idx)::BIGINT << 32) | greatest(sender_idx, thread_author_idx),
               {_WEEK}, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT, 1.0::DOUBLE, 0.0::DOUBLE
        {_chat_reply_sql(params, 'sender_idx <> thread_author_idx')}
        UNION ALL
        SELECT (least(source_idx, target_idx)::BIGINT << 32) | greatest(source_idx, target_idx),
               {_WEEK.replace('ts', 'period_start')}, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT, 0.0::DOUBLE, weight
        {_ties_sql(params, 'source_idx <> target_idx')}
    )
    SELECT key, week, sum(email) AS email, sum(meeting) AS meeting, sum(handoffs)::BIGINT AS handoffs,
           sum(chat) AS chat, sum(ties) AS ties
    FROM u GROUP BY key, week
    """


# The pairs that are ties, numbered in key order (the graph's edge order)
_PAIRS_SQL = f"""
CREATE TEMP TABLE _pairs AS
WITH s AS (
    SELECT key, round(sum(email), {ROUND}) AS email, round(sum(meeting), {ROUND}) AS meeting,
           sum(handoffs)::BIGINT AS handoffs, round(sum(chat), {ROUND}) AS chat,
           round(sum(ties), {ROUND}) AS ties
    FROM _weekly GROUP BY key
), w AS (
    SELECT *, round($email_weight * email + $meeting_weight * meeting
                    + $ticket_weight * handoffs + $chat_weight * chat + $ties_weight * ties, {ROUND}) AS weight
    FROM s
)
SELECT (row_number() OVER (ORDER BY key) - 1)::INTEGER AS edge, * FROM w
WHERE weight > 0 AND weight >= $min_weight
"""

_PAIRS_OUT_SQL = """
SELECT (key >> 32)::INTEGER AS a, (key & 4294967295)::INTEGER AS b,
       email, meeting, handoffs::DOUBLE AS ticket, chat, ties, handoffs, weight
FROM _pairs ORDER BY key
"""

# Per tie and week: its weight, its relationship weight (all but tickets) and handoffs; rounded as
# the pair weights are, for the same reason (parallel float sums are not bit-reproducible)
_WEEKLY_OUT_SQL = f"""
SELECT p.edge, w.week,
       round($email_weight * w.email + $meeting_weight * w.meeting + $ticket_weight * w.handoffs
             + $chat_weight * w.chat + $ties_weight * w.ties, {ROUND}) AS weight,
       round($email_weight * w.email + $meeting_weight * w.meeting + $chat_weight * w.chat
             + $ties_weight * w.ties, {ROUND}) AS relationship,
       w.handoffs
FROM _weekly w JOIN _pairs p USING (key)
ORDER BY p.edge, w.week
"""


class SqlRunner(Protocol):
    """Where the SQL of this module runs: DuckDB here, Spark in :mod:`ona.engine.spark`.

    The statements are DuckDB SQL (named parameters ``$name``); a runner for
    another engine translates them, so the weighting is written once.
    """

    def run(self, sql: str, values: dict[str, object]) -> None:
        """Execute a statement (``CREATE TEMP TABLE ... AS SELECT``)."""

    def one(self, sql: str, values: dict[str, object]) -> tuple[Any, ...]:
        """The single row of an aggregate query."""

    def arrow(self, sql: str, values: dict[str, object]) -> pa.Table:
        """A query's result as an Arrow table."""

    def drop(self, names: tuple[str, ...]) -> None:
        """Drop temporary tables made by :meth:`run`."""


class DuckRunner:
    """:class:`SqlRunner` on a DuckDB cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run(self, sql: str, values: dict[str, object]) -> None:
        self.con.execute(sql, values)

    def one(self, sql: str, values: dict[str, object]) -> tuple[Any, ...]:
        return tuple(self.con.execute(sql, values).fetchall()[0])  # an aggregate: exactly one row

    def arrow(self, sql: str, values: dict[str, object]) -> pa.Table:
        return self.con.sql(sql, params=values or None).to_arrow_table()

    def drop(self, names: tuple[str, ...]) -> None:
        self.con.execute("; ".join(f"DROP TABLE IF EXISTS {name}" for name in names))


#: The temporary tables of :func:`aggregate`.
TEMP_TABLES = ("_meeting_att", "_handoff", "_weekly", "_pairs")


def pair_weights(con: duckdb.DuckDBPyConnection, ds: int, params: AnalysisParams, *,
                 weekly: bool = False) -> PairWeights:
    """Aggregate the events of dataset ``ds`` into pair weights (see module doc).

    With ``weekly``, also the weight of every tie per week
    (:attr:`PairWeights.weekly`): the pair weights are sums of those rows, so
    a resample of weeks never re-reads events.

    ``con`` must be a cursor of its own: the temporary tables it creates are
    private to it, dropped before returning, and gone with the cursor if a
    query fails.
    """
    return aggregate(DuckRunner(con), ds, params, weekly=weekly)


def aggregate(db: SqlRunner, ds: int, params: AnalysisParams, *, weekly: bool = False) -> PairWeights:
    """:func:`pair_weights` on any :class:`SqlRunner` (the tables of :mod:`ona.store.schema`)."""
    values: dict[str, object] = {"ds": ds}
    if params.since is not None:
        values["since"] = params.since
    if params.until is not None:
        values["until"] = params.until
    email_values = {**values, "broadcast_limit": params.broadcast_limit}
    meeting_values = {**values, "large_meeting_limit": params.large_meeting_limit}
    db.run(_meeting_attendees_sql(params), meeting_values)
    db.run(_tickets_sql(params), values)
    emails, broadcast, ext_sender = db.one(_email_events_sql(params), email_values)
    (email_ext,) = db.one(
        f"SELECT round(coalesce(sum(1.0::DOUBLE / k), 0), {ROUND}) "
        + _email_sql(params, "(sender_idx IS NULL) <> (pidx IS NULL)"),
        email_values,
    )
    meetings, large, small = db.one(_meeting_events_sql(params), meeting_values)
    (meeting_ext,) = db.one(_MEETING_EXTERNAL_SQL, {})
    handoffs, handoffs_ext = db.one(_TICKET_EVENTS_SQL, {})
    (tickets,) = db.one(_TICKET_COUNT_SQL + _window("ts", params), values)
    chats, replies, channel_posts, chats_broadcast, chat_ext_sender = db.one(_chat_events_sql(params), email_values)
    (chat_ext,) = db.one(
        f"SELECT round(coalesce(sum(1.0::DOUBLE / k), 0), {ROUND}) "
        + _chat_sql(params, "(sender_idx IS NULL) <> (pidx IS NULL)"),
        email_values,
    )
    (reply_ext,) = db.one(
        "SELECT count(*) " + _chat_reply_sql(params, "(sender_idx IS NULL) <> (thread_author_idx IS NULL)"), values
    )
    ties, ties_external, ties_ext_weight = db.one(
        f"SELECT count(*), count(*) FILTER (WHERE source_idx IS NULL OR target_idx IS NULL), "
        f"round(coalesce(sum(weight) FILTER (WHERE (source_idx IS NULL) <> (target_idx IS NULL)), 0), {ROUND}) "
        + _ties_sql(params, "true"),
        values,
    )
    coefficients = {
        "email_weight": params.email_weight,
        "meeting_weight": params.meeting_weight,
        "ticket_weight": params.ticket_weight,
        "chat_weight": params.chat_weight,
        "ties_weight": params.ties_weight,
    }
    db.run(_weekly_sql(params), email_values)
    db.run(_PAIRS_SQL, {**coefficients, "min_weight": params.min_weight})
    pairs = db.arrow(_PAIRS_OUT_SQL, {})
    by_week = db.arrow(_WEEKLY_OUT_SQL, coefficients) if weekly else None
    ids = db.arrow("SELECT person_id FROM people WHERE ds = $ds ORDER BY pidx", {"ds": ds})
    order = ids.column(0).combine_chunks()
    db.drop(TEMP_TABLES)
    table = pa.table(
        {
            "a": order.take(pairs.column("a")),
            "b": order.take(pairs.column("b")),
            **{c: pairs.column(c) for c in ("email", "meeting", "ticket", "chat", "ties", "handoffs", "weight")},
        }
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
        "chats": chats,
        "chat_replies": replies,
        "chats_broadcast": chats_broadcast,
        "chat_channel_posts": channel_posts,
        "chats_external_sender": chat_ext_sender,
        "ties": ties,
        "ties_external": ties_external,
    }
    external = {
        "email": float(email_ext),
        "meeting": float(meeting_ext),
        "ticket": float(handoffs_ext),
        "chat": round(float(chat_ext) + float(reply_ext), ROUND),
        "ties": float(ties_ext_weight),
    }
    return PairWeights(
        table=table.cast(PAIR_SCHEMA),
        events={k: int(v) for k, v in events.items()},
        external=external,
        weekly=by_week,
    )
