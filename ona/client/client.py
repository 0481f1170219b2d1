"""The Python client of ona's HTTP API: upload, analyze, wait, read results as ona's own types.

Input: the address of an ``ona serve`` and an API key (``ona keys create``).
Output: ona's models, parsed from the server's JSON: :class:`ona.store.DatasetInfo`,
:class:`ona.store.AnalysisInfo`, :class:`ona.results.AnalysisResult` (the
viewer's version for a viewer key, as the server hands it out),
:class:`ona.results.ValidationReport`, and the result's parts as pandas
DataFrames (:meth:`Client.frames`). Error answers raise the exceptions of
:mod:`ona.client.errors` with the server's problem details.

The client only speaks HTTP and parses; every figure comes from the server.
"""

from __future__ import annotations

import os
import time
from urllib.parse import quote
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ona.client.errors import AnalysisFailed, WaitTimeout, connection_failed, error_of
from ona.client.uploads import upload_parts
from ona.io.imports.folder import ImportReport
from ona.params import AnalysisParams
from ona.results import AnalysisResult, FileReport, Reject, ValidationReport
from ona.store.models import AnalysisInfo, DatasetInfo

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from ona.tables import Frames

API = "/api/v1"

#: Rows asked for per page when a list is read whole (the server's largest page).
PAGE = 1000

#: Statuses of an analysis that has ended (it changes no more).
ENDED = frozenset({"done", "failed", "cancelled"})

#: What :meth:`Client.wait` calls on each change of an analysis' status, stage or progress.
OnProgress = Callable[[AnalysisInfo], None]


class Upload(BaseModel):
    """The server's answer to an upload: the stored dataset, its validation report, the import report."""

    model_config = ConfigDict(extra="forbid")

    dataset: DatasetInfo
    validation: ValidationReport = Field(
        description="rows read, accepted and rejected per file; the first rejected rows "
        "(Client.validation_report has all that the server kept)"
    )
    import_report: ImportReport | None = Field(None, description="with a kind: what the import read, wrote and dropped")

    @property
    def dataset_id(self) -> str:
        return self.dataset.dataset_id


