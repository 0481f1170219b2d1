"""Ticket histories of the ticket kinds (jira, servicenow, zendesk, github) -> ``tickets`` and ``group_handoffs``.

Input: the field changes that a kind's parser read from its export
(:class:`Changes`: ticket, time, field, old value, new value, with the
source and position of each), the accounts that turn the export's ids into
addresses (:class:`Accounts`) and the names of assignment groups. Output:
batches of ona's ``tickets`` table (``ticket_id, timestamp, assignee,
status``: the assignment history, DESIGN.md) and of ``group_handoffs``
(``ticket_id, timestamp, from_group, to_group``) handed to a
:class:`~ona.io.imports.base.Sink`, with the drops counted in each source's
:class:`~ona.io.imports.base.SourceReport`.

Everything after parsing is SQL over the whole set of changes (DuckDB
window functions, no loop over rows):

- **times**: text parsed as ISO 8601 (an offset such as ``+0100`` or ``Z``
  honoured; none means UTC). A change whose time cannot be read is
  ``unparseable`` (its position listed).
- **duplicates**: changes with the same ticket, field, time, old and new
  value count once (the same audit row exported twice, the same Jira
  history in a search page and in a changelog page): ``duplicate``.
- **assignment history**: a ticket's assignee changes in time order. Each
  change writes a row for its new assignee; its old assignee gets a row
  too when it is not the holder the rows already name (the first change:
  the initial assignee, dated at the ticket's creation when known; or after
  a gap in a truncated history), so the initial assignee counts as the
  first holder. A change to nobody writes nothing (``unassigned``): a
  ticket unassigned and then given to someone else is one handoff.
- **accounts**: ids are looked up in the accounts (the users export, and a
  people column named with ``--map jira_account_id=COLUMN`` and the like:
  :func:`add_people_accounts`); an id that is not listed is
  ``unknown_account`` (its row is not written; the ids are listed in the
  report's notes), an account marked as a bot or app is ``bot``.
- **status**: status changes write a row repeating the holder with the new
  status (not a handoff: the handoff analytics use it to close the last
  stay); every row carries the status in effect. A row that repeats the
  holder and status of the row before it (a status change while nobody
  holds the ticket, a holder given back after an unknown account or a bot)
  is not written.
- **groups**: assignment-group changes from one group to another are
  written to ``group_handoffs`` (a handoff between groups with no person);
  group ids are named through the groups export when one is given.
- **window**: rows outside ``--since`` / ``--until`` are ``outside_window``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ona.errors import DatasetError
from ona.io.imports.base import ACCOUNT_TARGETS, ImportOptions, Sink, SourceReport

#: The tickets table as the ticket kinds write it.
TICKETS_SCHEMA = pa.schema(
    [("ticket_id", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC")), ("assignee", pa.string()),
     ("status", pa.string())]
)  # fmt: skip

#: The group_handoffs table (assignment-group changes).
GROUP_HANDOFFS_SCHEMA = pa.schema(
    [("ticket_id", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC")), ("from_group", pa.string()),
     ("to_group", pa.string())]
)  # fmt: skip

#: Notes listed per source about unknown ids (the count in ``dropped`` is always exact).
UNKNOWN_LISTED = 20

#: Fields a change may be about.
FIELDS = ("assignee", "group", "status")


def text(value: Any) -> str | None:
    """A JSON scalar as trimmed text (numbers as their digits); None for null, empty, lists and objects."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    out = str(value).strip()
    return out or None


