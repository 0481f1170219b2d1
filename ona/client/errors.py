"""Errors of the Python client: the API's problem details as exceptions.

Input: an error answer of ``ona serve`` (RFC 9457 problem details,
``application/problem+json``: ``type``, ``title``, ``status``, ``detail``,
``instance``, ``errors``), or no answer at all. Output: one exception of the
:class:`ClientError` family, chosen by the status code alone
(:data:`BY_STATUS`), carrying the server's problem details unchanged.

Every class derives from :class:`ona.errors.OnaError`, so ``except
ona.OnaError`` catches the library's errors and the client's alike.
"""

from __future__ import annotations

from typing import Any

import httpx

from ona.errors import OnaError
from ona.store.models import AnalysisInfo


class ClientError(OnaError):
    """An error answer of the API, or no answer.

    Attributes
    ----------
    status : int or None
        The HTTP status code; None when the server could not be reached.
    title : str
        The kind of problem, as the server names it ("Missing or invalid API key").
    detail : str
        What went wrong this time, as the server wrote it.
    type : str
        A URI naming the kind of problem (``urn:ona:problem:forbidden``).
    errors : list of dict
        The fields at fault (``field``, ``location``, ``message``), if any.
    problem : dict
        The whole problem details document as the server sent it.
    """

    def __init__(self, problem: dict[str, Any], *, status: int | None = None) -> None:
        self.problem = dict(problem)
        self.status = status if status is not None else _int_or_none(problem.get("status"))
        self.title = str(problem.get("title") or "Error")
        self.detail = str(problem.get("detail") or self.title)
        self.type = str(problem.get("type") or "about:blank")
        self.errors: list[dict[str, Any]] = list(problem.get("errors") or [])
        where = f"{self.status} " if self.status is not None else ""
        super().__init__(f"{where}{self.title}: {self.detail}")


class ConnectionFailed(ClientError):
    """The server could not be reached, or did not answer in time (no status)."""


class BadRequest(ClientError):
    """400: the request could not be processed (e.g. a body that is not multipart)."""


class Unauthorized(ClientError):
    """401: no key, or a key that is unknown, revoked or expired."""


class Forbidden(ClientError):
    """403: the key's role may not do this (a viewer starting an analysis, an admin reading data)."""


class NotFound(ClientError):
    """404: no such dataset, analysis, figure or result part (or one of another workspace)."""


class Conflict(ClientError):
    """409: not possible in the current state (a result not ready, a running analysis deleted)."""


class TooLarge(ClientError):
    """413: the upload is larger than the server's limit (``ONA_MAX_UPLOAD_BYTES``)."""


class InvalidInput(ClientError):
    """422: an invalid parameter, field or dataset file; :attr:`errors` names what is at fault."""


class RateLimited(ClientError):
    """429: too many requests; :attr:`retry_after` seconds until the next try can pass (None if not said)."""

    def __init__(self, problem: dict[str, Any], *, status: int | None = None, retry_after: int | None = None) -> None:
        super().__init__(problem, status=status)
        self.retry_after = retry_after


class ServerError(ClientError):
    """5xx: the server failed (its log has the details)."""


class AnalysisFailed(ClientError):
    """An awaited analysis ended without a result (failed or cancelled); :attr:`analysis` is its record.

    The detail is the server's reason (a viewer reads only that the analysis did not finish).
    """

    def __init__(self, analysis: AnalysisInfo) -> None:
        self.analysis = analysis
        super().__init__(
            {"title": f"Analysis {analysis.status}", "detail": analysis.error or f"the analysis was {analysis.status}"}
        )


class WaitTimeout(ClientError, TimeoutError):
    """An awaited analysis had not ended when the wait's timeout passed; :attr:`analysis` is its last record."""

    def __init__(self, analysis: AnalysisInfo, timeout: float) -> None:
        self.analysis = analysis
        stage = f" ({analysis.stage}, {analysis.progress:.0%})" if analysis.stage else ""
        super().__init__(
            {"title": "Still running",
             "detail": f"analysis '{analysis.analysis_id}' is still {analysis.status}{stage} after {timeout:g} s"}
        )  # fmt: skip


#: status code -> exception class (codes not here: :class:`ClientError`, or :class:`ServerError` for 5xx).
BY_STATUS: dict[int, type[ClientError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: TooLarge,
    422: InvalidInput,
    429: RateLimited,
}


def error_of(response: httpx.Response) -> ClientError:
    """The exception for an error answer (status >= 400), with the server's problem details.

    An answer that is not problem details (a proxy's HTML page, say) gives
    a problem with the status's phrase as title and the start of the body as
    detail.
    """
    status = response.status_code
    problem = _problem_of(response)
    cls = BY_STATUS.get(status, ServerError if status >= 500 else ClientError)
    if cls is RateLimited:
        return RateLimited(problem, status=status, retry_after=_int_or_none(response.headers.get("Retry-After")))
    return cls(problem, status=status)


def connection_failed(request: httpx.Request, exc: httpx.TransportError) -> ConnectionFailed:
    """The exception for a request that got no answer (refused, timed out, cut)."""
    what = "did not answer in time" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
    reason = str(exc) or type(exc).__name__
    return ConnectionFailed(
        {"title": "No answer from the server",
         "detail": f"{request.method} {request.url}: the server {what} ({reason})"}
    )  # fmt: skip


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and ("detail" in body or "title" in body):
        return body
    text = response.text.strip()
    return {
        "status": response.status_code,
        "title": response.reason_phrase or "Error",
        "detail": text[:500] if text else response.reason_phrase or f"HTTP {response.status_code}",
    }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
