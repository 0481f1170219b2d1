"""/api/v1/datasets: upload (multipart), list, get, delete, validation report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import (
    AnalystDep,
    DatasetId,
    FiguresDep,
    JobsDep,
    KeyDep,
    ReportsDep,
    ResultsDep,
    SettingsDep,
    StoreDep,
    dataset_for_role,
)
from api.errors import BadUpload, problem_responses
from api.models import DatasetPage, DatasetUpload, ValidationPage
from api.paging import DEFAULT_LIMIT, Limit, Offset, page
from api.imports import KIND_HELP, sources
from api.uploads import store_upload
from api.views import forget
from ona.io.columns import parse_map
from ona.io.imports.options import ImportRequest, import_request
from ona.io.limits import ReadLimits, RowLimitError
from ona.store import DatasetInfo

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=problem_responses(401, 422))

def _file_help(table: str) -> str:
    return (
        f"{table} table: CSV (UTF-8, header row), Parquet or JSON Lines with the columns of "
        "DESIGN.md; the file name's suffix (.csv, .parquet, .jsonl) tells the format"
    )


@router.post(
    "",
    status_code=201,
    response_model=DatasetUpload,
    summary="Upload a dataset",
    responses=problem_responses(400, 403, 413, 429),
)
def upload_dataset(
    key: AnalystDep,
    store: StoreDep,
    settings: SettingsDep,
    people: Annotated[
        UploadFile | None,
        File(description=_file_help("people") + "; required, but with a `kind` that takes its people from the "
             "export (viva-p2p, gephi) or with `internal_domain`"),
    ] = None,
    emails: Annotated[UploadFile | None, File(description=_file_help("emails"))] = None,
    meetings: Annotated[UploadFile | None, File(description=_file_help("meetings"))] = None,
    tickets: Annotated[UploadFile | None, File(description=_file_help("tickets"))] = None,
    chats: Annotated[UploadFile | None, File(description=_file_help("chats"))] = None,
    ties: Annotated[UploadFile | None, File(description=_file_help("ties"))] = None,
    people_history: Annotated[UploadFile | None, File(description=_file_help("people_history"))] = None,
    group_handoffs: Annotated[UploadFile | None, File(description=_file_help("group_handoffs"))] = None,
    column_map: Annotated[
        list[str] | None,
        Form(
            alias="map",
            description='the people file\'s own column names, one `TARGET=Column` per field (repeat the field), '
            'e.g. `person_id=Employee ID`, `department=Org Unit`, `email=Work Email` (as `ona analyze --map`); '
            "a column the file lacks is refused with 422. With a ticket `kind`, `jira_account_id`, "
            "`servicenow_sys_id`, `zendesk_user_id` or `github_login=Column` names the people column holding "
            "each person's account id in that system (as `ona import --map`)",
        ),
    ] = None,
    name: Annotated[str | None, Form(max_length=200, description="a name for the dataset")] = None,
    kind: Annotated[str | None, Form(max_length=40, description=KIND_HELP)] = None,
    files: Annotated[list[UploadFile] | None, File(description="with a kind: the export's files as they came")] = None,
    internal_domain: Annotated[
        list[str] | None,
        Form(description="with a kind and no `people` file: the organization's mail domain (repeat the field); "
             "people are the addresses of these domains seen in the export (as `ona import --internal-domain`)"),
    ] = None,
    since: Annotated[
        str | None,
        Form(max_length=64, description="with a kind: keep events at or after this time (ISO 8601 date or time; "
             "UTC without an offset; as `ona import --since`)"),
    ] = None,
    until: Annotated[
        str | None,
        Form(max_length=64, description="with a kind: keep events before this time (ISO 8601; after `since`; "
             "as `ona import --until`)"),
    ] = None,
    chat_channel_posts: Annotated[
        bool,
        Form(description="with a chat kind (slack, teams): keep posts in channels, with their members "
             "(as `ona import --chat-channel-posts`)"),
    ] = False,
    group_column: Annotated[
        str | None,
        Form(max_length=200, description="with kind viva-p2p or gephi and no `people` file: the attribute that "
             "becomes the department (viva-p2p default Organization, gephi default department)"),
    ] = None,
    tie_score: Annotated[
        str | None,
        Form(max_length=40, description="with kind viva-p2p: the tie weight, `strong` (Strong_tie_score, the "
             "default) or `diverse` (Diverse_tie_score)"),
    ] = None,
) -> DatasetUpload:
    """Upload the dataset files (multipart/form-data) and store them as one dataset.

    Rows that fail validation are not loaded; each is counted, and reported
    with its file, line and reason (the first ones here, the first
    `max_rejects_per_file` of each file under `/datasets/{id}/validation`).
    A file unusable as a whole (no header, a missing required column, not
    UTF-8, a broken Parquet file) or more rows than `max_rows_per_file` /
    `max_rows_per_upload` (counted before decoding) is refused with 422 and
    nothing is stored. The key is checked before the body is read, and each
    key may upload `upload_rate` times per `upload_rate_seconds` (429).

    With a `kind` (`exchange-trace`, `gmail`, `mbox`, `ics`, `slack`, ...,
    or `auto`), `files` is a real export as it came and `people` the people
    file: the export goes through `ona import` (records kept or dropped by
    reason, content never stored) with the same options (`internal_domain`
    instead of a people file, `since`, `until`, `chat_channel_posts`,
    `group_column`, `tie_score`, account id columns in `map`), and the
    answer's `import_report` says what was read, written and dropped per
    file. A bad option value is refused with 422 naming its field.
    """
    uploads = {"people": people, "emails": emails, "meetings": meetings, "tickets": tickets, "chats": chats,
               "ties": ties, "people_history": people_history, "group_handoffs": group_handoffs}  # fmt: skip
    mapping = parse_map(column_map or [])
    request = _import_request(
        kind, mapping, internal_domain=internal_domain, since=since, until=until,
        chat_channel_posts=chat_channel_posts, group_column=group_column, tie_score=tie_score,
    )  # fmt: skip
    limits = ReadLimits(
        max_rows_per_file=settings.max_rows_per_file,
        max_rows=settings.max_rows_per_upload,
        max_rejects_per_file=settings.max_rejects_per_file,
        max_people=settings.max_people,
    )
    with sources(kind, uploads, files, request) as staged_files:
        try:
            info, imported = store_upload(
                # with a kind the import applies the map (renamed people, account ids): none is left for loading
                store, staged_files, name=name or _default_name(), limits=limits,
                column_map=mapping if request is None else {},
                workspace=key.workspace or "default",
            )  # fmt: skip
        except RowLimitError as exc:
            raise RowLimitError(
                exc.file, f"{exc.reason} (service setting {_ROW_SETTINGS[exc.limit]})", limit=exc.limit
            ) from None
    limit = settings.upload_report_rejects
    report = store.validation_report(info.dataset_id, offset=0, limit=limit)
    return DatasetUpload(
        dataset=info, validation=ValidationPage.of(report, offset=0, limit=limit), import_report=imported
    )


@router.get("", response_model=DatasetPage, summary="List datasets")
def list_datasets(key: KeyDep, store: StoreDep, offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> DatasetPage:
    """The workspace's stored datasets, oldest first (a viewer gets no counts)."""
    rows = [dataset_for_role(key, d) for d in store.list_datasets(workspace=key.workspace)]
    return DatasetPage(**page(rows, offset=offset, limit=limit))