class Client:
    """A client of one ``ona serve``, with one API key (a context manager that closes its connections).

    Parameters
    ----------
    base_url : str
        The server's address, e.g. ``"http://127.0.0.1:8000"`` (the API lives under ``/api/v1``).
    key : str
        An API key of the analyst or viewer role (``ona keys create --role analyst -q``),
        sent as ``Authorization: Bearer <key>``.
    timeout : float, optional
        Seconds to wait for each answer (60 by default).
    upload_timeout : float, optional
        Seconds to wait for the answer to an upload (an hour by default): the
        server answers once it has read and validated every row.
    transport : httpx.BaseTransport, optional
        Another transport (e.g. ``httpx.WSGITransport`` in tests, or one with retries).

    Examples
    --------
    >>> from ona.client import Client
    >>> with Client("http://127.0.0.1:8000", key) as client:          # doctest: +SKIP
    ...     upload = client.upload_dataset("sample_data", name="sample")
    ...     job = client.analyze(upload.dataset_id, {"seed": 7})
    ...     client.wait(job.analysis_id, on_progress=print)
    ...     frames = client.frames(job.analysis_id)
    """

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout: float = 60.0,
        upload_timeout: float = 3600.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._upload_timeout = httpx.Timeout(timeout, read=upload_timeout)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Send one request; an error answer raises its :class:`ClientError`, no answer :class:`ConnectionFailed`."""
        request = self._http.build_request(method, f"{API}{path}", **kw)
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise connection_failed(request, exc) from exc
        if response.status_code >= 400:
            raise error_of(response)
        return response

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self._request(method, path, **kw).json()

    def _pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged list (``offset`` / ``limit``), page after page."""
        offset = 0
        while True:
            page = self._json("GET", path, params={**(params or {}), "offset": offset, "limit": PAGE})
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def health(self) -> str:
        """The server's ona version (``GET /health``, which needs no key)."""
        return str(self._json("GET", "/health")["version"])

    # ------------------------------------------------------------------ datasets

    def upload_dataset(
        self,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        kind: str | None = None,
        people: str | os.PathLike[str] | None = None,
        column_map: Mapping[str, str] | None = None,
        internal_domains: Sequence[str] = (),
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        chat_channel_posts: bool = False,
        group_column: str | None = None,
        tie_score: str | None = None,
    ) -> Upload:
        """Upload a dataset folder, or an export of any kind ona imports (analyst key).

        Parameters
        ----------
        path : path
            A dataset folder of ona's tables (people.csv, emails.csv, ...;
            each table file is sent, as ``ona analyze FOLDER`` reads them), or
            an export as it came: a file (a message trace CSV, Gmail log JSON
            lines, an .ics, a Slack .zip, a Jira changelog JSON, ...) or a
            folder of its files (a Slack export folder is zipped first).
        name : str, optional
            The dataset's name (the server names it after the time otherwise).
        kind : str, optional
            The export's kind (``exchange-trace``, ``gmail``, ``mbox``, ``ics``,
            ``slack``, ``jira``, ... as ``ona import`` names them, or ``auto``);
            a file given without one is sent with ``auto``.
        people : path, optional
            The people file (person_id, department, email): required by the
            server with an export, but for viva-p2p and gephi (whose people
            come from the export) or with ``internal_domains``; for a dataset
            folder, sent instead of the folder's own.
        column_map : mapping of str to str, optional
            ona's field -> the people file's column, e.g. ``{"person_id": "Employee ID"}``;
            with a ticket kind also the account id column, e.g.
            ``{"jira_account_id": "Atlassian ID"}`` (as ``ona import --map``).
        internal_domains : sequence of str, optional
            With an export and no people file: the organization's mail
            domains; people are the addresses of these domains seen in the
            export (``ona import --internal-domain``).
        since, until : datetime or str, optional
            With an export: keep the events in [since, until) (ISO 8601 text or
            a datetime; no offset means UTC).
        chat_channel_posts : bool
            With a chat export: keep posts in channels (``--chat-channel-posts``).
        group_column : str, optional
            viva-p2p, gephi without a people file: the attribute that becomes the department.
        tie_score : str, optional
            viva-p2p: ``"strong"`` (the server's default) or ``"diverse"``.

        Returns
        -------
        Upload
            The stored dataset, its validation report (the first rejected
            rows; all with :meth:`validation_report`) and, with a kind, the
            import report.

        Raises
        ------
        FileNotFoundError, ValueError, ona.errors.DatasetError
            Before anything is sent: a missing path, an unknown kind, a folder
            ona could not read as a dataset.
        InvalidInput
            The server refused the upload (422: an unusable file, a missing
            people file, too many rows, a bad import option), naming the
            file or field at fault.
        Forbidden
            A viewer key (403).
        """
        with upload_parts(
            path, kind=kind, people=people, name=name, column_map=column_map, internal_domains=internal_domains,
            since=since, until=until, chat_channel_posts=chat_channel_posts, group_column=group_column,
            tie_score=tie_score,
        ) as parts:  # fmt: skip
            body = self._json("POST", "/datasets", files=parts.files, data=parts.data, timeout=self._upload_timeout)
        return _upload_of(body)

    def list_datasets(self) -> list[DatasetInfo]:
        """The workspace's datasets, oldest first (a viewer key gets no counts)."""
        return [DatasetInfo.model_validate(item) for item in self._pages("/datasets")]

    def get_dataset(self, dataset_id: str) -> DatasetInfo:
        """What a stored dataset holds (NotFound for an unknown id or another workspace's)."""
        return DatasetInfo.model_validate(self._json("GET", f"/datasets/{_id(dataset_id)}"))

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset with its analyses and results (analyst; Conflict while one of them runs)."""
        self._request("DELETE", f"/datasets/{_id(dataset_id)}")

    def validation_report(self, dataset_id: str) -> ValidationReport:
        """A dataset's validation report with every rejected row the server kept (analyst key).

        ``rejected_omitted`` counts the rejected rows that were only counted
        (beyond the server's ``ONA_MAX_REJECTS_PER_FILE`` per file).
        """
        page = self._json("GET", f"/datasets/{_id(dataset_id)}/validation", params={"offset": 0, "limit": PAGE})
        rejected = list(page["rejected"])
        while len(page["rejected"]) == PAGE:
            page = self._json(
                "GET", f"/datasets/{_id(dataset_id)}/validation", params={"offset": len(rejected), "limit": PAGE}
            )
            rejected.extend(page["rejected"])
        return _validation_of(
            page, rejected, rest="they were only counted (the server keeps ONA_MAX_REJECTS_PER_FILE per file)"
        )

    # ------------------------------------------------------------------ analyses

    def analyze(self, dataset_id: str, params: AnalysisParams | Mapping[str, Any] | None = None) -> AnalysisInfo:
        """Start an analysis of a stored dataset (analyst key); its record, status ``queued``.

        ``params`` is an :class:`ona.params.AnalysisParams` (the fields set on
        it are sent; the server fills in the defaults), or a mapping of its
        fields (``{"seed": 7, "group_by": "team"}``), checked by the server
        (InvalidInput names the field at fault). Wait for it with :meth:`wait`.
        """
        if isinstance(params, AnalysisParams):
            parameters: dict[str, Any] = params.model_dump(mode="json", exclude_unset=True)
        else:
            parameters = dict(params or {})
        body = self._json("POST", "/analyses", json={"dataset_id": dataset_id, "parameters": parameters})
        return AnalysisInfo.model_validate(body)

    def list_analyses(self, dataset_id: str | None = None) -> list[AnalysisInfo]:
        """The workspace's analyses (only ``dataset_id``'s when given), oldest first, with their status."""
        params = {"dataset_id": dataset_id} if dataset_id is not None else None
        return [AnalysisInfo.model_validate(item) for item in self._pages("/analyses", params)]

    def get_analysis(self, analysis_id: str) -> AnalysisInfo:
        """An analysis' record: status, stage and progress (in [0, 1]), the reason it failed."""
        return AnalysisInfo.model_validate(self._json("GET", f"/analyses/{_id(analysis_id)}"))

    def wait(
        self,
        analysis_id: str,
        *,
        on_progress: OnProgress | None = None,
        timeout: float = 3600.0,
        poll_interval: float = 0.5,
    ) -> AnalysisInfo:
        """Poll an analysis until it is done; its last record.

        Parameters
        ----------
        analysis_id : str
            The analysis (from :meth:`analyze`).
        on_progress : callable, optional
            Called with the analysis' record (:class:`ona.store.AnalysisInfo`:
            ``status``, ``stage``, ``progress`` in [0, 1]) at the first poll
            and whenever one of those three changes, the last time with the
            ``done`` record.
        timeout : float
            Seconds to wait at most (an hour by default; the server's own
            limit is ``ONA_ANALYSIS_TIME_LIMIT``).
        poll_interval : float
            Seconds between two polls.

        Raises
        ------
        AnalysisFailed
            The analysis failed or was cancelled (the detail says why, to an analyst).
        WaitTimeout
            It had not ended after ``timeout`` seconds (it keeps running on the server).
        """
        deadline = time.monotonic() + timeout
        seen: tuple[str, str | None, float] | None = None
        while True:
            info = self.get_analysis(analysis_id)
            state = (info.status, info.stage, info.progress)
            if on_progress is not None and state != seen:
                on_progress(info)
            seen = state
            if info.status == "done":
                return info
            if info.status in ENDED:
                raise AnalysisFailed(info)
            if time.monotonic() + poll_interval > deadline:
                raise WaitTimeout(info, timeout)
            time.sleep(poll_interval)

    def cancel_analysis(self, analysis_id: str) -> AnalysisInfo:
        """Cancel a queued analysis, or ask a running one to stop (analyst; Conflict once it has ended)."""
        return AnalysisInfo.model_validate(self._json("POST", f"/analyses/{_id(analysis_id)}/cancel"))

    def delete_analysis(self, analysis_id: str) -> None:
        """Delete an analysis and its result (analyst; Conflict while it is queued or running)."""
        self._request("DELETE", f"/analyses/{_id(analysis_id)}")

    # ------------------------------------------------------------------ results

    def result(self, analysis_id: str) -> AnalysisResult:
        """The whole result of a done analysis, as ``ona analyze`` writes it.

        A viewer key gets the viewer's version (:func:`ona.privacy.for_viewer`:
        no people, small groups suppressed; ``privacy.audience == "viewer"``).
        Conflict while the analysis has not finished.
        """
        response = self._request("GET", f"/analyses/{_id(analysis_id)}/result")
        return AnalysisResult.model_validate_json(response.content)

    def frames(self, analysis_id: str) -> Frames:
        """Each part of a done analysis' result as a pandas DataFrame (:func:`ona.tables.result_frames`).

        The result is the one the key may see (:meth:`result`): a viewer's
        frames have no people, key people, carriers or bridge people. The
        frames' columns are those of :data:`ona.tables.schema.TABLES`
        (``frames.groups``, ``frames.links``, ``frames.people``, ...;
        ``frames.as_dict()`` has them all by name).
        """
        from ona.tables import result_frames  # imports pandas

        return result_frames(self.result(analysis_id))

    def figure(self, analysis_id: str, name: str, **options: str) -> go.Figure:
        """One figure of an analysis (``department_map``, ``silo_ranking``, ...) as a Plotly figure.

        ``options`` are the figure's query options (``color_by="insularity"``);
        the server's ``GET /analyses/{id}/figures`` lists them.
        """
        import plotly.io as pio

        response = self._request("GET", f"/analyses/{_id(analysis_id)}/figures/{_id(name)}", params=options)
        return pio.from_json(response.text)

    def report(self, analysis_id: str) -> str:
        """The silo report (one self-contained HTML document; the leaders' version for a viewer key)."""
        return self._request("GET", f"/analyses/{_id(analysis_id)}/report", headers={"Accept": "text/html"}).text


