"""One error shape for the whole service: RFC 9457 problem details.

Every error answer, whether raised by ona (a bad file, an unknown group_by),
by the service (a missing key, a result not ready) or by FastAPI / Starlette
themselves (a malformed parameter, an unknown route, a wrong method), is
``application/problem+json``::

    {"type": "urn:ona:problem:dataset", "title": "Unusable dataset file",
     "status": 422, "detail": "emails.csv: missing required column 'sender'",
     "instance": "/api/v1/datasets",
     "errors": [{"field": "emails.csv", "message": "missing required column 'sender'"}]}

``errors`` lists the fields at fault when there are any (validation errors
name each field, e.g. ``parameters.seed`` or ``limit``). Which exception
gives which status is decided by one table, :data:`STATUS`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ona.errors import (
    DatasetError,
    EmptyGraphError,
    NotFoundError,
    OnaError,
    ParameterError,
)

log = logging.getLogger("ona.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One field at fault."""

    field: str = Field(description="the field, e.g. 'parameters.seed', 'limit', 'people' or a file name")
    location: str | None = Field(None, description="where the field is: body, query, path, header or file")
    message: str


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details)."""

    type: str = Field("about:blank", description="a URI naming the kind of problem")
    title: str = Field(description="a short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong this time, as a sentence")
    instance: str | None = Field(None, description="the path of the request")
    errors: list[FieldError] = Field(default_factory=list, description="the fields at fault, if any")


# --------------------------------------------------------------------------
# Errors the service raises itself (ona's own errors stay free of HTTP).


class ApiError(Exception):
    """An error of the service; the subclass decides the status through :data:`STATUS`."""

    title = "Error"
    kind = "error"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class Unauthorized(ApiError):
    title, kind = "Missing or invalid API key", "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="ona"'})


class Forbidden(ApiError):
    title, kind = "Not allowed for this role", "forbidden"


class Conflict(ApiError):
    title, kind = "Not possible in the current state", "conflict"


class TooManyRequests(ApiError):
    """Over a rate limit; ``retry_after`` seconds until the next try can pass."""

    title, kind = "Too many requests", "rate-limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class BadUpload(ApiError):
    """An upload the service cannot hand to ona (unknown file type, ...)."""

    title, kind = "Unusable upload", "upload"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.reason = detail


#: The one table: exception class -> HTTP status (the most specific class wins).
STATUS: dict[type[Exception], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    TooManyRequests: 429,
    BadUpload: 422,
    NotFoundError: 404,
    DatasetError: 422,
    ParameterError: 422,
    EmptyGraphError: 422,
    OnaError: 400,
}

_TITLES: dict[type[Exception], tuple[str, str]] = {
    NotFoundError: ("Not found", "not-found"),
    DatasetError: ("Unusable dataset file", "dataset"),
    ParameterError: ("Invalid parameter", "parameter"),
    EmptyGraphError: ("Nothing to analyze", "empty-graph"),
    OnaError: ("Request cannot be processed", "ona"),
}


def status_of(exc: Exception) -> int:
    """The HTTP status of an exception, from :data:`STATUS` (500 if it is not there)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _title_of(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ApiError):
        return exc.title, exc.kind
    for cls in type(exc).__mro__:
        if cls in _TITLES:
            return _TITLES[cls]
    return "Internal error", "internal"


#: An absolute file path (POSIX or Windows) inside a message: the server's folders are nobody's business.
# (the service's own routes, /api/v1/... and the pages, are not server folders and stay)
_PATH = re.compile(r"(?<![\w/.:])(?:/(?!api/|analyses|datasets|static/|assets/|docs|sign-)|[A-Za-z]:\\)(?:[^\s'\"/\\:]+[/\\])+(?=[^\s'\"/\\]*)")


def scrub_paths(text: str) -> str:
    """``text`` with every absolute path cut to its last part (``/srv/ona/x/emails.csv`` -> ``emails.csv``)."""
    return _PATH.sub("", text)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    kind: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = Problem(
        type=f"urn:ona:problem:{kind}" if kind else "about:blank",
        title=title or _phrase(status),
        status=status,
        detail=scrub_paths(detail),
        instance=request.url.path,
        errors=[e.model_copy(update={"field": scrub_paths(e.field), "message": scrub_paths(e.message)}) for e in errors],
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------
# Handlers


async def _ona_or_api_error(request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    title, kind = _title_of(exc)
    errors: list[FieldError] = []
    if isinstance(exc, (ParameterError, BadUpload)):
        errors.append(FieldError(field=exc.field, location="body", message=exc.reason))
    elif isinstance(exc, DatasetError):
        where = exc.file if exc.line is None else f"{exc.file} line {exc.line}"
        errors.append(FieldError(field=where, location="file", message=exc.reason))
    detail = exc.detail if isinstance(exc, ApiError) else str(exc)
    headers = exc.headers if isinstance(exc, ApiError) else None
    return problem_response(request, status, detail, title=title, kind=kind, errors=errors, headers=headers)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _phrase(exc.status_code)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}; the API lives under /api/v1 (see /docs)"
    elif exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 413:
        limit = request.app.state.settings.max_upload_bytes
        detail = f"the request body is larger than the limit of {_size(limit)} (setting ONA_MAX_UPLOAD_BYTES)"
    elif exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "the request body could not be parsed (for an upload: multipart/form-data with file fields)"
    return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}) or None)


def _field(loc: Sequence[Any]) -> tuple[str, str | None]:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, parts = parts[0], parts[1:]
    else:
        where = None
    return (".".join(parts) or (where or "request")), where


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        field, where = _field(err.get("loc", ()))
        errors.append(FieldError(field=field, location=where, message=str(err.get("msg", "invalid value"))))
    first = errors[0] if errors else FieldError(field="request", location=None, message="invalid request")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem_response(
        request,
        422,
        f"{first.field}: {first.message}{more}",
        title="Invalid request",
        kind="validation",
        errors=errors,
    )


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, 500, "an unexpected error occurred; the server log has the details", kind="internal"
    )


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on an app."""
    app.add_exception_handler(OnaError, _ona_or_api_error)
    app.add_exception_handler(ApiError, _ona_or_api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)


# --------------------------------------------------------------------------
# OpenAPI


_DESCRIPTIONS = {
    400: "The request body could not be parsed",
    401: "Missing, unknown or revoked API key",
    403: "The key's role may not do this (viewer on an analyst route)",
    404: "No such dataset, analysis or route",
    409: "Not possible in the current state (e.g. the analysis is not done)",
    413: "The request body is larger than the configured limit",
    429: "Too many requests from this client or key; wait `Retry-After` seconds",
    422: "Invalid parameter, body or dataset file; `errors` names the fields",
}

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error codes, all problem+json."""
    return {
        code: {"description": _DESCRIPTIONS[code], "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}
        for code in codes
    }


def add_problem_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the Problem schema (and FieldError) in an OpenAPI document's components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas["Problem"] = schema
    return openapi


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"