@router.get("/{dataset_id}", response_model=DatasetInfo, summary="Get a dataset", responses=problem_responses(404))
def get_dataset(dataset_id: DatasetId, key: KeyDep, store: StoreDep) -> DatasetInfo:
    """What a stored dataset holds (people and event counts, rejected rows, time span; a viewer gets no counts)."""
    return dataset_for_role(key, store.get_dataset(dataset_id))


@router.delete(
    "/{dataset_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a dataset",
    responses=problem_responses(403, 404, 409),
)
def delete_dataset(
    dataset_id: DatasetId,
    key: AnalystDep,
    store: StoreDep,
    jobs: JobsDep,
    results: ResultsDep,
    figures: FiguresDep,
    reports: ReportsDep,
) -> Response:
    """Delete a dataset with its events, analyses and results (409 while one of its analyses runs)."""
    store.get_dataset(dataset_id)
    jobs.ensure_idle_dataset(dataset_id)
    analyses = [a.analysis_id for a in store.list_analyses(dataset_id)]
    store.delete_dataset(dataset_id)
    # only this dataset's results: emptying the whole cache made every reader of another
    # analysis parse its result again at once (a burst of GIL-bound work on each delete)
    for analysis_id in analyses:
        forget(analysis_id, results, figures, reports)
    return Response(status_code=204)


@router.get(
    "/{dataset_id}/validation",
    response_model=ValidationPage,
    summary="Validation report of a dataset",
    responses=problem_responses(403, 404),
)
def validation_report(
    dataset_id: DatasetId, key: AnalystDep, store: StoreDep, offset: Offset = 0, limit: Limit = DEFAULT_LIMIT
) -> ValidationPage:
    """Rows read, accepted and rejected per file, and a page of the rejected rows with line and reason."""
    report = store.validation_report(dataset_id, offset=offset, limit=limit)
    return ValidationPage.of(report, offset=offset, limit=limit)


#: The service setting behind each ReadLimits field a RowLimitError names.
_ROW_SETTINGS = {
    "max_rows_per_file": "ONA_MAX_ROWS_PER_FILE",
    "max_rows": "ONA_MAX_ROWS_PER_UPLOAD",
    "max_people": "ONA_MAX_PEOPLE",
}


def _import_request(
    kind: str | None,
    mapping: dict[str, str],
    *,
    internal_domain: list[str] | None,
    since: str | None,
    until: str | None,
    chat_channel_posts: bool,
    group_column: str | None,
    tie_score: str | None,
) -> ImportRequest | None:
    """The checked import options of an upload with a kind (None without one, which takes no import option)."""
    if kind is None:
        given = {"internal_domain": internal_domain, "since": since, "until": until,
                 "chat_channel_posts": chat_channel_posts, "group_column": group_column,
                 "tie_score": tie_score}  # fmt: skip
        for field, value in given.items():
            if value:
                raise BadUpload(field, "an import option: it needs an export and its kind (the 'kind' form field)")
        return None
    return import_request(
        column_map=mapping, internal_domains=internal_domain or [], since=since, until=until,
        chat_channel_posts=chat_channel_posts, group_column=group_column, tie_score=tie_score or "strong",
    )  # fmt: skip


def _default_name() -> str:
    return f"upload {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
