"""What a user says about an import -> :class:`~ona.io.imports.base.ImportOptions` and the people file to copy.

Input: the options of ``ona import`` (and of an API upload with a ``kind``,
which takes the same ones): a people file or none, a column map
(``TARGET=Column`` pairs), internal mail domains, a time window, whether
chat channel posts are kept, the tie lists' group column and tie score.
Output: the :class:`ImportOptions` that :func:`ona.io.imports.import_export`
takes, and the people file it should copy in (the given file, or a copy
with its columns renamed by the map).

Two steps, so that a face can check what needs no file before it reads
any (the API checks in the server, then reads the people file in the
upload's child process):

1. :func:`import_request` checks and normalizes the values and returns an
   :class:`ImportRequest` (plain data: it can cross to another process);
2. :func:`resolve_request` reads the people file for what the map asks:
   account id columns (``jira_account_id``, ``servicenow_sys_id``,
   ``zendesk_user_id``, ``github_login``: :data:`~ona.io.imports.base.ACCOUNT_TARGETS`)
   become :attr:`ImportOptions.account_ids`; the other targets rename the
   people file's columns (:func:`ona.io.columns.write_mapped_people`).

:func:`import_options` does both. A bad value raises
:class:`~ona.errors.ParameterError` whose ``field`` is the option's name as
the API's form names it (``since``, ``until``, ``internal_domain``,
``tie_score``, ``group_column``, ``map``); the CLI adds its dashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from ona.errors import ParameterError
from ona.io.imports.base import ACCOUNT_TARGETS, ImportOptions

#: The tie scores of a Viva person-to-person query (``tie_score``).
TIE_SCORES: tuple[str, ...] = ("strong", "diverse")

#: Characters no mail domain holds (a pasted address list or URL is refused rather than matched against nothing).
_NOT_IN_DOMAIN = re.compile(r"[\s@/\\,;:<>\"']")


@dataclass(frozen=True)
class ImportRequest:
    """The checked options of one import, before any file is read.

    Attributes
    ----------
    since, until : datetime or None
        The window, tz-aware UTC; ``since < until`` when both are given.
    internal_domains : tuple of str
        Lower-case, without ``@``, sorted, no duplicates.
    chat_channel_posts : bool
    group_column : str or None
        None when not given (or blank).
    tie_score : str
        One of :data:`TIE_SCORES`.
    column_map : dict of str to str
        The whole map, ``TARGET -> people file column`` (account id targets included).
    """

    since: datetime | None = None
    until: datetime | None = None
    internal_domains: tuple[str, ...] = ()
    chat_channel_posts: bool = False
    group_column: str | None = None
    tie_score: str = "strong"
    column_map: Mapping[str, str] = field(default_factory=dict)


def parse_when(option: str, value: str | datetime | None) -> datetime | None:
    """An ISO 8601 date or time (or a datetime) as tz-aware UTC; a value without offset is UTC.

    Raises
    ------
    ParameterError
        ``value`` is not ISO 8601 (``field`` is ``option``).

    Examples
    --------
    >>> parse_when("since", "2024-03-01")
    datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_when("until", "2024-03-01T09:00+01:00").isoformat()
    '2024-03-01T08:00:00+00:00'
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ParameterError(
                option, f"'{value}' is not an ISO 8601 date or time (e.g. 2024-03-01 or 2024-03-01T08:00Z)"
            ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def import_request(
    *,
    column_map: Mapping[str, str] | None = None,
    internal_domains: Iterable[str] = (),
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    chat_channel_posts: bool = False,
    group_column: str | None = None,
    tie_score: str = "strong",
) -> ImportRequest:
    """Check and normalize an import's options (no file is read).

    Parameters
    ----------
    column_map : mapping of str to str, optional
        ``TARGET -> Column`` of the people file (as :func:`ona.io.columns.parse_map` returns it).
    internal_domains : iterable of str
        Mail domains; trimmed, lower-cased, a leading ``@`` dropped, blanks skipped.
    since, until : str or datetime, optional
        The window: events at or after ``since`` and before ``until`` are kept
        (ISO 8601 text or a datetime; no offset means UTC).
    chat_channel_posts : bool
        Chat exports: keep posts in channels.
    group_column : str, optional
        Tie lists: the attribute that becomes the department.
    tie_score : str
        viva-p2p: ``strong`` or ``diverse``.

    Raises
    ------
    ParameterError
        ``tie_score`` not strong or diverse; ``since`` or ``until`` not ISO
        8601; ``since`` not before ``until`` (field ``until``); a domain
        holding a space, ``@`` (but a leading one), ``/``, ``,`` ... (field
        ``internal_domain``).

    Examples
    --------
    >>> r = import_request(internal_domains=[" @Example.COM", "", "example.com"], since="2024-03-01")
    >>> r.internal_domains, r.since.isoformat()
    (('example.com',), '2024-03-01T00:00:00+00:00')
    """
    if tie_score not in TIE_SCORES:
        raise ParameterError("tie_score", f"'{tie_score}' (strong or diverse)")
    start, end = parse_when("since", since), parse_when("until", until)
    if start is not None and end is not None and start >= end:
        raise ParameterError("until", "since must be before until")
    domains = set()
    for raw in internal_domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if _NOT_IN_DOMAIN.search(domain):
            raise ParameterError(
                "internal_domain", f"'{raw}' is not a mail domain (e.g. example.com); give one per value"
            )
        domains.add(domain)
    return ImportRequest(
        since=start, until=end, internal_domains=tuple(sorted(domains)), chat_channel_posts=bool(chat_channel_posts),
        group_column=(group_column or "").strip() or None, tie_score=tie_score, column_map=dict(column_map or {}),
    )  # fmt: skip


def resolve_request(request: ImportRequest, people: Path | None, folder: Path) -> tuple[ImportOptions, Path | None]:
    """The :class:`ImportOptions` of ``request`` and the people file to copy in, reading ``people`` as the map asks.

    Parameters
    ----------
    request : ImportRequest
        As :func:`import_request` returns it.
    people : path, optional
        The people file the user gave.
    folder : path
        An existing folder (the caller's, temporary) for the people file
        renamed by the map; it must outlive the import.

    Returns
    -------
    (ImportOptions, path or None)
        The options (``account_ids`` filled from the people file's account id
        columns) and ``people``, or its renamed copy ``folder/people.parquet``
        when the map names other targets, or None without a people file.

    Raises
    ------
    ParameterError
        A map without a people file (field ``map``).
    DatasetError
        The people file is unreadable, a mapped column is missing, or an
        account id is in the rows of two people (see :func:`ona.io.columns.account_ids`).
    """
    from ona.io.columns import account_ids, write_mapped_people

    options = ImportOptions(
        since=request.since, until=request.until, internal_domains=request.internal_domains,
        chat_channel_posts=request.chat_channel_posts, group_column=request.group_column, tie_score=request.tie_score,
    )  # fmt: skip
    mapping = dict(request.column_map)
    if not mapping:
        return options, people
    if people is None:
        raise ParameterError("map", "renames the columns of the people file: give the people file")
    # account id targets (jira_account_id, ...) name where the importer finds ids, not a people column
    accounts = {t: c for t, c in mapping.items() if t in ACCOUNT_TARGETS.values()}
    if accounts:
        options = replace(options, account_ids=account_ids(people, mapping, accounts))
    renames = {t: c for t, c in mapping.items() if t not in accounts}
    if renames:
        people = write_mapped_people(people, renames, folder)
    return options, people


def import_options(
    *,
    people: Path | None,
    folder: Path,
    column_map: Mapping[str, str] | None = None,
    internal_domains: Iterable[str] = (),
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    chat_channel_posts: bool = False,
    group_column: str | None = None,
    tie_score: str = "strong",
) -> tuple[ImportOptions, Path | None]:
    """What a user says about an import -> its :class:`ImportOptions` and the people file to copy in.

    :func:`import_request` then :func:`resolve_request` (see both for the
    parameters): every value is checked before the people file is read.

    Raises
    ------
    ParameterError
        A bad value, naming its option (``tie_score``, ``since``, ``until``,
        ``internal_domain``, ``map``).
    DatasetError
        The people file is unusable for the map.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "hr.csv").write_text("Employee ID,Org Unit,Atlassian ID\\ne1,HR,acc-1\\n")
    >>> options, people = import_options(
    ...     people=folder / "hr.csv", folder=folder, internal_domains=["Example.com"],
    ...     column_map={"person_id": "Employee ID", "department": "Org Unit", "jira_account_id": "Atlassian ID"})
    >>> options.internal_domains, dict(options.account_ids), people.name
    (('example.com',), {'jira_account_id': {'acc-1': 'e1'}}, 'people.parquet')
    """
    request = import_request(
        column_map=column_map, internal_domains=internal_domains, since=since, until=until,
        chat_channel_posts=chat_channel_posts, group_column=group_column, tie_score=tie_score,
    )  # fmt: skip
    return resolve_request(request, people, folder)


__all__ = ["TIE_SCORES", "ImportRequest", "import_options", "import_request", "parse_when", "resolve_request"]