@dataclass
class Changes:
    """Field changes read from the sources, one column per list (appended per change)."""

    src: list[int] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    position: list[str] = field(default_factory=list)
    ticket_id: list[str] = field(default_factory=list)
    ts: list[str | None] = field(default_factory=list)
    created: list[str | None] = field(default_factory=list)
    field_: list[str] = field(default_factory=list)
    old: list[str | None] = field(default_factory=list)
    new: list[str | None] = field(default_factory=list)
    #: ticket -> its creation time, for changes read before the ticket's own record (a page before the search result)
    created_of: dict[str, str] = field(default_factory=dict)
    #: changes given whole, as Arrow tables (flat exports read without a Python loop over rows)
    tables: list[pa.Table] = field(default_factory=list)

    def add(
        self,
        report: SourceReport,
        src: int,
        position: str,
        ticket_id: str,
        ts: str | None,
        what: str,
        old: Any,
        new: Any,
        created: str | None = None,
    ) -> None:
        """Record one change of ``what`` (a key of FIELDS) and count it as a record of ``report``."""
        self.src.append(src)
        self.pos.append(len(self.pos))
        self.position.append(position)
        self.ticket_id.append(ticket_id)
        self.ts.append(ts)
        self.created.append(created)
        self.field_.append(what)
        self.old.append(text(old))
        self.new.append(text(new))
        report.records_read += 1

    def extend(self, report: SourceReport, src: int, table: pa.Table) -> None:
        """Record the changes of a flat table (``position, ticket_id, ts_text, field, old, new``: text columns)."""
        n = table.num_rows
        start = len(self.pos) + sum(t.num_rows for t in self.tables)
        cols = {name: table.column(name).cast(pa.string()) for name in ("position", "ticket_id", "ts_text", "field")}
        blank = {name: pc.if_else(pc.equal(pc.utf8_trim_whitespace(table.column(name).cast(pa.string())), ""),
                                  pa.scalar(None, pa.string()), pc.utf8_trim_whitespace(table.column(name).cast(pa.string())))
                 for name in ("old", "new")}  # fmt: skip
        self.tables.append(pa.table({
            "src": pa.repeat(pa.scalar(src, pa.int32()), n),
            "pos": pa.array(range(start, start + n), pa.int64()),
            "position": cols["position"], "ticket_id": cols["ticket_id"], "ts_text": cols["ts_text"],
            "created": pa.nulls(n, pa.string()), "field": cols["field"], "old": blank["old"], "new": blank["new"],
        }))  # fmt: skip
        report.records_read += n

    def table(self) -> pa.Table:
        created = [c if c is not None else self.created_of.get(t) for c, t in zip(self.created, self.ticket_id, strict=True)]
        listed = pa.table(
            {
                "src": pa.array(self.src, pa.int32()), "pos": pa.array(self.pos, pa.int64()),
                "position": pa.array(self.position, pa.string()), "ticket_id": pa.array(self.ticket_id, pa.string()),
                "ts_text": pa.array(self.ts, pa.string()), "created": pa.array(created, pa.string()),
                "field": pa.array(self.field_, pa.string()), "old": pa.array(self.old, pa.string()),
                "new": pa.array(self.new, pa.string()),
            }
        )  # fmt: skip
        return pa.concat_tables([*self.tables, listed]) if self.tables else listed


@dataclass
class Accounts:
    """The export's account ids -> address, and whether the account is a bot (an app, an integration)."""

    ids: dict[str, tuple[str | None, bool]] = field(default_factory=dict)

    def add(self, account_id: Any, email: Any, bot: bool = False) -> None:
        key = text(account_id)
        if key is None:
            return
        address = text(email)
        self.ids[key] = (address.lower() if address else None, bot)

    def table(self) -> pa.Table:
        return pa.table(
            {
                "id": pa.array(list(self.ids), pa.string()),
                "email": pa.array([v[0] for v in self.ids.values()], pa.string()),
                "bot": pa.array([v[1] for v in self.ids.values()], pa.bool_()),
            }
        )


# ------------------------------------------------------------------ reading JSON