def _id(ident: str) -> str:
    """An id as one path segment (a '/' or '?' in it cannot reach another route)."""
    return quote(str(ident), safe="")


def _validation_of(page: Mapping[str, Any], rejected: list[Any], *, rest: str) -> ValidationReport:
    """A :class:`ValidationReport` from the API's validation page(s) and the rejected rows read.

    ``rest`` says where the rejected rows not listed are (for the report's ``note``).
    """
    files = {name: FileReport.model_validate(f) for name, f in page["files"].items()}
    rows = [Reject.model_validate(r) for r in rejected]
    omitted = max(int(page["rejected_total"]) - len(rows), 0)
    note = f"{omitted:,} rejected row{'s are' if omitted != 1 else ' is'} not listed here: {rest}" if omitted else ""
    return ValidationReport(files=files, external=dict(page.get("external") or {}), rejected=rows,
                            rejected_omitted=omitted, note=note)  # fmt: skip


def _upload_of(body: Mapping[str, Any]) -> Upload:
    validation = body["validation"]
    report = body.get("import_report")
    return Upload(
        dataset=DatasetInfo.model_validate(body["dataset"]),
        validation=_validation_of(
            validation, validation["rejected"], rest="Client.validation_report(dataset_id) reads all the server kept"
        ),
        import_report=ImportReport.model_validate(report) if report is not None else None,
    )
