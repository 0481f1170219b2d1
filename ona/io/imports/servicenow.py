"""ServiceNow ``sys_audit`` exports -> ``tickets`` and ``group_handoffs``.

Input, each as CSV (a list view's Export > CSV) or JSON (Export > JSON,
``{"records": [...]}``, or the Table API, ``GET /api/now/table/sys_audit``,
``{"result": [...]}``), recognized by their columns:

- **sys_audit** (``tablename, fieldname, documentkey, oldvalue, newvalue,
  sys_created_on``): the rows whose ``fieldname`` is ``assigned_to`` (the
  assignee), ``assignment_group`` (the group) or ``state`` are read;
  reference fields hold sys_ids. ``sys_created_on`` is UTC
  (``2024-03-04 09:00:00``), as the audit table stores it. The ticket is
  the ``documentkey`` (the record's sys_id) unless a task export names it.
- **sys_user** (``sys_id, email[, user_name]``): turns sys_ids into
  addresses (required; a user without email is an unknown account).
- **sys_user_group** (``sys_id, name``), optional: names the groups.
- **a task export** (``sys_id, number``, e.g. the incident list), optional:
  the ticket id becomes its number (``INC0010001``).

``state`` values are the task choice numbers, named for the handoff
analytics (incident: 1 New, 2 In Progress, 3 On Hold, 6 Resolved,
7 Closed, 8 Canceled; other task tables: 3 Closed Complete, 4 Closed
Incomplete, 7 Closed Skipped); a label already in words is kept.

Assignment-group changes are handoffs between groups with no person: they
go to the ``group_handoffs`` table (ticket_id, timestamp, from_group,
to_group). A group change alone (the assignee unchanged or emptied)
writes no ``tickets`` row.

Dropped (see :mod:`ona.io.imports.tickets`): ``duplicate`` (the same audit
row exported twice), ``unknown_account``, ``unassigned``,
``outside_window``, ``unparseable`` (a row with no readable
``sys_created_on``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from ona.errors import DatasetError
from ona.io.imports.base import ImportOptions, Sink, SourceReport
from ona.io.imports.tickets import Accounts, Changes, add_people_accounts, head, load_json, require_accounts, write_history

KIND = "servicenow"

AUDIT_COLUMNS = ("tablename", "fieldname", "documentkey", "oldvalue", "newvalue", "sys_created_on")
FIELDS = {"assigned_to": "assignee", "assignment_group": "group", "state": "status"}
INCIDENT_STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
TASK_STATES = {"-5": "Pending", "1": "Open", "2": "Work in Progress", "3": "Closed Complete",
               "4": "Closed Incomplete", "7": "Closed Skipped"}  # fmt: skip


def _names(path: Path) -> set[str]:
    start = head(path)
    if start.startswith(("{", "[")):
        return {n for n in AUDIT_COLUMNS + ("sys_id", "email", "user_name", "name", "number") if f'"{n}"' in start}
    first = start.splitlines()[:1]
    return {n.strip().strip('"').lower() for n in first[0].split(",")} if first else set()


def looks_like_servicenow(path: Path) -> bool:
    """True for a sys_audit export (CSV or JSON), or a sys_user, sys_user_group or task export (sys_id)."""
    if not path.is_file():
        return False
    names = _names(path)
    return {"fieldname", "documentkey", "newvalue"} <= names or "sys_id" in names


def _read_table(path: Path) -> pa.Table:
    """The rows of a CSV or JSON export as a table of text columns (names lower-cased)."""
    if head(path).startswith(("{", "[")):
        doc = load_json(path)
        records = doc.get("records", doc.get("result")) if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            raise DatasetError(path.name, 'not a ServiceNow export: expected {"records": [...]} or {"result": [...]}')
        rows = [{k.lower(): _value(v) for k, v in r.items()} for r in records if isinstance(r, dict)]
        return pa.Table.from_pylist(rows) if rows else pa.table({})
    if path.is_dir():
        raise DatasetError(path.name, "is a folder: give the exported CSV or JSON files")
    try:
        table = pv.read_csv(path, read_options=pv.ReadOptions(encoding="utf-8"),
                            convert_options=pv.ConvertOptions(strings_can_be_null=False),
                            parse_options=pv.ParseOptions(newlines_in_values=True))  # fmt: skip
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path.name, f"the CSV cannot be read: {exc}") from exc
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    return pa.table({c: table.column(c).cast(pa.string()) for c in table.column_names})


def _value(v: Any) -> Any:
    # the Table API with sysparm_display_value=all writes {"value": ..., "display_value": ...}; links as {"value", "link"}
    if isinstance(v, dict):
        return None if v.get("value") is None else str(v.get("value"))
    return None if v is None else str(v)


def import_servicenow(sources: Sequence[Path], options: ImportOptions, sink: Sink) -> list[SourceReport]:
    """Import sys_audit, sys_user (and optionally sys_user_group and task) exports.

    Parameters
    ----------
    sources : sequence of pathlib.Path
        The exported files, in any order (recognized by their columns).
    options : ImportOptions
        ``since`` / ``until`` limit the rows kept.
    sink : Sink
        Receives ``tickets`` and ``group_handoffs`` batches.

    Returns
    -------
    list of SourceReport
        One per source: audit rows read (assignee, group and state),
        rows written per table, rows dropped by reason.

    Raises
    ------
    DatasetError
        A file that is not JSON / CSV or not one of the four exports (named),
        or no sys_user export.
    """
    reports = [SourceReport(source=p.name, kind=KIND) for p in sources]
    changes, accounts = Changes(), Accounts()
    groups: dict[str, str] = {}
    numbers: dict[str, str] = {}
    audits: list[tuple[int, pa.Table]] = []
    for i, path in enumerate(sources):
        table = _read_table(path)
        names = set(table.column_names)
        if set(AUDIT_COLUMNS) - {"tablename"} <= names:
            audits.append((i, table))
        elif {"sys_id", "email"} <= names or {"sys_id", "user_name"} <= names:
            for sid, email in zip(table.column("sys_id").to_pylist(),
                                  (table.column("email") if "email" in names else pa.nulls(table.num_rows)).to_pylist(),
                                  strict=True):  # fmt: skip
                accounts.add(sid, email)
        elif {"sys_id", "number"} <= names:
            numbers.update(zip(table.column("sys_id").to_pylist(), table.column("number").to_pylist(), strict=True))
        elif {"sys_id", "name"} <= names:
            groups.update(zip(table.column("sys_id").to_pylist(), table.column("name").to_pylist(), strict=True))
        else:
            found = ", ".join(sorted(names)[:12]) or "none"
            raise DatasetError(path.name, "not a ServiceNow export: expected sys_audit (fieldname, documentkey, "
                               "oldvalue, newvalue, sys_created_on), sys_user (sys_id, email), sys_user_group "
                               f"(sys_id, name) or a task list (sys_id, number); columns found: {found}")  # fmt: skip
    for i, table in audits:
        changes.extend(reports[i], i, _audit_changes(table, numbers))
    add_people_accounts(accounts, options, KIND)
    require_accounts(accounts, list(sources), "sys_audit names people by sys_id; add the sys_user export "
                     "(sys_id, email) as one more source")  # fmt: skip
    write_history(changes, accounts, reports, options, sink, groups=groups, id_name="sys_id")
    return reports


def _audit_changes(table: pa.Table, numbers: dict[str, str]) -> pa.Table:
    """The assignee, group and state rows of a sys_audit table as changes (Arrow compute, no row loop)."""
    fieldname = pc.utf8_lower(pc.utf8_trim_whitespace(table.column("fieldname")))
    keep = pc.is_in(fieldname, value_set=pa.array(list(FIELDS)))
    rows = table.filter(keep)
    fieldname = fieldname.filter(keep)
    what = fieldname
    for name, mapped in FIELDS.items():
        what = pc.if_else(pc.equal(fieldname, name), mapped, what)
    key = pc.utf8_trim_whitespace(rows.column("documentkey"))
    if numbers:
        named = pc.take(pa.array(list(numbers.values()), pa.string()), pc.index_in(key, value_set=pa.array(list(numbers), pa.string())))
        key = pc.coalesce(named, key)
    tablename = rows.column("tablename") if "tablename" in rows.column_names else pa.nulls(rows.num_rows, pa.string())
    old, new = rows.column("oldvalue"), rows.column("newvalue")
    is_state = pc.equal(what, "status")
    incident = pc.equal(pc.utf8_lower(pc.fill_null(tablename, "")), "incident")
    old, new = (_state_names(col, is_state, incident) for col in (old, new))
    ordinal = pa.array(range(1, table.num_rows + 1), pa.int64()).filter(keep)
    return pa.table({
        "position": pc.binary_join_element_wise("row ", pc.cast(ordinal, pa.string()), ""),
        "ticket_id": key, "ts_text": rows.column("sys_created_on"), "field": what, "old": old, "new": new,
    })  # fmt: skip


def _state_names(col: pa.ChunkedArray, is_state: pa.Array, incident: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
    out = trimmed
    for codes, where in ((TASK_STATES, pc.invert(incident)), (INCIDENT_STATES, incident)):
        named = pc.take(pa.array(list(codes.values()), pa.string()),
                        pc.index_in(trimmed, value_set=pa.array(list(codes), pa.string())))  # fmt: skip
        out = pc.if_else(pc.and_(pc.and_(is_state, where), pc.is_valid(named)), named, out)
    return out


__all__ = ["import_servicenow", "looks_like_servicenow"]