def load_json(path: Path) -> Any:
    """The JSON document of ``path`` (or a list of its objects, for JSON lines).

    Raises
    ------
    DatasetError
        Naming the file: a folder, an empty file, not UTF-8, not JSON.
    """
    if path.is_dir():
        raise DatasetError(path.name, "is a folder: give the exported JSON files")
    raw = path.read_bytes()
    if not raw.strip():
        raise DatasetError(path.name, "the file is empty")
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(path.name, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) > 1 and lines[0].lstrip().startswith("{"):
            try:
                return [json.loads(line) for line in lines]  # JSON lines
            except json.JSONDecodeError:
                pass
        raise DatasetError(path.name, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def head(path: Path, size: int = 1 << 16) -> str:
    """The first ``size`` bytes of a file as text (for recognizers); empty for folders."""
    if not path.is_file():
        return ""
    with path.open("rb") as f:
        return f.read(size).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")


# ------------------------------------------------------------------ the SQL


@contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'; SET enable_progress_bar = false")
        yield con
    finally:
        con.close()


_PREPARE = """
CREATE TEMP TABLE c AS SELECT *, try_cast(ts_text AS TIMESTAMPTZ) AS ts FROM changes_in;
CREATE TEMP TABLE d AS
SELECT *, row_number() OVER (PARTITION BY ticket_id, field, ts, old, new ORDER BY src, pos) > 1 AS dup
FROM c WHERE ts IS NOT NULL;
CREATE TEMP TABLE a AS
SELECT *, lag(new) OVER w AS prev_new, row_number() OVER w AS k
FROM d WHERE NOT dup AND field = 'assignee'
WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, src, pos);
CREATE TEMP TABLE cand AS
WITH x AS (
    SELECT src, pos, ticket_id,
           CASE WHEN k = 1 THEN least(coalesce(try_cast(created AS TIMESTAMPTZ), ts), ts) ELSE ts END AS ts,
           0 AS step, old AS who
    FROM a WHERE old IS NOT NULL AND old IS DISTINCT FROM prev_new
    UNION ALL
    SELECT src, pos, ticket_id, ts, 1 AS step, new AS who FROM a WHERE new IS NOT NULL
)
SELECT x.*, u.email, coalesce(u.bot, false) AS bot,
       u.id IS NULL OR (u.email IS NULL AND NOT coalesce(u.bot, false)) AS unknown,
       CASE WHEN u.id IS NULL THEN 'not in the users export' ELSE 'listed without an email address' END AS why
FROM x LEFT JOIN accounts u ON u.id = x.who;
CREATE TEMP TABLE stream AS
WITH s AS (
    SELECT ticket_id, ts, src, pos, step, email AS holder, NULL::VARCHAR AS status FROM cand
    WHERE NOT unknown AND NOT bot AND email IS NOT NULL
    UNION ALL
    SELECT ticket_id, ts, src, pos, -1 AS step, NULL, new FROM d WHERE NOT dup AND field = 'status' AND new IS NOT NULL
), o AS (
    SELECT *,
           last_value(holder IGNORE NULLS) OVER w AS who,
           last_value(status IGNORE NULLS) OVER w AS status_now
    FROM s WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, step, src, pos
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), e AS (
    SELECT * FROM o WHERE who IS NOT NULL
), f AS (
    SELECT *, lag(who) OVER w AS prev_who, lag(status_now) OVER w AS prev_status, row_number() OVER w AS rn
    FROM e WINDOW w AS (PARTITION BY ticket_id ORDER BY ts, step, src, pos)
)
SELECT ticket_id, ts, src, pos, step, who, status_now FROM f
WHERE rn = 1 OR who IS DISTINCT FROM prev_who OR status_now IS DISTINCT FROM prev_status;
"""


def _window(column: str, options: ImportOptions) -> tuple[str, list[Any]]:
    parts, values = [], []
    if options.since is not None:
        parts.append(f"{column} >= ?")
        values.append(options.since)
    if options.until is not None:
        parts.append(f"{column} < ?")
        values.append(options.until)
    return (" AND ".join(parts) or "true"), values


def _by_src(con: duckdb.DuckDBPyConnection, sql: str, values: list[Any] | None = None) -> dict[int, int]:
    return {int(s): int(n) for s, n in con.execute(sql, values or []).fetchall()}


def write_history(
    changes: Changes,
    accounts: Accounts,
    reports: list[SourceReport],
    options: ImportOptions,
    sink: Sink,
    *,
    groups: dict[str, str] | None = None,
    id_name: str = "account id",
) -> None:
    """Turn ``changes`` into ``tickets`` and ``group_handoffs`` batches (rules in the module docstring).

    Parameters
    ----------
    changes : Changes
        Every change the parser read (``src`` indexes ``reports``).
    accounts : Accounts
        Account id -> address and bot flag.
    reports : list of SourceReport
        One per source; drops, notes and rows written are counted here.
    options : ImportOptions
        ``since`` / ``until`` keep the rows inside the window.
    sink : Sink
        Receives the ``tickets`` and ``group_handoffs`` tables.
    groups : dict of str to str, optional
        Group id -> group name (ids are kept when a group is not named).
    id_name : str
        What the ids are called in the notes ("account id", "sys_id", "user id").
    """
    with _connection() as con:
        con.register("changes_in", changes.table())
        con.register("accounts", accounts.table())
        group_table = pa.table({"gid": pa.array(list(groups or {}), pa.string()),
                                "gname": pa.array(list((groups or {}).values()), pa.string())})  # fmt: skip
        con.register("group_names", group_table)
        con.execute(_PREPARE)
        for src, position, ts in con.execute(
            "SELECT src, position, ts_text FROM c WHERE ts IS NULL ORDER BY src, pos"
        ).fetchall():
            reports[src].bad(position, "the time is missing" if ts is None else f"the time '{ts}' is not ISO 8601")
        for reason, sql in (
            ("duplicate", "SELECT src, count(*) FROM d WHERE dup GROUP BY src"),
            ("unassigned", "SELECT src, count(*) FROM a WHERE new IS NULL GROUP BY src"),
            ("unknown_account", "SELECT src, count(*) FROM cand WHERE unknown GROUP BY src"),
            ("bot", "SELECT src, count(*) FROM cand WHERE NOT unknown AND bot GROUP BY src"),
        ):
            for src, n in _by_src(con, sql).items():
                reports[src].drop(reason, n)
        for src, who, why, n in con.execute(
            "SELECT src, who, why, count(*) FROM cand WHERE unknown GROUP BY ALL ORDER BY src, count(*) DESC, who"
        ).fetchall():
            listed = sum(1 for note in reports[src].notes if note.startswith("unknown "))
            if listed < UNKNOWN_LISTED:
                reports[src].note(f"unknown {id_name} '{who}' ({n} assignment{'s' if n > 1 else ''} left out): {why}")
        where, values = _window("ts", options)
        for src, n in _by_src(con, f"SELECT src, count(*) FROM stream WHERE NOT ({where}) GROUP BY src", values).items():
            reports[src].drop("outside_window", n)
        tickets = con.sql(
            f"""SELECT ticket_id, ts::TIMESTAMPTZ AS "timestamp", who AS assignee, status_now AS status, src
                FROM stream WHERE {where} ORDER BY ticket_id, ts, step, src, pos""",
            params=values,
        ).to_arrow_table()
        handoffs = con.sql(
            f"""SELECT d.ticket_id, d.ts AS "timestamp", coalesce(go.gname, d.old) AS from_group,
                       coalesce(gn.gname, d.new) AS to_group, d.src
                FROM d LEFT JOIN group_names go ON go.gid = d.old LEFT JOIN group_names gn ON gn.gid = d.new
                WHERE NOT d.dup AND d.field = 'group' AND d.old IS NOT NULL AND d.new IS NOT NULL
                      AND d.old <> d.new AND {_window("d.ts", options)[0]}
                ORDER BY d.ticket_id, d.ts, d.src, d.pos""",
            params=values,
        ).to_arrow_table()
    for name, table, schema in (("tickets", tickets, TICKETS_SCHEMA), ("group_handoffs", handoffs, GROUP_HANDOFFS_SCHEMA)):
        if table.num_rows == 0:
            continue
        for src, n in _counts(table.column("src")).items():
            reports[src].wrote(name, n)
        sink.write(name, table.drop_columns(["src"]).cast(schema))


def _counts(column: pa.ChunkedArray) -> dict[int, int]:
    counts = column.value_counts()
    return {int(v["values"]): int(v["counts"]) for v in counts.to_pylist()}


def add_people_accounts(accounts: Accounts, options: ImportOptions, kind: str) -> None:
    """Add the account ids that a people column gives (``--map jira_account_id=COLUMN``) to ``accounts``.

    Each id then names its person (by person_id, which the dataset reader
    resolves like an address); an id the users export lists too is taken
    from the people file. An id in neither stays ``unknown_account``.
    """
    for account, person in options.account_ids.get(ACCOUNT_TARGETS[kind], {}).items():
        accounts.add(account, person)


def require_accounts(accounts: Accounts, sources: list[Path], what: str) -> None:
    """Refuse an import whose changes name accounts by id when neither a users export nor a people column gives them."""
    if not accounts.ids:
        names = ", ".join(p.name for p in sources[:3]) + (", ..." if len(sources) > 3 else "")
        raise DatasetError(names, f"no users export among the sources: {what}")


__all__ = ["Accounts", "Changes", "add_people_accounts", "GROUP_HANDOFFS_SCHEMA", "TICKETS_SCHEMA", "load_json", "text", "write_history"]
