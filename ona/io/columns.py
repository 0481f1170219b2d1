"""Column maps: read an HR system's people export without renaming its columns.

Input: ``target=Source`` texts (``--map person_id="Employee ID"``, the API's
``map`` field) or a mapping, and a :class:`~ona.io.raw.RawTable`. Output:
the mapping (:func:`parse_map`) and the raw table with its columns renamed
(:func:`apply_map`), before any validation, so that every rule of
:mod:`ona.io.people` applies to the mapped columns as to named ones.

Rules:

- ``target`` is the name ona expects (``person_id``, ``department``,
  ``email``, or any attribute name such as ``team``); ``Source`` is the
  file's column, matched like every column name (trimmed,
  case-insensitive);
- a source column the people file lacks is an error naming the file, the
  column and the columns found; in ``people_history`` such a mapping is
  skipped (a history export may hold fewer columns; its required columns
  are still checked);
- a column of the file already called like a target (a ``Department``
  column while ``department`` is mapped to ``Org Unit``) is kept as an
  attribute named ``Department (unmapped)``;
- one source may feed several targets (``person_id`` and ``email`` from
  ``Work Email``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa

from ona.errors import DatasetError, ParameterError
from ona.io.raw import RawTable

#: Tables a column map applies to (see the module docstring).
MAPPED_TABLES = ("people", "people_history")


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """``["person_id=Employee ID", ...]`` -> ``{"person_id": "Employee ID", ...}``.

    Surrounding quotes and spaces of either side are removed.

    Raises
    ------
    ParameterError
        An item without ``=``, with an empty side, or a target given twice.

    Examples
    --------
    >>> parse_map(['person_id="Employee ID"', "department = Org Unit"])
    {'person_id': 'Employee ID', 'department': 'Org Unit'}
    """
    out: dict[str, str] = {}
    for item in items:
        target, sep, source = item.partition("=")
        target, source = target.strip().strip("'\""), source.strip().strip("'\"").strip()
        if not sep or not target or not source:
            raise ParameterError("map", f"'{item}' is not TARGET=COLUMN (e.g. person_id=\"Employee ID\")")
        if target.casefold() in {t.casefold() for t in out}:
            raise ParameterError("map", f"'{target}' is mapped twice")
        out[target] = source
    return out


def apply_map(raw: RawTable, mapping: Mapping[str, str], *, required: bool = True) -> RawTable:
    """``raw`` with the mapped columns renamed to their targets (see the module docstring).

    Parameters
    ----------
    raw : RawTable
    mapping : mapping of str to str
        Target name -> the file's column.
    required : bool
        Whether a missing source column is an error (people) or skipped
        (people_history).

    Raises
    ------
    DatasetError
        A source column the file lacks (when ``required``).

    Examples
    --------
    >>> from ona.io.raw import keep_named
    >>> t = pa.table({"c0": ["e1"], "c1": ["HR"], "line": [2]})
    >>> raw = apply_map(keep_named("hr.csv", "csv", ["Employee ID", "Org Unit"], t, 1),
    ...                 {"person_id": "Employee ID", "department": "org unit"})
    >>> raw.names
    ['person_id', 'department']
    >>> apply_map(raw, {"email": "Work Email"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ona.errors.DatasetError: hr.csv: column map email="Work Email": the file has no column 'Work Email' (columns found: ...
    """
    if not mapping:
        return raw
    names = list(raw.names)
    columns = {f"c{i}": raw.table.column(f"c{i}") for i in range(len(names))}
    folded = [n.casefold() for n in names]
    renamed: dict[int, str] = {}
    for target, source in mapping.items():
        try:
            index = folded.index(source.strip().casefold())
        except ValueError:
            if not required:
                continue
            raise DatasetError(
                raw.file, f'column map {target}="{source}": the file has no column \'{source}\' ({raw.found()})'
            ) from None
        if index in renamed:  # one source, several targets: a copy of the column
            columns[f"c{len(names)}"] = columns[f"c{index}"]
            names.append(target)
            folded.append(source.casefold())
            renamed[len(names) - 1] = target
        else:
            renamed[index] = target
    targets = {t.casefold() for t in renamed.values()}
    for i, name in enumerate(names):
        if i in renamed:
            names[i] = renamed[i]
        elif name.casefold() in targets:
            names[i] = f"{name} (unmapped)"
    table = pa.table({**columns, "line": raw.table.column("line")})
    return RawTable(file=raw.file, format=raw.format, names=names, table=table,
                    rows_read=raw.rows_read, rejects=raw.rejects)  # fmt: skip


def write_mapped_people(path: Path, mapping: Mapping[str, str], folder: Path) -> Path:
    """The people file ``path`` with its columns renamed by ``mapping``, as ``folder/people.parquet``.

    For ``ona import --people FILE --map ...``: the dataset folder then holds
    people with ona's column names (every value kept as text).

    Raises
    ------
    DatasetError
        The file is unreadable, or a mapped column is missing (see :func:`apply_map`).
    """
    import pyarrow.parquet as pq

    from ona.io.readers import format_of, read_raw

    raw = apply_map(read_raw(path, path.name, format_of(path, path.name)), mapping)
    out = folder / "people.parquet"
    pq.write_table(pa.table({name: raw.table.column(f"c{i}") for i, name in enumerate(raw.names)}), out)
    return out


def account_ids(path: Path, mapping: Mapping[str, str], targets: Iterable[str]) -> dict[str, dict[str, str]]:
    """Account ids held in columns of a people file: target -> account id -> person_id.

    For ``ona import jira ... --people FILE --map jira_account_id="Atlassian
    ID"``: the targets (``jira_account_id``, ``servicenow_sys_id``,
    ``zendesk_user_id``, ``github_login``; see
    :data:`ona.io.imports.base.ACCOUNT_TARGETS`) name no people column but
    the column where the importer finds each person's account id. ``mapping``
    holds them with the rest of the map (``person_id="Employee ID"``), so the
    person_id is the mapped one. Ids and person_ids are trimmed; a row with
    either empty is skipped.

    Raises
    ------
    DatasetError
        The file is unreadable, a mapped column is missing (naming it, see
        :func:`apply_map`), the file has no person_id, or one account id is
        in the rows of two people.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "hr.csv").write_text("Employee ID,Org Unit,Atlassian ID\\ne1,HR,5b10a2844c20165700ede21g\\ne2,IT,\\n")
    >>> account_ids(folder / "hr.csv", {"person_id": "Employee ID", "jira_account_id": "Atlassian ID"},
    ...             ["jira_account_id"])
    {'jira_account_id': {'5b10a2844c20165700ede21g': 'e1'}}
    """
    from ona.io.readers import format_of, read_raw

    targets = [t for t in targets if t in mapping]
    raw = apply_map(read_raw(path, path.name, format_of(path, path.name)), mapping)
    folded = [n.casefold() for n in raw.names]
    if "person_id" not in folded:
        raise DatasetError(raw.file, f"no person_id column to give the account ids' people ({raw.found()})")
    people = raw.table.column(f"c{folded.index('person_id')}").to_pylist()
    out: dict[str, dict[str, str]] = {}
    for target in targets:
        ids = raw.table.column(f"c{folded.index(target.casefold())}").to_pylist()
        found: dict[str, str] = {}
        for account, person in zip(ids, people, strict=True):
            account, person = (account or "").strip(), (person or "").strip()
            if not account or not person:
                continue
            if found.setdefault(account, person) != person:
                raise DatasetError(
                    raw.file, f"{target} '{account}' is in column '{mapping[target]}' of two people "
                    f"({found[account]} and {person})"
                )
        out[target] = found
    return out
